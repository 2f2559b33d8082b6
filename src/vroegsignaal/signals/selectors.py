"""Reads for signal evaluation (as Polars frames, a few queries per evaluation) and for screens.

Evaluation reads the households app's tables directly (arrears, persons,
households) — read-only, set-based, one query per kind of row — so that it
never runs a query per household. Screens read signals through querysets
that views pass through ``organisations.scoping.scoped``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
from django.db.models import Count, Max, Q, QuerySet

from vroegsignaal.households import bulk
from vroegsignaal.households.models import Arrear, Household, Person
from vroegsignaal.organisations.models import Creditor
from vroegsignaal.registry.models import Address, Neighbourhood

from . import evaluation
from .models import (
    HANDLED_STATUSES,
    OPEN_STATUSES,
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalStatus,
    Tray,
)
from .rules import RuleValues
from .trays import age_in_years

ARREAR_TABLE = Arrear._meta.db_table
HOUSEHOLD_TABLE = Household._meta.db_table
PERSON_TABLE = Person._meta.db_table
ADDRESS_TABLE = Address._meta.db_table
NEIGHBOURHOOD_TABLE = Neighbourhood._meta.db_table
CREDITOR_TABLE = Creditor._meta.db_table
SIGNAL_TABLE = Signal._meta.db_table
MEMBER_TABLE = SignalArrear._meta.db_table

# An open signal as stored: what evaluation needs plus what may change.
STORED_SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.Int64(),
    "household_id": pl.Int64(),
    "status": pl.String(),
    "kind": pl.String(),
    "crisis": pl.Boolean(),
    "repeat": pl.Boolean(),
    "debt_swap": pl.Boolean(),
    "creditor_count": pl.Int64(),
    "total_amount_cents": pl.Int64(),
    "oldest_start_date": pl.Date(),
    "last_signalled_on": pl.Date(),
    "deadline": pl.Date(),
    "tray_id": pl.Int64(),
    "priority": pl.Int64(),
    "content_digest": pl.String(),
    "repeat_of_id": pl.Int64(),
    "repeat_until": pl.Date(),
    "dormant_since": pl.Date(),
    "repeat_since": pl.Date(),
}
STORED_MEMBER_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.Int64(),
    "arrear_id": pl.Int64(),
    "counts": pl.Boolean(),
}
CONTEXT_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "buurt_id": pl.Int64(),
    "buurt_code": pl.String(),
    "wijk_code": pl.String(),
    "youngest_age": pl.Int64(),
    "oldest_age": pl.Int64(),
}


def _in_households(column: str, household_ids: list[int] | None) -> tuple[str, list]:
    if household_ids is None:
        return "", []
    clause, params = bulk.id_list(column, household_ids)
    return f" AND {clause}", params


def _placeholders(values: Iterable[str]) -> tuple[str, list[str]]:
    values = list(values)
    return ", ".join(["%s"] * len(values)), values


def creditors_frame() -> pl.DataFrame:
    """Every creditor's code, name and type (a few hundred rows)."""
    return bulk.read_frame(
        f"SELECT id, code, name, type FROM {CREDITOR_TABLE}",  # noqa: S608
        [],
        evaluation.CREDITOR_SCHEMA,
    )


