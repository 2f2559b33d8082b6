"""The coordinator's rules page: the form that parses the rules, and how a rule reads.

The form only parses and checks input (the ranges of :data:`.rules.LIMITS`, in
Dutch per field); :func:`.services.change_rules` decides, versions and audits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import CreditorType

from .rules import LIMITS, RuleValues

YES, NO = "ja", "nee"


def count_distinct_choices() -> list[tuple[str, Promise]]:
    return [("creditor", _("per schuldeiser (organisatie)")), ("type", _("per soort schuldeiser"))]


@dataclass(frozen=True)
class Rule:
    """One rule as the page shows it: a label that reads with its value, a short name for the history."""

    name: str  # as in RuleValues
    label: Promise
    short: Promise
    help: Promise


RULES: list[Rule] = [
    Rule(
        "max_age_days",
        _("Een achterstand telt mee tot … dagen na ontstaan"),
        _("Maximale ouderdom van een achterstand"),
        _("Op de laatste dag telt de achterstand nog mee, een dag later niet meer."),
    ),
    Rule(
        "min_amount_eur",
        _("Minimumbedrag per achterstand (euro)"),
        _("Minimumbedrag per achterstand"),
        _("Een achterstand van precies dit bedrag telt mee; 0 betekent: elk bedrag."),
    ),
    Rule(
        "min_creditors",
        _("Meervoudig signaal vanaf … schuldeisers"),
        _("Meervoudig signaal vanaf"),
        _("Met achterstanden bij minder schuldeisers is het een enkelvoudig signaal (als die aan staan)."),
    ),
    Rule(
        "count_distinct",
        _("Tellen per schuldeiser of per soort schuldeiser"),
        _("Tellen per"),
        _("Per soort schuldeiser tellen bijvoorbeeld twee zorgverzekeraars als één schuldeiser, zoals VPS telt."),
    ),
    Rule(
        "single_signals",
        _("Enkelvoudige signalen"),
        _("Enkelvoudige signalen"),
        _("Aan: een achterstand bij één schuldeiser geeft ook een signaal, in een eigen werkbakje."),
    ),
    Rule(
        "single_signal_excluded_types",
        _("Geen enkelvoudig signaal bij deze soorten schuldeisers"),
        _("Geen enkelvoudig signaal bij"),
        _("Een achterstand bij een aangevinkte soort geeft alleen samen met andere schuldeisers een signaal: "
          "voor een meervoudig signaal telt hij wel mee."),
    ),
    Rule(
        "repeat_window_days",
        _("Herhaald signaal: het huishouden had een signaal in de afgelopen … dagen"),
        _("Venster herhaald signaal"),
        _("183 dagen is een half jaar."),
    ),
    Rule(
        "debt_swap_window_days",
        _("Schuldverschuiving: een nieuwe achterstand binnen … dagen voor of na het oplossen van een achterstand "
          "bij een andere schuldeiser"),
        _("Venster schuldverschuiving"),
        _("Met maandelijkse leveringen is alleen bekend tussen welke twee peildata de achterstand is opgelost; "
          "de dagen tellen vanaf beide."),
    ),
]
RULES_BY_NAME = {rule.name: rule for rule in RULES}


def _range(name: str) -> dict:
    low, high = LIMITS[name]
    return {"low": number_format(low, force_grouping=True), "high": number_format(high, force_grouping=True)}


def range_text(name: str) -> str:
    return gettext("Een geheel getal van %(low)s tot en met %(high)s.") % _range(name)


def range_error(name: str) -> str:
    return gettext("Vul een geheel getal in van %(low)s tot en met %(high)s.") % _range(name)


def shown(name: str, value) -> str:
    """A rule's value with its unit: ``100 dagen``, ``€ 50``, ``aan``, ``Zorg, Water``."""
    if name in ("max_age_days", "repeat_window_days", "debt_swap_window_days"):
        return ngettext("%(n)s dag", "%(n)s dagen", value) % {"n": number_format(value, force_grouping=True)}
    if name == "min_amount_eur":
        return f"€ {number_format(value, force_grouping=True)}"
    if name == "min_creditors":
        return ngettext("%(n)s schuldeiser", "%(n)s schuldeisers", value) % {"n": value}
    if name == "single_signals":
        return gettext("aan") if value else gettext("uit")
    if name == "single_signal_excluded_types":
        labels = dict(CreditorType.choices)
        return ", ".join(str(labels.get(t, t)) for t in value) or gettext("geen")
    if name == "count_distinct":
        return str(dict(count_distinct_choices()).get(value, value))
    raise KeyError(name)


