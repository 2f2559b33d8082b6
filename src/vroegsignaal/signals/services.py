"""The signals app's public face: rules, trays, evaluation and the life of a signal.

Evaluation (:func:`evaluate`, :func:`evaluate_after_delivery`) is set-based:
it reads the affected households' state in a handful of queries
(:mod:`.selectors`), decides in Polars (:mod:`.evaluation`, :mod:`.trays`,
:mod:`.explanations`), and writes in bulk — new signals and their arrears
inserted, changed signals updated through one staging table, lapsed signals
closed in one statement. A signal is only written when something about it
changed, so evaluating twice writes nothing the second time.

Status changes by people (:func:`pick_up_signal`, :func:`decline_signal`,
:func:`close_signal`) go through :mod:`.workflow`, under a row lock, with a
history row and an audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from vroegsignaal.households import bulk
from vroegsignaal.households.models import Arrear, ArrearStatus, Household
from vroegsignaal.organisations.models import Creditor, CreditorType, Municipality, Role, Team
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.registry.models import Address, Neighbourhood

from . import evaluation, explanations, notices, selectors, trays, workflow
from .explanations_english import english_date, explanation_lines
from .models import (
    HANDLED_STATUSES,
    OPEN_STATUSES,
    RuleSet,
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalKind,
    SignalStatus,
    SignalStatusChange,
    Tray,
)
from .rules import RuleValues, validate_rule_values

logger = logging.getLogger(__name__)

__all__ = [
    "EvaluationReport",
    "change_rules",
    "close_signal",
    "current_rules",
    "decline_signal",
    "create_tray",
    "delete_tray",
    "ensure_default_trays",
    "evaluate",
    "evaluate_after_delivery",
    "assign_team",
    "pick_up_signal",
    "move_tray",
    "place_signals",
    "resort_open_signals",
    "set_rules",
    "tray_problems",
    "update_tray",
]

SIGNAL_TABLE = Signal._meta.db_table
MEMBER_TABLE = SignalArrear._meta.db_table
CHANGE_TABLE = SignalStatusChange._meta.db_table
STAGE_SIGNALS = "signals_stage_signal"
STAGE_COUNTING = "signals_stage_counting"


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


def shown_explanation(signal: Signal, *, deadline: dt.date | None = None) -> str:
    """The explanation to show: the stored Dutch text, or in English rebuilt from its reasons.

    The stored text stays the record (exports and letters carry it); English is
    only a reading of the same facts for a user who chose it. ``deadline`` (a
    case's own contact deadline) replaces the signal's in the crisis line, so a
    page never shows two dates for one obligation.
    """
    if translation.get_language() != "en" or not signal.reasons:
        text = signal.explanation
    else:
        codes = {c for s in signal.reasons.get("debt_swaps") or [] for c in (s["cleared_creditor"], s["new_creditor"])}
        names = dict(Creditor.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
        lines = explanation_lines(signal.reasons, reference_date=signal.last_signalled_on, creditor_names=names)
        text = "\n".join(lines)
    if deadline is None or signal.deadline is None or deadline == signal.deadline:
        return text
    if translation.get_language() == "en":
        return text.replace(f"contact by {english_date(signal.deadline)}", f"contact by {english_date(deadline)}")
    return text.replace(
        f"contact uiterlijk {explanations.dutch_date(signal.deadline)}", f"contact uiterlijk {explanations.dutch_date(deadline)}"
    )


def current_rules(municipality: Municipality) -> RuleSet | None:
    return municipality.rule_sets.order_by("-version").first()


@transaction.atomic
def set_rules(municipality: Municipality, values: RuleValues, *, actor=None) -> tuple[RuleSet, bool]:
    """Make ``values`` the municipality's rules; a new version only when they differ.

    Also gives the municipality its default trays if it has none yet.
    """
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    ensure_default_trays(municipality)
    current = current_rules(municipality)
    if current is not None and current.values() == values:
        return current, False
    data = values.as_dict()
    rule_set = RuleSet.objects.create(
        municipality=municipality,
        version=(current.version + 1) if current else 1,
        created_by=actor,
        **data,
    )
    return rule_set, True


def change_rules(municipality: Municipality, changes: dict, *, actor) -> tuple[RuleSet, bool]:
    """A coordinator (or beheerder) changes some of the municipality's rules.

    ``changes`` holds only the rules that change (names as in
    :class:`~.rules.RuleValues`); the others keep their current values. Raises
    ``ValueError`` (Dutch message) for invalid values and ``PermissionDenied``
    for anyone but the municipality's coordinator or a beheerder. A change is
    a new version and is audited; signals keep the version that raised them.
    """
    role = getattr(actor, "role", None)
    allowed = role == Role.BEHEERDER or (
        role == Role.COORDINATOR and actor.municipality_id == municipality.pk
    )
    if not allowed:
        raise PermissionDenied("Alleen de coördinator van deze gemeente wijzigt haar signaalregels.")
    current = current_rules(municipality)
    base = (current.values() if current else RuleValues()).as_dict()
    values = validate_rule_values({**base, **dict(changes)})
    with transaction.atomic():
        rule_set, created = set_rules(municipality, values, actor=actor)
        if created:
            before = base
            after = values.as_dict()
            record(
                actor,
                AuditAction.UPDATE,
                rule_set,
                purpose="signaalregels gewijzigd",
                details={
                    "versie": rule_set.version,
                    "gewijzigd": sorted(k for k in after if after[k] != before.get(k)),
                },
            )
            # Every household of the municipality is evaluated again with the new rules, in the
            # background; otherwise only households a later delivery touches would see them.
            transaction.on_commit(lambda: _enqueue_evaluation(municipality.pk))
    return rule_set, created


def _enqueue_evaluation(municipality_id: int) -> None:
    from .tasks import evaluate_municipality_task

    try:
        evaluate_municipality_task.enqueue(municipality_id)
    except Exception:  # noqa: BLE001 - the rules are saved; `vroegsignaal evaluate` catches up
        logger.exception("Beoordeling van gemeente %s na nieuwe signaalregels niet ingepland.", municipality_id)


# ---------------------------------------------------------------------------
# Trays
# ---------------------------------------------------------------------------


def ensure_default_trays(municipality: Municipality) -> list[Tray]:
    """Create the default trays (Crisis, Jongeren, Meervoudig, Schuldverschuiving,
    Enkelvoudig) for a municipality that has no trays; return its trays in order."""
    if not Tray.objects.filter(municipality=municipality).exists():
        Tray.objects.bulk_create(
            Tray(municipality=municipality, name=name, position=(i + 1) * 10, **conditions)
            for i, (name, conditions) in enumerate(trays.DEFAULT_TRAYS)
        )
    return list(selectors.trays_of(municipality))


# ---------------------------------------------------------------------------
# Trays: the coordinator's management (portal: /signalen/regels/werkbakjes/)
# ---------------------------------------------------------------------------

# The fields of a tray a coordinator sets: its name and every condition (see :class:`~.models.Tray`).
TRAY_CONDITION_FIELDS = (
    "kind", "crisis", "repeat", "debt_swap", "amount_min_eur", "amount_max_eur", "creditor_types",
    "youngest_age_min", "youngest_age_max", "oldest_age_min", "oldest_age_max", "neighbourhood_codes", "team",
)  # fmt: skip
TRAY_FIELDS = ("name", *TRAY_CONDITION_FIELDS)
TRAY_AMOUNT_LIMIT_EUR = 1_000_000  # as the rules' minimum amount per arrear
TRAY_AGE_LIMIT = 120
TRAY_POSITION_STEP = 10


@dataclass(frozen=True)
class TrayChange:
    """What a change to the trays did: the tray (unsaved after a deletion), whether anything
    changed, its place in the order (1 = first; 0 after a deletion) and how many open signals
    went to another tray (or to none) when they were sorted again."""

    tray: Tray
    changed: bool
    place: int = 0
    moved_signals: int = 0


def _require_tray_coordinator(actor, municipality_id: int) -> None:
    if getattr(actor, "role", None) != Role.COORDINATOR or getattr(actor, "municipality_id", None) != municipality_id:
        raise PermissionDenied(gettext("Alleen de coördinator van deze gemeente beheert haar werkbakjes."))


def _lock_municipality(municipality_id: int) -> None:
    """Tray changes and evaluations of one municipality wait for each other (evaluation
    reads the trays once and writes their ids without a database constraint)."""
    Municipality.objects.select_for_update().filter(pk=municipality_id).first()


def _euro(value: int) -> str:
    """Whole euros as the page's language writes them (the tray form's messages)."""
    from .explanations_english import shown_euros

    return shown_euros(value * 100)


def tray_problems(municipality: Municipality, values: dict, *, tray: Tray | None = None) -> dict[str, str]:
    """What is wrong with ``values`` for a tray of ``municipality`` (``tray``: the one being
    changed), one Dutch message per field; ``{}`` when they are fine.

    ``values`` holds :data:`TRAY_FIELDS` as :func:`create_tray` takes them: ``None`` for an
    empty condition, booleans for crisis/repeat/debt swap, whole euros and years, lists of
    creditor types and wijk/buurt codes, a ``Team`` (or ``None``).
    """
    problems: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        problems["name"] = gettext("Geef het werkbakje een naam.")
    elif len(name) > 100:
        problems["name"] = gettext("Een naam is ten hoogste 100 tekens lang.")
    else:
        same = Tray.objects.filter(municipality=municipality, name__iexact=name)
        if tray is not None:
            same = same.exclude(pk=tray.pk)
        if same.exists():
            problems["name"] = gettext("Uw gemeente heeft al een werkbakje met de naam ‘%(name)s’.") % {"name": name}
    if (values.get("kind") or "") not in ("", *SignalKind.values):
        problems["kind"] = gettext("Kies meervoudig, enkelvoudig of maakt niet uit.")
    for flag in ("crisis", "repeat", "debt_swap"):
        if values.get(flag) not in (None, True, False):
            problems[flag] = gettext("Kies ja, nee of maakt niet uit.")

    def bounded(name: str, high: int, message: str) -> int | None:
        value = values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            problems[name] = message
            return None
        return value

    amount_error = gettext("Vul een bedrag in hele euro’s in van 0 tot en met %(high)s, of laat het leeg.") % {
        "high": _euro(TRAY_AMOUNT_LIMIT_EUR)
    }
    low, high = (bounded(f, TRAY_AMOUNT_LIMIT_EUR, amount_error) for f in ("amount_min_eur", "amount_max_eur"))
    if low is not None and high is not None and low > high:
        problems["amount_max_eur"] = gettext(
            "Het totaalbedrag tot en met (%(high)s) is lager dan het totaalbedrag vanaf (%(low)s)."
        ) % {"low": _euro(low), "high": _euro(high)}
    age_error = gettext("Vul een leeftijd in hele jaren in van 0 tot en met %(high)s, of laat het leeg.") % {
        "high": TRAY_AGE_LIMIT
    }
    ages = {f: bounded(f, TRAY_AGE_LIMIT, age_error) for f in (
        "youngest_age_min", "youngest_age_max", "oldest_age_min", "oldest_age_max")}  # fmt: skip
    impossible = {
        "youngest": gettext("De jongste persoon is ten hoogste %(high)s jaar en ten minste %(low)s jaar: "
                            "dat kan niet tegelijk."),
        "oldest": gettext("De oudste persoon is ten hoogste %(high)s jaar en ten minste %(low)s jaar: "
                          "dat kan niet tegelijk."),
    }  # fmt: skip
    for person, message in impossible.items():
        low, high = ages[f"{person}_age_min"], ages[f"{person}_age_max"]
        if low is not None and high is not None and low > high:
            problems[f"{person}_age_max"] = message % {"low": low, "high": high}
    if (
        ages["youngest_age_min"] is not None
        and ages["oldest_age_max"] is not None
        and ages["youngest_age_min"] > ages["oldest_age_max"]
        and "oldest_age_max" not in problems
    ):
        problems["oldest_age_max"] = gettext(
            "De jongste persoon is ten minste %(low)s jaar, dan is de oudste niet ten hoogste %(high)s jaar: "
            "geen huishouden zou in dit werkbakje komen."
        ) % {"low": ages["youngest_age_min"], "high": ages["oldest_age_max"]}
    types = values.get("creditor_types") or []
    if not set(types) <= set(CreditorType.values):
        problems["creditor_types"] = gettext("Kies alleen soorten schuldeisers uit de lijst.")
    codes = set(values.get("neighbourhood_codes") or [])
    known = set(Neighbourhood.objects.filter(municipality=municipality, code__in=codes).values_list("code", flat=True))
    # A code the tray already has (configuration may precede the register) may stay.
    known |= set(tray.neighbourhood_codes or []) if tray is not None else set()
    if not codes <= known:
        problems["neighbourhood_codes"] = gettext("Kies alleen wijken en buurten van uw gemeente.")
    team = values.get("team")
    if team is not None:
        if not isinstance(team, Team) or team.municipality_id != municipality.pk:
            problems["team"] = gettext("Kies een wijkteam van uw gemeente.")
        elif not team.neighbourhood_codes:
            problems["team"] = gettext(
                "Wijkteam %(team)s heeft geen wijken of buurten: er zou geen enkel signaal in dit werkbakje komen. "
                "Kies een ander wijkteam, of vraag de beheerder het gebied van het wijkteam in te stellen."
            ) % {"team": team.name}
    return problems


def _tray_values(values: dict) -> dict:
    """``values`` as they are stored: names trimmed, lists sorted, empty kind ``""``."""
    order = {value: i for i, value in enumerate(CreditorType.values)}
    clean = {name: values.get(name) for name in TRAY_FIELDS}
    clean["name"] = (clean["name"] or "").strip()
    clean["kind"] = clean["kind"] or ""
    clean["creditor_types"] = sorted(set(clean["creditor_types"] or []), key=order.__getitem__)
    clean["neighbourhood_codes"] = sorted(set(clean["neighbourhood_codes"] or []))
    return clean


def _checked_tray_values(municipality: Municipality, values: dict, tray: Tray | None = None) -> dict:
    problems = tray_problems(municipality, values, tray=tray)
    if problems:
        raise ValidationError(problems)
    return _tray_values(values)


def _stored_tray_values(tray: Tray) -> dict:
    return {name: getattr(tray, name) for name in TRAY_FIELDS} | {"kind": tray.kind or ""}


def _renumber(ordered: list[Tray]) -> None:
    """Positions 10, 20, 30, … in this order (only the rows that change are written)."""
    changed = []
    for i, tray in enumerate(ordered):
        position = (i + 1) * TRAY_POSITION_STEP
        if tray.position != position:
            tray.position = position
            changed.append(tray)
    Tray.objects.bulk_update(changed, ["position"])


def _place_of(tray: Tray, ordered: list[Tray]) -> int:
    return [t.pk for t in ordered].index(tray.pk) + 1


def create_tray(municipality: Municipality, values: dict, *, actor) -> TrayChange:
    """A coordinator adds a tray (:data:`TRAY_FIELDS`; see :func:`tray_problems`) at the bottom.

    A municipality without trays gets the default ones first, as its first evaluation would.
    The open signals are sorted into the trays again (:func:`resort_open_signals`); a tray at
    the bottom only receives the signals no tray above it takes. Raises ``ValidationError``
    (per field, Dutch) and ``PermissionDenied``; atomic and audited.
    """
    _require_tray_coordinator(actor, municipality.pk)
    with transaction.atomic():
        _lock_municipality(municipality.pk)
        clean = _checked_tray_values(municipality, values)
        ordered = ensure_default_trays(municipality)
        tray = Tray.objects.create(
            municipality=municipality, position=(len(ordered) + 1) * TRAY_POSITION_STEP, **clean
        )
        ordered.append(tray)
        _renumber(ordered)
        moved = resort_open_signals(municipality)
        place = _place_of(tray, ordered)
        record(actor, AuditAction.CREATE, tray, purpose="werkbakje aangemaakt", details={
            "naam": tray.name, "plaats": place, "voorwaarden": _set_conditions(clean), "signalen_verplaatst": moved,
        })  # fmt: skip
    return TrayChange(tray, True, place, moved)


def _set_conditions(values: dict) -> list[str]:
    empty = (None, "", [])
    return sorted(name for name in TRAY_CONDITION_FIELDS if values.get(name) not in empty)


def _locked_tray(tray: Tray | int) -> Tray:
    """The tray, read again under its municipality's lock (``Tray.DoesNotExist`` when deleted meanwhile)."""
    tray_id = getattr(tray, "pk", tray)
    municipality_id = Tray.objects.filter(pk=tray_id).values_list("municipality_id", flat=True).first()
    if municipality_id is None:
        raise Tray.DoesNotExist(tray_id)
    _lock_municipality(municipality_id)
    return Tray.objects.select_related("municipality", "team").get(pk=tray_id)