def evaluation_state(
    municipality_id: int,
    *,
    rules: RuleValues,
    reference_date: dt.date,
    household_ids: Iterable[int] | None = None,
) -> tuple[evaluation.State, pl.DataFrame, pl.DataFrame]:
    """The state :func:`.evaluation.evaluate_households` needs, in six queries.

    Returns ``(state, stored_signals, stored_members)``: the last two are the
    open signals and their member arrears as stored (for change detection).
    ``household_ids=None`` reads every household of the municipality.
    """
    ids = None if household_ids is None else sorted({int(i) for i in household_ids})
    if ids is not None and not ids:
        empty_state = evaluation.State(
            arrears=evaluation.empty(evaluation.ARREAR_SCHEMA),
            creditors=evaluation.empty(evaluation.CREDITOR_SCHEMA),
            open_signals=evaluation.empty(evaluation.OPEN_SIGNAL_SCHEMA),
            members=evaluation.empty(evaluation.MEMBER_SCHEMA),
            previous=evaluation.empty(evaluation.PREVIOUS_SCHEMA),
            excluded=evaluation.empty(evaluation.EXCLUDED_SCHEMA),
        )
        return (
            empty_state,
            evaluation.empty(STORED_SIGNAL_SCHEMA),
            evaluation.empty(STORED_MEMBER_SCHEMA),
        )
    if (
        ids is not None
        and len(ids) >= Household.objects.filter(municipality_id=municipality_id).count()
    ):
        # Every household of the municipality (a first delivery): the same rows, without
        # a list of hundreds of thousands of ids to match in each of the queries below.
        ids = None
    open_list, open_params = _placeholders(OPEN_STATUSES)
    handled_list, handled_params = _placeholders(HANDLED_STATUSES)

    where, params = _in_households("household_id", ids)
    arrears = bulk.read_frame(
        f"SELECT id, household_id, creditor_id, amount_cents, {bulk.date_text('start_date')}, "  # noqa: S608
        f"crisis, crisis_reason, status, {bulk.date_text('last_seen_on')}, "
        f"{bulk.date_text('cleared_on')} FROM {ARREAR_TABLE} WHERE municipality_id = %s "
        f"AND (status = %s OR (status = %s AND cleared_on >= %s)){where}",
        [
            municipality_id,
            evaluation.OPEN,
            evaluation.CLEARED,
            evaluation.oldest_relevant_clearing(rules, reference_date),
            *params,
        ],
        evaluation.ARREAR_SCHEMA,
    )

    where, params = _in_households("household_id", ids)
    stored = bulk.read_frame(
        "SELECT id, household_id, status, kind, crisis, repeat, debt_swap, creditor_count, "  # noqa: S608
        "total_amount_cents, oldest_start_date, last_signalled_on, deadline, tray_id, priority, "
        f"content_digest, repeat_of_id, repeat_until, dormant_since, repeat_since FROM {SIGNAL_TABLE} "
        f"WHERE municipality_id = %s AND status IN ({open_list}){where}",
        [municipality_id, *open_params, *params],
        STORED_SIGNAL_SCHEMA,
    )

    where, params = _in_households("s.household_id", ids)
    members = bulk.read_frame(
        f"SELECT sa.signal_id, sa.arrear_id, sa.counts FROM {MEMBER_TABLE} sa "  # noqa: S608
        f"JOIN {SIGNAL_TABLE} s ON s.id = sa.signal_id WHERE s.municipality_id = %s "
        f"AND s.status IN ({open_list}) AND sa.role = %s{where}",
        [municipality_id, *open_params, SignalArrearRole.MEMBER.value, *params],
        STORED_MEMBER_SCHEMA,
    )

    where, params = _in_households("household_id", ids)
    since = reference_date - dt.timedelta(days=rules.repeat_window_days)
    previous = bulk.read_frame(
        "SELECT household_id, id, status, last_signalled_on, closed_on, repeat, repeat_of_id, "  # noqa: S608
        f"repeat_until, dormant_since FROM {SIGNAL_TABLE} WHERE municipality_id = %s AND status NOT IN ({open_list}) "
        f"AND (last_signalled_on >= %s OR closed_on >= %s){where}",
        [municipality_id, *open_params, since, since, *params],
        {
            "household_id": pl.Int64(),
            "signal_id": pl.Int64(),
            "status": pl.String(),
            "last_signalled_on": pl.Date(),
            "closed_on": pl.Date(),
            "repeat": pl.Boolean(),
            "repeat_of_id": pl.Int64(),
            "repeat_until": pl.Date(),
            "dormant_since": pl.Date(),
        },
    )
    lapsed = pl.col("status") == SignalStatus.VERVALLEN.value
    previous = previous.select(
        "household_id",
        "signal_id",
        # A lapsed signal lasted until it was last signalled; a handled one
        # (afgesloten, niet opgepakt) until its case was closed.
        pl.when(lapsed)
        .then(pl.col("last_signalled_on"))
        .otherwise(pl.max_horizontal("last_signalled_on", "closed_on"))
        .alias("signalled_until"),
        pl.when(lapsed).then(pl.col("closed_on")).alias("lapsed_on"),
        "repeat",
        "repeat_of_id",
        "repeat_until",
        "dormant_since",
    )

    where, params = _in_households("s.household_id", ids)
    excluded = bulk.read_frame(
        f"SELECT DISTINCT sa.arrear_id FROM {MEMBER_TABLE} sa "  # noqa: S608
        f"JOIN {SIGNAL_TABLE} s ON s.id = sa.signal_id "
        f"JOIN {ARREAR_TABLE} a ON a.id = sa.arrear_id "
        f"WHERE s.municipality_id = %s AND s.status IN ({handled_list}) AND a.status = %s{where}",
        [municipality_id, *handled_params, evaluation.OPEN, *params],
        evaluation.EXCLUDED_SCHEMA,
    )

    state = evaluation.State(
        arrears=arrears,
        creditors=creditors_frame(),
        open_signals=stored.select(list(evaluation.OPEN_SIGNAL_SCHEMA)),
        members=members.select("signal_id", "arrear_id"),
        previous=previous,
        excluded=excluded,
    )
    return state, stored, members


