"""The privacy officer's forms: they parse input; :mod:`.subject_access` decides.

The inzageverzoek's search values are personal data: they arrive in a POST
body only, and no error message repeats them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vroegsignaal.households.matching import normalise_surname
from vroegsignaal.intake.normalise_addresses import normalise_postcode
from vroegsignaal.intake.normalise_bsn import normalise_bsn
from vroegsignaal.portal.forms import DateInput

from .subject_access import SubjectQuery

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]


def _off(**attrs) -> dict:
    # No browser remembers what an officer typed here.
    return {"autocomplete": "off", "spellcheck": "false", **attrs}


class SubjectSearchForm(forms.Form):
    """Find a person: by BSN, or by surname and birth date (and, to narrow it, the postcode)."""

    bsn = forms.CharField(
        label=_("BSN"),
        required=False,
        max_length=20,
        help_text=_("Negen cijfers; het nummer moet de elfproef doorstaan."),
        widget=forms.TextInput(attrs=_off(inputmode="numeric")),
    )
    achternaam = forms.CharField(
        label=_("Achternaam"),
        required=False,
        max_length=200,
        help_text=_("Met of zonder tussenvoegsel: ‘van Dijk’ en ‘Dijk’ vinden dezelfde persoon."),
        widget=forms.TextInput(attrs=_off()),
    )
    geboortedatum = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=DateInput(attrs=_off()),
    )
    postcode = forms.CharField(
        label=_("Postcode (niet verplicht)"),
        required=False,
        max_length=10,
        help_text=_("Alleen bij zoeken op naam: beperkt de treffers tot dit adres."),
        widget=forms.TextInput(attrs=_off(size="8")),
    )

    def clean_bsn(self) -> str:
        value = (self.cleaned_data.get("bsn") or "").strip()
        if not value:
            return ""
        bsn = normalise_bsn(value)
        if bsn is None:
            raise forms.ValidationError(
                _("Dit is geen geldig BSN: negen cijfers die de elfproef doorstaan."), code="bsn"
            )
        return bsn

    def clean_achternaam(self) -> str:
        value = (self.cleaned_data.get("achternaam") or "").strip()
        if value and not normalise_surname(value):
            raise forms.ValidationError(_("Een achternaam bevat letters."), code="achternaam")
        return value

    def clean_postcode(self) -> str:
        value = (self.cleaned_data.get("postcode") or "").strip()
        if not value:
            return ""
        postcode = normalise_postcode(value)
        if postcode is None:
            raise forms.ValidationError(
                _("Dit is geen geldige postcode (vier cijfers en twee letters)."), code="postcode"
            )
        return postcode

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        bsn, surname, born = data.get("bsn"), data.get("achternaam"), data.get("geboortedatum")
        by_name = bool(surname or born or data.get("postcode"))
        if bsn and by_name:
            raise forms.ValidationError(
                _("Zoek op BSN óf op achternaam en geboortedatum, niet op allebei."), code="both"
            )
        if not bsn:
            if not by_name:
                raise forms.ValidationError(
                    _("Vul een BSN in, of een achternaam en een geboortedatum."), code="empty"
                )
            if not surname:
                self.add_error("achternaam", _("Vul bij zoeken op naam de achternaam in."))
            if not born:
                self.add_error("geboortedatum", _("Vul bij zoeken op naam de geboortedatum in."))
        return data

    def query(self) -> SubjectQuery:
        """The search, once the form is valid."""
        data = self.cleaned_data
        return SubjectQuery(
            bsn=data.get("bsn") or "",
            surname=data.get("achternaam") or "",
            birth_date=data.get("geboortedatum"),
            postcode=data.get("postcode") or "",
        )