def update_tray(tray: Tray | int, values: dict, *, actor) -> TrayChange:
    """A coordinator changes a tray's name or conditions (all of :data:`TRAY_FIELDS`).

    Nothing is written (or audited) when nothing differs; otherwise the open signals are
    sorted into the trays again. Raises ``ValidationError`` (per field, Dutch),
    ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        clean = _checked_tray_values(tray.municipality, values, tray)
        before = _stored_tray_values(tray)
        changed = sorted(name for name in TRAY_FIELDS if clean[name] != before[name])
        ordered = list(selectors.trays_of(tray.municipality))
        place = _place_of(tray, ordered)
        if not changed:
            return TrayChange(tray, False, place, 0)
        for name in changed:
            setattr(tray, name, clean[name])
        tray.save(update_fields=changed)
        moved = resort_open_signals(tray.municipality)
        record(actor, AuditAction.UPDATE, tray, purpose="werkbakje gewijzigd", details={
            "naam": tray.name, "gewijzigd": changed, "signalen_verplaatst": moved,
        })  # fmt: skip
    return TrayChange(tray, True, place, moved)


def move_tray(tray: Tray | int, offset: int, *, actor) -> TrayChange:
    """A coordinator moves a tray ``offset`` places (−1: one up, 1: one down) in the order.

    A tray already at the top (bottom) stays put (``changed`` false, nothing audited);
    otherwise the open signals are sorted into the trays again. Raises
    ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        ordered = list(selectors.trays_of(tray.municipality))
        start = _place_of(tray, ordered) - 1
        target = min(max(start + int(offset), 0), len(ordered) - 1)
        if target == start:
            return TrayChange(tray, False, start + 1, 0)
        ordered.insert(target, ordered.pop(start))
        _renumber(ordered)
        tray.position = ordered[target].position
        moved = resort_open_signals(tray.municipality)
        record(actor, AuditAction.UPDATE, tray, purpose="werkbakje verplaatst", details={
            "naam": tray.name, "van_plaats": start + 1, "naar_plaats": target + 1, "signalen_verplaatst": moved,
        })  # fmt: skip
    return TrayChange(tray, True, target + 1, moved)


