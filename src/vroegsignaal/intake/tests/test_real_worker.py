"""A delivery beyond ``BACKGROUND_FROM_BYTES`` through a real ``vroegsignaal db_worker``, and the
worker stopped in the middle of one.

Everything runs as the operator runs it: the console script in subprocesses against a file-based
SQLite database (the database task backend, as in production), no stand-ins. The delivery is a
``stand`` of 50,000 rows, each padded with an unknown column to pass 8 MiB, with rows outside the
covenant and rejected rows, so that its report is checked figure by figure against what the file
holds.

* A delivery over 8 MiB is queued by ``vroegsignaal deliver``, processed by the worker (its task
  result names the worker) while the command follows it, and its report is the file's.
* One TERM in the middle of it (``systemctl stop`` with ``KillMode=mixed``, a deploy): the worker
  finishes the delivery, whole, and then stops (exit 0).
* A second TERM (or Ctrl-C twice): the worker stops at once; nothing of the delivery is applied, it
  shows stalled at once (not after ``DELIVERY_STALLED_AFTER``) and ``deliver --opnieuw ID`` —
  without ``--forceer`` — processes it to the same report.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .support import HEADER, csv_bytes, row

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[4]
HELPER = Path(__file__).with_name("kill_helper.py")
VROEGSIGNAAL = Path(sys.executable).with_name("vroegsignaal")

ROWS = 50_000
OUTSIDE_COVENANT_EVERY = 500  # at Proefdorp (9999ZZ), which has no covenant with the creditor
REJECTED_EVERY = 700  # a birth date that is no date: DATUM_ONGELDIG
PADDING = "x" * 110  # an unknown column: the file passes 8 MiB with fewer rows to process

ADDRESSES = """
import django
django.setup()
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.registry.models import Address
m = Municipality.objects.get(code="0999")
Address.objects.bulk_create(
    [Address(postcode="2345" + pc, huisnummer=n, municipality=m) for pc in ("AB", "AC") for n in range(1, 25_001)],
    batch_size=5000,
)
"""


def environment(database: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TASK_BACKEND", "LOG_LEVEL")}
    env.update(
        VROEGSIGNAAL_MODE="demo",
        DJANGO_SETTINGS_MODULE="vroegsignaal.conf.settings",
        DATABASE_URL=f"sqlite:///{database}",
        VROEGSIGNAAL_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    )
    return env


def run(args: list, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=600, cwd=REPO
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} → {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def query(database: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(database, timeout=60) as connection:
        return connection.execute(sql, params).fetchall()


def delivery_rows() -> list[dict]:
    rows = []
    for n in range(1, ROWS + 1):
        values = {
            "klantnummer": f"K-{n:06d}",
            "achternaam": f"Achternaam{n}",
            "postcode": "2345AB" if n % 2 else "2345AC",
            "huisnummer": str((n + 1) // 2),
            "opmerking": PADDING,
        }
        if n % OUTSIDE_COVENANT_EVERY == 0:
            values.update(postcode="9999ZZ", huisnummer=str(1 + n % 20))
        elif n % REJECTED_EVERY == 0:
            values.update(geboortedatum="x")
        rows.append(row(0, **values))
    return rows


OUTSIDE = ROWS // OUTSIDE_COVENANT_EVERY
REJECTED = sum(
    1 for n in range(1, ROWS + 1) if n % REJECTED_EVERY == 0 and n % OUTSIDE_COVENANT_EVERY != 0
)
ACCEPTED = ROWS - OUTSIDE - REJECTED
# What the file holds, as its report must say it (spec 1.7).
EXPECTED = {
    "regels_ontvangen": ROWS,
    "regels_geaccepteerd": ACCEPTED,
    "regels_afgewezen": REJECTED,
    "afgewezen_per_code": {"DATUM_ONGELDIG": REJECTED},
    "buiten_convenant": OUTSIDE,
    "gerouteerd_per_gemeente": [
        {"gemeentecode": "0999", "gemeente": "Voorbeeldstad", "regels": ACCEPTED}
    ],
    "achterstanden": {"nieuw": ACCEPTED, "gewijzigd": 0, "afgemeld": 0},
    "onbekende_kolommen": ["opmerking"],
    "weigering": None,
    "storing": None,
}

DELIVERY = (
    "SELECT status, staged_name, rows_received, rows_accepted, rows_rejected, rows_outside_covenant, "
    "arrears_new, arrears_changed, arrears_cleared, report FROM intake_delivery WHERE id = 1"
)
TASKS = "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
APPLIED = (
    "SELECT (SELECT count(*) FROM households_arrear), (SELECT count(*) FROM households_person)"
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, Path]:
    """A migrated database with the intake's world and 50,000 addresses, and the delivery file."""
    folder = tmp_path_factory.mktemp("echte-worker")
    database = folder / "vroegsignaal.sqlite3"
    env = environment(database, folder / "data")
    run([VROEGSIGNAAL, "migrate", "--no-input", "-v", "0"], env)
    run([sys.executable, HELPER, "setup"], env)
    run([sys.executable, "-c", ADDRESSES], env)
    query(database, "PRAGMA wal_checkpoint(TRUNCATE)")
    path = folder / "stand-november.csv"
    path.write_bytes(csv_bytes(delivery_rows(), [*HEADER, "opmerking"]))
    assert path.stat().st_size > 8 * 1024 * 1024  # services.BACKGROUND_FROM_BYTES
    return database, path