def aged_out(municipality_id: int, *, rules: RuleValues, reference_date: dt.date) -> list[int]:
    """Households whose awake open signal counts an arrear that is too old on ``reference_date``.

    Incremental evaluation adds them: their arrears aged without any delivery
    touching them, so the signal's figures must follow (or the signal fall
    asleep, when none counts any more). One query over the counting arrears.
    """
    open_list, open_params = _placeholders(OPEN_STATUSES)
    oldest_counting = reference_date - dt.timedelta(days=rules.max_age_days)
    frame = bulk.read_frame(
        f"SELECT DISTINCT s.household_id FROM {SIGNAL_TABLE} s "  # noqa: S608
        f"JOIN {MEMBER_TABLE} sa ON sa.signal_id = s.id JOIN {ARREAR_TABLE} a ON a.id = sa.arrear_id "
        f"WHERE s.municipality_id = %s AND s.status IN ({open_list}) AND s.dormant_since IS NULL "
        "AND s.last_signalled_on < %s AND sa.counts AND a.start_date < %s",
        [municipality_id, *open_params, reference_date, oldest_counting],
        {"household_id": pl.Int64()},
    )
    return frame.get_column("household_id").to_list()


def household_context(
    household_ids: Iterable[int],
    *,
    on: dt.date,
    ages: bool,
    places: bool,
    pending_persons: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per household: the buurt id of its address (always), buurt and wijk code
    (``places``) and the youngest and oldest person's age on ``on`` (``ages``;
    decrypts the birth dates). Columns :data:`CONTEXT_SCHEMA`.

    ``pending_persons`` (``household_id``, ``birth_date``) are persons the delivery
    being applied creates but has not written yet (``households.services.apply_rows``,
    ``while_persons_encrypt``): they count as members of their households."""
    ids = sorted({int(i) for i in household_ids})
    frame = pl.DataFrame({"household_id": ids}, schema={"household_id": pl.Int64()})
    if not ids:
        return frame.with_columns(
            [pl.lit(None, t).alias(c) for c, t in CONTEXT_SCHEMA.items() if c != "household_id"]
        )
    clause, params = bulk.id_list("h.id", ids)
    if places:
        place = bulk.read_frame(
            f"SELECT h.id, ad.buurt_id, COALESCE(b.code, NULLIF(ad.buurtcode, '')), w.code "  # noqa: S608
            f"FROM {HOUSEHOLD_TABLE} h LEFT JOIN {ADDRESS_TABLE} ad ON ad.id = h.address_id "
            f"LEFT JOIN {NEIGHBOURHOOD_TABLE} b ON b.id = ad.buurt_id "
            f"LEFT JOIN {NEIGHBOURHOOD_TABLE} w ON w.id = b.wijk_id WHERE {clause}",
            params,
            {
                "household_id": pl.Int64(),
                "buurt_id": pl.Int64(),
                "buurt_code": pl.String(),
                "wijk_code": pl.String(),
            },
        )
        frame = frame.join(place, on="household_id", how="left")
    else:
        place = bulk.read_frame(
            f"SELECT h.id, ad.buurt_id FROM {HOUSEHOLD_TABLE} h "  # noqa: S608
            f"JOIN {ADDRESS_TABLE} ad ON ad.id = h.address_id WHERE {clause}",
            params,
            {"household_id": pl.Int64(), "buurt_id": pl.Int64()},
        )
        frame = frame.join(place, on="household_id", how="left").with_columns(
            pl.lit(None, pl.String).alias("buurt_code"), pl.lit(None, pl.String).alias("wijk_code")
        )
    if ages:
        frame = frame.join(_ages(ids, on, pending_persons), on="household_id", how="left")
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.Int64).alias("youngest_age"), pl.lit(None, pl.Int64).alias("oldest_age")
        )
    return frame.select(list(CONTEXT_SCHEMA)).cast(CONTEXT_SCHEMA)


def _age_expr(on: dt.date) -> pl.Expr:
    """:func:`.trays.age_in_years` of ``birth_date`` on ``on``, as an expression."""
    born = pl.col("birth_date")
    before_birthday = (born.dt.month() > on.month) | (
        (born.dt.month() == on.month) & (born.dt.day() > on.day)
    )
    return (pl.lit(on.year) - born.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)).cast(
        pl.Int64
    )


def _ages(
    household_ids: list[int], on: dt.date, pending: pl.DataFrame | None = None
) -> pl.DataFrame:
    from vroegsignaal.privacy.services import decrypt_many

    clause, params = bulk.id_list("household_id", household_ids)
    persons = bulk.read_frame(
        f"SELECT household_id, birth_date FROM {PERSON_TABLE} WHERE {clause}",  # noqa: S608
        params,
        {"household_id": pl.Int64(), "birth_date": pl.String()},
    )
    born = [
        dt.date.fromisoformat(v) if v else None
        for v in decrypt_many(persons.get_column("birth_date"))
    ]
    ages = [None if b is None else age_in_years(b, on) for b in born]
    stored = persons.select("household_id").with_columns(pl.Series("age", ages, dtype=pl.Int64))
    if pending is not None and pending.height:
        wanted = pl.DataFrame({"household_id": household_ids}, schema={"household_id": pl.Int64()})
        pending = pending.join(wanted, on="household_id", how="semi")
        stored = pl.concat([stored, pending.select("household_id", _age_expr(on).alias("age"))])
    return stored.group_by("household_id").agg(
        pl.col("age").min().alias("youngest_age"), pl.col("age").max().alias("oldest_age")
    )


def households_by_municipality(household_ids: Iterable[int]) -> dict[int, list[int]]:
    """The given households grouped by their municipality's id (one query)."""
    ids = sorted({int(i) for i in household_ids})
    if not ids:
        return {}
    clause, params = bulk.id_list("id", ids)
    frame = bulk.read_frame(
        f"SELECT id, municipality_id FROM {HOUSEHOLD_TABLE} WHERE {clause}",  # noqa: S608
        params,
        {"household_id": pl.Int64(), "municipality_id": pl.Int64()},
    )
    grouped = frame.group_by("municipality_id").agg(pl.col("household_id").sort())
    return {row[0]: row[1] for row in grouped.sort("municipality_id").iter_rows()}