def delete_tray(tray: Tray | int, *, actor) -> TrayChange:
    """A coordinator deletes a tray; the municipality's last tray stays (``ValueError``, Dutch).

    Its open signals (``nieuw`` and ``opgepakt``) go where the remaining trays put them
    (:func:`resort_open_signals`; none when no tray takes them). Its closed signals keep no
    tray (``Signal.tray`` is emptied, the foreign key's ``SET_NULL``): the tray they were in
    no longer exists, and putting them in another would rewrite their history. Raises
    ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        ordered = list(selectors.trays_of(tray.municipality))
        if len(ordered) <= 1:
            raise ValueError(gettext(
                "Het laatste werkbakje van uw gemeente kan niet worden verwijderd: elk signaal moet ergens "
                "terecht kunnen. Voeg eerst een ander werkbakje toe."
            ))  # fmt: skip
        place = _place_of(tray, ordered)
        # Its open signals first go where the other trays put them, then the closed ones lose it.
        moved = _resort(tray.municipality, without=tray.pk)
        closed = Signal.objects.filter(tray=tray).exclude(status__in=OPEN_STATUSES).update(tray=None)
        tray_id, name = tray.pk, tray.name
        tray.delete()  # no signal refers to it any more
        tray.pk = tray_id  # for the audit event and the caller
        _renumber([t for t in ordered if t.pk != tray_id])
        record(actor, AuditAction.DELETE, tray, purpose="werkbakje verwijderd", details={
            "naam": name, "plaats": place, "signalen_verplaatst": moved, "gesloten_signalen_zonder_werkbakje": closed,
        })  # fmt: skip
    return TrayChange(tray, True, 0, moved)


def resort_open_signals(municipality: Municipality | str | int) -> int:
    """Sort the municipality's open signals (``nieuw`` and ``opgepakt``) into its trays again,
    after its trays changed; returns how many went to another tray (or to none).

    The same decision as evaluation (:func:`.trays.assign_trays` over the trays in their
    order, the household's ages and places from :func:`.selectors.household_context`, ages
    on the date a full evaluation uses: the newest peildatum of the municipality's
    arrears), over the figures stored with each signal and the types of the creditors of
    its counting arrears. Evaluation moves only ``nieuw`` signals (a picked-up signal's
    figures may change under its case without it changing queue); a change of the trays
    themselves is the coordinator's own decision and sorts every open signal again.
    Closed signals keep their tray. Set-based: three queries to read (one more with an
    age condition), one ``UPDATE`` per tray that receives signals.
    """
    return _resort(_municipality(municipality))


def _resort(municipality: Municipality, *, without: int | None = None) -> int:
    """:func:`resort_open_signals`, as if the tray ``without`` (about to be deleted) were gone."""
    with transaction.atomic():
        _lock_municipality(municipality.pk)
        conditions = trays.tray_conditions(selectors.trays_of(municipality).exclude(pk=without))
        open_list = ", ".join(["%s"] * len(OPEN_STATUSES))
        stored = bulk.read_frame(
            "SELECT id, household_id, kind, crisis, repeat, debt_swap, total_amount_cents, tray_id "  # noqa: S608
            f"FROM {SIGNAL_TABLE} WHERE municipality_id = %s AND status IN ({open_list})",
            [municipality.pk, *OPEN_STATUSES],
            {
                "signal_id": pl.Int64(), "household_id": pl.Int64(), "kind": pl.String(), "crisis": pl.Boolean(),
                "repeat": pl.Boolean(), "debt_swap": pl.Boolean(), "total_amount_cents": pl.Int64(),
                "tray_id": pl.Int64(),
            },
        )  # fmt: skip
        if stored.is_empty():
            return 0
        creditor_types = bulk.read_frame(
            f"SELECT sa.signal_id, c.type FROM {MEMBER_TABLE} sa "  # noqa: S608
            f"JOIN {SIGNAL_TABLE} s ON s.id = sa.signal_id "
            f"JOIN {selectors.ARREAR_TABLE} a ON a.id = sa.arrear_id "
            f"JOIN {selectors.CREDITOR_TABLE} c ON c.id = a.creditor_id "
            f"WHERE s.municipality_id = %s AND s.status IN ({open_list}) AND sa.counts",
            [municipality.pk, *OPEN_STATUSES],
            {"signal_id": pl.Int64(), "creditor_type": pl.String()},
        ).group_by("signal_id").agg(pl.col("creditor_type").unique().sort().alias("creditor_types"))
        on = selectors.latest_reference_date(municipality) or timezone.localdate()
        context = selectors.household_context(
            stored.get_column("household_id"),
            on=on,
            ages=any(c.needs_ages for c in conditions),
            places=any(c.needs_places for c in conditions),
        )
        frame = stored.join(creditor_types, on="signal_id", how="left", maintain_order="left").join(
            context, on="household_id", how="left", maintain_order="left"
        )
        placed = frame.select("signal_id", "tray_id").with_columns(
            trays.assign_trays(frame, conditions).alias("new_tray_id")
        )
        moving = placed.filter(pl.col("new_tray_id").ne_missing(pl.col("tray_id")))
        now = _db_now(timezone.now())
        for (tray_id,), group in moving.group_by("new_tray_id", maintain_order=True):
            where, params = bulk.id_list("id", group.get_column("signal_id").sort())
            bulk.execute(
                f"UPDATE {SIGNAL_TABLE} SET tray_id = %s, updated_at = %s WHERE {where}",  # noqa: S608
                [tray_id, now, *params],
            )
    return moving.height


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationReport:
    """What one evaluation of one municipality did."""

    municipality: str  # gemeentecode
    reference_date: dt.date
    rule_set_version: int
    households: int = 0
    raised: int = 0
    updated: int = 0
    expired: int = 0
    dormant: int = 0  # open signals without counting arrears that fell asleep
    unchanged: int = 0
    new_crises: int = 0  # crisis signals that were not before (their coordinators are e-mailed)
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    cpu_timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def summary(self) -> str:
        return (
            f"Gemeente {self.municipality}, peildatum {self.reference_date.isoformat()} "
            f"(regels v{self.rule_set_version}): {self.households} "
            f"{'huishouden' if self.households == 1 else 'huishoudens'} beoordeeld; "
            f"{self.raised} {'nieuw signaal' if self.raised == 1 else 'nieuwe signalen'}, "
            f"{self.updated} bijgewerkt, {self.expired} vervallen, "
            f"{self.dormant} slapend, {self.unchanged} ongewijzigd."
            + (
                f" Nieuw als crisissignaal: {self.new_crises} (de coördinatoren met een e-mailadres "
                "krijgen een melding)."
                if self.new_crises
                else ""
            )
        )


def _municipality(value) -> Municipality:
    if isinstance(value, Municipality):
        return value
    if isinstance(value, str):
        return Municipality.objects.get(code=value)
    return Municipality.objects.get(pk=value)


def evaluate(
    municipality: Municipality | str | int,
    *,
    reference_date: dt.date | None = None,
    household_ids: Iterable[int] | None = None,
    received_on: dt.date | None = None,
    pending_persons: pl.DataFrame | None = None,
) -> EvaluationReport:
    """Apply the municipality's current rules to its households on ``reference_date``.

    ``household_ids`` limits the evaluation to those households (after a
    delivery); ``None`` evaluates every household of the municipality with
    open or recently cleared arrears or an open signal. ``reference_date``
    defaults to the newest peildatum of the municipality's arrears (else
    today); ``received_on`` (default today) is the day crisis deadlines
    count from. Runs in one transaction; concurrent evaluations of one
    municipality wait for each other. ``pending_persons`` (``household_id``,
    ``birth_date``): persons of a delivery being applied that are not written yet.
    """
    municipality = _municipality(municipality)
    today = timezone.localdate()
    received_on = received_on or today
    clock = _Clock()
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        rule_set = current_rules(municipality) or set_rules(municipality, RuleValues())[0]
        rules = rule_set.values()
        conditions = trays.tray_conditions(ensure_default_trays(municipality))
        if reference_date is None:
            reference_date = selectors.latest_reference_date(municipality) or today
        if household_ids is not None:
            # Also the households whose signal counts arrears that aged without a delivery touching them.
            household_ids = {int(i) for i in household_ids} | set(
                selectors.aged_out(municipality.pk, rules=rules, reference_date=reference_date)
            )
        state, stored, stored_members = selectors.evaluation_state(
            municipality.pk, rules=rules, reference_date=reference_date, household_ids=household_ids
        )
        clock.lap("read")
        outcome = evaluation.evaluate_households(
            state, rules, reference_date=reference_date, received_on=received_on
        )
        clock.lap("rules")
        signals = _complete(
            outcome, state, stored, conditions, rules, reference_date, clock, pending_persons
        )
        clock.lap("explain")
        changed = _changed(signals, stored, stored_members, outcome.counting, reference_date)
        crises = notices.new_crises(signals, stored)
        clock.lap("compare")
        now = timezone.now()
        raised = signals.filter(pl.col("signal_id").is_null())
        _insert_raised(raised, outcome.counting, municipality.pk, rule_set.pk, reference_date, now)
        clock.lap("insert")
        _update_changed(changed, outcome.counting, reference_date, now)
        _tell_creditors_who_joined(changed, received_on)
        _tell_cases_of_new_crises(changed, received_on)
        clock.lap("update")
        expired = _expire(outcome.expired.get_column("signal_id"), reference_date, now)
        dormant = _fall_asleep(outcome.dormant.get_column("signal_id"), reference_date)
        if household_ids is not None:
            _still_signalled(municipality.pk, rules, reference_date)
        notices.after_commit(municipality.pk, crises)
        clock.lap("write")
    evaluated = (
        pl.concat([state.arrears.select("household_id"), state.open_signals.select("household_id")])
        .unique()
        .height
    )
    updated = changed.height
    return EvaluationReport(
        municipality=municipality.code,
        reference_date=reference_date,
        rule_set_version=rule_set.version,
        households=evaluated,
        raised=raised.height,
        new_crises=crises,
        updated=updated,
        expired=expired,
        dormant=dormant,
        unchanged=stored.height - updated - expired - dormant,
        timings=clock.laps,
        cpu_timings=clock.cpu,
    )


def evaluate_after_delivery(
    delivery,
    household_ids: Iterable[int] | None = None,
    *,
    municipality_ids: Iterable[int] = (),
    pending_persons: pl.DataFrame | None = None,
) -> list[EvaluationReport]:
    """Evaluate the households a just-applied delivery touched, per municipality.

    Intake calls this after ``households.services.apply_rows`` (inside or after
    the same transaction) with the ids of the households whose arrears the
    delivery opened, changed or cleared; without ids they are read from the
    delivery's arrear events. The delivery's peildatum is the reference date.
    ``municipality_ids`` (``ApplyCounts.municipality_ids``: where the creditor
    has open arrears) are evaluated too, even without a touched household:
    their signals whose arrears the delivery confirmed are signalled on its
    peildatum, and those whose arrears aged out follow. ``pending_persons``: see
    :func:`evaluate` (intake evaluates while the delivery's new persons are encrypted).
    """
    if household_ids is None:
        from vroegsignaal.households.selectors import households_touched_by

        household_ids = households_touched_by(delivery).values_list("pk", flat=True)
    by_municipality = selectors.households_by_municipality(household_ids)
    for municipality_id in municipality_ids:
        by_municipality.setdefault(int(municipality_id), [])
    reports = []
    for municipality_id in sorted(by_municipality):
        reports.append(
            evaluate(
                municipality_id,
                reference_date=delivery.reference_date,
                household_ids=by_municipality[municipality_id],
                pending_persons=pending_persons,
            )
        )
    return reports


def _tell_creditors_who_joined(changed: pl.DataFrame, on: dt.date) -> None:
    """A creditor whose arrears join a signal after its pick-up hears ``opgepakt`` too, with its own pause."""
    if changed.height == 0:
        return
    # Imported late: the feedback app builds on this one.
    from vroegsignaal.feedback import services as feedback

    feedback.record_joined(changed.get_column("signal_id").to_list(), on=on)


def _tell_cases_of_new_crises(changed: pl.DataFrame, on: dt.date) -> None:
    """A picked-up signal that became a crisis signal gives its case the crisis deadline."""
    crises = changed.filter(pl.col("crisis")) if changed.height else changed
    if crises.height == 0:
        return
    # Imported late: the cases app builds on this one.
    from vroegsignaal.cases import services as cases

    cases.crisis_after_pick_up(crises.get_column("signal_id").to_list(), received_on=on)


class _Clock:
    """Wall-clock and CPU seconds per step."""

    def __init__(self) -> None:
        import time

        self._time, self._cpu_time = time.perf_counter, time.process_time
        self._last, self._last_cpu = self._time(), self._cpu_time()
        self.laps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now, cpu = self._time(), self._cpu_time()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 4)
        self.cpu[name] = round(self.cpu.get(name, 0.0) + cpu - self._last_cpu, 4)
        self._last, self._last_cpu = now, cpu


def _repeat_of_updated(updated: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """``repeat``, ``previous_signal_id``, ``previous_until`` of updated signals: evaluated
    for those that woke up, as stored for the others."""
    kept = stored.select(
        "signal_id",
        pl.col("repeat").alias("_repeat"),
        pl.col("repeat_of_id").alias("_previous_signal_id"),
        pl.col("repeat_until").alias("_previous_until"),
    )
    woke = pl.col("woke")
    return updated.join(kept, on="signal_id", how="left").with_columns(
        pl.when(woke).then(pl.col("repeat")).otherwise(pl.col("_repeat")).alias("repeat"),
        # A signal that repeats its own earlier run names no other signal.
        pl.when(woke)
        .then(pl.col("previous_signal_id"))
        .otherwise(pl.col("_previous_signal_id"))
        .alias("previous_signal_id"),
        pl.when(woke).then(pl.col("previous_until")).otherwise(pl.col("_previous_until")).alias("previous_until"),
    )


def _complete(
    outcome: evaluation.Outcome,
    state: evaluation.State,
    stored: pl.DataFrame,
    conditions: list[trays.TrayConditions],
    rules: RuleValues,
    reference_date: dt.date,
    clock: _Clock | None = None,
    pending_persons: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The raised and updated signals with everything that is stored: repeat, tray,
    priority, explanation and reasons. ``signal_id`` is null for raised ones."""
    base = [
        "household_id", "kind", "distinct", "creditor_count", "total_amount_cents",
        "oldest_start_date", "crisis", "debt_swap", "deadline", "signalled_on",
    ]  # fmt: skip
    raised = outcome.raised.select(
        pl.lit(None, pl.Int64).alias("signal_id"),
        pl.lit(SignalStatus.NIEUW.value).alias("status"),
        *base,
        "repeat",
        pl.col("previous_signal_id").cast(pl.Int64),
        pl.col("previous_until").cast(pl.Date),
        pl.lit(None, pl.Int64).alias("stored_tray_id"),
    )
    updated = _repeat_of_updated(outcome.updated, stored).join(
        stored.select("signal_id", pl.col("tray_id").alias("stored_tray_id")), on="signal_id", how="left"
    )
    updated = updated.select(raised.columns).cast(dict(raised.schema))
    signals = pl.concat([raised, updated])
    if signals.is_empty():
        return signals.with_columns(
            pl.lit(None, pl.Int64).alias("buurt_id"),
            pl.lit(None, pl.Int64).alias("tray_id"),
            pl.lit(None, pl.Int64).alias("priority"),
            pl.lit(None, pl.String).alias("explanation"),
            pl.lit(None, pl.String).alias("reasons"),
        )

    creditor_types = outcome.counting.group_by("household_id").agg(
        pl.col("creditor_type").unique().sort().alias("creditor_types")
    )
    context = selectors.household_context(
        signals.get_column("household_id"),
        on=reference_date,
        ages=any(c.needs_ages for c in conditions),
        places=any(c.needs_places for c in conditions),
        pending_persons=pending_persons,
    )
    placed = signals.join(creditor_types, on="household_id", how="left", maintain_order="left").join(
        context, on="household_id", how="left", maintain_order="left"
    )
    tray_ids = trays.assign_trays(placed, conditions)
    # Only a signal not yet picked up moves between trays.
    signals = signals.with_columns(
        placed.get_column("buurt_id"),
        pl.when(pl.col("status") == SignalStatus.NIEUW.value)
        .then(tray_ids)
        .otherwise(pl.col("stored_tray_id"))
        .alias("tray_id"),
        trays.priority_expr(reference_date).alias("priority"),
    )
    if clock is not None:
        clock.lap("trays")
    texts = explanations.explain_frame(
        signals, outcome.counting, outcome.swaps, state.creditors, rules, reference_date
    )
    return signals.join(texts, on="household_id", how="left", maintain_order="left")


def _changed(
    signals: pl.DataFrame,
    stored: pl.DataFrame,
    stored_members: pl.DataFrame,
    counting: pl.DataFrame,
    reference_date: dt.date,
) -> pl.DataFrame:
    """The updated signals in which anything stored would change."""
    updated = signals.filter(pl.col("signal_id").is_not_null())
    if updated.is_empty():
        return updated
    compared = [
        "kind", "crisis", "debt_swap", "creditor_count", "total_amount_cents", "oldest_start_date",
        "deadline", "tray_id", "priority", "content_digest", "repeat", "repeat_until",
    ]  # fmt: skip
    updated = updated.with_columns(pl.col("previous_until").alias("repeat_until"))
    new_counting = counting.group_by("household_id").agg(pl.col("arrear_id").sort().alias("_counting"))
    old_counting = (
        stored_members.filter(pl.col("counts"))
        .group_by("signal_id")
        .agg(pl.col("arrear_id").sort().alias("_counting_old"))
    )
    both = (
        updated.join(new_counting, on="household_id", how="left")
        .join(
            stored.select(
                "signal_id", "last_signalled_on", "dormant_since", *[pl.col(c).alias(f"{c}_old") for c in compared]
            ),
            on="signal_id",
            how="left",
        )
        .join(old_counting, on="signal_id", how="left")
    )
    differs = pl.any_horizontal(
        [pl.col(c).cast(both.schema[f"{c}_old"]).ne_missing(pl.col(f"{c}_old")) for c in compared]
        + [
            pl.col("_counting").ne_missing(pl.col("_counting_old")),
            pl.col("signalled_on").ne_missing(pl.col("last_signalled_on")),
            pl.col("dormant_since").is_not_null(),
        ]
    )
    return both.filter(differs).select(updated.columns)


def _db_now(now: dt.datetime) -> str:
    return bulk.db_datetime(now)


def _member_rows(signals: pl.DataFrame, counting: pl.DataFrame, reference_date: dt.date) -> pl.DataFrame:
    """SignalArrear rows (member, counts) for the counting arrears of ``signals`` (``signal_id``, ``household_id``)."""
    return (
        counting.select("household_id", "arrear_id")
        .join(signals.select("signal_id", "household_id"), on="household_id", how="inner")
        .select(
            "signal_id",
            "arrear_id",
            pl.lit(SignalArrearRole.MEMBER.value).alias("role"),
            pl.lit(True).alias("counts"),
            pl.lit(reference_date, pl.Date).alias("joined_on"),
        )
        .sort("signal_id", "arrear_id")
    )


def _status_rows(
    signal_ids: pl.Series, from_status: str, to_status: str, reference_date: dt.date, now: dt.datetime, note: str
) -> pl.DataFrame:
    return pl.DataFrame({"signal_id": signal_ids.cast(pl.Int64)}).select(
        "signal_id",
        pl.lit(from_status).alias("from_status"),
        pl.lit(to_status).alias("to_status"),
        pl.lit(_db_now(now)).alias("changed_at"),
        pl.lit(reference_date, pl.Date).alias("reference_date"),
        pl.lit(note).alias("note"),
    )


def _insert_raised(
    raised: pl.DataFrame,
    counting: pl.DataFrame,
    municipality_id: int,
    rule_set_id: int,
    reference_date: dt.date,
    now: dt.datetime,
) -> None:
    if raised.is_empty():
        return
    raised = raised.sort("household_id").with_columns(bulk.reserve_ids(SIGNAL_TABLE, raised.height).alias("signal_id"))
    stamp = _db_now(now)
    bulk.insert_frame(
        SIGNAL_TABLE,
        raised.select(
            pl.col("signal_id").alias("id"),
            pl.lit(municipality_id, pl.Int64).alias("municipality_id"),
            "household_id",
            pl.lit(SignalStatus.NIEUW.value).alias("status"),
            "kind",
            "crisis",
            "repeat",
            "debt_swap",
            pl.col("creditor_count").cast(pl.Int64),
            "total_amount_cents",
            "oldest_start_date",
            pl.col("previous_signal_id").alias("repeat_of_id"),
            pl.col("previous_until").alias("repeat_until"),
            pl.lit(reference_date, pl.Date).alias("signal_date"),
            pl.col("signalled_on").alias("last_signalled_on"),
            pl.lit(None, pl.Date).alias("dormant_since"),
            pl.lit(rule_set_id, pl.Int64).alias("rule_set_id"),
            "tray_id",
            "priority",
            "explanation",
            "reasons",
            "content_digest",
            "deadline",
            pl.lit(None, pl.Int64).alias("team_id"),
            pl.lit(None, pl.Date).alias("closed_on"),
            "buurt_id",
            pl.lit(stamp).alias("created_at"),
            pl.lit(stamp).alias("updated_at"),
        ),
    )
    bulk.insert_frame(MEMBER_TABLE, _member_rows(raised, counting, reference_date))
    bulk.insert_frame(
        CHANGE_TABLE,
        _status_rows(raised.get_column("signal_id"), "", SignalStatus.NIEUW.value, reference_date, now, "signaal ontstaan"),
    )


# The columns an update writes (staged, then one UPDATE … FROM).
UPDATED_COLUMNS = (
    "kind", "crisis", "debt_swap", "creditor_count", "total_amount_cents", "oldest_start_date",
    "deadline", "tray_id", "priority", "explanation", "reasons", "content_digest",
    "repeat", "repeat_of_id", "repeat_until", "last_signalled_on", "buurt_id",
)  # fmt: skip


def _update_changed(changed: pl.DataFrame, counting: pl.DataFrame, reference_date: dt.date, now: dt.datetime) -> None:
    if changed.is_empty():
        return
    changed = changed.sort("signal_id")
    stage = bulk.stage(
        STAGE_SIGNALS,
        changed.select(
            pl.col("signal_id").alias("id"),
            "kind",
            "crisis",
            "debt_swap",
            pl.col("creditor_count").cast(pl.Int64),
            "total_amount_cents",
            "oldest_start_date",
            "deadline",
            "tray_id",
            "priority",
            "explanation",
            "reasons",
            "content_digest",
            "repeat",
            pl.when(pl.col("previous_signal_id") != pl.col("signal_id"))
            .then(pl.col("previous_signal_id"))
            .alias("repeat_of_id"),
            pl.col("previous_until").alias("repeat_until"),
            pl.col("signalled_on").alias("last_signalled_on"),
            "buurt_id",
        ),
    )
    json_cast = "::jsonb" if bulk.is_postgresql() else ""
    sets = ", ".join(
        f"{c} = s.{c}{json_cast}" if c == "reasons" else f"{c} = s.{c}" for c in UPDATED_COLUMNS
    )
    open_list = ", ".join(["%s"] * 2)
    bulk.execute(
        f"UPDATE {SIGNAL_TABLE} SET {sets}, dormant_since = NULL, updated_at = %s "  # noqa: S608
        f"FROM {stage} s WHERE {SIGNAL_TABLE}.id = s.id AND {SIGNAL_TABLE}.status IN ({open_list})",
        [_db_now(now), SignalStatus.NIEUW.value, SignalStatus.OPGEPAKT.value],
    )
    bulk.drop(STAGE_SIGNALS)

    # Members: the counting arrears join; the counts flag follows the counting set.
    rows = _member_rows(changed, counting, reference_date)
    where, params = bulk.id_list("signal_id", changed.get_column("signal_id"))
    bulk.execute(
        f"UPDATE {MEMBER_TABLE} SET counts = FALSE WHERE counts AND {where}",  # noqa: S608
        params,
    )
    stage = bulk.stage(STAGE_COUNTING, rows.select("signal_id", "arrear_id"))
    bulk.execute(
        f"UPDATE {MEMBER_TABLE} SET counts = TRUE FROM {stage} c "  # noqa: S608
        f"WHERE {MEMBER_TABLE}.signal_id = c.signal_id AND {MEMBER_TABLE}.arrear_id = c.arrear_id",
    )
    bulk.drop(STAGE_COUNTING)
    existing = bulk.read_frame(
        f"SELECT signal_id, arrear_id FROM {MEMBER_TABLE} WHERE {where}",  # noqa: S608
        params,
        {"signal_id": pl.Int64(), "arrear_id": pl.Int64()},
    )
    bulk.insert_frame(MEMBER_TABLE, rows.join(existing, on=["signal_id", "arrear_id"], how="anti"))


def _expire(signal_ids: pl.Series, reference_date: dt.date, now: dt.datetime) -> int:
    """``nieuw`` signals whose arrears are all gone lapse; returns how many did."""
    if signal_ids.is_empty():
        return 0
    where, params = bulk.id_list("id", signal_ids.sort())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SIGNAL_TABLE} SET status = %s, closed_on = %s, updated_at = %s "  # noqa: S608
            f"WHERE status = %s AND {where} RETURNING id",
            [SignalStatus.VERVALLEN.value, reference_date, _db_now(now), SignalStatus.NIEUW.value, *params],
        )
        done = sorted(row[0] for row in cursor.fetchall())
    bulk.insert_frame(
        CHANGE_TABLE,
        _status_rows(
            pl.Series(done, dtype=pl.Int64),
            SignalStatus.NIEUW.value,
            SignalStatus.VERVALLEN.value,
            reference_date,
            now,
            "alle achterstanden afgemeld",
        ),
    )
    return len(done)