@pytest.fixture
def here(prepared, tmp_path) -> tuple[Path, dict[str, str], Path]:
    """This test's own copy of the prepared database, its data folder and the delivery file."""
    database, path = prepared
    copy = tmp_path / "vroegsignaal.sqlite3"
    shutil.copyfile(database, copy)
    return copy, environment(copy, tmp_path / "data"), path


def start_worker(env: dict[str, str], log: Path, *, own_group: bool = False) -> subprocess.Popen:
    """``own_group``: in a process group of its own, as a systemd unit's."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [str(VROEGSIGNAAL), "db_worker", "--no-startup-delay", "--interval", "0.2"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )


def queue(path: Path, env: dict[str, str]) -> None:
    out = run(
        [VROEGSIGNAAL, "deliver", path, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01",
         "--niet-wachten"],
        env,
    )  # fmt: skip
    assert "Status: ontvangen" in out.stdout


def wait_for(condition, what: str, worker: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, f"the worker stopped before {what} (exit {worker.returncode})"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.05)


def in_the_middle(database: Path, worker: subprocess.Popen) -> None:
    """Wait until the delivery is read and checked, not yet applied: the middle of it."""
    wait_for(
        lambda: query(database, "SELECT progress FROM intake_delivery")[0][0] >= 25,
        "progress",
        worker,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=30)


def report_of(database: Path) -> dict:
    """The delivery's status, staged file and report (spec 1.7) as the database holds them."""
    status, staged, received, accepted, rejected, outside, new, changed, cleared, stored = query(
        database, DELIVERY
    )[0]
    stored = json.loads(stored)
    return {
        "status": status,
        "staged": staged,
        "regels_ontvangen": received,
        "regels_geaccepteerd": accepted,
        "regels_afgewezen": rejected,
        "afgewezen_per_code": stored.get("afgewezen_per_code"),
        "buiten_convenant": outside,
        "gerouteerd_per_gemeente": stored.get("gerouteerd_per_gemeente"),
        "achterstanden": {"nieuw": new, "gewijzigd": changed, "afgemeld": cleared},
        "onbekende_kolommen": stored.get("onbekende_kolommen"),
        "weigering": stored.get("weigering"),
        "storing": stored.get("storing"),
    }


