"""The signal rules, as pure functions over Polars frames (no database, no clock).

:func:`evaluate_households` takes the state of some households (their arrears,
their open signals, earlier signals) and a municipality's :class:`RuleValues`,
and decides per household: raise a new signal, update the open one, let it
lapse (``vervallen``) or fall asleep, or leave it. :mod:`.services` reads the state, calls
this, and writes the outcome; everything that is a rule lives here.

The rules (ARCHITECTURE.md, "Defaults for the rules"; spec section 3):

* **counting arrear**: open, age (peildatum − ontstaansdatum) from 0 to
  ``max_age_days`` inclusive, amount ≥ ``min_amount_eur``, and not known when
  an earlier signal of the household was closed (afgesloten or niet
  opgepakt): after a closed case only arrears new since then raise a signal.
* **meervoudig**: counting arrears at ≥ ``min_creditors`` distinct creditors
  (organisations, or creditor types when ``count_distinct`` is ``type``).
* **enkelvoudig**: fewer than that but at least one, when ``single_signals``
  is on and at least one counting arrear's creditor type is not in
  ``single_signal_excluded_types``.
* **crisis**: a counting arrear carries the crisis flag.
* **schuldverschuiving**: a counting arrear at creditor B whose ontstaansdatum
  lies within ``debt_swap_window_days`` of the interval in which an arrear of
  another creditor A of the household was cleared — from A's last peildatum
  (``last_seen_on``) to the peildatum that found it gone (``cleared_on``),
  before or after, edges inclusive. Creditors differ by organisation.
  An arrear closed because its customer moved is not a clearing.
* **herhaald**: when the signal is raised, the household had an earlier
  signal within ``repeat_window_days`` before (inclusive): one that was last
  signalled then (a lapsed signal: its ``last_signalled_on``) or whose case
  was closed then (afgesloten or niet opgepakt: its ``closed_on``). The
  selector gives that day as ``signalled_until``. Decided when the signal is
  raised, and again when a sleeping signal wakes up (below). Deliveries of one
  peildatum arrive one creditor at a time, so what happens within one
  peildatum is one moment: a signal raised on the peildatum on which the
  household's previous, awake signal lapsed continues it (one creditor's stand
  cleared the old arrears before another's brought new ones) and takes over
  its repeat; a signal that fell asleep and wakes up on the same peildatum
  never slept.

Life of a signal (one open signal per household):

* no open signal and the household meets meervoudig or enkelvoudig → raise;
* an open signal (``nieuw`` or ``opgepakt``) and counting arrears → update it:
  they join it and its figures are theirs (kind, creditors, amount, oldest
  start, crisis, debt swap), even if they alone would not raise a signal;
* an open signal without counting arrears keeps its figures while any of its
  arrears is still open (they merely aged) and falls asleep (``dormant_since``
  = the peildatum); a ``nieuw`` one whose arrears are all gone lapses
  (``vervallen``); an ``opgepakt`` one lives on in its case;
* a sleeping signal whose household gets counting arrears again wakes up: it
  is updated as above, and it is herhaald when its own earlier signalling (its
  ``last_signalled_on``) or an earlier signal lies within the repeat window —
  the household was signalled, then not, and now again.

Every output is sorted by ids, so the order of the input rows never matters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from .deadlines import crisis_contact_deadline
from .rules import RuleValues

OPEN, CLEARED = "open", "cleared"  # households.models.ArrearStatus values
NIEUW, OPGEPAKT = "nieuw", "opgepakt"
MEERVOUDIG, ENKELVOUDIG = "meervoudig", "enkelvoudig"

ARREAR_SCHEMA: dict[str, pl.DataType] = {
    "arrear_id": pl.Int64(),
    "household_id": pl.Int64(),
    "creditor_id": pl.Int64(),
    "amount_cents": pl.Int64(),
    "start_date": pl.Date(),
    "crisis": pl.Boolean(),
    "crisis_reason": pl.String(),
    "status": pl.String(),
    "last_seen_on": pl.Date(),
    "cleared_on": pl.Date(),
}
CREDITOR_SCHEMA: dict[str, pl.DataType] = {
    "creditor_id": pl.Int64(),
    "creditor_code": pl.String(),
    "creditor_name": pl.String(),
    "creditor_type": pl.String(),
}
# What evaluation needs of an open signal; services read more to detect changes.
OPEN_SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.Int64(),
    "household_id": pl.Int64(),
    "status": pl.String(),
    "crisis": pl.Boolean(),
    "deadline": pl.Date(),
    "last_signalled_on": pl.Date(),
    "dormant_since": pl.Date(),
}
MEMBER_SCHEMA: dict[str, pl.DataType] = {"signal_id": pl.Int64(), "arrear_id": pl.Int64()}
# Earlier, closed signals of the households (for herhaald). ``lapsed_on`` is the
# peildatum a lapsed (vervallen) signal closed on; ``repeat``, ``repeat_of_id`` and
# ``repeat_until`` are its own repeat (a signal raised on that same peildatum continues
# it, unless it had been asleep: ``dormant_since``).
PREVIOUS_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "signal_id": pl.Int64(),
    "signalled_until": pl.Date(),
    "lapsed_on": pl.Date(),
    "repeat": pl.Boolean(),
    "repeat_of_id": pl.Int64(),
    "repeat_until": pl.Date(),
    "dormant_since": pl.Date(),
}
# Open arrears known when an earlier signal of their household was closed.
EXCLUDED_SCHEMA: dict[str, pl.DataType] = {"arrear_id": pl.Int64()}

FIGURES_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "kind": pl.String(),
    "distinct": pl.UInt32(),
    "creditor_count": pl.UInt32(),
    "total_amount_cents": pl.Int64(),
    "oldest_start_date": pl.Date(),
    "crisis": pl.Boolean(),
    "debt_swap": pl.Boolean(),
    "qualifies": pl.Boolean(),
    "signalled_on": pl.Date(),
}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class State:
    """The households' state as evaluation needs it (frames with the schemas above).

    ``arrears`` holds the open arrears and the arrears cleared recently enough
    to matter for a debt swap (see :func:`oldest_relevant_clearing`).
    """

    arrears: pl.DataFrame
    creditors: pl.DataFrame
    open_signals: pl.DataFrame
    members: pl.DataFrame
    previous: pl.DataFrame
    excluded: pl.DataFrame


@dataclass(frozen=True)
class Outcome:
    """What evaluation decided.

    * ``raised``: one row per new signal (``FIGURES_SCHEMA``, whose ``signalled_on``
      becomes the signal's ``last_signalled_on``, plus ``repeat``,
      ``previous_signal_id``, ``previous_until``, ``deadline``);
    * ``updated``: the same for open signals with counting arrears, plus ``signal_id``
      and ``woke`` (it was asleep); ``repeat`` and the previous-signal columns are
      evaluated only for those that woke (null for the others: they keep theirs);
    * ``expired``: ``signal_id`` of ``nieuw`` signals whose arrears are all gone;
    * ``dormant``: ``signal_id`` of open signals that fall asleep now;
    * ``counting``: the counting arrears of the raised and updated households,
      with their creditors (``arrear_id``, ``household_id``, creditor columns, …);
    * ``swaps``: the debt-swap pairs behind ``debt_swap`` (see :func:`debt_swap_pairs`).
    """

    raised: pl.DataFrame
    updated: pl.DataFrame
    expired: pl.DataFrame
    dormant: pl.DataFrame
    counting: pl.DataFrame
    swaps: pl.DataFrame


# ---------------------------------------------------------------------------
# The rules, one expression or frame function each
# ---------------------------------------------------------------------------


def age_days(reference_date: dt.date) -> pl.Expr:
    """An arrear's age in days on the peildatum."""
    return (pl.lit(reference_date, pl.Date) - pl.col("start_date")).dt.total_days()