def _fall_asleep(signal_ids: pl.Series, reference_date: dt.date) -> int:
    """Open signals without counting arrears (they aged) fall asleep; returns how many did."""
    if signal_ids.is_empty():
        return 0
    where, params = bulk.id_list("id", signal_ids.sort())
    return bulk.execute(
        f"UPDATE {SIGNAL_TABLE} SET dormant_since = %s WHERE dormant_since IS NULL AND {where}",  # noqa: S608
        [reference_date, *params],
    )


def _still_signalled(municipality_id: int, rules: RuleValues, reference_date: dt.date) -> int:
    """After an incremental evaluation: awake open signals whose counting arrears a
    creditor confirmed on this peildatum are signalled on it.

    Their households were not touched (the stand found those arrears unchanged)
    and their arrears did not age out (:func:`.selectors.aged_out` added those):
    only ``last_signalled_on`` moves on, which decides later whether a new
    signal is herhaald.
    """
    return bulk.execute(
        f"UPDATE {SIGNAL_TABLE} SET last_signalled_on = %s WHERE municipality_id = %s "  # noqa: S608
        "AND status IN (%s, %s) AND dormant_since IS NULL AND last_signalled_on < %s "
        f"AND EXISTS (SELECT 1 FROM {MEMBER_TABLE} sa JOIN {selectors.ARREAR_TABLE} a ON a.id = sa.arrear_id "
        f"WHERE sa.signal_id = {SIGNAL_TABLE}.id AND sa.counts AND a.status = %s "
        "AND a.last_seen_on >= %s AND a.start_date >= %s)",
        [
            reference_date,
            municipality_id,
            *OPEN_STATUSES,
            reference_date,
            evaluation.OPEN,
            reference_date,
            reference_date - dt.timedelta(days=rules.max_age_days),
        ],
    )


