"""A worker killed half way through applying a delivery leaves the data as it was (spec 1.6).

Runs ``vroegsignaal deliver`` as a real process against a file-based SQLite
database, kills it with SIGKILL once the households service has written every
row inside the delivery's transaction, checks that nothing of it is visible,
processes the delivery again with ``--opnieuw --forceer`` (from its encrypted
staged file) and compares the outcome with
an uninterrupted run of the same delivery on a copy of the database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .support import csv_bytes, row, stand

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[4]
HELPER = Path(__file__).with_name("kill_helper.py")
VROEGSIGNAAL = Path(sys.executable).with_name("vroegsignaal")

ARREARS = (
    "SELECT a.klantnummer, a.contractnummer, a.status, a.amount_cents, a.start_date, a.opened_on, "
    "a.cleared_on, ad.postcode, ad.huisnummer, h.unregistered_address "
    "FROM households_arrear a JOIN households_household h ON h.id = a.household_id "
    "LEFT JOIN registry_address ad ON ad.id = h.address_id ORDER BY 1, 2, 3, 6"
)
DELIVERY = (
    "SELECT status, rows_received, rows_accepted, rows_rejected, rows_outside_covenant, "
    "arrears_new, arrears_changed, arrears_cleared, staged_name FROM intake_delivery WHERE id = ?"
)


def environment(database: Path, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VROEGSIGNAAL_MODE="demo",
        DJANGO_SETTINGS_MODULE="vroegsignaal.conf.settings",
        DATABASE_URL=f"sqlite:///{database}",
        VROEGSIGNAAL_DATA_DIR=str(data_dir),
        TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]),
        LOG_LEVEL="ERROR",
    )
    return env


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} → {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def query(database: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql, params).fetchall()


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_worker_killed_while_applying_changes_nothing_and_processing_again_gives_the_same_result(
    tmp_path,
):
    database = tmp_path / "vroegsignaal.sqlite3"
    env = environment(database, tmp_path / "data")
    run([str(VROEGSIGNAAL), "migrate", "--no-input", "-v", "0"], env)
    run([sys.executable, str(HELPER), "setup"], env)
    first = tmp_path / "stand-1.csv"
    first.write_bytes(stand(range(1, 31)))
    run(
        [
            str(VROEGSIGNAAL),
            "deliver",
            str(first),
            "--creditor",
            "WOONBRUG",
            "--peildatum",
            "2026-11-01",
        ],
        env,
    )
    before = query(database, ARREARS)
    assert len(before) == 30

    # The next stand: 5 cleared, 2 changed, 4 new (one known only by its postcode), 1 rejected.
    rows = [row(n) for n in range(1, 24)] + [row(n, bedrag_achterstand="999,99") for n in (24, 25)]
    rows += (
        [row(n) for n in range(31, 34)]
        + [row(900, klantnummer="K-PC")]
        + [row(34, geboortedatum="?")]
    )
    second = tmp_path / "stand-2.csv"
    second.write_bytes(csv_bytes(rows))
    deliver = ["deliver", str(second), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"]

    reference_db = tmp_path / "reference.sqlite3"
    copy_database(database, reference_db)
    run([str(VROEGSIGNAAL), *deliver], environment(reference_db, tmp_path / "reference-data"))
    reference = query(reference_db, ARREARS)
    reference_delivery = query(reference_db, DELIVERY, (2,))[0]
    assert reference_delivery[0] == "verwerkt"
    assert reference != before

    marker = tmp_path / "applied-not-committed"
    worker = subprocess.Popen(
        [sys.executable, str(HELPER), "stall", str(marker), "--", *deliver],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the delivery never reached apply_rows"
            time.sleep(0.1)
        # Every row is written, inside the still open transaction: nothing of it is visible.
        assert query(database, DELIVERY, (2,))[0][0] == "in_behandeling"
        assert query(database, ARREARS) == before
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    assert query(database, ARREARS) == before
    killed = query(database, DELIVERY, (2,))[0]
    assert killed[0] == "in_behandeling"
    assert (tmp_path / "data" / "incoming" / killed[-1]).exists(), (
        "the staged file must survive the crash"
    )

    # Just killed: the heartbeat is recent, so --opnieuw does not set a second worker to it
    # unless told that this one is dead (after DELIVERY_STALLED_AFTER it would without).
    refused = run([str(VROEGSIGNAAL), "deliver", "--opnieuw", "2"], env, check=False)
    assert refused.returncode == 2
    assert "Levering 2 wordt nog verwerkt" in refused.stderr and "--forceer" in refused.stderr
    again = run([str(VROEGSIGNAAL), "deliver", "--opnieuw", "2", "--forceer"], env)
    assert "Status: verwerkt" in again.stdout
    assert query(database, ARREARS) == reference
    assert query(database, DELIVERY, (2,))[0][:-1] == reference_delivery[:-1]
    assert list((tmp_path / "data" / "incoming").iterdir()) == []
