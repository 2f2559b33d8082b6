"""The filter of the creditor's feedback page (GET parameters, Dutch names)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackKind
from .services import DEFAULT_SORT, SORTS


class FeedbackFilterForm(forms.Form):
    gebeurtenis = forms.ChoiceField(
        label=_("Gebeurtenis"), required=False, choices=[("", _("Alle")), *FeedbackKind.choices]
    )
    gemeente = forms.ChoiceField(label=_("Gemeente"), required=False)
    van = forms.DateField(
        label=_("Datum vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tot = forms.DateField(
        label=_("Datum tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # A hidden field, written by the column headers: an unknown sort is the default one (its own
    # error would show nowhere on the page).
    sorteer = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeente"].choices = [
            ("", _("Alle")),
            *((m.code, f"{m.name} ({m.code})") for m in municipalities),
        ]

    def clean_sorteer(self) -> str:
        value = self.cleaned_data.get("sorteer") or ""
        return value if value in SORTS else ""

    def clean(self):
        data = super().clean()
        if data.get("van") and data.get("tot") and data["van"] > data["tot"]:
            raise forms.ValidationError(_("De datum vanaf ligt na de datum tot en met."))
        return data

    def values(self) -> dict:
        """The valid filter values (an invalid field counts as not filled in)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {
            "kind": data.get("gebeurtenis") or "",
            "municipality_code": data.get("gemeente") or "",
            "date_from": data.get("van"),
            "date_to": data.get("tot"),
            "sort": data.get("sorteer") or DEFAULT_SORT,
        }
