"""Benchmark: explain_frame for a first load's worth of signals (pure; no database).

    .venv/bin/python benchmarks/explanations.py [--signals 200000] [--seed 1] [--repeat 3]

Builds evaluation-like frames — signals with 1–3 counting arrears each at 40
creditors, some crisis (with a deadline), some repeats, a tenth with debt swaps
(some with more than are written out) — and times the column-wise
``explain_frame`` against the per-signal reference it replaced (explain() and
json.dumps per row; kept in the property test). Checks that both write the
same bytes and prints the best of ``--repeat`` runs and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl

from vroegsignaal.signals.explanations import CRISIS_REASONS, explain_frame
from vroegsignaal.signals.rules import RuleValues
from vroegsignaal.signals.tests.test_explanations_frame import _explain_frame_reference

REFERENCE_DATE = dt.date(2026, 11, 1)
CREDITORS = 40


def world(signals: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(signals, counting, swaps, creditors) as writing._complete passes them."""
    rng = np.random.default_rng(seed)
    types = ["Huur", "Energie", "Water", "Zorg"]
    creditors = pl.DataFrame(
        {
            "creditor_id": np.arange(1, CREDITORS + 1),
            "creditor_code": [f"C{n:03d}" for n in range(1, CREDITORS + 1)],
            "creditor_name": [f'Schuldeiser {n} "Zuid" é' for n in range(1, CREDITORS + 1)],
            "creditor_type": [types[n % len(types)] for n in range(CREDITORS)],
        }
    )
    households = np.arange(1, signals + 1) * 3
    per_household = rng.integers(1, 4, signals)
    arrear_households = np.repeat(households, per_household)
    n = arrear_households.size
    creditor_ids = rng.integers(1, CREDITORS + 1, n)
    crisis = rng.random(n) < 0.02
    reasons = np.array(["", *CRISIS_REASONS])
    counting = (
        pl.DataFrame(
            {
                "arrear_id": np.arange(1, n + 1),
                "household_id": arrear_households,
                "creditor_id": creditor_ids,
                "amount_cents": np.where(
                    rng.random(n) < 0.3,
                    rng.integers(1, 2_000, n) * 100,
                    rng.integers(500, 500_000, n),
                ),
                "age_days": rng.integers(0, 100, n),
                "crisis": crisis,
                "crisis_reason": np.where(crisis, reasons[rng.integers(0, len(reasons), n)], ""),
            }
        )
        .with_columns(
            (pl.lit(REFERENCE_DATE) - pl.duration(days=pl.col("age_days"))).alias("start_date"),
            pl.lit("open").alias("status"),
            pl.lit(REFERENCE_DATE).alias("last_seen_on"),
            pl.lit(None, pl.Date).alias("cleared_on"),
        )
        .drop("age_days")
        .join(creditors, on="creditor_id", how="left")
        .sort("household_id", "arrear_id")
    )
    firsts = counting.group_by("household_id").agg(pl.all().first())
    swapping = firsts.sample(fraction=0.1, seed=seed)
    swaps_each = rng.choice([1, 1, 1, 2, 5], swapping.height)
    swaps = (
        swapping.select(
            "household_id",
            pl.col("arrear_id").alias("new_arrear_id"),
            pl.col("creditor_id").alias("new_creditor_id"),
            pl.col("amount_cents").alias("new_amount_cents"),
            "start_date",
        )
        .with_columns(pl.int_ranges(pl.Series(swaps_each)).alias("_n"))
        .explode("_n")
        .with_columns(
            (10_000_000 + pl.int_range(pl.len())).alias("cleared_arrear_id"),
            (pl.col("new_creditor_id") % CREDITORS + 1).alias("cleared_creditor_id"),
            (pl.col("_n") * 12_345 + 65_000).alias("cleared_amount_cents"),
            (pl.col("start_date") - pl.duration(days=40 + pl.col("_n"))).alias("last_seen_on"),
            (pl.col("start_date") - pl.duration(days=10 + pl.col("_n"))).alias("cleared_on"),
        )
        .drop("_n")
        .sort("household_id", "cleared_on", "cleared_arrear_id", "new_arrear_id")
    )
    crisis_households = counting.filter("crisis").select("household_id").unique()
    rows = (
        pl.DataFrame({"household_id": households, "_k": per_household})
        .with_columns(
            pl.when(pl.col("_k") > 1)
            .then(pl.lit("meervoudig"))
            .otherwise(pl.lit("enkelvoudig"))
            .alias("kind"),
            pl.col("_k").cast(pl.UInt32).alias("distinct"),
            pl.when(
                pl.col("household_id").is_in(crisis_households.get_column("household_id").implode())
            )
            .then(pl.lit(REFERENCE_DATE + dt.timedelta(days=3)))
            .alias("deadline"),
            pl.when(pl.col("household_id") % 7 == 0)
            .then(pl.col("household_id") + 1)
            .alias("previous_signal_id"),
            pl.when(pl.col("household_id") % 7 == 0)
            .then(pl.lit(dt.date(2026, 6, 1)))
            .alias("previous_until"),
        )
        .drop("_k")
    )
    return rows, counting, swaps, creditors


def best_of(repeat: int, run) -> tuple[float, pl.DataFrame]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    signals, counting, swaps, creditors = world(args.signals, args.seed)
    inputs = (signals, counting, swaps, creditors, RuleValues(), REFERENCE_DATE)
    print(
        f"explain_frame: {signals.height:,} signals, {counting.height:,} arrears, {swaps.height:,} debt swaps "
        f"(best of {args.repeat})"
    )
    before, expected = best_of(args.repeat, lambda: _explain_frame_reference(*inputs))
    after, written = best_of(args.repeat, lambda: explain_frame(*inputs))
    same = written.equals(expected)
    print(f"  before (explain() per signal)  {before:6.2f} s")
    print(f"  after  (column-wise)           {after:6.2f} s")
    print(f"  ratio                          {before / after:6.1f}×   same bytes: {same}")
    if not same:
        raise SystemExit("explain_frame differs from the reference")


if __name__ == "__main__":
    main()