def counts_expr(rules: RuleValues, reference_date: dt.date) -> pl.Expr:
    """Whether an arrear counts on ``reference_date``: open, 0 ≤ age ≤ max_age_days, amount ≥ minimum.

    (The closed-case rule is applied separately: :func:`counting_arrears`.)
    """
    age = age_days(reference_date)
    return (
        (pl.col("status") == OPEN)
        & age.is_between(0, rules.max_age_days, closed="both")
        & (pl.col("amount_cents") >= rules.min_amount_eur * 100)
    )


def counting_arrears(
    arrears: pl.DataFrame, excluded: pl.DataFrame, rules: RuleValues, reference_date: dt.date
) -> pl.DataFrame:
    """The arrears that count; ``excluded`` (known at a closed case) never do."""
    return arrears.filter(counts_expr(rules, reference_date)).join(
        excluded.select("arrear_id"), on="arrear_id", how="anti"
    )


def oldest_relevant_clearing(rules: RuleValues, reference_date: dt.date) -> dt.date:
    """Clearings before this day cannot make a debt swap with a counting arrear.

    A counting arrear started at most ``max_age_days`` ago; it pairs with a
    clearing only if it started no later than ``debt_swap_window_days`` after it.
    """
    return reference_date - dt.timedelta(days=rules.max_age_days + rules.debt_swap_window_days)


