"""What the delivery API reads and writes (spec 1.1, 1.4, 1.7). Field names are the contract's."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .fields import FIELDS, Soort
from .models import Delivery, DeliveryStatus
from .report import delivery_report


class DeliveryUploadSerializer(serializers.Serializer):
    """``multipart/form-data``: the file with its peildatum and soort."""

    # An empty file is a delivery refused as BESTAND_LEEG (spec 1.6), as on every way in,
    # not a request error.
    file = serializers.FileField(
        allow_empty_file=True, help_text="Het bestand: CSV, XLSX of JSON (spec 1.3)."
    )
    peildatum = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="JJJJ-MM-DD; ontbreekt, ligt in de toekomst of vóór 2000-01-01 → PEILDATUM_ONGELDIG "
        "(bij een JSON-bestand mag hij in het bestand staan).",
    )
    soort = serializers.ChoiceField(
        choices=Soort.choices,
        required=False,
        help_text="stand (standaard) of mutatie.",
    )


# What spec 1.5 accepts per field, for the OpenAPI document (a creditor's developer may have
# only that). Every value may be text or a JSON number; true/false are read as the words.
FIELD_HELP: dict[str, str] = {
    "klantnummer": "Uw klantnummer, hoogstens 64 tekens; komt terug in de terugkoppeling.",
    "contractnummer": "Hoogstens 64 tekens; klantnummer en contractnummer samen komen één keer voor.",
    "voorletters": "`J.P.`, `JP`, `J P`; voorletters of voornamen is verplicht.",
    "voornamen": "Volledige voornamen; voorletters of voornamen is verplicht.",
    "tussenvoegsel": "`van der`, `v.d.`, `V/D`, `'t`.",
    "achternaam": "Hoogstens 200 tekens; mag het tussenvoegsel bevatten (`van Dijk`, `Dijk, van`).",
    "geboortedatum": "`JJJJ-MM-DD`, `DD-MM-JJJJ`, `DD/MM/JJJJ`, `D-M-JJJJ` of `JJJJMMDD`.",
    "geslacht": "`M`, `V`, `X`, `O`, `man` of `vrouw`.",
    "straatnaam": "Alleen ter controle.",
    "huisnummer": "`12`, of met letter of toevoeging: `12A`, `12-a`, `12 A`, `12-1`, `12 hs`.",
    "huisletter": "Eén letter.",
    "huisnummertoevoeging": "Hoogstens 4 tekens.",
    "postcode": "`1234AB`, `1234 ab` of `1234-AB`.",
    "woonplaats": "",
    "bedrag_achterstand": "Groter dan nul: een getal, of tekst als `1234.56`, `1.234,56`, `€ 1.234,56`.",
    "ontstaansdatum": "Als geboortedatum; niet na de peildatum.",
    "aantal_termijnen": "Geheel getal, 0 of meer.",
    "crisissignaal": "`ja`/`nee`, `j`/`n`, `true`/`false`, `1`/`0`, `x`.",
    "crisis_reden": "`ontruiming`, `afsluiting_energie`, `afsluiting_water` of `beeindiging_zorgverzekering`.",
    "warme_overdracht": "Als crisissignaal.",
    "telefoonnummer": "Nederlands of internationaal; een onjuist nummer wordt weggelaten (waarschuwing).",
    "email": "Een onjuist adres wordt weggelaten (waarschuwing).",
    "bsn": "9 cijfers (8 als de voorloopnul ontbreekt), elfproef; alleen als het convenant het toestaat.",
    "signaal_id": "Uw eigen kenmerk, hoogstens 64 tekens; komt terug in de terugkoppeling.",
    "status": "Verplicht in een `mutatie`: `nieuw`, `gewijzigd` of `afgemeld`.",
}


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "nullable": True}
)
class ArrearValueField(serializers.CharField):
    """A value of a JSON body's arrear: text, a number (read as written) or true/false."""


ArrearInputSerializer = type(
    "ArrearInputSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Eén achterstand in een JSON-body: de velden van spec 1.5. Andere sleutels worden "
        "genegeerd en in het verslag genoemd (`onbekende_kolommen`).",
        "__module__": __name__,
        **{
            f.name: ArrearValueField(required=f.required, help_text=FIELD_HELP.get(f.name, ""))
            for f in FIELDS
        },
    },
)


