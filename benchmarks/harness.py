"""What the database benchmarks share: each database in a fresh process, with Django set up there.

A benchmark's ``main`` calls :func:`on_each_database` with a function that
starts its own script as a child for one database URL; the child calls
:func:`setup_django` first. SQLite always (a temporary file); PostgreSQL when
``DATABASE_URL`` points to a server (``scripts/with-postgres.sh``), in a
temporary database that is dropped afterwards. A process per database keeps
peak memory each database's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, now."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    found += process_tree(int(child))
    except OSError:
        pass
    return found


def tree_pss_mib(pid: int) -> float:
    """Memory held by ``pid`` and its descendants: their summed PSS (shared pages counted once).

    ``ru_maxrss`` would count pages two processes share twice, and that of a child
    started with fork + exec still counts its parent's pages at the fork.
    """
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
        except OSError:
            continue
    return total / 1024


def run_script(script: str, database_url: str, arguments: list[str]) -> int:
    """Run ``script`` as the child for ``database_url``; its exit status."""
    command = [sys.executable, script, "--child", database_url, *arguments]
    return subprocess.run(command, check=False).returncode


def on_each_database(run: Callable[[str], int]) -> int:
    """``run(database_url)`` on a temporary SQLite file, then on a temporary PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="vroegsignaal-bench-") as folder:
        status = run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("(DATABASE_URL does not point to PostgreSQL: PostgreSQL skipped.)", flush=True)
        return status
    import psycopg

    name = f"vroegsignaal_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        return status | run(urlunsplit(urlsplit(url)._replace(path=f"/{name}")))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    """In the child: demo settings on ``database_url``, migrated; prints which database it is."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vroegsignaal.conf.settings"
    os.environ["VROEGSIGNAAL_MODE"] = "demo"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"== {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)


def evaluated_world(households: int, seed: int) -> dict:
    """The bulk world of ``benchmarks/evaluate.py``, evaluated on each of its twelve peildata."""
    import evaluate
    from django.db import transaction

    from vroegsignaal.signals import services as signal_services

    with transaction.atomic():
        world = evaluate.build_world(households, seed)
    for day in evaluate.PEILDATA:
        signal_services.evaluate(world["municipality"], reference_date=day, received_on=day)
    return world


def spread_new_signals(wanted: int) -> list:
    """``wanted`` signals not yet picked up, spread over the months (the same on every database)."""
    from vroegsignaal.signals.models import Signal, SignalStatus

    candidates = list(Signal.objects.filter(status=SignalStatus.NIEUW).order_by("id"))
    return candidates[:: max(1, len(candidates) // max(1, wanted))][:wanted]


def stored_monitor_figures() -> dict:
    """Every stored monitor figure: (month, wijk, figure, category) → count."""
    from django.db.models import F

    from vroegsignaal.reporting.models import MonitorFigure

    rows = MonitorFigure.objects.annotate(m=F("monitor_month__month")).values_list(
        "m", "wijk_code", "figure", "category", "value"
    )
    return {(m, w, f, c): v for m, w, f, c, v in rows}
