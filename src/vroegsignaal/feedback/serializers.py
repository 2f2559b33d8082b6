"""What the feedback API returns (spec section 4). Field names are the contract's."""

from __future__ import annotations

from rest_framework import serializers

from .models import FeedbackKind, FeedbackResult


class FeedbackEventSerializer(serializers.Serializer):
    """Eén gebeurtenis over een klant (spec 4)."""

    id = serializers.IntegerField(
        help_text="Oplopend (niet aaneengesloten); de cursor voor `sinds`."
    )
    signaal_id = serializers.CharField(
        allow_null=True, help_text="Het signaal_id uit uw levering, als u dat meegaf."
    )
    klantnummer = serializers.CharField()
    gemeentecode = serializers.CharField(help_text="CBS-gemeentecode (4 cijfers).")
    gebeurtenis = serializers.ChoiceField(choices=FeedbackKind.choices)
    datum = serializers.DateField()
    incasso_uitstel_tot = serializers.DateField(
        allow_null=True,
        help_text="Alleen bij `opgepakt`: datum opgepakt + de dagen incasso-uitstel uit het convenant.",
    )
    resultaat = serializers.ChoiceField(
        choices=FeedbackResult.choices, allow_null=True, help_text="Alleen bij `afgesloten`."
    )


class FeedbackPageSerializer(serializers.Serializer):
    """De gebeurtenissen na de cursor, oplopend op `id`."""

    terugkoppeling = FeedbackEventSerializer(many=True)
    volgende = serializers.IntegerField(
        help_text="Geef dit getal bij de volgende vraag mee als `sinds`; zonder nieuwe gebeurtenissen blijft het gelijk "
        "(na een eerste vraag met een datum: het laatste id van vóór die datum)."
    )
    meer = serializers.BooleanField(
        help_text="Er staan nog gebeurtenissen klaar: vraag direct opnieuw."
    )


class FeedbackErrorSerializer(serializers.Serializer):
    melding = serializers.CharField()
