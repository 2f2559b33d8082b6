"""The coordinator's rules and trays pages: the forms that parse them, and how a rule or a tray reads.

The forms only parse and check input (the ranges of :data:`.rules.LIMITS`, in
Dutch per field; a tray's checks are :func:`.services.tray_problems`);
:func:`.services.change_rules` and the tray services decide, version and audit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import CreditorType, Team
from vroegsignaal.portal.forms import ErrorSummary
from vroegsignaal.registry.models import Neighbourhood, NeighbourhoodKind

from .amounts import looks_decimal, parse_whole_euros, parse_whole_number
from .explanations_english import shown_euros
from .models import SignalKind
from .rules import LIMITS, RuleValues
from .selectors import OpenInTray
from .services import (
    TRAY_AGE_LIMIT,
    TRAY_AMOUNT_LIMIT_EUR,
    TRAY_FIELDS,
    TRAY_NAME_MAX_LENGTH,
    RulesConflict,
    TrayMoveQuestion,
    TrayPreview,
    preview_tray_update,
    rules_conflict,
    rules_saved_twice,
    tray_problems,
)

YES, NO = "ja", "nee"


class WholeNumberField(forms.IntegerField):
    """A whole number as a Dutch user writes it (:func:`.amounts.parse_whole_number`): ``1.000``
    is a thousand, not one, and ``60.0`` or ``1,5`` is refused (code ``decimal``), not read as 60
    or 1 — Django's ``IntegerField`` drops a decimal part of zeros and reads the dot as a decimal
    point. Every number a coordinator types on the rules and tray pages is one of these.

    A text box, not ``type="number"``: a browser would refuse the dots.
    """

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("Vul een geheel getal in, bijvoorbeeld 100 of 1.000."),
        "decimal": _(
            "Vul een geheel getal in, zonder decimalen. Een punt scheidt duizendtallen: 1.000 is duizend."
        ),
    }

    @staticmethod
    def parse(text: str) -> int:
        return parse_whole_number(text)

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return self.parse(value)
        except ValueError:
            code = "decimal" if looks_decimal(value) else "invalid"
            raise forms.ValidationError(self.error_messages[code], code=code) from None

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "numeric"}


class WholeEuroField(WholeNumberField):
    """An amount in whole euros as a Dutch user writes it (:func:`.amounts.parse_whole_euros`):
    ``1.000`` is a thousand euros, not one (as ``IntegerField`` reads it); cents are refused."""

    default_error_messages = {
        "invalid": _("Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."),
        "decimal": _("Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."),
    }

    @staticmethod
    def parse(text: str) -> int:
        return parse_whole_euros(text)


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
        _(
            "Met achterstanden bij minder schuldeisers is het een enkelvoudig signaal (als die aanstaan)."
        ),
    ),
    Rule(
        "count_distinct",
        _("Tellen per schuldeiser of per soort schuldeiser"),
        _("Tellen per"),
        _(
            "Per soort schuldeiser tellen bijvoorbeeld twee zorgverzekeraars als één schuldeiser, zoals VPS telt."
        ),
    ),
    Rule(
        "single_signals",
        _("Enkelvoudige signalen"),
        _("Enkelvoudige signalen"),
        _(
            "Aan: een achterstand bij één schuldeiser geeft ook een signaal, in een eigen werkbakje. "
            "Een crisis geeft altijd een signaal."
        ),
    ),
    Rule(
        "single_signal_excluded_types",
        _("Geen enkelvoudig signaal bij deze soorten schuldeisers"),
        _("Geen enkelvoudig signaal bij"),
        _(
            "Een achterstand bij een aangevinkte soort geeft alleen samen met andere schuldeisers een signaal "
            "(een crisis altijd): voor een meervoudig signaal telt hij wel mee."
        ),
    ),
    Rule(
        "repeat_window_days",
        _("Herhaald signaal: het huishouden had een signaal in de afgelopen … dagen"),
        _("Venster herhaald signaal"),
        _("183 dagen is een half jaar."),
    ),
    Rule(
        "debt_swap_window_days",
        _(
            "Schuldverschuiving: een nieuwe achterstand binnen … dagen voor of na het oplossen van een achterstand "
            "bij een andere schuldeiser"
        ),
        _("Venster schuldverschuiving"),
        _(
            "Met maandelijkse leveringen is alleen bekend tussen welke twee peildata de achterstand is opgelost; "
            "de dagen tellen vanaf beide."
        ),
    ),
]
RULES_BY_NAME = {rule.name: rule for rule in RULES}


def _range(name: str) -> dict:
    low, high = LIMITS[name]
    return {
        "low": number_format(low, force_grouping=True),
        "high": number_format(high, force_grouping=True),
    }


def range_text(name: str) -> str:
    return gettext("Een geheel getal van %(low)s tot en met %(high)s.") % _range(name)


def range_error(name: str) -> str:
    return gettext("Vul een geheel getal in van %(low)s tot en met %(high)s.") % _range(name)


def decimal_error(name: str) -> str:
    return gettext(
        "Vul een geheel getal in van %(low)s tot en met %(high)s, zonder decimalen. "
        "Een punt scheidt duizendtallen: 1.000 is duizend."
    ) % _range(name)


def shown(name: str, value) -> str:
    """A rule's value with its unit: ``100 dagen``, ``€ 50`` (``€50`` in English), ``aan``, ``Zorg, Water``."""
    if name in ("max_age_days", "repeat_window_days", "debt_swap_window_days"):
        return ngettext("%(n)s dag", "%(n)s dagen", value) % {
            "n": number_format(value, force_grouping=True)
        }
    if name == "min_amount_eur":
        return shown_euros(value * 100)
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


