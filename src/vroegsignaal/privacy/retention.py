"""Retention: what is kept how long, and the purge that enforces it.

Defaults (ARCHITECTURE.md, each municipality may change the periods in the
admin, :class:`~.models.RetentionPolicy`):

* **arrears that never joined a signal** are deleted, with their history, once
  they can no longer count: an open one when it is older than the rules' age
  window (``max_age_days``, 100) on the day of the purge; a cleared (or moved)
  one once the rules can no longer pair it with a new arrear as a debt swap,
  ``max_age_days + debt_swap_window_days`` (160) days after its clearing
  (the same horizon as ``signals.evaluation.oldest_relevant_clearing``);
  the **afmeldingen zonder achterstand** (keys a creditor reported
  ``afgemeld`` without an open arrear, ``households.ClosedKey``) go on the
  day a closed arrear cleared on their peildatum would, counted on their own;
* **signals never picked up** (``nieuw``, ``niet_opgepakt``, ``vervallen``,
  without a case) are deleted ``unpicked_signal_months`` (6) after their last
  day: the day they closed, or for a ``nieuw`` signal the last peildatum at
  which its arrears counted — and not before the rules' repeat window
  (``repeat_window_days``, 183) has passed, as a new signal could still be a
  repeat of it;
* **closed cases** are anonymised ``closed_case_months`` (12) after closing:
  notes deleted, free text of contact attempts and status changes emptied,
  the signal's arrears unlinked, anything that points at the case or signal
  unlinked, and case and signal moved to the municipality's anonymous
  household. Status, outcome, dates, team, the signal's figures and the
  wijk/buurt (:class:`~.models.AnonymisedCase`) stay, so the aggregate
  figures stay;
* **persons and households** left without arrears, signals and cases are
  personal data without a purpose: deleted;
* **rejected rows of deliveries** (they may hold a customer's number and
  values) are deleted :data:`REJECTED_ROW_DAYS` after the delivery came in;
  a ``stand`` **held for confirmation** (its routed rows kept in an
  encrypted file) that nobody answered is refused :data:`HELD_DELIVERY_DAYS`
  after it came in, and its files go.

:func:`purge` runs per municipality in one transaction: the monitor figures
are snapshotted first (``reporting.services.snapshot_monitor_figures``), then
the categories above are removed set-based (one statement per table, no row
is loaded into Python), then a :class:`~.models.RetentionRun` and one audit
event record the counts. The signals it deletes are locked first (:func:`lock_set`): one
someone is picking up at that moment is left for the next run, not deleted under its case.
Before anything else the transaction takes the lock every delivery's apply takes
(:func:`_keep_deliveries_out`): a delivery being applied is waited for, and the next one waits
until the commit, so a purge never deletes a household or person a delivery is linking rows
to, nor an arrear it is writing to. A dry run does the same inside a transaction that is rolled
back, so its counts are exactly what a real run would remove.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, connections, models, transaction
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import (
    DEFAULT_CLOSED_CASE_MONTHS,
    DEFAULT_UNPICKED_SIGNAL_MONTHS,
    AnonymisedCase,
    AuditAction,
    RetentionPolicy,
    RetentionRun,
)

log = logging.getLogger(__name__)

# Rejected rows of a delivery are what the creditor needs to correct its next
# monthly delivery; three months leaves room for a late one.
REJECTED_ROW_DAYS = 92
# A stand held for confirmation keeps the creditor's routed rows; a month is
# long enough to answer, after which it is refused and its rows go.
HELD_DELIVERY_DAYS = 30

INTAKE_CATEGORIES = ("afgewezen_regels", "wachtende_leveringen")

# Category → label, in the order reports show them. The portal shows them in the user's
# language; the command's report (PurgeReport.lines) stays Dutch.
CATEGORIES: dict[str, str] = {
    "signalen": _("niet opgepakte signalen"),
    "signaalgeschiedenis": _("statuswijzigingen van die signalen"),
    "zaken_geanonimiseerd": _("afgesloten zaken (geanonimiseerd)"),
    "notities": _("notities bij die zaken"),
    "toelichtingen": _("toelichtingen bij contactpogingen en statuswijzigingen (gewist)"),
    "signaalachterstanden": _("koppelingen tussen signalen en achterstanden"),
    "achterstanden": _("achterstanden"),
    "achterstandsgeschiedenis": _("gebeurtenissen van achterstanden"),
    "afmeldingen_zonder_achterstand": _("afmeldingen zonder achterstand"),
    "personen": _("personen"),
    "huishoudens": _("huishoudens"),
    "terugkoppelingen": _(
        "terugkoppelingen aan schuldeisers (ouder dan de bewaartermijn van zaken)"
    ),
    "afgewezen_regels": _("afgewezen regels van leveringen"),
    "wachtende_leveringen": _(
        "leveringen die niet op tijd zijn bevestigd (afgewezen, regels verwijderd)"
    ),
}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- set-based deleting ----------------------------------------------------------


class StillReferenced(Exception):
    """A row to delete is still protected by another (a bug in the purge's filters)."""


def _pks(qs: models.QuerySet) -> models.QuerySet:
    return qs.order_by().values("pk")


def _relations_to(model: type[models.Model]) -> list:
    """Every one-to-one and one-to-many relation pointing at ``model``, hidden ones too.

    ``_meta.related_objects`` leaves out relations with ``related_name="+"``
    (a feedback event's signal, a signal's ``repeat_of``); the ORM's own
    collector uses this list.
    """
    return list(get_candidate_relations_to_delete(model._meta))


def unlink_set(qs: models.QuerySet, *, counts: Counter | None = None) -> None:
    """Empty every nullable reference (``SET_NULL``) to the rows of ``qs``, one UPDATE per relation."""
    for rel in _relations_to(qs.model):
        if rel.field.remote_field.on_delete is not models.SET_NULL:
            continue
        related = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": _pks(qs)})
        updated = related.update(**{rel.field.name: None})
        if counts is not None and updated:
            counts[f"ontkoppeld:{rel.related_model._meta.label_lower}.{rel.field.name}"] += updated


def lock_set(qs: models.QuerySet) -> models.QuerySet:
    """The rows of ``qs`` that this transaction now holds locked: ``qs`` without those another
    transaction is changing right now (a pick-up of a signal about to be deleted), which are
    left for the next run.

    A purge's statements each read the database anew: a row someone else was changing could
    drop out of one statement and not out of the next (its history deleted, the row not; or
    the row deleted under a case committed meanwhile, which failed the purge on the foreign
    key). Here each row of ``qs`` is locked, ``FOR UPDATE SKIP LOCKED`` (never waiting, so no
    deadlock), and the few it could not lock are named and left out. What is left stays as it
    is until the commit: nobody else can change a row this transaction holds, and the rows the
    purge selects (past their term, and never picked up) do not come back into it.

    ``qs`` must filter on the rows' own columns and on what is never deleted (a case), like
    :func:`delete_set`'s. SQLite has no row locks: its one write lock, taken when the purge's
    transaction begins (``transaction_mode`` IMMEDIATE), keeps every other writer out until
    the commit.
    """
    if not connections[qs.db].features.has_select_for_update_skip_locked:
        return qs
    lockable = qs.model._base_manager.filter(pk__in=_pks(qs)).order_by()
    locked = lockable.select_for_update(skip_locked=True).values("pk")
    busy = list(qs.order_by().exclude(pk__in=locked).values_list("pk", flat=True))
    return qs.exclude(pk__in=busy) if busy else qs


def delete_set(qs: models.QuerySet, *, counts: Counter | None = None) -> int:
    """Delete the rows of ``qs`` set-based, following ``on_delete`` as the ORM would.

    Django's ``QuerySet.delete()`` loads every row of a model that others
    refer to into memory; with millions of rows that is the wrong tool. Here
    every relation becomes one statement over a subquery: ``CASCADE`` deletes
    the referring rows the same way (recursively), ``SET_NULL`` empties the
    reference, ``PROTECT``/``RESTRICT`` must find nothing (else
    :class:`StillReferenced`), ``DO_NOTHING`` is left alone. ``counts`` (a
    Counter) receives the rows deleted per model label.

    ``qs`` must select the same rows before and after its referring rows are
    deleted: filter on the rows' own columns, not on what refers to them.
    """
    model = qs.model
    if model._meta.many_to_many:
        raise TypeError(
            f"{model.__name__} has many-to-many fields; delete_set does not handle them."
        )
    for rel in _relations_to(model):
        on_delete = rel.field.remote_field.on_delete
        related = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": _pks(qs)})
        if on_delete is models.CASCADE:
            delete_set(related, counts=counts)
        elif on_delete is models.SET_NULL:
            related.update(**{rel.field.name: None})
        elif on_delete in (models.PROTECT, models.RESTRICT):
            if related.exists():
                raise StillReferenced(
                    f"{rel.related_model._meta.label} verwijst nog naar {model._meta.label}."
                )
        elif on_delete is not models.DO_NOTHING:
            raise TypeError(f"on_delete {on_delete.__name__} of {rel.field} is not handled.")
    deleted = qs.order_by()._raw_delete(qs.db)  # one DELETE … WHERE id IN (subquery)
    if counts is not None and deleted:
        counts[model._meta.label_lower] += deleted
    return deleted


# --- the policy --------------------------------------------------------------------


def policy_for(municipality) -> RetentionPolicy:
    """The municipality's policy; an unsaved one with the defaults when it has none."""
    policy = RetentionPolicy.objects.filter(municipality=municipality).first()
    return policy or RetentionPolicy(
        municipality=municipality,
        unpicked_signal_months=DEFAULT_UNPICKED_SIGNAL_MONTHS,
        closed_case_months=DEFAULT_CLOSED_CASE_MONTHS,
    )


@dataclass(frozen=True)
class Limits:
    """The days before which each category goes, for one municipality and one purge day."""

    today: dt.date
    unpicked_signal_months: int
    closed_case_months: int
    max_age_days: int
    debt_swap_window_days: int
    repeat_window_days: int

    @property
    def signals_before(self) -> dt.date:
        # Never while the rules could still call a new signal a repeat of it.
        return min(
            months_before(self.today, self.unpicked_signal_months),
            self.today - dt.timedelta(days=self.repeat_window_days),
        )

    @property
    def cases_closed_before(self) -> dt.date:
        return months_before(self.today, self.closed_case_months)

    @property
    def open_arrears_started_before(self) -> dt.date:
        # An arrear counts while today − start ≤ max_age_days.
        return self.today - dt.timedelta(days=self.max_age_days)

    @property
    def closed_arrears_cleared_before(self) -> dt.date:
        return self.today - dt.timedelta(days=self.max_age_days + self.debt_swap_window_days)

    def as_dict(self) -> dict:
        return {
            "bewaartermijn_signalen_maanden": self.unpicked_signal_months,
            "bewaartermijn_zaken_maanden": self.closed_case_months,
            "signalen_voor": self.signals_before.isoformat(),
            "zaken_gesloten_voor": self.cases_closed_before.isoformat(),
            "open_achterstanden_ontstaan_voor": self.open_arrears_started_before.isoformat(),
            "gesloten_achterstanden_afgemeld_voor": self.closed_arrears_cleared_before.isoformat(),
        }


def limits_for(municipality, today: dt.date) -> Limits:
    from vroegsignaal.signals import rules as signal_rules
    from vroegsignaal.signals.services import current_rules

    policy = policy_for(municipality)
    rule_set = current_rules(municipality)
    return Limits(
        today=today,
        unpicked_signal_months=policy.unpicked_signal_months,
        closed_case_months=policy.closed_case_months,
        max_age_days=rule_set.max_age_days if rule_set else signal_rules.DEFAULT_MAX_AGE_DAYS,
        debt_swap_window_days=(
            rule_set.debt_swap_window_days
            if rule_set
            else signal_rules.DEFAULT_DEBT_SWAP_WINDOW_DAYS
        ),
        repeat_window_days=(
            rule_set.repeat_window_days if rule_set else signal_rules.DEFAULT_REPEAT_WINDOW_DAYS
        ),
    )


# --- the purge ----------------------------------------------------------------------


@dataclass
class PurgeReport:
    """What a purge removed (or, dry, would remove): counts per category, per municipality code.

    The platform's own intake data are under the code ``""``.
    """

    today: dt.date
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    runs: list[RetentionRun] = field(default_factory=list)

    def total(self, code: str | None = None) -> int:
        if code is not None:
            return sum(self.counts.get(code, {}).values())
        return sum(sum(c.values()) for c in self.counts.values())

    def lines(self) -> list[str]:
        """Dutch lines for the command line: one per municipality and category.

        Dutch whatever language is active: command output is not translated.
        """
        out = []
        with translation.override("nl"):
            for code, counts in self.counts.items():
                where = f"gemeente {code}" if code else "leveringen (alle schuldeisers)"
                nonzero = [(c, n) for c, n in counts.items() if n]
                if not nonzero:
                    out.append(f"{where}: niets")
                    continue
                for category, n in nonzero:
                    out.append(f"{where}: {n} {CATEGORIES.get(category, category)}")
        return out


def _keep_deliveries_out() -> None:
    """No delivery is applied until this municipality's transaction ends; one being applied is
    waited for.

    A delivery links its rows to households and persons it found (and writes to arrears it
    read) without a database constraint to stop a concurrent purge from deleting them
    (``households.models``); without this, both committed and the rows pointed nowhere. The
    apply's lock, taken first: an apply takes it before its evaluation's lock on the
    municipality (``signals.services.lock_municipality``), which the purge's monitor
    snapshot takes next, so neither can hold one while waiting for the other. Dry runs too:
    their counts are then a real run's, and their rolled-back deletes never meet a delivery's
    writes. SQLite: a no-op (its write lock, taken when the transaction begins, does this).
    """
    from vroegsignaal.households import services as households

    households.lock_out_applies()


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


def _wait_for_evaluations(municipality) -> None:
    """The municipality's lock, as the monitor snapshot of a real run takes it: a dry run's
    rolled-back deletes lock signal rows too, and without it they could meet an evaluation's
    updates of them in the other order (a deadlock: PostgreSQL aborts one of the two)."""
    from vroegsignaal.signals import services as signals

    signals.lock_municipality(municipality.pk)


def _snapshot_monitor_figures(municipality, today: dt.date) -> None:
    # Imported here: the reporting app depends on the data this module deletes.
    from vroegsignaal.reporting import services as reporting

    reporting.snapshot_monitor_figures(municipality, through=today)


# Evaluation's snapshot of a signal's figures (``signals.SignalBefore``), deleted with the signal
# and counted as part of it.
GOES_WITH_ITS_SIGNAL = frozenset({"signals.signalbefore"})


def _categorised(raw: Counter) -> dict[str, int]:
    """Model labels (from delete_set) → report categories."""
    by_label = {
        "signals.signal": "signalen",
        "signals.signalstatuschange": "signaalgeschiedenis",
        "signals.signalarrear": "signaalachterstanden",
        "households.arrear": "achterstanden",
        "households.arrearevent": "achterstandsgeschiedenis",
        "households.closedkey": "afmeldingen_zonder_achterstand",
        "households.person": "personen",
        "households.household": "huishoudens",
        "cases.casenote": "notities",
        "feedback.feedbackevent": "terugkoppelingen",
        "intake.deliveryrowissue": "afgewezen_regels",
    }
    # Every municipal category, also when 0.
    counts = dict.fromkeys([c for c in CATEGORIES if c not in INTAKE_CATEGORIES], 0)
    for key, n in raw.items():
        category = by_label.get(key, key)
        if key.startswith("ontkoppeld:") or key in GOES_WITH_ITS_SIGNAL:
            continue  # references emptied, or a signal's working copy: not a category of their own
        counts[category] = counts.get(category, 0) + n
    return counts


def _purge_municipality(municipality, limits: Limits) -> dict[str, int]:
    """The deletes for one municipality, in dependency order; returns counts per category."""
    from vroegsignaal.cases import services as cases
    from vroegsignaal.feedback import services as feedback
    from vroegsignaal.households import services as households
    from vroegsignaal.signals import services as signals

    raw: Counter = Counter()
    # 1. Signals never picked up (their arrears may become unsignalled: step 3 sees them).
    signals.purge_unpicked_signals(municipality, before=limits.signals_before, counts=raw)
    # 2. Closed cases past the period: area kept, free text out, arrears unlinked, household replaced.
    to_anonymise = cases.cases_to_anonymise(
        municipality,
        closed_before=limits.cases_closed_before,
        anonymous_key=households.anonymous_household_key(municipality),
    )
    if to_anonymise.exists():
        raw["zaken_geanonimiseerd"] += _remember_areas(to_anonymise, limits.today)
        cases.anonymise_cases(
            to_anonymise,
            anonymous_household=households.anonymous_household(municipality),
            counts=raw,
        )
    # 3. Arrears that never joined a signal (or no longer do) and can no longer count.
    households.purge_unsignalled_arrears(
        municipality,
        open_started_before=limits.open_arrears_started_before,
        closed_cleared_before=limits.closed_arrears_cleared_before,
        counts=raw,
    )
    # 4. Persons and households left without arrears, signals or cases.
    households.purge_unused_persons_and_households(municipality, counts=raw)
    # 5. Feedback to creditors older than the closed-case period (it holds customer numbers).
    feedback.purge_events(municipality, before=limits.cases_closed_before, counts=raw)
    return _categorised(raw)


def _remember_areas(cases_qs: models.QuerySet, today: dt.date) -> int:
    """Insert an AnonymisedCase (with wijk and buurt) for every case in ``cases_qs``; one INSERT … SELECT."""
    from vroegsignaal.registry.models import Address, Neighbourhood

    case_model = cases_qs.model
    household_model = case_model._meta.get_field("household").related_model
    sql, params = cases_qs.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(AnonymisedCase._meta.db_table)
    statement = (
        f"INSERT INTO {table} (case_id, municipality_id, wijk_code, buurt_code, anonymised_on) "  # noqa: S608
        f"SELECT c.id, c.municipality_id, COALESCE(w.code, ''), COALESCE(b.code, a.buurtcode, ''), %s "
        f"FROM {quote(case_model._meta.db_table)} c "
        f"JOIN {quote(household_model._meta.db_table)} h ON h.id = c.household_id "
        f"LEFT JOIN {quote(Address._meta.db_table)} a ON a.id = h.address_id "
        f"LEFT JOIN {quote(Neighbourhood._meta.db_table)} b ON b.id = a.buurt_id "
        f"LEFT JOIN {quote(Neighbourhood._meta.db_table)} w ON w.id = b.wijk_id "
        f"WHERE c.id IN ({sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [today, *params])
        return cursor.rowcount


def _record(run: RetentionRun) -> None:
    from . import audit

    audit.record(
        None,
        AuditAction.PURGE,
        run,
        purpose="bewaartermijnen toegepast",
        details={
            "peildag": run.today.isoformat(),
            "aantallen": run.counts,
            "termijnen": run.limits,
        },
    )


def _run(
    municipality, today: dt.date, dry_run: bool, work: Callable[[], dict[str, int]], limits: dict
):
    """Do ``work`` in one transaction; record it, or roll it back when dry."""
    started = timezone.now()
    counts: dict[str, int] = {}
    run = None
    try:
        with transaction.atomic():
            counts = work()
            if dry_run:
                raise _DryRun
            run = RetentionRun.objects.create(
                municipality=municipality,
                today=today,
                started_at=started,
                finished_at=timezone.now(),
                counts=counts,
                limits=limits,
            )
            _record(run)
    except _DryRun:
        pass
    return counts, run


def purge(
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    municipalities: Iterable | None = None,
    intake: bool = True,
) -> PurgeReport:
    """Apply the retention periods to every municipality (or those given), and to the intake's rejected rows.

    Each municipality is purged in its own transaction, after a snapshot of
    its monitor figures; an error rolls that municipality back whole and is
    raised (the municipalities before it stay purged). No delivery is applied
    during a municipality's transaction (PostgreSQL: it waits for one being
    applied, and the worker waits for it). ``dry_run`` changes nothing and
    records nothing.
    """
    from vroegsignaal.organisations.models import Municipality

    today = today or timezone.localdate()
    report = PurgeReport(today=today, dry_run=dry_run)
    chosen = Municipality.objects.order_by("code") if municipalities is None else municipalities
    for municipality in chosen:
        limits = limits_for(municipality, today)

        def work(municipality=municipality, limits=limits) -> dict[str, int]:
            _keep_deliveries_out()
            if dry_run:
                _wait_for_evaluations(municipality)
            else:
                _snapshot_monitor_figures(municipality, today)  # takes the same lock first
            return _purge_municipality(municipality, limits)

        counts, run = _run(municipality, today, dry_run, work, limits.as_dict())
        report.counts[municipality.code] = counts
        if run is not None:
            report.runs.append(run)
        log.info("purge %s%s: %s", municipality.code, " (proefdraai)" if dry_run else "", counts)
    if intake:
        from vroegsignaal.intake import services as intake_services

        received_before = today - dt.timedelta(days=REJECTED_ROW_DAYS)
        held_before = today - dt.timedelta(days=HELD_DELIVERY_DAYS)

        def intake_work() -> dict[str, int]:
            return {
                "afgewezen_regels": intake_services.purge_rejected_rows(
                    received_before=received_before
                ),
                "wachtende_leveringen": intake_services.expire_held_deliveries(
                    received_before=held_before
                ),
            }

        counts, run = _run(
            None,
            today,
            dry_run,
            intake_work,
            {
                "afgewezen_regels_ontvangen_voor": received_before.isoformat(),
                "wachtende_leveringen_ontvangen_voor": held_before.isoformat(),
            },
        )
        report.counts[""] = counts
        if run is not None:
            report.runs.append(run)
    return report