# ---------------------------------------------------------------------------
# Status changes by people (the cases app calls these)
# ---------------------------------------------------------------------------


def _change_status(signal: Signal | int, target: str, *, actor, note: str, on: dt.date | None) -> Signal:
    signal_id = getattr(signal, "pk", signal)
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal_id)
        workflow.check(locked.status, target)
        previous = locked.status
        now = timezone.now()
        locked.status = target
        if target not in (SignalStatus.NIEUW, SignalStatus.OPGEPAKT):
            locked.closed_on = on or timezone.localdate()
        locked.save(update_fields=["status", "closed_on", "updated_at"])
        SignalStatusChange.objects.create(
            signal=locked,
            from_status=previous,
            to_status=target,
            changed_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            note=note[:200],
        )
        if target in HANDLED_STATUSES:
            _remember_known_arrears(locked)
        record(
            actor,
            AuditAction.UPDATE,
            locked,
            purpose="status vroegsignaal",
            details={"van": previous, "naar": target},
        )
    return locked


def _remember_known_arrears(signal: Signal) -> None:
    """After a closed case only arrears new since then raise a signal: remember the others."""
    linked = SignalArrear.objects.filter(signal=signal).values("arrear_id")
    known = Arrear.objects.filter(household_id=signal.household_id, status=ArrearStatus.OPEN).exclude(
        pk__in=linked
    )
    SignalArrear.objects.bulk_create(
        SignalArrear(
            signal=signal,
            arrear_id=arrear_id,
            role=SignalArrearRole.KNOWN_AT_CLOSE,
            counts=False,
            joined_on=signal.closed_on,
        )
        for arrear_id in known.order_by("pk").values_list("pk", flat=True)
    )