def test_a_delivery_over_8_mib_is_processed_by_the_worker_and_its_report_is_the_file_s(
    here, tmp_path
):
    database, env, path = here
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        out = run(
            [VROEGSIGNAAL, "deliver", path, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"],
            env,
        )
        ((status, worker_ids),) = query(database, TASKS)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    # Queued (beyond 8 MiB) and followed by the command to its outcome, which the worker reached.
    assert "Levering 1: in de wachtrij, wacht op 'vroegsignaal db_worker' …" in out.stdout
    assert "Status: verwerkt" in out.stdout
    assert status == "SUCCESSFUL" and len(worker_ids) > 2, "the worker processed it"
    assert report_of(database) == {"status": "verwerkt", "staged": "", **EXPECTED}
    # What the command printed is that report.
    assert f"Regels ontvangen:        {ROWS}" in out.stdout
    assert f"Regels geaccepteerd:     {ACCEPTED}" in out.stdout
    assert f"Buiten convenant:        {OUTSIDE}" in out.stdout
    assert f"nieuw {ACCEPTED}, gewijzigd 0, afgemeld 0" in out.stdout
    assert query(database, APPLIED) == [(ACCEPTED, ACCEPTED)]
    assert worker.returncode == 0


def test_sigterm_in_the_middle_of_a_delivery_lets_the_worker_finish_it_whole_and_stop(
    here, tmp_path
):
    database, env, path = here
    queue(path, env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        in_the_middle(database, worker)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=300)
    finally:
        stop(worker)
    lines = log.read_text()
    told, done = lines.find("Received Terminated"), lines.find("Levering 1 van WOONBRUG")
    assert 0 <= told < done, f"TERM did not come in the middle of the delivery:\n{lines}"
    assert worker.returncode == 0
    assert report_of(database) == {"status": "verwerkt", "staged": "", **EXPECTED}
    assert query(database, TASKS)[0][0] == "SUCCESSFUL"
    assert query(database, APPLIED) == [(ACCEPTED, ACCEPTED)]
    assert list((tmp_path / "data" / "incoming").iterdir()) == []


def test_sigterm_to_the_worker_s_whole_process_group_lets_it_finish_the_delivery_whole(
    here, tmp_path
):
    """What systemd's default stop (``KillMode=control-group``) does: TERM to every process.

    The encryption child of a large delivery is in a session of its own, so only the worker
    hears it, and finishes the delivery with its child.
    """
    database, env, path = here
    queue(path, env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, own_group=True)
    try:
        wait_for(
            lambda: any("households.encryptor" in line for line in processes_with(str(tmp_path))),
            "encryption child",
            worker,
        )
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=300)
    finally:
        stop(worker)
    assert worker.returncode == 0, log.read_text()
    assert report_of(database) == {"status": "verwerkt", "staged": "", **EXPECTED}
    assert query(database, APPLIED) == [(ACCEPTED, ACCEPTED)]


def test_a_second_sigterm_stops_the_delivery_changing_nothing_and_shows_it_stalled_at_once(
    here, tmp_path
):
    """It stood "in behandeling" for DELIVERY_STALLED_AFTER (15 minutes) before the creditor's page
    offered *Opnieuw verwerken*, and ``--opnieuw`` refused it without ``--forceer``."""
    database, env, path = here
    queue(path, env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        in_the_middle(database, worker)
        worker.send_signal(signal.SIGTERM)
        wait_for(lambda: "Received Terminated" in log.read_text(), "first TERM", worker)
        worker.send_signal(signal.SIGTERM)  # "terminating current task"
        worker.wait(timeout=60)
    finally:
        stop(worker)
    assert "Levering 1 van WOONBRUG" not in log.read_text(), "it finished before the second TERM"
    assert worker.returncode == 0
    # Nothing of it applied; the staged file kept for processing again.
    assert query(database, APPLIED) == [(0, 0)]
    stopped = report_of(database)
    assert stopped["status"] == "in_behandeling" and stopped["staged"]
    assert stopped["storing"] == "Bij het verwerken ging iets mis; er is niets gewijzigd."
    assert query(database, TASKS)[0][0] == "FAILED"
    # Stalled now: processed again without --forceer, to the file's report.
    again = run([VROEGSIGNAAL, "deliver", "--opnieuw", "1"], env)
    assert "Status: verwerkt" in again.stdout
    assert report_of(database) == {"status": "verwerkt", "staged": "", **EXPECTED}
    assert query(database, APPLIED) == [(ACCEPTED, ACCEPTED)]


def processes_with(marker: str) -> list[str]:
    """The command lines of the processes whose environment holds ``marker`` (this test's folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ctrl_c_on_make_run_lets_the_worker_finish_the_delivery_and_stops_everything(
    here, tmp_path
):
    """Ctrl-C reached the worker and its encryption child with the whole foreground group, and the
    script then sent the worker a second signal: the delivery broke off every time."""
    database, env, path = here
    queue(path, env)
    env = {**env, "PORT": str(free_port()), "HOME": str(tmp_path)}
    script = subprocess.Popen(
        [str(REPO / "scripts" / "run.sh")],
        env=env,
        cwd=REPO,
        start_new_session=True,  # its own foreground group, as on a terminal
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: query(database, "SELECT progress FROM intake_delivery")[0][0] >= 25,
            "progress",
            script,
        )
        os.killpg(script.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        _, err = script.communicate(timeout=300)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(timeout=30)
    assert report_of(database) == {"status": "verwerkt", "staged": "", **EXPECTED}
    assert query(database, TASKS)[0][0] == "SUCCESSFUL"
    assert processes_with(str(tmp_path)) == [], "the script left processes running"
    assert script.returncode == 130
    log = (tmp_path / "data" / "worker.log").read_text()
    assert "Received Interrupt" not in log  # the terminal's Ctrl-C did not reach the worker
    assert "Received Terminated - shutting down gracefully" in log
    assert "De worker maakt zijn taak af" in err  # the script says why it waits
