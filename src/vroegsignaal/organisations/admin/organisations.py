"""The admin of the organisations: municipalities, creditors, covenants and wijkteams.

Never deleted: deliveries, signals and the audit log refer to them.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vroegsignaal.portal.adminbase import ArticleAdmin

from ..models import Covenant, Creditor, Municipality, Team, foreign_neighbourhood_codes


class NoDeleteAdmin(ArticleAdmin):
    """Organisations are referred to by deliveries, signals and the audit log: never deleted."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Municipality)
class MunicipalityAdmin(NoDeleteAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["name"]

    def save_model(self, request, obj, form, change):
        """A new municipality gets the default rules and trays, as ``load_config`` gives it."""
        from vroegsignaal.signals import services as signal_services
        from vroegsignaal.signals.rules import validate_rule_values

        super().save_model(request, obj, form, change)
        if not change:
            signal_services.set_rules(obj, validate_rule_values(None), actor=request.user)


@admin.register(Creditor)
class CreditorAdmin(NoDeleteAdmin):
    list_display = ["code", "name", "type", "contact_email"]
    list_filter = ["type"]
    search_fields = ["code", "name"]
    ordering = ["name"]


class CovenantForm(forms.ModelForm):
    """A period that ends before it starts, or overlaps another of the same pair, is refused here
    as ``load_config`` refuses it (two covenants of one pair at once make routing ambiguous)."""

    class Meta:
        model = Covenant
        fields = [
            "creditor",
            "municipality",
            "valid_from",
            "valid_until",
            "collection_pause_days",
            "bsn_allowed",
        ]

    def clean(self):
        cleaned = super().clean()
        creditor, municipality = cleaned.get("creditor"), cleaned.get("municipality")
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error(
                "valid_until", _("De einddatum ligt vóór de begindatum van het convenant.")
            )
            return cleaned
        if not (creditor and municipality and valid_from):
            return cleaned
        others = Covenant.objects.filter(creditor=creditor, municipality=municipality)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        for other in others.order_by("valid_from"):
            if other.overlaps(valid_from, valid_until):
                until = (
                    _("tot en met %(date)s") % {"date": date_format(other.valid_until, "j F Y")}
                    if other.valid_until
                    else _("zonder einddatum")
                )
                raise forms.ValidationError(
                    _(
                        "Deze schuldeiser heeft al een convenant met deze gemeente in die periode "
                        "(vanaf %(from)s, %(until)s). Geef het andere convenant eerst "
                        "een einddatum vóór de nieuwe begindatum."
                    )
                    % {"from": date_format(other.valid_from, "j F Y"), "until": until}
                )
        return cleaned


@admin.register(Covenant)
class CovenantAdmin(NoDeleteAdmin):
    article = "het"
    form = CovenantForm
    list_display = [
        "creditor",
        "municipality",
        "valid_from",
        "valid_until",
        "collection_pause_days",
        "bsn_allowed",
    ]
    list_filter = ["municipality", "creditor__type", "bsn_allowed"]
    search_fields = ["creditor__code", "creditor__name", "municipality__code", "municipality__name"]
    list_select_related = ["creditor", "municipality"]
    ordering = ["municipality__name", "creditor__name"]


CBS_CODE = re.compile(r"^(WK|BU)\d{4,14}$")


class NeighbourhoodCodesField(forms.Field):
    """A team's wijken and buurten as CBS codes, one a line or separated by commas or spaces
    (stored as the JSON list it was). Lower case is read as upper case, a code given twice once."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(code) for code in value)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return list(value)
        text = (value or "").strip()
        if text.startswith("["):  # the JSON list this field asked for before
            try:
                value = json.loads(text)
            except ValueError:  # JSONDecodeError, and a number longer than int() reads
                raise forms.ValidationError(
                    _("Geef de codes één per regel of gescheiden door komma's."), code="invalid"
                )
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise forms.ValidationError(
                    _("Geef de codes één per regel of gescheiden door komma's."), code="invalid"
                )
            text = "\n".join(value)
        codes = []
        for code in re.split(r"[\s,;]+", text):
            code = code.strip().upper()
            if code and code not in codes:
                codes.append(code)
        return codes

    def validate(self, value):
        """A text that is no wijk or buurt code is refused without repeating it (it may be
        anything typed in the wrong field: a BSN, a name)."""
        super().validate(value)
        if any(not CBS_CODE.match(code) for code in value):
            raise forms.ValidationError(
                _(
                    "Een code is een wijkcode (WK) of buurtcode (BU) met cijfers, "
                    "zoals WK036301 of BU03630101."
                ),
                code="invalid",
            )

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class TeamForm(forms.ModelForm):
    """The codes are checked against the register: a wijk or buurt of another municipality is
    refused by the model (``Team.clean``), one the register does not know here, by name. A code
    the team already had stays allowed, and before the municipality's register is imported only
    the codes' form is checked (configuration may precede the register)."""

    neighbourhood_codes = NeighbourhoodCodesField(
        label=_("wijken en buurten"),
        required=False,
        help_text=_(
            "De CBS-codes van de wijken (WK…) en buurten (BU…) van het team, één per regel of "
            "gescheiden door komma's, zoals WK036301. Leeg: het team heeft geen eigen gebied."
        ),
    )

    class Meta:
        model = Team
        fields = [
            "municipality",
            "code",
            "name",
            "neighbourhood_codes",
            "phone",
            "email",
            "visiting_address",
        ]

    def clean(self):
        from vroegsignaal.registry.models import Neighbourhood

        cleaned = super().clean()
        codes, municipality = cleaned.get("neighbourhood_codes"), cleaned.get("municipality")
        if not codes or municipality is None:
            return cleaned
        register = Neighbourhood.objects.filter(municipality=municipality)
        if not register.exists():  # not imported yet: the model checks the codes' form only
            return cleaned
        known = set(register.filter(code__in=codes).values_list("code", flat=True))
        kept = set(self.instance.neighbourhood_codes or []) if self.instance.pk else set()
        # A code of another municipality is the model's error (Team.clean): named once, there.
        foreign = set(foreign_neighbourhood_codes(codes, municipality.code))
        unknown = [c for c in codes if c not in known | kept | foreign]
        if unknown:
            self.add_error(
                "neighbourhood_codes",
                ngettext(
                    "%(codes)s staat niet in het register van %(municipality)s.",
                    "%(codes)s staan niet in het register van %(municipality)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(unknown), "municipality": municipality.name},
            )
        return cleaned


@admin.register(Team)
class TeamAdmin(NoDeleteAdmin):
    article = "het"
    form = TeamForm
    list_display = ["code", "name", "municipality", "phone", "email"]
    list_filter = ["municipality"]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]
    ordering = ["municipality__name", "name"]
