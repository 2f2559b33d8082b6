"""Benchmark: the retention purge of a municipality with a year of arrears, signals and cases.

    .venv/bin/python benchmarks/purge.py [--households 100000] [--cases 3000] [--seed 1]
    scripts/with-postgres.sh .venv/bin/python benchmarks/purge.py   # SQLite and PostgreSQL

The world is the bulk world of ``benchmarks/evaluate.py`` (one municipality,
eight creditors, a year of arrears), evaluated on each of its twelve peildata,
then ``--cases`` signals are picked up through ``cases.services`` (every
second one closed ten days later, with a note and a contact attempt) and a
tenth as many declined. The purge runs on ``--today`` (default 1 June 2027,
so that every category has work): a dry run, the real run, and the real run
again (which must find nothing). Afterwards the monitor figures are
recomputed and must equal those the purge's own snapshot stored, and the
references must be whole (``households`` and ``signals`` integrity checks);
the benchmark exits non-zero otherwise. No budgets: the figures go to
docs/security.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time

import harness


def line(what: str, seconds: float, detail: str = "") -> None:
    print(f"  {what:<34} {seconds:7.2f} s   {detail}", flush=True)


def child(database_url: str, households: int, cases: int, seed: int, today: dt.date) -> int:
    harness.setup_django(database_url)

    from vroegsignaal.cases import services as case_services
    from vroegsignaal.cases.models import Outcome
    from vroegsignaal.households.models import Arrear
    from vroegsignaal.households.selectors import integrity_problems as household_problems
    from vroegsignaal.organisations.models import Role, User
    from vroegsignaal.privacy.services import purge
    from vroegsignaal.reporting.services import snapshot_monitor_figures
    from vroegsignaal.signals.models import Signal
    from vroegsignaal.signals.selectors import integrity_problems as signal_problems

    start = time.perf_counter()
    world = harness.evaluated_world(households, seed)
    municipality = world["municipality"]
    user = User.objects.create(
        username="coordinator", role=Role.COORDINATOR, municipality=municipality
    )
    picked = harness.spread_new_signals(cases + cases // 10)
    for i, signal in enumerate(picked[:cases]):
        on = signal.signal_date + dt.timedelta(days=3)
        case = case_services.pick_up_signal(signal, user, on=on)
        case_services.log_contact_attempt(
            case, user, kind="Telefoon", reached=True, on=on, note="Gesproken met de bewoner."
        )
        if i % 2 == 0:
            case_services.add_note(case, user, "Afspraak bij de schuldhulp gemaakt.")
            case_services.record_offer(case, user, made_on=on)  # help comes after the offer
            case_services.close_case(
                case, user, Outcome.ADVIES_QUICK_FIX, on=on + dt.timedelta(days=10)
            )
    for signal in picked[cases:]:
        case_services.mark_not_picked_up(
            signal, user, "Niet opgepakt: andere reden", on=signal.signal_date
        )
    signals = Signal.objects.filter(municipality=municipality).count()
    arrears = Arrear.objects.filter(municipality=municipality).count()
    line(
        "world, evaluations, cases (not timed)",
        time.perf_counter() - start,
        f"{households:,} households, {arrears:,} arrears, {signals:,} signals, {cases:,} cases",
    )

    def timed_purge(what: str, **kwargs):
        start = time.perf_counter()
        report = purge(today=today, municipalities=[municipality], intake=False, **kwargs)
        counts = report.counts[municipality.code]
        detail = ", ".join(f"{n:,} {c}" for c, n in counts.items() if n) or "nothing"
        line(what, time.perf_counter() - start, detail)
        return report

    dry = timed_purge("dry run", dry_run=True)
    real = timed_purge("purge (snapshot included)")
    before = harness.stored_monitor_figures()
    again = timed_purge("purge again")
    start = time.perf_counter()
    snapshot_monitor_figures(municipality, through=today)
    line("monitor snapshot after the purge", time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same_counts = dry.counts == real.counts
    unchanged = harness.stored_monitor_figures() == before
    problems = {**household_problems(), **signal_problems()}
    print(
        f"  dry run counted what the purge removed: {same_counts}; second run empty: {again.total() == 0}; "
        f"monitor figures unchanged: {unchanged}; integrity problems: {problems or 'none'}; "
        f"peak memory {peak:.0f} MiB",
        flush=True,
    )
    return 0 if same_counts and again.total() == 0 and unchanged and not problems else 1


def child_arguments(args) -> list[str]:
    return [
        "--households",
        str(args.households),
        "--cases",
        str(args.cases),
        "--seed",
        str(args.seed),
        "--today",
        args.today,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default="2027-06-01")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(
            args.child, args.households, args.cases, args.seed, dt.date.fromisoformat(args.today)
        )
    print(
        f"Retention purge benchmark: {args.households:,} households; {os.cpu_count()} CPUs.",
        flush=True,
    )
    return harness.on_each_database(
        lambda url: harness.run_script(__file__, url, child_arguments(args))
    )


if __name__ == "__main__":
    sys.exit(main())