def latest_reference_date(municipality) -> dt.date | None:
    """The newest peildatum the municipality's arrears were seen or cleared on."""
    values = Arrear.objects.filter(municipality=municipality).aggregate(
        seen=Max("last_seen_on"), cleared=Max("cleared_on")
    )
    days = [d for d in values.values() if d is not None]
    return max(days) if days else None


# ---------------------------------------------------------------------------
# Screens (pass the querysets through organisations.scoping.scoped)
# ---------------------------------------------------------------------------


def open_signal(household) -> Signal | None:
    """The household's open signal (``nieuw`` or ``opgepakt``), if any."""
    household_id = getattr(household, "pk", household)
    return Signal.objects.filter(household_id=household_id, status__in=OPEN_STATUSES).first()


def trays_of(municipality) -> QuerySet[Tray]:
    return (
        Tray.objects.filter(municipality=municipality)
        .select_related("team")
        .order_by("position", "id")
    )


def tray_queue(tray) -> QuerySet[Signal]:
    """The open signals of a tray, highest priority first."""
    return Signal.objects.filter(tray=tray, status__in=OPEN_STATUSES).order_by(
        "-priority", "signal_date", "id"
    )


@dataclass(frozen=True)
class OpenInTray:
    """A tray's open signals: ``awake`` (signalled now, as its list shows them by default),
    ``dormant`` (sleeping: open, but no arrear of theirs counts now) and ``crises`` (crisis
    signals, awake or not)."""

    awake: int = 0
    dormant: int = 0
    crises: int = 0

    @property
    def total(self) -> int:
        return self.awake + self.dormant


