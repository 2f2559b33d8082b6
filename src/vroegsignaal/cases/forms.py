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
        # Kept for a picked-up case on purpose (models.CASE_OUTCOMES): only a closed case can tell
        # the creditors ``onterecht_signaal`` (spec section 4). Its DDAS name reads oddly there.
        help_text=_(
            "‘Niet opgepakt: onterecht signaal’ past ook bij een opgepakte zaak: kies het als na "
            "het oppakken blijkt dat het signaal onterecht was. De schuldeisers horen dan "
            "‘onterecht signaal’."
        ),
    )
    on = forms.DateField(label=_("Afgesloten op"), widget=PastDateInput)


class NoteForm(CasePageForm):
    prefix = "notitie"  # the case page holds several forms: unique ids

    text = forms.CharField(
        label=_("Notitie"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


def worker_name(worker: User) -> str:
    """A hulpverlener as the coordinator knows them: the full name, else the login name."""
    return worker.get_full_name() or worker.get_username()


class AssignForm(CasePageForm):
    """The case's wijkteam and, optionally, a hulpverlener of that team: the hulpverleners are
    grouped by wijkteam (one ``<optgroup>`` each) so the list shows which go together; the
    service still refuses a hulpverlener of another team."""

    prefix = "toewijzen"  # the case page holds several forms: unique ids

    team = forms.ModelChoiceField(
        label=_("Wijkteam"), queryset=Team.objects.none(), empty_label=_("Kies een wijkteam")
    )
    worker = forms.ModelChoiceField(
        label=_("Hulpverlener"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Kies een hulpverlener"),
        help_text=_(
            "Niet verplicht: is er geen hulpverlener gekozen, dan kan een hulpverlener van het wijkteam de zaak aan zichzelf toewijzen."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = scoped(user, Team).order_by("name", "id")
        workers = (
            scoped(user, User)
            .filter(role=Role.HULPVERLENER, is_active=True, team__in=teams)
            .select_related("team")
            .order_by("team__name", "team_id", "first_name", "last_name", "username")
        )
        self.fields["team"].queryset = teams
        self.fields["worker"].queryset = workers
        # Set after the queryset (which resets them); a choice is still checked against the queryset.
        self.fields["worker"].choices = [
            ("", self.fields["worker"].empty_label),
            *self._by_team(workers),
        ]

    @staticmethod
    def _by_team(workers) -> list[tuple[str, list[tuple[int, str]]]]:
        groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
        for worker in workers:
            groups.setdefault(worker.team_id, (worker.team.name, []))[1].append(
                (worker.pk, worker_name(worker))
            )
        return list(groups.values())


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
