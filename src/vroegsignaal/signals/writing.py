"""The set-based writes of an evaluation; :func:`.services.evaluate` calls them in order.

:func:`_complete` adds to the rules' outcome what is stored with a signal (repeat, tray,
priority, explanation, reasons) and :func:`_changed` keeps only the updated signals in
which something stored would change, so evaluating twice writes nothing the second
time. The writes use explicit ids and bulk statements (:mod:`vroegsignaal.households.bulk`),
not ``save()``: raised signals with their arrears and first status change, changed ones
through one staging table and one ``UPDATE … FROM``, lapsed ones in one statement. The
tables' names are here because :mod:`.tray_management` and :mod:`.services` write them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from django.db import connection

from vroegsignaal.households import bulk

from . import evaluation, explanations, selectors, trays
from .models import (
    OPEN_STATUSES,
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalBefore,
    SignalStatus,
    SignalStatusChange,
)
from .rules import RuleValues

SIGNAL_TABLE = Signal._meta.db_table
MEMBER_TABLE = SignalArrear._meta.db_table
CHANGE_TABLE = SignalStatusChange._meta.db_table
BEFORE_TABLE = SignalBefore._meta.db_table
STAGE_SIGNALS = "signals_stage_signal"
STAGE_COUNTING = "signals_stage_counting"


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


def repeat_since_expr(reference_date: dt.date) -> pl.Expr:
    """``repeat_since`` of a signal whose ``repeat`` is decided on ``reference_date`` (raised,
    or woken up): that peildatum when it is herhaald, empty when not."""
    return pl.when(pl.col("repeat")).then(pl.lit(reference_date, pl.Date))


def _repeat_of_updated(
    updated: pl.DataFrame, stored: pl.DataFrame, reference_date: dt.date
) -> pl.DataFrame:
    """``repeat``, ``repeat_since``, ``previous_signal_id``, ``previous_until`` of updated
    signals: decided on ``reference_date`` for those that woke up, as stored for the others.

    A signal that woke up as a repeat of its own earlier run names no signal
    (``previous_signal_id`` null, stored as an empty ``repeat_of``; ``previous_until`` the
    last day of that run). The explanation takes a repeat from ``repeat`` and
    ``previous_until``, not from that id: so it writes the same herhaald line and reasons
    when the signal wakes up and at every later update, from what is stored."""
    kept = stored.select(
        "signal_id",
        pl.col("repeat").alias("_repeat"),
        pl.col("repeat_since").alias("_repeat_since"),
        pl.col("repeat_of_id").alias("_previous_signal_id"),
        pl.col("repeat_until").alias("_previous_until"),
    )
    woke = pl.col("woke")
    return updated.join(kept, on="signal_id", how="left").with_columns(
        pl.when(woke).then(pl.col("repeat")).otherwise(pl.col("_repeat")).alias("repeat"),
        # Woken up as herhaald (by new arrears, or by a rule change that made old ones count
        # again): herhaald since this peildatum; woken up as no repeat: empty.
        pl.when(woke)
        .then(repeat_since_expr(reference_date))
        .otherwise(pl.col("_repeat_since"))
        .alias("repeat_since"),
        # A signal that repeats its own earlier run names no other signal.
        pl.when(woke & (pl.col("previous_signal_id") != pl.col("signal_id")))
        .then(pl.col("previous_signal_id"))
        .when(~woke)
        .then(pl.col("_previous_signal_id"))
        .alias("previous_signal_id"),
        pl.when(woke)
        .then(pl.col("previous_until"))
        .otherwise(pl.col("_previous_until"))
        .alias("previous_until"),
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
    """The raised and updated signals with everything that is stored: repeat (and since
    when), tray, priority, explanation and reasons. ``signal_id`` is null for raised ones."""
    base = [
        "household_id", "kind", "distinct", "creditor_count", "total_amount_cents",
        "oldest_start_date", "crisis", "debt_swap", "deadline", "signalled_on",
    ]  # fmt: skip
    raised = outcome.raised.select(
        pl.lit(None, pl.Int64).alias("signal_id"),
        pl.lit(SignalStatus.NIEUW.value).alias("status"),
        *base,
        "repeat",
        # A raised signal is herhaald from its signal date, also one that takes over the repeat
        # of the signal it continues (see :func:`.evaluation.continued_repeat`).
        repeat_since_expr(reference_date).alias("repeat_since"),
        pl.col("previous_signal_id").cast(pl.Int64),
        pl.col("previous_until").cast(pl.Date),
        pl.lit(None, pl.Int64).alias("stored_tray_id"),
    )
    updated = _repeat_of_updated(outcome.updated, stored, reference_date).join(
        stored.select("signal_id", pl.col("tray_id").alias("stored_tray_id")),
        on="signal_id",
        how="left",
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
    placed = signals.join(
        creditor_types, on="household_id", how="left", maintain_order="left"
    ).join(context, on="household_id", how="left", maintain_order="left")
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
        "deadline", "tray_id", "priority", "content_digest", "repeat", "repeat_until", "repeat_since",
    ]  # fmt: skip
    updated = updated.with_columns(pl.col("previous_until").alias("repeat_until"))
    new_counting = counting.group_by("household_id").agg(
        pl.col("arrear_id").sort().alias("_counting")
    )
    old_counting = (
        stored_members.filter(pl.col("counts"))
        .group_by("signal_id")
        .agg(pl.col("arrear_id").sort().alias("_counting_old"))
    )
    both = (
        updated.join(new_counting, on="household_id", how="left")
        .join(
            stored.select(
                "signal_id",
                "last_signalled_on",
                "dormant_since",
                *[pl.col(c).alias(f"{c}_old") for c in compared],
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


def _member_rows(
    signals: pl.DataFrame, counting: pl.DataFrame, reference_date: dt.date
) -> pl.DataFrame:
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
    signal_ids: pl.Series,
    from_status: str,
    to_status: str,
    reference_date: dt.date,
    now: dt.datetime,
    note: str,
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
    raised = raised.sort("household_id").with_columns(
        bulk.reserve_ids(SIGNAL_TABLE, raised.height).alias("signal_id")
    )
    stamp = _db_now(now)
    # A first evaluation raises up to hundreds of thousands of signals into empty tables:
    # their indexes are built afterwards (SQLite; later municipalities of a first load find
    # the tables filled and keep them: their evaluation reads the signals by household).
    # What is the same for every signal goes in as constants (literals on SQLite, not
    # bound once per row).
    with bulk.deferred_indexes(SIGNAL_TABLE, MEMBER_TABLE, CHANGE_TABLE, rows=raised.height):
        _insert_raised_rows(raised, counting, municipality_id, rule_set_id, reference_date, stamp)


def _insert_raised_rows(
    raised: pl.DataFrame,
    counting: pl.DataFrame,
    municipality_id: int,
    rule_set_id: int,
    reference_date: dt.date,
    stamp: str,
) -> None:
    bulk.insert_frame(
        SIGNAL_TABLE,
        raised.select(
            pl.col("signal_id").alias("id"),
            "household_id",
            "kind",
            "crisis",
            "repeat",
            "repeat_since",
            "debt_swap",
            pl.col("creditor_count").cast(pl.Int64),
            "total_amount_cents",
            "oldest_start_date",
            pl.col("previous_signal_id").alias("repeat_of_id"),
            pl.col("previous_until").alias("repeat_until"),
            pl.col("signalled_on").alias("last_signalled_on"),
            "tray_id",
            "priority",
            "explanation",
            "reasons",
            "content_digest",
            "deadline",
            "buurt_id",
        ),
        constants={
            "municipality_id": municipality_id,
            "status": SignalStatus.NIEUW.value,
            "signal_date": reference_date,
            "dormant_since": None,
            "rule_set_id": rule_set_id,
            "team_id": None,
            "closed_on": None,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    bulk.insert_frame(
        MEMBER_TABLE,
        _member_rows(raised, counting, reference_date).select("signal_id", "arrear_id"),
        constants={
            "role": SignalArrearRole.MEMBER.value,
            "counts": True,
            "joined_on": reference_date,
        },
    )
    bulk.insert_frame(
        CHANGE_TABLE,
        pl.DataFrame({"signal_id": raised.get_column("signal_id").cast(pl.Int64)}),
        constants={
            "from_status": "",
            "to_status": SignalStatus.NIEUW.value,
            "changed_at": stamp,
            "reference_date": reference_date,
            "note": "signaal ontstaan",
        },
    )


# The columns an update writes (staged, then one UPDATE … FROM).
UPDATED_COLUMNS = (
    "kind", "crisis", "debt_swap", "creditor_count", "total_amount_cents", "oldest_start_date",
    "deadline", "tray_id", "priority", "explanation", "reasons", "content_digest",
    "repeat", "repeat_of_id", "repeat_until", "repeat_since", "last_signalled_on", "buurt_id",
)  # fmt: skip


def _update_changed(
    changed: pl.DataFrame, counting: pl.DataFrame, reference_date: dt.date, now: dt.datetime
) -> pl.DataFrame:
    """Write the changed signals that are still open; returns those rows of ``changed``.

    A signal read as open may have been declined or closed since (a coordinator
    at the same moment): the ``UPDATE`` skips it, and so must its members, the
    creditors' feedback and the crisis notices that follow from the update.
    """
    if changed.is_empty():
        return changed
    changed = changed.sort("signal_id")
    _snapshot(changed.get_column("signal_id"), reference_date)
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
            pl.col("previous_signal_id").alias("repeat_of_id"),  # never the signal itself
            pl.col("previous_until").alias("repeat_until"),
            "repeat_since",
            pl.col("signalled_on").alias("last_signalled_on"),
            "buurt_id",
        ),
    )
    json_cast = "::jsonb" if bulk.is_postgresql() else ""
    sets = ", ".join(
        f"{c} = s.{c}{json_cast}" if c == "reasons" else f"{c} = s.{c}" for c in UPDATED_COLUMNS
    )
    open_list = ", ".join(["%s"] * 2)
    updated = bulk.execute_returning_ids(
        f"UPDATE {SIGNAL_TABLE} SET {sets}, dormant_since = NULL, updated_at = %s "  # noqa: S608
        f"FROM {stage} s WHERE {SIGNAL_TABLE}.id = s.id AND {SIGNAL_TABLE}.status IN ({open_list}) "
        f"RETURNING {SIGNAL_TABLE}.id",
        [_db_now(now), SignalStatus.NIEUW.value, SignalStatus.OPGEPAKT.value],
    )
    bulk.drop(STAGE_SIGNALS)
    if updated.len() < changed.height:
        # Closed meanwhile by a colleague (declined, closed): their snapshot, just written,
        # settles nothing, and the close could not see it to delete it.
        _forget_closed(changed.get_column("signal_id"))
        changed = changed.filter(pl.col("signal_id").is_in(updated.implode()))
        if changed.is_empty():
            return changed

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
    return changed


# The columns :class:`.models.SignalBefore` keeps and :func:`_settle` puts back (besides
# ``dormant_since``); not ``buurt_id``, which follows the household's address.
BEFORE_COLUMNS = (
    "kind", "crisis", "debt_swap", "creditor_count", "total_amount_cents", "oldest_start_date",
    "deadline", "tray_id", "priority", "explanation", "reasons", "content_digest",
    "repeat", "repeat_of_id", "repeat_until", "repeat_since", "last_signalled_on",
)  # fmt: skip


def _snapshot(signal_ids: pl.Series, reference_date: dt.date, extra: str = "") -> None:
    """Keep the figures of open signals raised before ``reference_date`` as they stand
    before their first change on it, with the ``counts`` of their arrears then.

    Called before a write that changes them (an update, falling asleep): on a later
    evaluation of the same peildatum (the next creditor's delivery) the row is there
    and stays, so it holds the end of the previous peildatum. A row of another peildatum
    is replaced (an earlier one :func:`_forget_earlier_peildata` took already; a later one,
    when a late delivery is evaluated on an earlier peildatum). ``extra``: a further SQL
    condition on the signal.
    """
    if signal_ids.is_empty():
        return
    ids = signal_ids.sort()
    where, params = bulk.id_list("signal_id", ids)
    _forget(f"peildatum <> %s AND {where}", [reference_date, *params])
    columns = ", ".join(BEFORE_COLUMNS)
    where, params = bulk.id_list("s.id", ids)
    kept = bulk.execute_returning_ids(
        f"INSERT INTO {BEFORE_TABLE} (signal_id, peildatum, {columns}, dormant_since) "  # noqa: S608
        f"SELECT s.id, %s, {', '.join(f's.{c}' for c in BEFORE_COLUMNS)}, s.dormant_since "
        f"FROM {SIGNAL_TABLE} s WHERE {where} AND s.status IN (%s, %s) AND s.signal_date < %s "
        f"AND NOT EXISTS (SELECT 1 FROM {BEFORE_TABLE} b WHERE b.signal_id = s.id){extra} "
        "RETURNING signal_id",
        [reference_date, *params, *OPEN_STATUSES, reference_date],
    )
    if kept.is_empty():
        return
    where, params = bulk.id_list("signal_id", kept.sort())
    bulk.execute(
        f"UPDATE {MEMBER_TABLE} SET counted_before = counts "  # noqa: S608
        f"WHERE counted_before <> counts AND {where}",
        params,
    )


def _forget(where: str, params: list) -> int:
    """Delete the :class:`.models.SignalBefore` rows ``where`` selects and clear the
    ``counted_before`` of their signals' arrears (it belongs to the row); returns how many
    rows went. Two set-based statements, whatever the number of rows."""
    gone = bulk.execute_returning_ids(
        f"DELETE FROM {BEFORE_TABLE} WHERE {where} RETURNING signal_id",  # noqa: S608
        params,
    )
    if gone.is_empty():
        return 0
    where, params = bulk.id_list("signal_id", gone.sort())
    bulk.execute(
        f"UPDATE {MEMBER_TABLE} SET counted_before = FALSE WHERE counted_before AND {where}",  # noqa: S608
        params,
    )
    return gone.len()


def _forget_before(signal_ids: Iterable[int]) -> int:
    """The snapshots of signals that close (lapse, are declined or closed) go: only an open
    signal is ever settled."""
    ids = sorted(int(i) for i in signal_ids)
    if not ids:
        return 0
    where, params = bulk.id_list("signal_id", ids)
    return _forget(where, params)


def _forget_closed(signal_ids: pl.Series) -> int:
    """The snapshots among ``signal_ids`` whose signal is closed go. A colleague who closes a
    signal while an evaluation writes its snapshot (PostgreSQL: not yet committed) cannot see
    that row to delete it; the evaluation, whose update then passes the closed signal by,
    deletes it here. One statement, and the ``UPDATE`` of :func:`_forget`."""
    if signal_ids.is_empty():
        return 0
    where, params = bulk.id_list("id", signal_ids.sort())
    return _forget(
        f"signal_id IN (SELECT id FROM {SIGNAL_TABLE} WHERE status NOT IN (%s, %s) AND {where})",  # noqa: S608
        [*OPEN_STATUSES, *params],
    )


def _forget_earlier_peildata(municipality_id: int, reference_date: dt.date) -> int:
    """At an evaluation on ``reference_date`` the municipality's snapshots of earlier peildata
    go: such a peildatum is over, and a snapshot only settles a signal on its own peildatum.

    :func:`_snapshot` replaced them already for the signals it changes; this takes the
    others too (an open signal that nothing changed since). A late delivery evaluated on an
    earlier peildatum afterwards (docs/intake.md, "Late deliveries") finds none and keeps
    the figures it has, as it did for a signal changed since. One ``DELETE`` (the
    ``peildatum`` index finds the few older rows) and one ``UPDATE`` of their arrears.
    """
    return _forget(
        f"peildatum < %s AND signal_id IN (SELECT id FROM {SIGNAL_TABLE} "  # noqa: S608
        "WHERE municipality_id = %s)",
        [reference_date, municipality_id],
    )


def _settle(signal_ids: pl.Series, reference_date: dt.date, now: dt.datetime) -> pl.Series:
    """Open signals that lapse or fall asleep on ``reference_date`` get back the figures
    they had before their first change on it (:func:`_snapshot`), and their arrears the
    ``counts`` of then; returns the ids put back.

    A peildatum is one moment, whatever the order of its deliveries: an update between
    two of them (one creditor's file read, another's not yet) held at no end of a
    peildatum, and a signal that ends or sleeps keeps the figures of the last peildatum
    on which it counted. A signal raised on ``reference_date`` itself has no snapshot
    and keeps its figures. Call before :func:`_expire` and :func:`_fall_asleep`.
    """
    if signal_ids.is_empty():
        return pl.Series("id", [], dtype=pl.Int64)
    where, params = bulk.id_list(f"{SIGNAL_TABLE}.id", signal_ids.sort())
    sets = ", ".join(
        f"tray_id = COALESCE(b.tray_id, {SIGNAL_TABLE}.tray_id)"
        if c == "tray_id"
        else f"{c} = b.{c}"
        for c in (*BEFORE_COLUMNS, "dormant_since")
    )
    settled = bulk.execute_returning_ids(
        f"UPDATE {SIGNAL_TABLE} SET {sets}, updated_at = %s FROM {BEFORE_TABLE} b "  # noqa: S608
        f"WHERE b.signal_id = {SIGNAL_TABLE}.id AND b.peildatum = %s "
        f"AND {SIGNAL_TABLE}.status IN (%s, %s) AND {where} RETURNING {SIGNAL_TABLE}.id",
        [_db_now(now), reference_date, *OPEN_STATUSES, *params],
    )
    if not settled.is_empty():
        where, params = bulk.id_list("signal_id", settled.sort())
        bulk.execute(
            f"UPDATE {MEMBER_TABLE} SET counts = counted_before "  # noqa: S608
            f"WHERE counts <> counted_before AND {where}",
            params,
        )
    return settled


def _expire(signal_ids: pl.Series, reference_date: dt.date, now: dt.datetime) -> int:
    """``nieuw`` signals whose arrears are all gone lapse; returns how many did."""
    if signal_ids.is_empty():
        return 0
    where, params = bulk.id_list("id", signal_ids.sort())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SIGNAL_TABLE} SET status = %s, closed_on = %s, updated_at = %s "  # noqa: S608
            f"WHERE status = %s AND {where} RETURNING id",
            [
                SignalStatus.VERVALLEN.value,
                reference_date,
                _db_now(now),
                SignalStatus.NIEUW.value,
                *params,
            ],
        )
        done = sorted(row[0] for row in cursor.fetchall())
    _forget_before(done)  # after _settle, which read them
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
    # Falling asleep between two deliveries of a peildatum: the next may wake it up again.
    _snapshot(signal_ids, reference_date, extra=" AND s.dormant_since IS NULL")
    where, params = bulk.id_list("id", signal_ids.sort())
    asleep = bulk.execute(
        f"UPDATE {SIGNAL_TABLE} SET dormant_since = %s WHERE dormant_since IS NULL AND {where}",  # noqa: S608
        [reference_date, *params],
    )
    _forget_closed(signal_ids)  # one a colleague closed meanwhile (see _update_changed)
    return asleep


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
