"""The operator review of a fresh install (review 26): the commands on a full disk, a closed pipe
and a database without tables, the export's format, ``/health/`` for a load balancer, and
``make run`` on another address, on a port in use, and with its files private.

A full disk is made two ways: in this process, by a file whose writes fail with ``ENOSPC`` once
its room is used (:func:`full_disk`; SQLite's own writing by its page limit), and for real, a
512 KiB tmpfs filled to the brim in a mount namespace of its own (:func:`on_a_full_disk`; skipped,
saying so, where the suite may not mount), through the console script as the operator ran it:
only there do the traces show that Python prints after the command (``Exception ignored …``).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import MunicipalityFactory
from tests.test_hostile_commands import CONFIG, run_command
from vroegsignaal.privacy import backup

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("vroegsignaal")
GUNICORN = Path(sys.executable).with_name("gunicorn")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's online backup")


# -- a full disk, in this process -----------------------------------------------------------------


@pytest.fixture
def town(db):
    return MunicipalityFactory(code="0999", name="Voorbeeldstad")


def test_an_xlsx_export_on_a_full_disk_says_the_disk_is_full_in_one_line(town, tmp_path, full_disk):
    """It was xlsxwriter's ``FileCreateError`` traceback, then "Exception ignored … seek of closed
    file" from its zip file."""
    target = tmp_path / "signalen.xlsx"
    outcome = run_command("export_signals", "--municipality", "0999", "--output", str(target))
    assert (outcome.status, outcome.crash) == (1, ""), outcome.stderr
    assert outcome.stderr == f"Kan {target} niet schrijven: de schijf is vol (map {tmp_path}).\n"
    assert list(tmp_path.iterdir()) == []


def test_a_csv_export_on_a_full_disk_names_the_folder_too(town, tmp_path, full_disk):
    target = tmp_path / "signalen.csv"
    outcome = run_command("export_signals", "--municipality", "0999", "--output", str(target))
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr == f"Kan {target} niet schrijven: de schijf is vol (map {tmp_path}).\n"


def test_dumpdata_on_a_full_disk_says_the_disk_is_full_not_see_traceback(town, tmp_path, full_disk):
    """It said "De gegevens zijn niet weggeschreven; met --traceback ziet u waarom." (Django's
    dumpdata wraps the OSError in its own CommandError)."""
    target = tmp_path / "gemeenten.json"
    outcome = run_command("dumpdata", "organisations.Municipality", "--output", str(target))
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr == f"Kan {target} niet schrijven: de schijf is vol (map {tmp_path}).\n"
    assert list(tmp_path.iterdir()) == []


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_backup_on_a_full_disk_says_so_and_leaves_nothing(tmp_path, monkeypatch):
    """SQLite writes the copy itself; a full disk is its ``SQLITE_FULL`` ("database or disk is
    full", a ``sqlite3.OperationalError`` that reached the operator as a traceback)."""
    MunicipalityFactory(code="0999")
    real = sqlite3.connect

    def on_a_small_disk(path, *args, **kwargs):
        copy = real(path, *args, **kwargs)
        copy.execute("PRAGMA max_page_count = 2")  # the disk holds two pages
        return copy

    monkeypatch.setattr(backup.sqlite3, "connect", on_a_small_disk)
    target = tmp_path / "kopie.sqlite3"
    outcome = run_command("backup", str(target))
    assert (outcome.status, outcome.crash) == (1, ""), outcome.stderr
    assert outcome.stderr == (
        f"Kan {target} niet schrijven: de schijf is vol (map {tmp_path}); er is geen kopie gemaakt.\n"
    )
    assert list(tmp_path.iterdir()) == []


# -- a full disk, for real ------------------------------------------------------------------------