def rule_rows(values: RuleValues) -> list[dict]:
    """The current values next to the defaults, one row per rule."""
    current, default = values.as_dict(), RuleValues().as_dict()
    return [
        {
            "label": rule.label,
            "current": shown(rule.name, current[rule.name]),
            "default": shown(rule.name, default[rule.name]),
            "is_default": current[rule.name] == default[rule.name],
        }
        for rule in RULES
    ]


def changes_between(before: RuleValues, after: RuleValues) -> list[str]:
    """``Minimumbedrag per achterstand: € 0 → € 50``, one line per rule that differs."""
    old, new = before.as_dict(), after.as_dict()
    return [
        f"{rule.short}: {shown(rule.name, old[rule.name])} → {shown(rule.name, new[rule.name])}"
        for rule in RULES
        if old[rule.name] != new[rule.name]
    ]


def rule_history(rule_sets) -> list[dict]:
    """Every version, newest first, with what changed against the version before it
    (the first version against the defaults)."""
    rows = []
    previous = RuleValues()
    for rule_set in sorted(rule_sets, key=lambda r: r.version):
        values = rule_set.values()
        user = rule_set.created_by
        rows.append({
            "version": rule_set.version,
            "created_at": rule_set.created_at,
            "by": (user.get_full_name() or user.get_username()) if user else None,
            "first": rule_set.version == 1,
            "changes": changes_between(previous, values),
        })  # fmt: skip
        previous = values
    return rows[::-1]


class RulesForm(forms.Form):
    """All the rules at once, as the page shows them; ``version`` is the version the page showed.

    ``current`` is the rule set in force (``None``: the municipality has none yet, the defaults hold).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    max_age_days = forms.IntegerField()
    min_amount_eur = forms.IntegerField()
    min_creditors = forms.IntegerField()
    count_distinct = forms.ChoiceField(choices=count_distinct_choices, widget=forms.RadioSelect)
    single_signals = forms.TypedChoiceField(
        choices=[(YES, _("Aan")), (NO, _("Uit"))], coerce=lambda v: v == YES, widget=forms.RadioSelect
    )
    single_signal_excluded_types = forms.MultipleChoiceField(
        choices=CreditorType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    repeat_window_days = forms.IntegerField()
    debt_swap_window_days = forms.IntegerField()

    def __init__(self, data=None, *, current=None, **kwargs):
        self.current = current
        self.current_values = current.values() if current is not None else RuleValues()
        super().__init__(data, **kwargs)
        if data is None:
            self.initial = {**self.current_values.as_dict(), "version": getattr(current, "version", None)}
            self.initial["single_signals"] = YES if self.current_values.single_signals else NO
        choice_errors = {
            "count_distinct": gettext("Kies per schuldeiser of per soort schuldeiser."),
            "single_signals": gettext("Kies of enkelvoudige signalen aan of uit staan."),
            "single_signal_excluded_types": gettext("Kies alleen soorten schuldeisers uit de lijst."),
        }
        for rule in RULES:
            field = self.fields[rule.name]
            field.label, field.help_text = rule.label, rule.help
            if rule.name in LIMITS:
                low, high = LIMITS[rule.name]
                field.help_text = f"{range_text(rule.name)} {rule.help}"
                field.validators = [*field.validators, MinValueValidator(low), MaxValueValidator(high)]
                message = range_error(rule.name)
                field.error_messages = dict.fromkeys(("required", "invalid", "min_value", "max_value"), message)
                field.widget = forms.TextInput(attrs={"inputmode": "numeric", "class": "utrecht-textbox", "size": 8})
            else:
                field.error_messages = {**field.error_messages, "required": choice_errors[rule.name],
                                        "invalid_choice": choice_errors[rule.name]}  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        shown_version = cleaned.get("version")
        current_version = getattr(self.current, "version", None)
        if "version" not in self.errors and shown_version != current_version:
            raise forms.ValidationError(
                gettext(
                    "Iemand anders heeft de regels intussen gewijzigd (nu versie %(version)s). "
                    "Hierboven staan de regels zoals ze nu gelden; kijk uw wijzigingen na en sla opnieuw op."
                ) % {"version": current_version or "—"},
                code="stale",
            )
        return cleaned

    def changes(self) -> dict:
        """Every rule, as :func:`.services.change_rules` takes them (it makes no version when nothing differs)."""
        changes = {rule.name: self.cleaned_data[rule.name] for rule in RULES}
        excluded = changes["single_signal_excluded_types"]
        if set(excluded) == set(self.current_values.single_signal_excluded_types):
            excluded = list(self.current_values.single_signal_excluded_types)  # the same types: no new version
        changes["single_signal_excluded_types"] = excluded
        return changes