def pick_up_signal(signal: Signal | int, *, actor=None, note: str = "") -> Signal:
    """``nieuw`` → ``opgepakt``: the municipality takes the signal on (the cases app opens a case)."""
    return _change_status(signal, SignalStatus.OPGEPAKT, actor=actor, note=note, on=None)


def decline_signal(signal: Signal | int, *, actor=None, note: str = "", on: dt.date | None = None) -> Signal:
    """``nieuw`` → ``niet_opgepakt``. Its arrears (and the household's other open
    arrears) will not raise a signal again; new arrears will."""
    return _change_status(signal, SignalStatus.NIET_OPGEPAKT, actor=actor, note=note, on=on)


def close_signal(signal: Signal | int, *, actor=None, note: str = "", on: dt.date | None = None) -> Signal:
    """``opgepakt`` → ``afgesloten``: the hook for the cases app when a case is closed.

    From then on only arrears that are new since ``on`` (default today) raise a
    new signal for the household: the household's open arrears are remembered
    with the closed signal.
    """
    return _change_status(signal, SignalStatus.AFGESLOTEN, actor=actor, note=note, on=on)


def assign_team(signal: Signal | int, team, *, actor=None) -> Signal:
    """Give a signal to a wijkteam (its hulpverleners then see it); ``team=None`` takes it back."""
    signal_id = getattr(signal, "pk", signal)
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal_id)
        if team is not None and team.municipality_id != locked.municipality_id:
            raise PermissionDenied(gettext("Dat wijkteam hoort niet bij de gemeente van dit signaal."))
        locked.team = team
        locked.save(update_fields=["team", "updated_at"])
        record(actor, AuditAction.UPDATE, locked, purpose="signaal toegewezen", details={"team": getattr(team, "code", None)})
    return locked