def debt_swap_pairs(
    counting: pl.DataFrame, arrears: pl.DataFrame, rules: RuleValues, reference_date: dt.date
) -> pl.DataFrame:
    """Pairs (cleared arrear A, counting arrear B) of one household that make a debt swap.

    A is cleared (not moved) by ``reference_date``; B is at another creditor and
    started within ``debt_swap_window_days`` of A's clearing interval
    ``[last_seen_on, cleared_on]``, before or after, inclusive.
    """
    window = dt.timedelta(days=rules.debt_swap_window_days)
    cleared = arrears.filter(
        (pl.col("status") == CLEARED)
        & pl.col("cleared_on").is_not_null()
        & (pl.col("cleared_on") <= reference_date)
    ).select(
        "household_id",
        pl.col("arrear_id").alias("cleared_arrear_id"),
        pl.col("creditor_id").alias("cleared_creditor_id"),
        pl.col("amount_cents").alias("cleared_amount_cents"),
        "last_seen_on",
        "cleared_on",
    )
    new = counting.select(
        "household_id",
        pl.col("arrear_id").alias("new_arrear_id"),
        pl.col("creditor_id").alias("new_creditor_id"),
        pl.col("amount_cents").alias("new_amount_cents"),
        "start_date",
    )
    return (
        new.join(cleared, on="household_id", how="inner")
        .filter(
            (pl.col("new_creditor_id") != pl.col("cleared_creditor_id"))
            & (pl.col("start_date") >= pl.col("last_seen_on") - window)
            & (pl.col("start_date") <= pl.col("cleared_on") + window)
        )
        .sort("household_id", "cleared_on", "cleared_arrear_id", "new_arrear_id")
    )


def figures(
    counting: pl.DataFrame, swaps: pl.DataFrame, rules: RuleValues, reference_date: dt.date
) -> pl.DataFrame:
    """Per household with counting arrears: kind, counts, amount, oldest start, crisis, debt swap,
    whether the household ``qualifies`` for a new signal (meervoudig or enkelvoudig; a crisis
    always does, since Wgs art. 4(2) leaves the municipality no choice), and
    ``signalled_on``: the newest peildatum (up to ``reference_date``) on which a creditor
    confirmed one of its counting arrears — deliveries of one peildatum arrive one by one,
    and an arrear not yet confirmed may still be cleared on it."""
    distinct_by = "creditor_type" if rules.count_distinct == "type" else "creditor_id"
    excluded_types = list(rules.single_signal_excluded_types)
    per_household = counting.group_by("household_id").agg(
        pl.col(distinct_by).n_unique().alias("distinct"),
        pl.col("creditor_id").n_unique().alias("creditor_count"),
        pl.col("amount_cents").sum().alias("total_amount_cents"),
        pl.col("start_date").min().alias("oldest_start_date"),
        pl.col("crisis").any().alias("crisis"),
        (~pl.col("creditor_type").is_in(excluded_types)).any().alias("_single_allowed"),
        pl.min_horizontal("last_seen_on", pl.lit(reference_date, pl.Date))
        .max()
        .alias("signalled_on"),
    )
    swapping = swaps.select("household_id").unique().with_columns(pl.lit(True).alias("debt_swap"))
    multiple = pl.col("distinct") >= rules.min_creditors
    single = pl.lit(rules.single_signals) & pl.col("_single_allowed") & (pl.col("distinct") >= 1)
    return (
        per_household.join(swapping, on="household_id", how="left")
        .with_columns(
            pl.when(multiple).then(pl.lit(MEERVOUDIG)).otherwise(pl.lit(ENKELVOUDIG)).alias("kind"),
            pl.col("debt_swap").fill_null(False),
            (multiple | single | pl.col("crisis")).alias("qualifies"),
        )
        .select(list(FIGURES_SCHEMA))
        .cast(FIGURES_SCHEMA)
        .sort("household_id")
    )