def open_per_tray(signals: QuerySet[Signal]) -> dict[int | None, OpenInTray]:
    """:class:`OpenInTray` per tray id of ``signals`` (``None``: in no tray), in one query."""
    sleeping = Q(dormant_since__isnull=False)
    rows = (
        signals.filter(status__in=OPEN_STATUSES)
        .order_by()  # grouped by the tray alone, not by an ordering's columns too
        .values("tray_id")
        .annotate(
            awake=Count("id", filter=~sleeping),
            dormant=Count("id", filter=sleeping),
            crises=Count("id", filter=Q(crisis=True)),
        )
        .values_list("tray_id", "awake", "dormant", "crises")
    )
    return {tray_id: OpenInTray(*counts) for tray_id, *counts in rows}


def counting_arrears(signal) -> QuerySet[Arrear]:
    """The arrears behind a signal's current figures, oldest first."""
    signal_id = getattr(signal, "pk", signal)
    return (
        Arrear.objects.filter(
            pk__in=SignalArrear.objects.filter(signal_id=signal_id, counts=True).values("arrear_id")
        )
        .select_related("creditor")
        .order_by("start_date", "id")
    )


def integrity_problems() -> dict[str, int]:
    """References of signals that point nowhere, or disagree, per kind; ``{}`` when all is well.

    The references evaluation writes in bulk have no database constraint (see
    ``models``); this checks them set-based, and that evaluation's snapshots
    (``SignalBefore`` and ``counted_before``) exist only for open signals raised before
    their peildatum. The tests run it after each test that uses the signals world; run
    it after a manual repair too.
    """
    from django.db import connection

    from vroegsignaal.organisations.models import Municipality

    from .models import OPEN_STATUSES, RuleSet, SignalBefore, SignalStatusChange, Tray

    signal, member, change = SIGNAL_TABLE, MEMBER_TABLE, SignalStatusChange._meta.db_table
    before = SignalBefore._meta.db_table
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)  # our own constants, not input
    municipality, rule_set, tray = (
        Municipality._meta.db_table,
        RuleSet._meta.db_table,
        Tray._meta.db_table,
    )
    checks = {
        "signal.household": f"SELECT count(*) FROM {signal} s LEFT JOIN {HOUSEHOLD_TABLE} h "  # noqa: S608
        "ON h.id = s.household_id WHERE h.id IS NULL",
        "signal.municipality": f"SELECT count(*) FROM {signal} s LEFT JOIN {municipality} m "  # noqa: S608
        "ON m.id = s.municipality_id WHERE m.id IS NULL",
        # The rule set and tray belong to the signal's municipality.
        "signal.rule_set": f"SELECT count(*) FROM {signal} s LEFT JOIN {rule_set} r "  # noqa: S608
        "ON r.id = s.rule_set_id WHERE r.id IS NULL OR r.municipality_id <> s.municipality_id",
        "signal.tray": f"SELECT count(*) FROM {signal} s LEFT JOIN {tray} t ON t.id = s.tray_id "  # noqa: S608
        "WHERE s.tray_id IS NOT NULL AND (t.id IS NULL OR t.municipality_id <> s.municipality_id)",
        "signal.repeat_of": f"SELECT count(*) FROM {signal} s LEFT JOIN {signal} p ON p.id = s.repeat_of_id "  # noqa: S608
        "WHERE s.repeat_of_id IS NOT NULL AND p.id IS NULL",
        # The copy of the address's buurt (the tray filter) agrees with the register.
        "signal.buurt": f"SELECT count(*) FROM {signal} s JOIN {HOUSEHOLD_TABLE} h ON h.id = s.household_id "  # noqa: S608
        f"LEFT JOIN {ADDRESS_TABLE} ad ON ad.id = h.address_id "
        "WHERE COALESCE(s.buurt_id, 0) <> COALESCE(ad.buurt_id, 0)",
        "member.signal": f"SELECT count(*) FROM {member} sa LEFT JOIN {signal} s "  # noqa: S608
        "ON s.id = sa.signal_id WHERE s.id IS NULL",
        "member.arrear": f"SELECT count(*) FROM {member} sa LEFT JOIN {ARREAR_TABLE} a "  # noqa: S608
        "ON a.id = sa.arrear_id WHERE a.id IS NULL",
        "status_change.signal": f"SELECT count(*) FROM {change} c LEFT JOIN {signal} s "  # noqa: S608
        "ON s.id = c.signal_id WHERE s.id IS NULL",
        # A snapshot (writing._snapshot) is of an open signal raised before its peildatum; it
        # goes when the signal closes (one of a closed signal would settle nothing).
        "before.signal": f"SELECT count(*) FROM {before} b LEFT JOIN {signal} s "  # noqa: S608
        "ON s.id = b.signal_id WHERE s.id IS NULL",
        "before.closed_signal": f"SELECT count(*) FROM {before} b JOIN {signal} s "  # noqa: S608
        f"ON s.id = b.signal_id WHERE s.status NOT IN ({open_list})",
        "before.peildatum": f"SELECT count(*) FROM {before} b JOIN {signal} s "  # noqa: S608
        "ON s.id = b.signal_id WHERE b.peildatum <= s.signal_date",
        # What settling puts back belongs to the signal's municipality and exists.
        "before.tray": f"SELECT count(*) FROM {before} b JOIN {signal} s ON s.id = b.signal_id "  # noqa: S608
        f"LEFT JOIN {tray} t ON t.id = b.tray_id "
        "WHERE b.tray_id IS NOT NULL AND (t.id IS NULL OR t.municipality_id <> s.municipality_id)",
        "before.repeat_of": f"SELECT count(*) FROM {before} b LEFT JOIN {signal} p "  # noqa: S608
        "ON p.id = b.repeat_of_id WHERE b.repeat_of_id IS NOT NULL "
        "AND (p.id IS NULL OR p.id = b.signal_id)",
        # ``counted_before`` belongs to the snapshot: set only while the signal has one.
        "member.counted_before": f"SELECT count(*) FROM {member} sa WHERE sa.counted_before "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {before} b WHERE b.signal_id = sa.signal_id)",
    }
    problems = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            count = cursor.fetchone()[0]
            if count:
                problems[name] = count
    return problems