@dataclass
class Live:
    """A migrated demo database with a configuration and 3,000 addresses, for the real script."""

    data: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Live:
    folder = tmp_path_factory.mktemp("live")
    data = folder / "data"
    env = {
        "PATH": os.environ["PATH"], "HOME": str(folder), "VROEGSIGNAAL_MODE": "demo",
        "VROEGSIGNAAL_DATA_DIR": str(data), "TZ": "Europe/Amsterdam",
    }  # fmt: skip
    config = folder / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    addresses = folder / "adressen.csv"
    addresses.write_text(
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
        + "".join(f"1111AB,{n},Dorpsweg,Voorbeeldstad,0999\n" for n in range(1, 3001)),
        encoding="utf-8",
    )
    for args in (
        ("migrate", "-v", "0"),
        ("load_config", str(config)),
        ("import_addresses", str(addresses)),
    ):
        done = subprocess.run(
            [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    return Live(data, env)


def can_mount(folder: Path) -> bool:
    folder.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(folder)],
            capture_output=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def on_a_full_disk(
    live: Live, folder: Path, *args: str
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """``vroegsignaal ARGS`` (``{vol}`` in them the disk's folder) with ``folder`` a 512 KiB tmpfs,
    filled, in a mount namespace of its own (gone with the command); and what was left on it."""
    if not can_mount(folder):
        pytest.skip("a real full disk needs root and a mount namespace (unshare, mount -t tmpfs)")
    script = (
        'mount -t tmpfs -o size=512k tmpfs "$0" || exit 99; '
        'head -c 600k /dev/zero > "$0/.vulling" 2>/dev/null; '
        '"$@"; status=$?; ls -A "$0" > "$0.over"; exit $status'
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(folder), str(SCRIPT),
         *(arg.format(vol=folder) for arg in args)],
        env=live.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 99, done.stderr
    left = Path(f"{folder}.over").read_text().split()
    return done, left


FULL_DISK = {
    "backup": (("backup", "{vol}/kopie.sqlite3"), "; er is geen kopie gemaakt."),
    "export_signals xlsx": (("export_signals", "--municipality", "0999", "--output", "{vol}/s.xlsx"), "."),
    "export_signals csv": (("export_signals", "--municipality", "0999", "--output", "{vol}/s.csv"), "."),
    "dumpdata": (("dumpdata", "registry.Address", "--output", "{vol}/adressen.json"), "."),
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(FULL_DISK))
def test_on_a_really_full_disk_each_command_says_so_in_one_line_and_leaves_nothing(
    command, live, tmp_path
):
    """The review's 512 KiB tmpfs: backup's traceback and its ``.<name>.<random>.tmp-journal``
    left behind, xlsx's ``FileCreateError``, dumpdata's "met --traceback ziet u waarom" and its
    ``Exception ignored … Cannot operate on a closed database``."""
    args, end = FULL_DISK[command]
    folder = tmp_path / "vol"
    done, left = on_a_full_disk(live, folder, *args)
    written = Path(args[-1].format(vol=folder))
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"Kan {written} niet schrijven: de schijf is vol (map {folder}){end}\n")
    assert left == [".vulling"]


# -- the export's format --------------------------------------------------------------------------


def export(tmp_path, name: str, *more: str):
    return run_command(
        "export_signals", "--municipality", "0999", "--output", str(tmp_path / name), *more
    )


def test_an_export_to_a_pdf_name_is_refused_without_format(town, tmp_path):
    """It wrote CSV into s.pdf without a word."""
    outcome = export(tmp_path, "s.pdf")
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr == (
        "--output s.pdf heeft de extensie .pdf; geef een bestand met .csv of .xlsx, of kies het "
        "formaat met --format csv of --format xlsx.\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_export_to_a_name_without_extension_is_refused_without_format(town, tmp_path):
    outcome = export(tmp_path, "signalen")
    assert outcome.status == 1 and "heeft geen extensie" in outcome.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "starts"), [("s.xlsx", b"PK"), ("S.XLSX", b"PK"), ("s.csv", b"signaal_id;")]
)
def test_the_export_s_format_follows_the_extension(town, tmp_path, name, starts):
    outcome = export(tmp_path, name)
    assert outcome.status == 0, outcome.stderr
    assert (tmp_path / name).read_bytes().startswith(starts)


def test_format_decides_for_another_extension(town, tmp_path):
    outcome = export(tmp_path, "s.txt", "--format", "xlsx")
    assert outcome.status == 0, outcome.stderr
    assert (tmp_path / "s.txt").read_bytes().startswith(b"PK")


def test_format_against_the_other_extension_is_refused(town, tmp_path):
    outcome = export(tmp_path, "s.xlsx", "--format", "csv")
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr.startswith("--format csv past niet bij --output s.xlsx")
    assert list(tmp_path.iterdir()) == []


# -- a database without tables, a SQLite folder that is not there --------------------------------


