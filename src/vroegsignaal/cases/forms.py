"""Forms of the case screens: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Role, Team, User
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.portal.forms import DateInput, ErrorSummary

from .models import CASE_OUTCOMES, ContactKind, NotPickedUpReason, OfferAnswer, PartOfDay


class PastDateInput(DateInput):
    """A date picker that offers no day after today: the services refuse those too."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["max"] = timezone.localdate().isoformat()
        return context


class CasePageForm(ErrorSummary, forms.Form):
    """A form of the case page. Its prefix is also the id of its section, so a refused form
    comes back scrolled into view (``#poging``), with a summary linking to its fields."""

    def refuse(self, error) -> None:
        """Show a service's refusal: next to the field it names, else above the form."""
        error_dict = getattr(error, "error_dict", None)
        if error_dict is not None and set(error_dict) <= set(self.fields):
            self.add_error(None, error)
        else:
            self.add_error(None, getattr(error, "messages", [str(error)]))


class ContactAttemptForm(CasePageForm):
    prefix = "poging"  # the case page holds several forms: unique ids

    # No kind chosen beforehand: the first one (Mail) was easily logged by mistake.
    kind = forms.ChoiceField(
        label=_("Soort contact"), choices=[("", _("Kies de soort contact")), *ContactKind.choices]
    )
    reached = forms.TypedChoiceField(
        label=_("Bereikt"),
        choices=[("ja", _("Ja")), ("nee", _("Nee"))],
        coerce=lambda v: v == "ja",
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("Datum"), widget=PastDateInput)
    part_of_day = forms.ChoiceField(
        label=_("Dagdeel"), choices=[("", "—"), *PartOfDay.choices], required=False
    )
    # As long as a note may be: 100,000 characters were stored as sent.
    note = forms.CharField(
        label=_("Toelichting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class OfferForm(CasePageForm):
    prefix = "aanbod"  # the case page holds several forms: unique ids

    made_on = forms.DateField(label=_("Hulpaanbod gedaan op"), widget=PastDateInput)
    answer = forms.ChoiceField(label=_("Antwoord"), choices=OfferAnswer.choices, required=False)
    answered_on = forms.DateField(
        label=_("Antwoord gegeven op"), widget=PastDateInput, required=False
    )


class CloseForm(CasePageForm):
    prefix = "afsluiten"  # the case page holds several forms: unique ids

    # No outcome is chosen for the user: the first one once recorded residents as deceased.
    outcome = forms.ChoiceField(
        label=_("Eindresultaat"),
        choices=[("", _("Kies een eindresultaat")), *((o.value, o.label) for o in CASE_OUTCOMES)],
        error_messages={"required": _("Kies het eindresultaat waarmee u de zaak afsluit.")},
    )
    on = forms.DateField(label=_("Afgesloten op"), widget=PastDateInput)


class NoteForm(CasePageForm):
    prefix = "notitie"  # the case page holds several forms: unique ids

    text = forms.CharField(
        label=_("Notitie"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class AssignForm(CasePageForm):
    prefix = "toewijzen"  # the case page holds several forms: unique ids

    team = forms.ModelChoiceField(label=_("Wijkteam"), queryset=Team.objects.none())
    worker = forms.ModelChoiceField(
        label=_("Hulpverlener"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoped(user, Team)
        self.fields["worker"].queryset = scoped(user, User).filter(
            role=Role.HULPVERLENER, is_active=True
        )


class PickUpForm(forms.Form):
    signal = forms.IntegerField(widget=forms.HiddenInput)
    team = forms.ModelChoiceField(label=_("Wijkteam"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoped(user, Team)


class NotPickedUpForm(forms.Form):
    signal = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("Reden"),
        choices=[("", _("Kies een reden")), *NotPickedUpReason.choices],
        error_messages={"required": _("Kies een reden waarom het signaal niet wordt opgepakt.")},
    )


class LetterTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(
        label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 22}), max_length=10000
    )