class DeliveryJsonSerializer(serializers.Serializer):
    """``application/json``: spec 1.4."""

    peildatum = serializers.DateField()
    soort = serializers.ChoiceField(choices=Soort.choices, required=False)
    achterstanden = ArrearInputSerializer(many=True)


class MunicipalityCountSerializer(serializers.Serializer):
    gemeentecode = serializers.CharField()
    gemeente = serializers.CharField()
    regels = serializers.IntegerField()


class ArrearCountsSerializer(serializers.Serializer):
    nieuw = serializers.IntegerField()
    gewijzigd = serializers.IntegerField()
    afgemeld = serializers.IntegerField()


class RefusalSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(), help_text="Weigeringscodes (spec 1.6)."
    )
    melding = serializers.CharField(help_text="Nederlandse toelichting.")


class SafetyCheckSerializer(serializers.Serializer):
    open_achterstanden = serializers.IntegerField()
    af_te_melden = serializers.IntegerField()
    latere_stand = serializers.DateField(
        required=False,
        help_text="Alleen als de stand is tegengehouden omdat er al een stand met deze latere peildatum is verwerkt.",
    )
    bevestigd_op = serializers.DateTimeField(
        required=False,
        help_text="Alleen als de tegengehouden stand is bevestigd: wanneer.",
    )
    bevestigd_via = serializers.ChoiceField(
        choices=["portaal", "api", "opdrachtregel", ""],
        required=False,
        help_text="Alleen als de tegengehouden stand is bevestigd: waar (leeg bij een bevestiging "
        "van vóór 28 november 2026).",
    )
    bevestigd_door = serializers.CharField(
        required=False,
        help_text="Alleen als de tegengehouden stand is bevestigd: in het portaal de gebruikersnaam, "
        "met de API het begin van de API-sleutel; leeg op de opdrachtregel.",
    )