def repeat_of(
    households: pl.DataFrame, previous: pl.DataFrame, rules: RuleValues, reference_date: dt.date
) -> pl.DataFrame:
    """``repeat`` per household: an earlier signal that lasted into the window (inclusive).

    Adds ``previous_signal_id`` and ``previous_until`` of the latest such signal.
    """
    since = reference_date - dt.timedelta(days=rules.repeat_window_days)
    latest = (
        previous.filter(pl.col("signalled_until").is_between(since, reference_date, closed="both"))
        .sort("household_id", "signalled_until", "signal_id")
        .group_by("household_id", maintain_order=True)
        .last()
        .select(
            "household_id",
            pl.col("signal_id").alias("previous_signal_id"),
            pl.col("signalled_until").alias("previous_until"),
        )
    )
    return households.join(latest, on="household_id", how="left").with_columns(
        pl.col("previous_signal_id").is_not_null().alias("repeat")
    )


def continued_repeat(
    households: pl.DataFrame, previous: pl.DataFrame, rules: RuleValues, reference_date: dt.date
) -> pl.DataFrame:
    """:func:`repeat_of` for new signals, with the lapse on this very peildatum taken as one run."""
    lapsed_now = (
        previous.filter(
            (pl.col("lapsed_on") == reference_date)
            # awake until this peildatum (falling asleep on it is the same moment)
            & (pl.col("dormant_since").is_null() | (pl.col("dormant_since") >= reference_date))
        )
        .sort("household_id", "signal_id")
        .group_by("household_id", maintain_order=True)
        .last()
        .select(
            "household_id",
            pl.col("signal_id").alias("_continued"),
            pl.col("repeat").alias("_repeat"),
            pl.col("repeat_of_id").alias("_repeat_of_id"),
            pl.col("repeat_until").alias("_repeat_until"),
        )
    )
    others = previous.join(
        lapsed_now.select("household_id", "_continued"), on="household_id", how="left"
    ).filter(pl.col("_continued").is_null() | (pl.col("signal_id") != pl.col("_continued")))
    fresh = repeat_of(households, others.select(list(PREVIOUS_SCHEMA)), rules, reference_date)
    continuing = pl.col("_continued").is_not_null()
    return (
        fresh.join(lapsed_now, on="household_id", how="left")
        .with_columns(
            pl.when(continuing).then(pl.col("_repeat")).otherwise(pl.col("repeat")).alias("repeat"),
            pl.when(continuing)
            .then(pl.col("_repeat_of_id"))
            .otherwise(pl.col("previous_signal_id"))
            .alias("previous_signal_id"),
            pl.when(continuing)
            .then(pl.col("_repeat_until"))
            .otherwise(pl.col("previous_until"))
            .alias("previous_until"),
        )
        .drop("_continued", "_repeat", "_repeat_of_id", "_repeat_until")
    )