def place_signals(municipality_ids: Iterable[int]) -> int:
    """Give the signals of these municipalities the buurt their household's address has now.

    ``Signal.buurt`` is a copy for the tray filter; evaluation writes it, and this keeps it in
    step when the register moves addresses to another buurt. One UPDATE of the signals whose
    buurt differs; returns how many changed.
    """
    ids = sorted({int(i) for i in municipality_ids})
    if not ids:
        return 0
    household, address = Household._meta.db_table, Address._meta.db_table
    current = (
        f"(SELECT ad.buurt_id FROM {household} h JOIN {address} ad ON ad.id = h.address_id "  # noqa: S608
        f"WHERE h.id = {SIGNAL_TABLE}.household_id)"
    )
    differs = "IS DISTINCT FROM" if bulk.is_postgresql() else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SIGNAL_TABLE} SET buurt_id = {current} "  # noqa: S608
            f"WHERE municipality_id IN ({', '.join(['%s'] * len(ids))}) AND buurt_id {differs} {current}",
            ids,
        )
        return cursor.rowcount


def follow_address_register(sender, *, municipality_ids, **kwargs) -> None:
    """Receiver of ``registry.services.addresses_placed`` (connected in ``apps.py``)."""
    place_signals(municipality_ids)


# ---------------------------------------------------------------------------
# Retention (privacy.retention calls this)
# ---------------------------------------------------------------------------


def purge_unpicked_signals(municipality: Municipality, *, before: dt.date, counts=None) -> int:
    """Delete the municipality's signals that were never picked up and whose last day is before ``before``.

    Closed ones (``niet_opgepakt``, ``vervallen``) count from the day they
    closed, ``nieuw`` ones from the last peildatum at which their arrears
    counted. Signals with a case are never touched here. Their status history
    and arrear links go with them; references to them are emptied. Set-based.
    """
    from django.db.models import Q

    from vroegsignaal.privacy.retention import delete_set

    unpicked = Signal.objects.filter(municipality=municipality, case__isnull=True).filter(
        Q(status__in=(SignalStatus.NIET_OPGEPAKT, SignalStatus.VERVALLEN), closed_on__lt=before)
        | Q(status=SignalStatus.NIEUW, last_signalled_on__lt=before)
    )
    return delete_set(unpicked, counts=counts)
