"""Benchmark: monitor figures and the DDAS export for a municipality with a year of signals.

    .venv/bin/python benchmarks/monitor.py [--households 100000] [--cases 3000] [--seed 1]
    scripts/with-postgres.sh .venv/bin/python benchmarks/monitor.py   # SQLite and PostgreSQL

The world is the bulk world of ``benchmarks/evaluate.py`` (one municipality of
10 wijken × 10 buurten, eight creditors, a year of arrears), evaluated on each of
its twelve peildata in turn, so that signals arrive every month. Then ``--cases``
signals are picked up through ``cases.services`` (every second one reaches the
household, every fourth accepts help, every fifth is closed) and a tenth as many
are declined. The buurten get 60 inhabitants per 10 households.

Timed: the first snapshot of the monitor figures (``snapshot_monitor_figures``),
the same again (idempotent: the same rows), the DDAS export of the whole year
(build, validate against the schema, write), and — after deleting every signal
that was never picked up, as the retention purge does — the snapshot after the
purge, which must leave every stored figure as it was (the benchmark exits
non-zero otherwise). No budgets: the figures are printed for docs/monitor.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import harness


def line(what: str, seconds: float, detail: str = "") -> None:
    print(f"  {what:<38} {seconds:7.2f} s   {detail}", flush=True)


def child(database_url: str, households: int, cases: int, seed: int) -> int:
    harness.setup_django(database_url)
    import evaluate  # the bulk world of benchmarks/evaluate.py

    from vroegsignaal.cases import services as case_services
    from vroegsignaal.cases.models import Outcome
    from vroegsignaal.organisations.models import Role, User
    from vroegsignaal.registry.models import Neighbourhood
    from vroegsignaal.reporting import ddas, services
    from vroegsignaal.signals.models import Signal, SignalStatus

    start = time.perf_counter()
    world = harness.evaluated_world(households, seed)
    municipality = world["municipality"]
    Neighbourhood.objects.filter(kind="buurt").update(inhabitants=households * 6 // 100)
    user = User.objects.create(
        username="coordinator", role=Role.COORDINATOR, municipality=municipality
    )
    picked = harness.spread_new_signals(cases + cases // 10)
    for i, signal in enumerate(picked[:cases]):
        on = signal.signal_date + dt.timedelta(days=3)
        case = case_services.pick_up_signal(signal, user, on=on)
        case_services.log_contact_attempt(case, user, kind="Telefoon", reached=i % 2 == 0, on=on)
        if i % 4 == 0:
            case_services.record_offer(case, user, made_on=on, answer="aanvaard", answered_on=on)
        if i % 5 == 0:
            if i % 4 != 0:  # help comes after the offer of help
                case_services.record_offer(case, user, made_on=on)
            case_services.close_case(
                case, user, Outcome.ADVIES_QUICK_FIX, on=on + dt.timedelta(days=10)
            )
    for signal in picked[cases:]:
        case_services.mark_not_picked_up(
            signal, user, "Niet opgepakt: andere reden", on=signal.signal_date
        )
    signals = Signal.objects.filter(municipality=municipality).count()
    months = Signal.objects.dates("signal_date", "month").count()
    line(
        "world, evaluations and cases (not timed)",
        time.perf_counter() - start,
        f"{households:,} households, {signals:,} signals over {months} months, {cases:,} cases",
    )

    def timed_snapshot(what: str) -> int:
        start = time.perf_counter()
        rows = services.snapshot_monitor_figures(municipality, through=evaluate.NEXT_PEILDATUM)
        line(what, time.perf_counter() - start, f"{rows:,} figure rows")
        return rows

    timed_snapshot("monitor snapshot")
    before = harness.stored_monitor_figures()
    timed_snapshot("monitor snapshot again")
    same_again = harness.stored_monitor_figures() == before

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ddas.json"
        start = time.perf_counter()
        summary = services.export_ddas(
            municipality, evaluate.PEILDATA[0], evaluate.NEXT_PEILDATUM, out
        )
        line(
            "DDAS export of the year",
            time.perf_counter() - start,
            f"{summary.signals:,} vroegsignalen, {summary.cases:,} zaken, {out.stat().st_size / 2**20:.1f} MiB",
        )
        start = time.perf_counter()
        document = ddas.build_document(municipality, evaluate.PEILDATA[0], evaluate.NEXT_PEILDATUM)
        built = time.perf_counter() - start
        start = time.perf_counter()
        errors = ddas.validation_errors(document)
        line(
            "  of which build / validate",
            built,
            f"validate {time.perf_counter() - start:.2f} s, {len(errors)} errors",
        )

    start = time.perf_counter()
    deleted, _ = Signal.objects.filter(
        municipality=municipality,
        status__in=[SignalStatus.NIEUW, SignalStatus.NIET_OPGEPAKT, SignalStatus.VERVALLEN],
    ).delete()
    line(
        "purge of signals never picked up (not timed)",
        time.perf_counter() - start,
        f"{deleted:,} rows deleted",
    )
    timed_snapshot("monitor snapshot after the purge")
    kept = harness.stored_monitor_figures() == before
    print(
        f"  figures unchanged by a second snapshot: {same_again}; by the purge: {kept}", flush=True
    )
    return 0 if same_again and kept and not errors else 1


def child_arguments(args) -> list[str]:
    return [
        "--households",
        str(args.households),
        "--cases",
        str(args.cases),
        "--seed",
        str(args.seed),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.households, args.cases, args.seed)
    print(
        f"Monitor and DDAS benchmark: {args.households:,} households; {os.cpu_count()} CPUs.",
        flush=True,
    )
    return harness.on_each_database(
        lambda url: harness.run_script(__file__, url, child_arguments(args))
    )


if __name__ == "__main__":
    sys.exit(main())
