"""Forms of the creditor's delivery pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .apikeys import active_key_named
from .fields import FIELD_NAMES, Soort
from .services import EARLIEST_PEILDATUM


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand"),
        help_text=_("CSV, XLSX of JSON volgens het aanleverformaat."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.json"}),
    )
    # Both may be left to a JSON file, which names its own (spec 1.4); for a CSV or an XLSX the
    # upload view asks for them once the file's format is known (views.upload).
    peildatum = forms.DateField(
        label=_("Peildatum"),
        required=False,
        help_text=_(
            "De datum waarop de achterstanden in dit bestand gelden. Bij een JSON-bestand dat "
            "zijn eigen peildatum noemt, mag u dit leeg laten."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    soort = forms.ChoiceField(
        label=_("Soort levering"),
        choices=[*Soort.choices, ("", _("Zoals in het bestand (alleen JSON)"))],
        initial=Soort.STAND,
        required=False,
        help_text=_(
            "Een stand is een volledig overzicht; achterstanden die ontbreken worden afgemeld."
        ),
    )

    def clean_peildatum(self):
        value = self.cleaned_data["peildatum"]
        if value is None:
            return value
        if value > timezone.localdate():
            raise forms.ValidationError(_("De peildatum ligt in de toekomst."))
        if value < EARLIEST_PEILDATUM:
            raise forms.ValidationError(
                _("De peildatum ligt vóór %(earliest)s.")
                % {"earliest": date_format(EARLIEST_PEILDATUM, "j F Y")}
            )
        return value

    def require_what_the_file_cannot_say(self, file_format: str | None) -> None:
        """Only a JSON file names its own peildatum and soort: for any other, both are asked."""
        if file_format == "json":
            return
        if self.cleaned_data.get("peildatum") is None and "peildatum" not in self.errors:
            self.add_error(
                "peildatum",
                _("Vul de peildatum in; alleen een JSON-bestand kan zijn eigen peildatum noemen."),
            )
        if not self.cleaned_data.get("soort") and "soort" not in self.errors:
            self.add_error(
                "soort",
                _("Kies stand of mutatie; alleen een JSON-bestand kan zijn eigen soort noemen."),
            )


FIELD_CHOICES = [("", _("— negeren —")), *[(name, name) for name in FIELD_NAMES]]


class ColumnMappingRowForm(forms.Form):
    """One header of the creditor's file and the field it means."""

    header = forms.CharField(label=_("Kolomnaam in uw bestand"), max_length=200, required=False)
    field = forms.ChoiceField(
        label=_("Veld in het aanleverformaat"), choices=FIELD_CHOICES, required=False
    )
    remove = forms.BooleanField(label=_("Verwijderen"), required=False)

    def __init__(self, *args, row: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if row is not None:
            # Each field named after its row: its label for a screen reader, and its link in the
            # summary of errors (portal/_error_summary.html).
            self.fields["header"].label = gettext("Kolomnaam %(n)s") % {"n": row}
            self.fields["field"].label = gettext("Veld voor kolom %(n)s") % {"n": row}
            self.fields["remove"].label = gettext("Kolom %(n)s verwijderen") % {"n": row}


class BaseColumnMappingFormSet(forms.BaseFormSet):
    """The rows together: two columns of a file cannot both be one field."""

    def get_form_kwargs(self, index):
        # index is None for the formset's empty form, which is no row of the page.
        return {**super().get_form_kwargs(index), "row": None if index is None else index + 1}

    def clean(self):
        if any(self.errors):
            return
        headers_per_field: dict[str, list[str]] = {}
        for row in (form.cleaned_data for form in self.forms):
            header = (row.get("header") or "").strip()
            target = row.get("field")
            if not header or not target or row.get("remove"):
                continue
            headers = headers_per_field.setdefault(target, [])
            if header not in headers:
                headers.append(header)
        problems = [
            _same_field_message(target, headers)
            for target, headers in headers_per_field.items()
            if len(headers) > 1
        ]
        if problems:
            raise forms.ValidationError(problems)


def _same_field_message(target: str, headers: list[str]) -> str:
    # The quotation marks of the language: „Naam” in Dutch, “Naam” in English.
    quoted = [gettext("„%(column)s”") % {"column": header} for header in headers]
    if len(quoted) == 2:
        return gettext(
            "%(first)s en %(second)s wijzen allebei naar %(field)s; kies voor één van beide "
            "een ander veld of „negeren”."
        ) % {"first": quoted[0], "second": quoted[1], "field": target}
    return gettext(
        "%(columns)s en %(last)s wijzen allemaal naar %(field)s; kies voor alle kolommen op "
        "één na een ander veld of „negeren”."
    ) % {"columns": ", ".join(quoted[:-1]), "last": quoted[-1], "field": target}


ColumnMappingFormSet = forms.formset_factory(
    ColumnMappingRowForm,
    formset=BaseColumnMappingFormSet,
    extra=3,
    max_num=200,
    absolute_max=400,
)


class ApiKeyForm(forms.Form):
    """A new key of ``creditor``: a name an active key of it has is refused (capitals aside), as
    the two would differ in the list and on the revoke page by their prefix only."""

    name = forms.CharField(
        label=_("Naam van de sleutel"),
        max_length=100,
        help_text=_(
            "Bijvoorbeeld het systeem dat de sleutel gebruikt: ‘Incassosysteem productie’."
        ),
    )

    def __init__(self, *args, creditor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creditor = creditor

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.creditor is not None and (taken := active_key_named(self.creditor, name)):
            raise forms.ValidationError(self.name_taken(taken), code="unique")
        return name

    @staticmethod
    def name_taken(key) -> str:
        return _(
            "Er is al een actieve sleutel met de naam ‘%(name)s’. Geef deze sleutel een andere "
            "naam, zodat u ze in de lijst uit elkaar houdt."
        ) % {"name": key.name}