class RulesForm(ErrorSummary, forms.Form):
    """All the rules at once, as the page shows them; ``version`` is the version the page showed.

    ``current`` is the rule set in force (``None``: the municipality has none yet, the defaults hold);
    ``actor`` the user saving the page (their own save a moment ago is no colleague's change).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    max_age_days = WholeNumberField()
    min_amount_eur = WholeEuroField()
    min_creditors = WholeNumberField()
    count_distinct = forms.ChoiceField(choices=count_distinct_choices, widget=forms.RadioSelect)
    single_signals = forms.TypedChoiceField(
        choices=[(YES, _("Aan")), (NO, _("Uit"))],
        coerce=lambda v: v == YES,
        widget=forms.RadioSelect,
    )
    single_signal_excluded_types = forms.MultipleChoiceField(
        choices=CreditorType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    repeat_window_days = WholeNumberField()
    debt_swap_window_days = WholeNumberField()

    def __init__(self, data=None, *, current=None, actor=None, **kwargs):
        self.current = current
        self.actor = actor
        self.own_changes: list[
            str
        ] = []  # after a refusal for a newer version: the rules the user changed
        self.current_values = current.values() if current is not None else RuleValues()
        super().__init__(data, **kwargs)
        if data is None:
            self.initial = {
                **self.current_values.as_dict(),
                "version": getattr(current, "version", None),
            }
            self.initial["single_signals"] = YES if self.current_values.single_signals else NO
        choice_errors = {
            "count_distinct": gettext("Kies per schuldeiser of per soort schuldeiser."),
            "single_signals": gettext("Kies of enkelvoudige signalen aan of uit staan."),
            "single_signal_excluded_types": gettext(
                "Kies alleen soorten schuldeisers uit de lijst."
            ),
        }
        for rule in RULES:
            field = self.fields[rule.name]
            field.label, field.help_text = rule.label, rule.help
            if rule.name in LIMITS:
                low, high = LIMITS[rule.name]
                field.help_text = f"{range_text(rule.name)} {rule.help}"
                field.validators = [
                    *field.validators,
                    MinValueValidator(low),
                    MaxValueValidator(high),
                ]
                message = range_error(rule.name)
                field.error_messages = {
                    **dict.fromkeys(("required", "invalid", "min_value", "max_value"), message),
                    # "60.0" or "1,5": said to be no whole number, not out of range.
                    "decimal": decimal_error(rule.name),
                    # An amount with cents, or written otherwise: said as such, not as out of range.
                    **(
                        {key: field.error_messages[key] for key in ("invalid", "decimal")}
                        if isinstance(field, WholeEuroField)
                        else {}
                    ),
                }
                field.widget = forms.TextInput(
                    attrs={"inputmode": "numeric", "class": "utrecht-textbox", "size": 8}
                )
            else:
                field.error_messages = {**field.error_messages, "required": choice_errors[rule.name],
                                        "invalid_choice": choice_errors[rule.name]}  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.errors.pop("version", None):
            # The version is a hidden field: its own error would show nowhere on the page.
            raise forms.ValidationError(
                gettext(
                    "Het formulier is niet volledig verstuurd. Open de pagina opnieuw en sla uw wijzigingen nog eens op."
                ),
                code="version",
            )
        shown_version = cleaned.get("version")
        current_version = getattr(self.current, "version", None)
        if shown_version != current_version and not self._saved_twice(shown_version):
            conflict = (
                rules_conflict(
                    self.current.municipality_id, shown_version=shown_version, actor=self.actor
                )
                if self.current is not None
                else RulesConflict(shown=None)
            )
            kept = self._keep_only_own_changes(conflict.shown)
            raise forms.ValidationError(
                conflict_message(conflict, current_version, kept=kept), code="stale"
            )
        return cleaned

    def _keep_only_own_changes(self, shown: RuleValues | None) -> bool | None:
        """After a refusal for a newer version: the rules the user did not change (against the
        version their page showed, ``shown``) show the values in force now, those they changed
        keep the user's value and are marked, so that saving again applies only their own
        changes. Returns whether any is marked: the user's and not what is in force now (``None``:
        the version shown is unknown, and the page keeps everything as sent)."""
        if shown is None:
            return None
        before, now = shown.as_dict(), self.current_values.as_dict()
        data, marked = self.data.copy(), False
        for rule in RULES:
            name = rule.name
            refused = name in self.errors  # not read: what the user typed is theirs to correct
            value = None if refused else self.cleaned_data.get(name)
            if not refused and _same_rule_value(name, value, before[name]):
                _put(data, name, _as_posted(name, now[name]))
                continue
            self.own_changes.append(name)
            if refused or not _same_rule_value(name, value, now[name]):
                field = self.fields[name]
                note = gettext("Door u gewijzigd, nog niet opgeslagen. Nu geldt: %(current)s.") % {
                    "current": shown_value(name, now[name])
                }
                field.help_text = format_html(
                    '<strong class="rules-yours">{}</strong> {}', note, field.help_text
                )
                self[name].help_text = field.help_text  # the bound field copied it when cleaning
                marked = True
        self.data = data
        return marked

    def _saved_twice(self, shown_version) -> bool:
        """The newer version is this page's own save, sent twice (a double-click): not refused
        here, and :func:`.services.change_rules` answers with that version."""
        if self.errors:  # the values are not all read: no comparing them
            return False
        return rules_saved_twice(
            self.current, actor=self.actor, shown_version=shown_version, changes=self.changes()
        )

    def changes(self) -> dict:
        """Every rule, as :func:`.services.change_rules` takes them (it makes no version when nothing differs)."""
        changes = {rule.name: self.cleaned_data[rule.name] for rule in RULES}
        excluded = changes["single_signal_excluded_types"]
        if set(excluded) == set(self.current_values.single_signal_excluded_types):
            excluded = list(
                self.current_values.single_signal_excluded_types
            )  # the same types: no new version
        changes["single_signal_excluded_types"] = excluded
        return changes


def _same_rule_value(name: str, value, other) -> bool:
    if name == "single_signal_excluded_types":
        return set(value or ()) == set(other or ())
    return value == other


def _as_posted(name: str, value):
    """A rule's value as the page's form sends it."""
    if name == "single_signals":
        return YES if value else NO
    if name == "single_signal_excluded_types":
        return list(value)
    return str(value)


def _put(data, name: str, value) -> None:
    if isinstance(value, list):
        if hasattr(data, "setlist"):
            data.setlist(name, value)
        else:
            data[name] = value
    else:
        data[name] = value


def shown_value(name: str, value) -> str:
    """:func:`shown`, for a message (never raises)."""
    try:
        return shown(name, value)
    except (KeyError, TypeError, ValueError):
        return str(value)


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(first)s en %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def conflict_message(conflict, version: int | None, *, kept: bool | None) -> str:
    """Why a save from an older page is refused: who changed the rules meanwhile (a colleague,
    the user in another tab or window, or the configuration) and what the form now shows."""
    numbers = {"version": version or "—"}
    if conflict.others:
        head = ngettext(
            "%(who)s heeft de regels intussen gewijzigd (nu versie %(version)s).",
            "%(who)s hebben de regels intussen gewijzigd (nu versie %(version)s).",
            len(conflict.others),
        ) % {"who": _and(list(conflict.others)), **numbers}
    elif conflict.by_you:
        head = (
            gettext(
                "U heeft de regels intussen zelf gewijzigd, in een ander tabblad of venster (nu versie %(version)s)."
            )
            % numbers
        )
    elif conflict.by_system:
        head = (
            gettext(
                "De regels zijn intussen door het systeem gewijzigd, via het configuratiebestand of de eerste "
                "beoordeling (nu versie %(version)s)."
            )
            % numbers
        )
    else:
        head = gettext("De regels zijn intussen gewijzigd (nu versie %(version)s).") % numbers
    if kept is None:
        tail = gettext(
            "Uw wijziging is niet opgeslagen. Hierboven staan de regels zoals ze nu gelden; "
            "kijk uw wijzigingen na en sla opnieuw op."
        )
    elif kept:
        tail = gettext(
            "Uw wijziging is niet opgeslagen. In het formulier staan nu de regels zoals ze gelden, "
            "met wat u zelf had gewijzigd gemarkeerd. Kijk het na en sla opnieuw op: dan worden "
            "alleen uw eigen wijzigingen opgeslagen."
        )
    else:
        tail = gettext(
            "Uw wijziging is niet opgeslagen. In het formulier staan nu de regels zoals ze gelden."
        )
    return f"{head} {tail}"


# What a full evaluation with new rules does to the signals (services.evaluate over every
# household; evaluation.evaluate_households decides), per group of rules that changed.
RULE_EFFECTS: tuple[tuple[tuple[str, ...], Promise], ...] = (
    (("max_age_days", "min_amount_eur"), _(
        "Open signalen krijgen de achterstanden die nu meetellen: hun bedrag, soort, crisis en "
        "schuldverschuiving volgen, en een signaal dat nog niet is opgepakt kan in een ander werkbakje "
        "komen. Een open signaal waarvan geen achterstand meer meetelt, blijft open met zijn laatste "
        "cijfers (slapend)."
    )),
    (("min_creditors", "count_distinct"), _(
        "Open signalen kunnen van soort veranderen (meervoudig of enkelvoudig); een signaal dat nog niet "
        "is opgepakt kan daardoor in een ander werkbakje komen."
    )),
    (("single_signals", "single_signal_excluded_types"), _(
        "Wat u aan enkelvoudige signalen wijzigt, geldt alleen voor nieuwe signalen: bestaande open "
        "signalen blijven open."
    )),
    (("repeat_window_days",), _(
        "Het venster voor herhaald geldt voor signalen die vanaf nu ontstaan of na slapen weer actief "
        "worden; bestaande signalen houden hun kenmerk herhaald."
    )),
    (("debt_swap_window_days",), _(
        "Open signalen krijgen het kenmerk schuldverschuiving volgens het nieuwe venster."
    )),
)  # fmt: skip


def rules_saved_text(rule_set, before: RuleValues) -> str:
    """The message after saving: the version, what changed (old → new per rule) and what the
    evaluation in the background does with it to existing and new signals."""
    after = rule_set.values()
    old, new = before.as_dict(), after.as_dict()
    changed = {
        rule.name
        for rule in RULES
        if not _same_rule_value(rule.name, old[rule.name], new[rule.name])
    }
    parts = [
        gettext("De signaalregels zijn opgeslagen als versie %(version)s.")
        % {"version": rule_set.version}
    ]
    if lines := changes_between(before, after):
        parts.append(gettext("Gewijzigd: %(changes)s.") % {"changes": "; ".join(lines)})
    parts.append(
        gettext(
            "Alle huishoudens van uw gemeente worden nu op de achtergrond opnieuw beoordeeld met deze regels, "
            "ook die met een open signaal; een huishouden dat nu aan de regels voldoet en geen open signaal heeft, "
            "krijgt er een."
        )
    )
    parts += [str(effect) for names, effect in RULE_EFFECTS if changed & set(names)]
    parts.append(gettext("Bij elk signaal blijft vastgelegd met welke versie het is ontstaan."))
    return " ".join(parts)  # fmt: skip


def rules_confirm_text() -> str:
    """The question before saving (the page's ``data-confirm``): what saving does to signals."""
    return gettext(
        "De nieuwe signaalregels opslaan? Daarna beoordeelt Vroegsignaal alle huishoudens van uw gemeente "
        "opnieuw, ook die met een open signaal: welke achterstanden meetellen, en daarmee soort, bedrag, "
        "crisis en schuldverschuiving van open signalen, volgen de nieuwe regels, en een signaal dat nog niet "
        "is opgepakt kan in een ander werkbakje komen. Een open signaal waarvan geen achterstand meer "
        "meetelt, blijft open (slapend). Enkelvoudige signalen uitzetten sluit geen bestaande signalen."
    )


def rules_confirm_data(values: RuleValues) -> dict:
    """For the page's script (``signals/rules.js``): the rules in force as the form holds them,
    so that the question before saving lists what changes (old → new)."""
    current = values.as_dict()
    # A choice's value as the history writes it ("uit", not the button's "Uit").
    choices = {
        "single_signals": {YES: shown("single_signals", True), NO: shown("single_signals", False)},
        "count_distinct": {value: str(label) for value, label in count_distinct_choices()},
        "single_signal_excluded_types": {
            value: str(label) for value, label in CreditorType.choices
        },
    }
    return {
        "rules": [
            {"name": rule.name, "short": str(rule.short), "value": _as_posted(rule.name, current[rule.name]),
             "shown": shown(rule.name, current[rule.name]), "choices": choices.get(rule.name, {})}
            for rule in RULES
        ],
        "heading": gettext("Wat verandert:"),
        "none": gettext("geen"),
        "base": rules_confirm_text(),
    }  # fmt: skip


# ---------------------------------------------------------------------------
# Trays (werkbakjes): the coordinator's form and how a tray's conditions read
# ---------------------------------------------------------------------------

ANY = ""
# The field a tray's page sends back once it showed what saving would do to the open signals.
CONFIRMATION = "bevestigd"


def yes_no_any_choices() -> list[tuple[str, Promise]]:
    return [(ANY, _("maakt niet uit")), (YES, _("ja")), (NO, _("nee"))]


def kind_choices() -> list[tuple[str, Promise]]:
    return [(ANY, _("maakt niet uit")), *SignalKind.choices]


def _yes_no(value: str) -> bool:
    return value == YES


def _flag_initial(value: bool | None) -> str:
    return ANY if value is None else (YES if value else NO)


def _bounds(low, high, *, unit) -> str | None:
    """``18 tot en met 26 jaar``, ``ten minste 18 jaar``, ``ten hoogste 26 jaar`` (``None`` without bounds)."""
    if low is not None and high is not None:
        return gettext("%(low)s tot en met %(high)s") % {
            "low": unit(low, bare=True),
            "high": unit(high),
        }
    if low is not None:
        return gettext("ten minste %(low)s") % {"low": unit(low)}
    if high is not None:
        return gettext("ten hoogste %(high)s") % {"high": unit(high)}
    return None


def _years(value: int, bare: bool = False) -> str:
    return str(value) if bare else ngettext("%(n)s jaar", "%(n)s jaar", value) % {"n": value}


def _euros(value: int, bare: bool = False) -> str:
    return shown_euros(value * 100)


def tray_summary(tray, places: dict[str, str] | None = None) -> list[str]:
    """A tray's conditions in words, one line each; one line 'alle signalen' without conditions.

    ``places`` maps wijk/buurt codes to their names (codes without a name are shown as such).
    """
    places = places or {}
    lines = []
    if tray.kind:
        lines.append(
            gettext("soort: %(kind)s")
            % {"kind": str(dict(SignalKind.choices).get(tray.kind, tray.kind)).lower()}
        )
    flags = (
        ("crisis", gettext("crisissignaal"), gettext("geen crisissignaal")),
        ("repeat", gettext("herhaald signaal"), gettext("geen herhaald signaal")),
        ("debt_swap", gettext("met schuldverschuiving"), gettext("zonder schuldverschuiving")),
    )
    for name, yes, no in flags:
        value = getattr(tray, name)
        if value is not None:
            lines.append(yes if value else no)
    if amount := _bounds(tray.amount_min_eur, tray.amount_max_eur, unit=_euros):
        lines.append(gettext("totaalbedrag %(bounds)s") % {"bounds": amount})
    if tray.creditor_types:
        labels = dict(CreditorType.choices)
        names = [str(labels.get(t, t)) for t in tray.creditor_types]
        lines.append(gettext("een schuldeiser van de soort %(types)s") % {"types": _or(names)})
    for person, low, high in (
        (gettext("jongste persoon"), tray.youngest_age_min, tray.youngest_age_max),
        (gettext("oudste persoon"), tray.oldest_age_min, tray.oldest_age_max),
    ):
        if ages := _bounds(low, high, unit=_years):
            lines.append(f"{person} {ages}")
    if tray.neighbourhood_codes:
        names = [f"{places[c]} ({c})" if c in places else c for c in tray.neighbourhood_codes]
        lines.append(gettext("in %(places)s") % {"places": _or(names)})
    if tray.team_id is not None:
        lines.append(gettext("in het gebied van %(team)s") % {"team": tray.team.name})
    return lines or [gettext("alle signalen (geen voorwaarden)")]


def _or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(first)s of %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def unplaced_text(n: int) -> str:
    """Open signals that fit no tray any more: where they are, and what to do about it."""
    return ngettext(
        "%(n)s open signaal staat nu in geen werkbakje: het past bij geen enkel werkbakje, en de lijsten "
        "bij Werkbakjes tonen het niet. Verruim de voorwaarden, of voeg onderaan een werkbakje zonder "
        "voorwaarden toe, zodat het weer in een werkbakje komt.",
        "%(n)s open signalen staan nu in geen werkbakje: ze passen bij geen enkel werkbakje, en de lijsten "
        "bij Werkbakjes tonen ze niet. Verruim de voorwaarden, of voeg onderaan een werkbakje zonder "
        "voorwaarden toe, zodat ze weer in een werkbakje komen.",
        n,
    ) % {"n": n}


def _above_crisis_text(name: str, crisis_tray: str) -> str:
    return gettext(
        "Werkbakje ‘%(name)s’ boven werkbakje ‘%(crisis)s’ zetten? ‘%(crisis)s’ neemt crisissignalen: "
        "een crisissignaal dat ook aan de voorwaarden van ‘%(name)s’ voldoet, komt dan in ‘%(name)s’. "
        "Een crisissignaal vraagt contact binnen 3 werkdagen (Wgs artikel 4, tweede lid)."
    ) % {"name": name, "crisis": crisis_tray}


def tray_rows(trays, counts: dict[int | None, OpenInTray], places: dict[str, str]) -> list[dict]:
    """The rows of Werkbakjes beheren, in order: conditions in words and open signals (``open``
    awake, ``dormant`` sleeping: as the trays overview counts them); ``counts``:
    :class:`.selectors.OpenInTray` per tray id. Omhoog and Omlaag ask nothing in the browser:
    a move above a crisis tray goes to its confirmation page (:func:`move_crisis_question`),
    one question with or without script."""
    trays = list(trays)
    none = OpenInTray()
    return [
        {"tray": tray, "place": i, "conditions": tray_summary(tray, places),
         "open": counts.get(tray.pk, none).awake, "dormant": counts.get(tray.pk, none).dormant,
         "first": i == 1, "last": i == len(trays)}
        for i, tray in enumerate(trays, start=1)
    ]  # fmt: skip


def move_crisis_question(question: TrayMoveQuestion) -> str | None:
    """The move's confirmation page's warning when it puts a tray above one that takes crisis
    signals (:attr:`.services.TrayPreview.above_crisis`); ``None`` otherwise."""
    if not question.preview.above_crisis:
        return None
    if question.target < question.place:  # up, past the crisis tray
        return _above_crisis_text(question.tray.name, question.passed.name)
    return _above_crisis_text(question.passed.name, question.tray.name)


def move_resort_lines(preview: TrayPreview) -> list[str]:
    """What a move would do to the open signals, line by line: how many go to another tray and
    how many of those are already picked up (sorted again too, as after any change of the trays:
    :func:`.services.move_tray`), how many to none. Without signals to none (a move only reorders
    trays, so only a signal whose tray no longer fits it anyway goes to none) the picked-up ones
    are counted in the first line; with them, on a line of their own."""
    n, unplaced, picked_up = preview.elsewhere, preview.unplaced, preview.picked_up
    if not n:
        lines = [gettext("Door deze verplaatsing gaat geen open signaal naar een ander werkbakje.")]
    elif not picked_up or unplaced:
        lines = [ngettext(
            "Door deze verplaatsing gaat %(n)s open signaal naar een ander werkbakje.",
            "Door deze verplaatsing gaan %(n)s open signalen naar een ander werkbakje.",
            n,
        ) % {"n": n}]  # fmt: skip
    elif n == 1:
        lines = [gettext(
            "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje; het is al opgepakt."
        )]  # fmt: skip
    else:
        lines = [ngettext(
            "Door deze verplaatsing gaat %(n)s open signaal naar een ander werkbakje, waarvan %(m)s al opgepakt.",
            "Door deze verplaatsing gaan %(n)s open signalen naar een ander werkbakje, waarvan %(m)s al opgepakt.",
            n,
        ) % {"n": n, "m": picked_up}]  # fmt: skip
    return lines + _unplaced_and_picked_up_lines(preview)


def change_resort_lines(preview: TrayPreview) -> list[str]:
    """What saving a changed tray would do to the open signals, line by line, as
    :func:`move_resort_lines` says it for a move: how many go to another tray, how many of
    those are already picked up (only when any are), how many to none."""
    n, unplaced, picked_up = preview.elsewhere, preview.unplaced, preview.picked_up
    lines = []
    if n and picked_up and not unplaced:
        if n == 1:
            lines.append(gettext("1 open signaal komt in een ander werkbakje; het is al opgepakt."))
        else:
            lines.append(ngettext(
                "%(n)s open signaal komt in een ander werkbakje, waarvan %(m)s al opgepakt.",
                "%(n)s open signalen komen in een ander werkbakje, waarvan %(m)s al opgepakt.",
                n,
            ) % {"n": n, "m": picked_up})  # fmt: skip
    elif n:
        lines.append(ngettext(
            "%(n)s open signaal komt in een ander werkbakje.",
            "%(n)s open signalen komen in een ander werkbakje.",
            n,
        ) % {"n": n})  # fmt: skip
    return lines + _unplaced_and_picked_up_lines(preview)


def _unplaced_and_picked_up_lines(preview: TrayPreview) -> list[str]:
    """The lines a move and a change share: how many open signals go to no tray, how many of the
    moving ones are picked up (counted here when some go to none), and that a picked-up one
    keeps its case and worker."""
    unplaced, picked_up = preview.unplaced, preview.picked_up
    lines = []
    if unplaced:
        lines.append(ngettext(
            "%(n)s open signaal staat daarna in geen werkbakje: het past dan bij geen enkel werkbakje, "
            "en de lijsten bij Werkbakjes tonen het niet.",
            "%(n)s open signalen staan daarna in geen werkbakje: ze passen dan bij geen enkel werkbakje, "
            "en de lijsten bij Werkbakjes tonen ze niet.",
            unplaced,
        ) % {"n": unplaced})  # fmt: skip
        if picked_up:
            lines.append(ngettext(
                "%(m)s van deze open signalen is al opgepakt.",
                "%(m)s van deze open signalen zijn al opgepakt.",
                picked_up,
            ) % {"m": picked_up})  # fmt: skip
    if picked_up:
        lines.append(gettext(
            "Een opgepakt signaal blijft bij zijn zaak en bij wie eraan werkt; alleen het werkbakje "
            "waarin het staat verandert."
        ))  # fmt: skip
    return lines


def neighbourhood_tree(neighbourhoods) -> list[tuple[object, list]]:
    """The wijken, each with its buurten, in code order; buurten without a wijk last (wijk ``None``)."""
    wijken = sorted(
        (n for n in neighbourhoods if n.kind == NeighbourhoodKind.WIJK), key=lambda n: n.code
    )
    buurten: dict[int | None, list] = {}
    for n in sorted(
        (n for n in neighbourhoods if n.kind != NeighbourhoodKind.WIJK), key=lambda n: n.code
    ):
        buurten.setdefault(n.wijk_id if n.wijk_id in {w.pk for w in wijken} else None, []).append(n)
    tree = [(wijk, buurten.get(wijk.pk, [])) for wijk in wijken]
    if None in buurten:
        tree.append((None, buurten[None]))
    return tree


class TrayForm(ErrorSummary, forms.Form):
    """A tray's name and conditions. ``municipality`` scopes the wijken/buurten and teams;
    ``tray`` is the tray being changed (``None``: a new one). The checks that need more than one
    field, or the database (a unique name), are :func:`.services.tray_problems`."""

    name = forms.CharField(label=_("Naam"), max_length=TRAY_NAME_MAX_LENGTH)
    kind = forms.ChoiceField(
        label=_("Soort signaal"), choices=kind_choices, required=False, widget=forms.RadioSelect
    )
    crisis = forms.TypedChoiceField(
        label=_("Crisissignaal"), choices=yes_no_any_choices, coerce=_yes_no, empty_value=None, required=False,
        widget=forms.RadioSelect,
        help_text=_("Dreigende ontruiming, afsluiting van energie of water, of beëindiging van de zorgverzekering."),
    )  # fmt: skip
    repeat = forms.TypedChoiceField(
        label=_("Herhaald signaal"), choices=yes_no_any_choices, coerce=_yes_no, empty_value=None, required=False,
        widget=forms.RadioSelect,
        help_text=_("Het huishouden had kort geleden al een signaal (het venster staat in de signaalregels)."),
    )  # fmt: skip
    debt_swap = forms.TypedChoiceField(
        label=_("Schuldverschuiving"), choices=yes_no_any_choices, coerce=_yes_no, empty_value=None, required=False,
        widget=forms.RadioSelect,
        help_text=_("Een achterstand is opgelost terwijl er een nieuwe bij een andere schuldeiser ontstond."),
    )  # fmt: skip
    amount_min_eur = WholeEuroField(label=_("Totaalbedrag vanaf (euro)"), required=False)
    amount_max_eur = WholeEuroField(label=_("Totaalbedrag tot en met (euro)"), required=False)
    creditor_types = forms.MultipleChoiceField(
        label=_("Soorten schuldeisers"), choices=CreditorType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Het signaal komt hier als minstens één van zijn schuldeisers van een aangevinkte soort is. "
                    "Niets aangevinkt: elke soort."),
    )  # fmt: skip
    youngest_age_min = WholeNumberField(
        label=_("Jongste persoon ten minste (jaar)"), required=False
    )
    youngest_age_max = WholeNumberField(
        label=_("Jongste persoon ten hoogste (jaar)"), required=False
    )
    oldest_age_min = WholeNumberField(label=_("Oudste persoon ten minste (jaar)"), required=False)
    oldest_age_max = WholeNumberField(label=_("Oudste persoon ten hoogste (jaar)"), required=False)
    neighbourhood_codes = forms.MultipleChoiceField(
        label=_("Wijken en buurten"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Het signaal komt hier als het huishouden in een aangevinkte wijk of buurt woont. "
                    "Niets aangevinkt: overal."),
    )  # fmt: skip
    team = forms.ModelChoiceField(
        label=_("Gebied van een wijkteam"), queryset=None, required=False, empty_label=_("geen (elk gebied)"),
        help_text=_("Het signaal komt hier als het huishouden in de wijken of buurten van dit wijkteam woont."),
    )  # fmt: skip

    GROUPS = (
        (None, ("name",)),  # under the page's heading
        (_("Het signaal"), ("kind", "crisis", "repeat", "debt_swap")),
        (_("Bedrag en schuldeisers"), ("amount_min_eur", "amount_max_eur", "creditor_types")),
        (
            _("Leeftijd"),
            ("youngest_age_min", "youngest_age_max", "oldest_age_min", "oldest_age_max"),
        ),
        (_("Gebied"), ("neighbourhood_codes", "team")),
    )
    NUMBERS = {
        "amount_min_eur": "amount", "amount_max_eur": "amount", "youngest_age_min": "age",
        "youngest_age_max": "age", "oldest_age_min": "age", "oldest_age_max": "age",
    }  # fmt: skip

    def __init__(self, data=None, *, municipality, tray=None, **kwargs):
        self.municipality, self.tray = municipality, tray
        super().__init__(data, **kwargs)
        self.places = list(
            Neighbourhood.objects.filter(municipality=municipality).only(
                "pk", "code", "name", "kind", "wijk_id"
            )
        )
        self.tree = neighbourhood_tree(self.places)
        choices = [
            (n.code, n.name)
            for wijk, buurten in self.tree
            for n in ([wijk] if wijk else []) + buurten
        ]
        # Codes the tray already has without a wijk or buurt in the register stay choosable.
        known = {code for code, _label in choices}
        self.unknown_codes = [
            c for c in (tray.neighbourhood_codes if tray else []) or [] if c not in known
        ]
        self.fields["neighbourhood_codes"].choices = choices + [(c, c) for c in self.unknown_codes]
        self.fields["team"].queryset = Team.objects.filter(municipality=municipality).order_by(
            "name"
        )
        self.fields["name"].widget.attrs.update({"class": "utrecht-textbox", "size": 40})
        self.fields["name"].error_messages = {
            "required": gettext("Geef het werkbakje een naam."),
            "max_length": gettext("Een naam is ten hoogste %(max)s tekens lang.")
            % {"max": TRAY_NAME_MAX_LENGTH},
        }
        self.fields["team"].widget.attrs.update({"class": "utrecht-select"})
        self.fields["team"].error_messages = {
            "invalid_choice": gettext("Kies een wijkteam van uw gemeente.")
        }
        self.fields["kind"].error_messages = {
            "invalid_choice": gettext("Kies meervoudig, enkelvoudig of maakt niet uit.")
        }
        for name in ("crisis", "repeat", "debt_swap"):
            self.fields[name].error_messages = {
                "invalid_choice": gettext("Kies ja, nee of maakt niet uit.")
            }
        self.fields["creditor_types"].error_messages = {
            "invalid_choice": gettext("Kies alleen soorten schuldeisers uit de lijst."),
        }
        self.fields["neighbourhood_codes"].error_messages = {
            "invalid_choice": gettext("Kies alleen wijken en buurten van uw gemeente."),
        }
        for name, what in self.NUMBERS.items():
            field = self.fields[name]
            if what == "amount":
                high = TRAY_AMOUNT_LIMIT_EUR
                message = gettext(
                    "Vul een bedrag in hele euro’s in van 0 tot en met %(high)s, of laat het leeg."
                ) % {"high": shown_euros(high * 100)}
                field.help_text = gettext("In hele euro’s, grenzen inbegrepen; leeg: elk bedrag.")
            else:
                high = TRAY_AGE_LIMIT
                message = gettext(
                    "Vul een leeftijd in hele jaren in van 0 tot en met %(high)s, of laat het leeg."
                ) % {"high": high}
                field.help_text = gettext(
                    "In hele jaren op de peildatum, grenzen inbegrepen; leeg: elke leeftijd."
                )
            field.validators = [*field.validators, MinValueValidator(0), MaxValueValidator(high)]
            field.error_messages = {
                # An age of "18.0" or "1,5": the message asks for whole years.
                **dict.fromkeys(("invalid", "decimal", "min_value", "max_value"), message),
                **(
                    {key: field.error_messages[key] for key in ("invalid", "decimal")}
                    if what == "amount"
                    else {}
                ),
            }
            field.widget = forms.TextInput(
                attrs={"inputmode": "numeric", "class": "utrecht-textbox", "size": 8}
            )
        if data is None and tray is not None:
            self.initial = {name: getattr(tray, name) for name in TRAY_FIELDS}
            for name in ("crisis", "repeat", "debt_swap"):
                self.initial[name] = _flag_initial(getattr(tray, name))
            self.initial["team"] = tray.team_id
        elif data is None:
            self.initial = {"kind": ANY, "crisis": ANY, "repeat": ANY, "debt_swap": ANY}

    def clean(self):
        """All the problems at once: the checks over several fields and the database run even
        when a field was refused (over the fields that were read), not in a second round."""
        cleaned = super().clean()
        refused = set(self.errors)
        for field, message in tray_problems(
            self.municipality, self.values(), tray=self.tray
        ).items():
            if field not in refused:  # a refused field already says what is wrong with it
                self.add_error(field, message)
        return cleaned

    def values(self) -> dict:
        """The tray's fields as :func:`.services.create_tray` and ``update_tray`` take them."""
        return {name: self.cleaned_data.get(name) for name in TRAY_FIELDS}

    def values_digest(self) -> str:
        """A short fingerprint of the values read: the page that showed what saving them would
        do sends it back (:data:`CONFIRMATION`), and the same values are then saved without
        asking again; changed values are shown again first."""
        values = {
            name: (value.pk if isinstance(value, Team) else sorted(value) if isinstance(value, list) else value)
            for name, value in self.values().items()
        }  # fmt: skip
        text = json.dumps([getattr(self.tray, "pk", None), values], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def unconfirmed_preview(self) -> TrayPreview | None:
        """What saving a changed tray would do to the open signals (:func:`.services.preview_tray_update`),
        when the user should see it before it is saved: ``None`` for a new tray (at the bottom it only
        takes signals no tray takes), for values the user saw this for (:data:`CONFIRMATION`), and
        when no open signal would change tray. Call after ``is_valid()``."""
        if self.tray is None or self.data.get(CONFIRMATION) == self.values_digest():
            return None
        preview = preview_tray_update(self.tray, self.values())
        return preview if preview.moved else None

    def groups(self) -> list[tuple[Promise | None, list]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def neighbourhood_groups(self) -> list[dict]:
        """The wijk/buurt check boxes per wijk (for the template): ``{"wijk": box | None, "buurten": [box]}``."""
        boxes = {box.data["value"]: box for box in self["neighbourhood_codes"]}
        groups = [
            {"wijk": boxes[wijk.code] if wijk else None, "name": wijk.name if wijk else None,
             "buurten": [boxes[b.code] for b in buurten]}
            for wijk, buurten in self.tree
        ]  # fmt: skip
        if self.unknown_codes:
            groups.append(
                {"wijk": None, "name": None, "buurten": [boxes[c] for c in self.unknown_codes]}
            )
        return groups
