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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def line(what: str, seconds: float, detail: str = "") -> None:
    print(f"  {what:<38} {seconds:7.2f} s   {detail}", flush=True)


def child(database_url: str, households: int, cases: int, seed: int) -> int:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vroegsignaal.conf.settings"
    os.environ["VROEGSIGNAAL_MODE"] = "demo"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import django

    django.setup()
    import evaluate  # the bulk world of benchmarks/evaluate.py
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F

    from vroegsignaal.cases import services as case_services
    from vroegsignaal.cases.models import Outcome
    from vroegsignaal.organisations.models import Role, User
    from vroegsignaal.registry.models import Neighbourhood
    from vroegsignaal.reporting import ddas, services
    from vroegsignaal.reporting.models import MonitorFigure
    from vroegsignaal.signals import services as signal_services
    from vroegsignaal.signals.models import Signal, SignalStatus

    call_command("migrate", verbosity=0)
    print(f"== {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    start = time.perf_counter()
    with transaction.atomic():
        world = evaluate.build_world(households, seed)
    municipality = world["municipality"]
    for day in evaluate.PEILDATA:
        signal_services.evaluate(municipality, reference_date=day, received_on=day)
    Neighbourhood.objects.filter(kind="buurt").update(inhabitants=households * 6 // 100)
    user = User.objects.create(
        username="coordinator", role=Role.COORDINATOR, municipality=municipality
    )
    # Spread over the months, and the same signals on every database.
    candidates = list(Signal.objects.filter(status=SignalStatus.NIEUW).order_by("id"))
    wanted = cases + cases // 10
    picked = candidates[:: max(1, len(candidates) // wanted)][:wanted]
    for i, signal in enumerate(picked[:cases]):
        on = signal.signal_date + dt.timedelta(days=3)
        case = case_services.pick_up_signal(signal, user, on=on)
        case_services.log_contact_attempt(case, user, kind="Telefoon", reached=i % 2 == 0, on=on)
        if i % 4 == 0:
            case_services.record_offer(case, user, made_on=on, answer="aanvaard", answered_on=on)
        if i % 5 == 0:
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

    def stored() -> dict:
        return {
            (m, w, f, c): v
            for m, w, f, c, v in MonitorFigure.objects.annotate(
                m=F("monitor_month__month")
            ).values_list("m", "wijk_code", "figure", "category", "value")
        }

    timed_snapshot("monitor snapshot")
    before = stored()
    timed_snapshot("monitor snapshot again")
    same_again = stored() == before

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
    kept = stored() == before
    print(
        f"  figures unchanged by a second snapshot: {same_again}; by the purge: {kept}", flush=True
    )
    return 0 if same_again and kept and not errors else 1


def run_child(database_url: str, args) -> int:
    command = [
        sys.executable, __file__, "--child", database_url, "--households", str(args.households),
        "--cases", str(args.cases), "--seed", str(args.seed),
    ]  # fmt: skip
    return subprocess.run(command, check=False).returncode


def with_postgresql_database(url: str, args) -> int:
    import psycopg

    name = f"vroegsignaal_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        return run_child(urlunsplit(urlsplit(url)._replace(path=f"/{name}")), args)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="vroegsignaal-bench-") as folder:
        status = run_child(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args)
    if database_url.startswith(("postgres://", "postgresql://")):
        status |= with_postgresql_database(database_url, args)
    else:
        print("(DATABASE_URL does not point to PostgreSQL: PostgreSQL skipped.)")
    return status


if __name__ == "__main__":
    sys.exit(main())