def with_deadline(frame: pl.DataFrame, received_on: dt.date) -> pl.DataFrame:
    """``deadline``: kept while a signal stays crisis, set from ``received_on`` when it becomes one."""
    new_deadline = crisis_contact_deadline(received_on)
    keep = pl.col("_was_crisis") & pl.col("_old_deadline").is_not_null()
    return frame.with_columns(
        pl.when(~pl.col("crisis"))
        .then(pl.lit(None, pl.Date))
        .when(keep)
        .then(pl.col("_old_deadline"))
        .otherwise(pl.lit(new_deadline, pl.Date))
        .alias("deadline")
    ).drop("_was_crisis", "_old_deadline")


# ---------------------------------------------------------------------------
# All rules together
# ---------------------------------------------------------------------------


def evaluate_households(
    state: State, rules: RuleValues, *, reference_date: dt.date, received_on: dt.date
) -> Outcome:
    """Decide, per household in ``state``, what happens to its signal on ``reference_date``.

    ``received_on`` is the day the municipality learns of the state (today):
    a crisis contact deadline counts from it.
    """
    arrears = state.arrears.join(state.creditors, on="creditor_id", how="left")
    counting = counting_arrears(arrears, state.excluded, rules, reference_date)
    swaps = debt_swap_pairs(counting, arrears, rules, reference_date)
    facts = figures(counting, swaps, rules, reference_date)

    open_signals = state.open_signals.select(
        "signal_id",
        "household_id",
        "status",
        pl.col("crisis").alias("_was_crisis"),
        pl.col("deadline").alias("_old_deadline"),
        "last_signalled_on",
        "dormant_since",
    )
    # Update: an open signal and counting arrears. One that was asleep wakes up:
    # its own earlier signalling counts as an earlier signal for herhaald.
    updated = facts.join(open_signals, on="household_id", how="inner").pipe(
        with_deadline, received_on
    )
    slept = pl.col("dormant_since") < reference_date  # asleep since an earlier peildatum
    woke = updated.filter(slept)
    own_runs = woke.select(
        "household_id", "signal_id", pl.col("last_signalled_on").alias("signalled_until")
    )
    woke_repeat = repeat_of(
        woke.select("signal_id", "household_id"),
        pl.concat([state.previous.select(own_runs.columns), own_runs]),
        rules,
        reference_date,
    ).select("signal_id", "repeat", "previous_signal_id", "previous_until")
    updated = (
        updated.join(woke_repeat, on="signal_id", how="left")
        .with_columns(slept.fill_null(False).alias("woke"))
        .drop("last_signalled_on", "dormant_since")
        .sort("signal_id")
    )
    # Raise: no open signal and the rules are met.
    raised = (
        facts.filter(pl.col("qualifies"))
        .join(open_signals.select("household_id"), on="household_id", how="anti")
        .pipe(continued_repeat, state.previous, rules, reference_date)
        .with_columns(
            pl.lit(False).alias("_was_crisis"), pl.lit(None, pl.Date).alias("_old_deadline")
        )
        .pipe(with_deadline, received_on)
        .sort("household_id")
    )
    # Without counting arrears: lapse when its arrears are all gone (nieuw), else sleep.
    still_open = state.members.join(
        state.arrears.filter(pl.col("status") == OPEN).select("arrear_id"),
        on="arrear_id",
        how="semi",
    ).select("signal_id")
    idle = open_signals.join(facts.select("household_id"), on="household_id", how="anti")
    gone = idle.join(still_open, on="signal_id", how="anti")
    expired = gone.filter(pl.col("status") == NIEUW).select("signal_id").sort("signal_id")
    dormant = (
        idle.filter(pl.col("dormant_since").is_null())
        .join(expired, on="signal_id", how="anti")
        .select("signal_id")
        .sort("signal_id")
    )
    touched = pl.concat([raised.select("household_id"), updated.select("household_id")])
    counting = counting.join(touched, on="household_id", how="semi").sort(
        "household_id", "arrear_id"
    )
    swaps = swaps.join(touched, on="household_id", how="semi")
    return Outcome(
        raised=raised,
        updated=updated,
        expired=expired,
        dormant=dormant,
        counting=counting,
        swaps=swaps,
    )