class NoteSerializer(serializers.Serializer):
    veld = serializers.CharField()
    code = serializers.CharField()
    melding = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    """The delivery report (spec 1.7)."""

    regels_ontvangen = serializers.IntegerField(
        help_text="= regels_geaccepteerd + regels_afgewezen + buiten_convenant."
    )
    regels_geaccepteerd = serializers.IntegerField(
        help_text="Regels die door de controles kwamen. Bij status `afgewezen` (zoals `TE_VEEL_FOUTEN`) is "
        "er niets verwerkt: dan zijn dit de regels die goed waren, en `achterstanden` is 0."
    )
    regels_afgewezen = serializers.IntegerField(
        help_text="Regels met een of meer fouten; welke staat onder `fouten_url`."
    )
    afgewezen_per_code = serializers.DictField(child=serializers.IntegerField())
    waarschuwingen_per_code = serializers.DictField(child=serializers.IntegerField())
    gerouteerd_per_gemeente = MunicipalityCountSerializer(many=True)
    gerouteerd_alleen_op_postcode = serializers.IntegerField(
        help_text="Regels waarvan alleen de postcode in de adresregistratie staat."
    )
    buiten_convenant = serializers.IntegerField()
    buiten_convenant_per_gemeente = MunicipalityCountSerializer(many=True)
    achterstanden = ArrearCountsSerializer()
    onbekende_kolommen = serializers.ListField(child=serializers.CharField())
    opmerkingen = NoteSerializer(many=True)
    veiligheidscontrole = SafetyCheckSerializer(allow_null=True)
    weigering = RefusalSerializer(allow_null=True)
    storing = serializers.CharField(allow_null=True)


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery's status, counts and report."""

    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    soort = serializers.CharField(source="kind", read_only=True)
    peildatum = serializers.DateField(source="reference_date", read_only=True, allow_null=True)
    ontvangen_op = serializers.DateTimeField(source="received_at", read_only=True)
    verwerkt_op = serializers.DateTimeField(source="processed_at", read_only=True, allow_null=True)
    voortgang = serializers.IntegerField(source="progress", read_only=True, help_text="0–100")
    aangeleverd_via = serializers.CharField(source="via", read_only=True)
    bestandsformaat = serializers.CharField(
        source="file_format",
        read_only=True,
        help_text="`csv`, `xlsx` of `json` (spec 1.3): zoals het bestand wordt gelezen, naar zijn naam "
        "en eerste bytes; ook bij een geweigerde levering. Leeg als het geen van drieën is (een leeg "
        "bestand, het oude Excel-formaat .xls, een .xlsx dat geen XLSX is).",
    )
    grootte_bytes = serializers.IntegerField(source="size_bytes", read_only=True)
    vervangen_door = serializers.PrimaryKeyRelatedField(
        source="superseded_by", read_only=True, allow_null=True
    )
    status_url = serializers.SerializerMethodField()
    fouten_url = serializers.SerializerMethodField()
    bevestig_url = serializers.SerializerMethodField()
    stilgevallen_sinds = serializers.SerializerMethodField(
        help_text="Gezet als de verwerking stilstaat (geen voortgang sinds dit tijdstip, of een storing): "
        "de schuldeiser of beheerder kan de levering in het portaal opnieuw laten verwerken."
    )
    wacht_sinds = serializers.SerializerMethodField(
        help_text="Gezet als de levering langer dan normaal op verwerking wacht (ontvangen, door geen "
        "verwerker opgepakt): er is nog niets mee gedaan en opnieuw aanleveren is niet nodig."
    )
    verslag = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "status",
            "soort",
            "peildatum",
            "ontvangen_op",
            "verwerkt_op",
            "voortgang",
            "aangeleverd_via",
            "bestandsformaat",
            "grootte_bytes",
            "sha256",
            "vervangen_door",
            "status_url",
            "fouten_url",
            "bevestig_url",
            "stilgevallen_sinds",
            "wacht_sinds",
            "verslag",
        ]
        read_only_fields = fields

    def _url(self, name: str, obj: Delivery) -> str:
        path = reverse(name, kwargs={"delivery_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_status_url(self, obj: Delivery) -> str:
        return self._url("intake_api:delivery-detail", obj)

    def get_fouten_url(self, obj: Delivery) -> str:
        return self._url("intake_api:delivery-rejected-rows", obj)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_bevestig_url(self, obj: Delivery) -> str | None:
        if obj.status != DeliveryStatus.WACHT_OP_BEVESTIGING:
            return None
        return self._url("intake_api:delivery-confirm", obj)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_stilgevallen_sinds(self, obj: Delivery) -> str | None:
        since = obj.stalled_since()
        return None if since is None else serializers.DateTimeField().to_representation(since)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_wacht_sinds(self, obj: Delivery) -> str | None:
        since = obj.waiting_since()
        return None if since is None else serializers.DateTimeField().to_representation(since)

    @extend_schema_field(ReportSerializer)
    def get_verslag(self, obj: Delivery) -> dict:
        return delivery_report(obj)


class RejectedRowSerializer(serializers.Serializer):
    """One line of ``rij;klantnummer;veld;code;melding``."""

    rij = serializers.IntegerField(source="row")
    klantnummer = serializers.CharField()
    veld = serializers.CharField(source="field")
    code = serializers.CharField()
    melding = serializers.CharField(source="message")
    waarschuwing = serializers.BooleanField(
        source="is_warning",
        help_text="Waar voor een waarschuwing (de regel is wel verwerkt, alleen met `waarschuwingen=ja`); "
        "onwaar voor een afgewezen regel.",
    )


class RejectedRowPageSerializer(serializers.Serializer):
    """A page of rejected rows (``limit``/``offset``)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RejectedRowSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (``intake/errors.py``)."""

    melding = serializers.CharField(
        help_text="Wat er mis is en wat u kunt veranderen, in het Nederlands."
    )
    codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Weigeringscodes (spec 1.6), alleen als er een van toepassing is (`BESTAND_TE_GROOT`).",
    )
    velden = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Bij 400: per onjuist veld van het verzoek (`file`, `peildatum`, `soort`) de meldingen.",
    )
