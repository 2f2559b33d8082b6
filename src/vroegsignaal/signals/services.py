"""The signals app's public face: rules, trays, evaluation and the life of a signal.

Evaluation (:func:`evaluate`, :func:`evaluate_after_delivery`) is set-based:
it reads the affected households' state in a handful of queries
(:mod:`.selectors`), decides in Polars (:mod:`.evaluation`, :mod:`.trays`,
:mod:`.explanations`), and writes in bulk (:mod:`.writing`) — new signals and
their arrears inserted, changed signals updated through one staging table,
lapsed signals closed in one statement. A signal is only written when something
about it changed, so evaluating twice writes nothing the second time.

Status changes by people (:func:`pick_up_signal`, :func:`decline_signal`,
:func:`close_signal`) go through :mod:`.workflow`, under a row lock, with a
history row and an audit event (:mod:`.status`). The coordinator's changes to
the trays, and sorting the open signals into them again, are in
:mod:`.tray_management`.

This module holds the rules, the orchestration of an evaluation and what other
apps call besides, and is the only one of these that other apps import: what
they use of the others is re-exported here (``__all__``). A re-exported name is
a copy, so tests patch a name in the module that reads it (``record`` of the
status changes in :mod:`.status`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from vroegsignaal.households import bulk
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import Creditor, Municipality, Role
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.registry.models import Address

from . import evaluation, explanations, notices, selectors, trays
from .amounts import parse_whole_euros
from .explanations_english import english_date, explanation_lines
from .models import RuleSet, Signal, SignalStatus
from .rules import RuleValues, validate_rule_values
from .status import assign_team, close_signal, decline_signal, pick_up_signal
from .tray_management import (
    TRAY_AGE_LIMIT,
    TRAY_AMOUNT_LIMIT_EUR,
    TRAY_FIELDS,
    TRAY_NAME_MAX_LENGTH,
    TrayChange,
    TrayMoveQuestion,
    TrayMoveUnconfirmed,
    TrayPreview,
    _municipality,
    create_tray,
    delete_tray,
    ensure_default_trays,
    lock_municipality,
    move_tray,
    preview_tray_delete,
    preview_tray_move,
    preview_tray_update,
    resort_open_signals,
    tray_problems,
    update_tray,
)
from .workflow import SENT_TWICE_WITHIN
from .writing import (
    SIGNAL_TABLE,
    _changed,
    _Clock,
    _complete,
    _expire,
    _fall_asleep,
    _forget_earlier_peildata,
    _insert_raised,
    _settle,
    _still_signalled,
    _update_changed,
)

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
    "lock_municipality",
    "move_tray",
    "place_signals",
    "preview_tray_delete",
    "preview_tray_move",
    "preview_tray_update",
    "TrayMoveQuestion",
    "TrayMoveUnconfirmed",
    "resort_open_signals",
    "previous_rules",
    "rules_conflict",
    "rules_saved_twice",
    "set_rules",
    "tray_problems",
    "update_tray",
    # the tray form (forms.py) and the result of a tray change
    "TRAY_AGE_LIMIT",
    "TRAY_AMOUNT_LIMIT_EUR",
    "TRAY_FIELDS",
    "TRAY_NAME_MAX_LENGTH",
    "TrayChange",
    "TrayPreview",
    # the rules page: a save from an older page
    "RulesConflict",
    # whole euros as a Dutch user types them ("1.000"): the tray form and reporting's tray filter
    "parse_whole_euros",
]


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
        codes = {
            c
            for s in signal.reasons.get("debt_swaps") or []
            for c in (s["cleared_creditor"], s["new_creditor"])
        }
        names = (
            dict(Creditor.objects.filter(code__in=codes).values_list("code", "name"))
            if codes
            else {}
        )
        lines = explanation_lines(
            signal.reasons, reference_date=signal.last_signalled_on, creditor_names=names
        )
        text = "\n".join(lines)
    if deadline is None or signal.deadline is None or deadline == signal.deadline:
        return text
    if translation.get_language() == "en":
        return text.replace(
            f"contact by {english_date(signal.deadline)}", f"contact by {english_date(deadline)}"
        )
    return text.replace(
        f"contact uiterlijk {explanations.dutch_date(signal.deadline)}",
        f"contact uiterlijk {explanations.dutch_date(deadline)}",
    )


def current_rules(municipality: Municipality) -> RuleSet | None:
    return municipality.rule_sets.order_by("-version").first()


@transaction.atomic
def set_rules(
    municipality: Municipality, values: RuleValues, *, actor=None
) -> tuple[RuleSet, bool]:
    """Make ``values`` the municipality's rules; a new version only when they differ.

    Also gives the municipality its default trays if it has none yet.
    """
    lock_municipality(municipality.pk)
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


# ``change_rules(shown_version=...)`` when the caller showed no version (no check).
ANY_VERSION = -1


def change_rules(
    municipality: Municipality, changes: dict, *, actor, shown_version: int | None = ANY_VERSION
) -> tuple[RuleSet, bool]:
    """A coordinator (or beheerder) changes some of the municipality's rules.

    ``changes`` holds only the rules that change (names as in
    :class:`~.rules.RuleValues`); the others keep their current values. Raises
    ``ValueError`` (Dutch message) for invalid values and ``PermissionDenied``
    for anyone but the municipality's coordinator or a beheerder. A change is
    a new version and is audited; signals record the version that raised them, but the
    evaluation it enqueues applies the new rules to the open signals too.

    ``shown_version`` is the version the user's page showed (``None``: none yet). It is
    compared under the municipality's lock, where the new version is decided: a colleague
    who saved at the same moment made another version meanwhile, and saving this page's
    values over it would silently undo theirs (``ValueError``, Dutch). Unless that version is
    this very change sent twice (:func:`rules_saved_twice`, a double-click): then the answer
    is the first request's, ``(that version, True)``, and nothing more is saved or audited.
    """
    role = getattr(actor, "role", None)
    allowed = role == Role.BEHEERDER or (
        role == Role.COORDINATOR and actor.municipality_id == municipality.pk
    )
    if not allowed:
        raise PermissionDenied(
            "Alleen de coördinator van deze gemeente wijzigt haar signaalregels."
        )
    with transaction.atomic():
        # The base and the check are read under the lock set_rules takes again: two changes
        # of one municipality's rules are made one after the other, each on the one before.
        lock_municipality(municipality.pk)
        current = current_rules(municipality)
        in_force = getattr(current, "version", None)
        if shown_version != ANY_VERSION and shown_version != in_force:
            if rules_saved_twice(
                current, actor=actor, shown_version=shown_version, changes=changes
            ):
                return current, True  # a double-click: its twin saved this version a moment ago
            raise ValueError(
                gettext(
                    "Iemand anders heeft de regels zojuist gewijzigd (nu versie %(version)s); uw "
                    "wijziging is niet opgeslagen. Open de pagina opnieuw en kijk uw wijzigingen na."
                )
                % {"version": in_force or "—"}
            )
        base = (current.values() if current else RuleValues()).as_dict()
        values = validate_rule_values({**base, **dict(changes)})
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


def rules_saved_twice(
    current: RuleSet | None, *, actor, shown_version: int | None, changes: dict
) -> bool:
    """Whether ``current`` (the version in force) is this change already saved: the request
    is its twin, sent twice (a double-click, the form sent again).

    So when the same user saved it within :data:`.workflow.SENT_TWICE_WITHIN`, as the version
    right after the one this page showed, with the values ``changes`` make of that one (the
    excluded creditor types compare as a set). A colleague's version, another change or an
    older save is none: the page's values would undo it.
    """
    if current is None or getattr(actor, "pk", None) is None or current.created_by_id != actor.pk:
        return False
    if current.created_at < timezone.now() - SENT_TWICE_WITHIN:
        return False
    if shown_version != (current.version - 1 or None):  # version 1 follows the defaults (None)
        return False
    shown = (
        RuleSet.objects.filter(municipality_id=current.municipality_id, version=shown_version)
        .order_by()
        .first()
        if shown_version is not None
        else None
    )
    if shown_version is not None and shown is None:
        return False
    base = shown.values() if shown is not None else RuleValues()
    try:
        wanted = validate_rule_values({**base.as_dict(), **dict(changes)})
    except ValueError:
        return False
    return _comparable(wanted) == _comparable(current.values())


@dataclass(frozen=True)
class RulesConflict:
    """Why a page's rules are out of date: the versions saved since the one it showed.

    ``shown``: the values of the version the page showed (the defaults when it showed none;
    ``None`` when that version is unknown). ``by_you``: the user saved one of the newer
    versions (in another tab or window); ``others``: the names of the other users who did, in
    the order of their versions; ``by_system``: a newer version has no user (``load_config``,
    the first evaluation).
    """

    shown: RuleValues | None
    by_you: bool = False
    others: tuple[str, ...] = ()
    by_system: bool = False


def rules_conflict(municipality_id: int, *, shown_version: int | None, actor) -> RulesConflict:
    """The versions of the municipality's rules saved after ``shown_version`` and by whom
    (the rules page, when it refuses a save from an older page). Two queries."""
    versions = RuleSet.objects.filter(municipality_id=municipality_id).select_related("created_by")
    if shown_version is None:
        shown, newer = RuleValues(), versions
    else:
        base = versions.filter(version=shown_version).first()
        if base is None:  # a version that never was (a form sent by hand): nobody to name
            return RulesConflict(None)
        shown, newer = base.values(), versions.filter(version__gt=shown_version)
    by_you, by_system, others = False, False, []
    for rule_set in newer.order_by("version"):
        user = rule_set.created_by
        if user is None:
            by_system = True
        elif user.pk == getattr(actor, "pk", None):
            by_you = True
        elif (name := user.get_full_name() or user.get_username()) not in others:
            others.append(name)
    return RulesConflict(shown, by_you=by_you, others=tuple(others), by_system=by_system)


def previous_rules(rule_set: RuleSet) -> RuleValues:
    """The values in force before ``rule_set`` (the defaults before version 1)."""
    before = (
        RuleSet.objects.filter(
            municipality_id=rule_set.municipality_id, version__lt=rule_set.version
        )
        .order_by("-version")
        .first()
    )
    return before.values() if before is not None else RuleValues()


def _comparable(values: RuleValues) -> dict:
    """The values as two saves compare them: the excluded creditor types as a set."""
    data = values.as_dict()
    data["single_signal_excluded_types"] = sorted(data["single_signal_excluded_types"])
    return data


def _enqueue_evaluation(municipality_id: int) -> None:
    from .tasks import evaluate_municipality_task

    try:
        evaluate_municipality_task.enqueue(municipality_id)
    except Exception:  # noqa: BLE001 - the rules are saved; `vroegsignaal evaluate` catches up
        logger.exception(
            "Beoordeling van gemeente %s na nieuwe signaalregels niet ingepland.", municipality_id
        )


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
        lock_municipality(municipality.pk)
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
        clock.lap("compare")
        now = timezone.now()
        # An earlier peildatum is over: its snapshots settle nothing any more.
        _forget_earlier_peildata(municipality.pk, reference_date)
        raised = signals.filter(pl.col("signal_id").is_null())
        _insert_raised(raised, outcome.counting, municipality.pk, rule_set.pk, reference_date, now)
        clock.lap("insert")
        changed = _update_changed(changed, outcome.counting, reference_date, now)
        crises = notices.new_crises(
            signals.filter(
                pl.col("signal_id").is_null()
                | pl.col("signal_id").is_in(changed.get_column("signal_id").implode())
            ),
            stored,
        )
        _tell_creditors_who_joined(changed, received_on)
        _tell_cases_of_new_crises(changed, received_on)
        clock.lap("update")
        # What lapses or falls asleep keeps the figures of the end of its last peildatum.
        _settle(
            pl.concat(
                [outcome.expired.get_column("signal_id"), outcome.dormant.get_column("signal_id")]
            ),
            reference_date,
            now,
        )
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
    reference_date: dt.date | None = None,
) -> list[EvaluationReport]:
    """Evaluate the households a just-applied delivery touched, per municipality.

    Intake calls this after ``households.services.apply_rows`` (inside or after
    the same transaction) with the ids of the households whose arrears the
    delivery opened, changed or cleared; without ids they are read from the
    delivery's arrear events. The delivery's peildatum is the reference date,
    unless ``reference_date`` is given (intake: a later one for a late delivery).
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
                reference_date=reference_date or delivery.reference_date,
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


# ---------------------------------------------------------------------------
# The signals' buurt (the address register moves addresses)
# ---------------------------------------------------------------------------


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

    A signal someone is picking up (or declining) at this moment is left for the next run:
    the purge locks the signals it deletes first and passes over those another transaction
    holds (``retention.lock_set``), so a case committed meanwhile neither fails the purge on
    its foreign key nor loses its signal's history.
    """
    from django.db.models import Q

    from vroegsignaal.privacy.retention import delete_set, lock_set

    unpicked = Signal.objects.filter(municipality=municipality, case__isnull=True).filter(
        Q(status__in=(SignalStatus.NIET_OPGEPAKT, SignalStatus.VERVALLEN), closed_on__lt=before)
        | Q(status=SignalStatus.NIEUW, last_signalled_on__lt=before)
    )
    return delete_set(lock_set(unpicked), counts=counts)