def demo_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "VROEGSIGNAAL_MODE": "demo",
        "VROEGSIGNAAL_DATA_DIR": str(tmp_path / "data"), **extra,
    }  # fmt: skip


def vroegsignaal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_command_on_a_database_without_tables_says_run_migrate(tmp_path):
    """It said "… is niet bruikbaar: no such table: privacy_auditchainhead"."""
    done = vroegsignaal(demo_env(tmp_path), "audit_verify")
    database = tmp_path / "data" / "vroegsignaal.sqlite3"
    assert done.returncode == 1
    assert done.stderr == (
        f"vroegsignaal: de SQLite-database {database} heeft nog geen tabellen: voer 'vroegsignaal "
        "migrate' uit, of verbeter DATABASE_URL als dit niet de bedoelde database is\n"
    )


def test_a_database_that_misses_a_table_after_an_upgrade_says_run_migrate(tmp_path):
    database = tmp_path / "oud.sqlite3"
    with sqlite3.connect(database) as old:
        old.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app, name, applied)")
    old.close()
    done = vroegsignaal(demo_env(tmp_path, DATABASE_URL=f"sqlite:///{database}"), "check_keys")
    assert done.returncode == 1
    assert done.stderr.startswith(f"vroegsignaal: de SQLite-database {database} is niet bijgewerkt")
    assert "voer 'vroegsignaal migrate' uit" in done.stderr


def test_a_sqlite_database_in_a_folder_that_is_not_there_is_refused_and_no_folder_made(tmp_path):
    """A typing error in DATABASE_URL made the folders (mkdir parents=True at every start) and then
    an empty database, and ``check --deploy`` passed."""
    typo = tmp_path / "var" / "lib" / "vroegsignal" / "vroegsignaal.sqlite3"
    done = vroegsignaal(demo_env(tmp_path, DATABASE_URL=f"sqlite:///{typo}"), "check", "--deploy")
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"vroegsignaal: DATABASE_URL: de map {typo.parent} van de SQLite-database bestaat niet."
    )
    assert not (tmp_path / "var").exists()


def test_the_data_folder_is_still_made_for_the_default_database(tmp_path):
    done = vroegsignaal(demo_env(tmp_path), "check")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


# -- a closed pipe --------------------------------------------------------------------------------


def test_a_reader_that_goes_away_ends_the_command_quietly(live):
    """``vroegsignaal create_user … | head -n 1`` ended in a BrokenPipeError traceback."""
    process = subprocess.Popen(
        [str(SCRIPT), "create_user", "pijp", "--role", "beheerder"],
        env=live.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    process.stdout.close()  # the reader is gone before the command writes
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert stderr == ""
    assert process.returncode == 128 + signal.SIGPIPE


# -- /health/ and HEAD ----------------------------------------------------------------------------


def test_health_answers_head_for_a_load_balancer(client, db):
    """HEAD was 405: ``require_GET``."""
    assert client.head("/health/").status_code == 200


def test_the_wsgi_application_sends_no_body_for_head_and_still_closes_the_response():
    from vroegsignaal.conf.wsgi import without_body_for_head

    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "5")])
        return Body([b"hallo"])

    wrapped = without_body_for_head(app)
    answer = wrapped({"REQUEST_METHOD": "HEAD"}, lambda status, headers: None)
    assert list(answer) == []
    answer.close()
    assert closed == [True]
    assert list(wrapped({"REQUEST_METHOD": "GET"}, lambda status, headers: None)) == [b"hallo"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def head(url: str) -> int:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method="HEAD"), timeout=10
        ) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_answers_head_without_warning_of_a_body(live):
    """gunicorn logged "WSGI app sent body bytes on a no-body response" for every HEAD (Django
    answers HEAD with the GET's body; only its development server drops it)."""
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "python:vroegsignaal.conf.gunicorn", "vroegsignaal.conf.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=live.env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                statuses = [
                    head(f"http://127.0.0.1:{port}{p}") for p in ("/health/", "/account/login/")
                ]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[1]
    assert statuses == [200, 200], log
    assert "no-body response" not in log


# -- make run: another address, a port in use, private files ------------------------------------


def run_sh(
    env_extra: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], **env_extra}
    process = subprocess.Popen(
        ["scripts/run.sh", *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:  # it started after all: stop what it started
            os.killpg(process.pid, signal.SIGTERM)
            out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def sourced(script: str, **env: str) -> str:
    """``script`` in bash after ``source scripts/run.sh`` (its functions, nothing started)."""
    if "BASH_SOURCE" not in (REPO / "scripts" / "run.sh").read_text():
        pytest.fail("scripts/run.sh cannot be sourced: it would start the demo (worker, gunicorn)")
    done = subprocess.run(
        ["bash", "-c", f"source scripts/run.sh; {script}"], cwd=REPO, capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], **env}, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_on_a_port_in_use_says_so_in_dutch_and_starts_nothing(tmp_path):
    """It printed "Vroegsignaal draait op …" and the log-ins, then gunicorn's English "Connection
    in use" lines, "Terminated" and make's Error 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_sh({"PORT": str(port), "VROEGSIGNAAL_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"Poort {port} is al in gebruik"), done.stderr
    assert "PORT=" in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "data" / "worker.log").exists()  # no worker was started


def test_make_run_checks_the_port_before_it_migrates():
    steps = subprocess.run(
        ["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout.splitlines()
    check = next(i for i, s in enumerate(steps) if "scripts/run.sh --voorbereiden" in s)
    migrate = next(i for i, s in enumerate(steps) if "vroegsignaal migrate" in s)
    assert check < migrate


def test_make_run_on_every_address_answers_and_links_to_this_machine():
    """``HOST=0.0.0.0 PORT=8102 make run``: ALLOWED_HOSTS was 127.0.0.1,localhost (400 for every
    other machine), and the banner and PORTAL_URL said http://0.0.0.0:8102."""
    out = sourced('demo_address; echo "$ALLOWED_HOSTS"; echo "$PORTAL_URL"; echo "$SHOWN_URL"',
                  HOST="0.0.0.0", PORT="8102")  # fmt: skip
    allowed, portal, shown = out.splitlines()
    host = portal.removeprefix("http://").rsplit(":", 1)[0]
    assert portal.endswith(":8102") and "0.0.0.0" not in portal
    assert shown == f"{portal}/"
    assert host in allowed.split(",")
    assert socket.gethostname() in allowed.split(",")
    assert {"127.0.0.1", "localhost"} <= set(allowed.split(","))


def test_a_given_host_is_allowed_and_linked_and_what_the_environment_sets_is_kept():
    out = sourced(
        'demo_address; echo "$ALLOWED_HOSTS"; echo "$PORTAL_URL"', HOST="192.0.2.7", PORT="8102"
    )
    assert out.splitlines() == ["127.0.0.1,localhost,192.0.2.7", "http://192.0.2.7:8102"]
    out = sourced(
        'demo_address; echo "$ALLOWED_HOSTS"; echo "$PORTAL_URL"',
        HOST="0.0.0.0", PORT="8102", ALLOWED_HOSTS="demo.example.nl", PORTAL_URL="http://demo.example.nl:8102",
    )  # fmt: skip
    assert out.splitlines() == ["demo.example.nl", "http://demo.example.nl:8102"]


def test_the_demo_data_folder_and_its_files_are_this_user_s_only(tmp_path):
    """``mkdir -p var`` left it 0755, the database and worker.log 0644 (world-readable)."""
    data = tmp_path / "var"
    (data / "incoming").mkdir(parents=True)
    (data / "vroegsignaal.sqlite3").write_bytes(b"")
    for path, mode in (
        (data, 0o755),
        (data / "incoming", 0o755),
        (data / "vroegsignaal.sqlite3", 0o644),
    ):
        path.chmod(mode)
    sourced(f'private_data_dir "{data}"; umask > "{tmp_path}/umask"')
    modes = {
        p.name: stat.S_IMODE(p.stat().st_mode)
        for p in (data, data / "incoming", data / "vroegsignaal.sqlite3")
    }
    assert modes == {"var": 0o700, "incoming": 0o700, "vroegsignaal.sqlite3": 0o600}
    assert (tmp_path / "umask").read_text().strip() == "0077"  # what is made later: 0600


def test_make_run_makes_its_database_with_umask_077():
    steps = subprocess.run(
        ["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout.splitlines()
    made = [
        s for s in steps if "vroegsignaal migrate" in s or "setup_demo" in s or "collectstatic" in s
    ]
    assert made and all(s.startswith("umask 077;") for s in made), made
