"""The files the commands write: never the live database, never into the system's own folders, never
over an existing file without ``--overschrijven``; and the audit log names who wrote which file.

``export_signals``, ``export_ddas``, ``dumpdata --output`` and ``backup`` all check their output
with ``vroegsignaal.paths.output_problem``. An operator once wrote ``export_signals --output
<data dir>/vroegsignaal.sqlite3 --format csv`` and the live database became a CSV file:
:func:`test_the_console_script_keeps_the_live_database` is that, with the real script and the real
settings; the tests in this process point ``DATABASES`` at a stand-in file (the test database
itself is in memory).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings

from tests.factories import MunicipalityFactory, UserFactory
from tests.test_hostile_commands import dutch_problem, run_command
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit, backup
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

SCRIPT = Path(sys.executable).with_name("vroegsignaal")

# Each command with an output, as the operator types it.
COMMANDS = {
    # --format: these outputs' names (``bestaand``, ``uitvoer.bestand``) name no format themselves.
    "export_signals": lambda out: (
        "export_signals", "--municipality", "0999", "--format", "csv", "--output", out,
    ),
    "export_ddas": lambda out: (
        "export_ddas", "--municipality", "0999", "--from", "2026-01-01", "--to", "2026-12-31",
        "--output", out,
    ),
    "dumpdata": lambda out: ("dumpdata", "organisations.Municipality", "--output", out),
    "backup": lambda out: ("backup", out),
}  # fmt: skip
PURPOSE = {
    "export_signals": "export vroegsignalen",
    "export_ddas": "DDAS-export",
    "backup": "reservekopie",
}


def _stand_in_copy(partial: Path) -> int:
    """SQLite's online backup would wait for the test's own transaction for ever. The temporary
    file is there (mode 0600, ``paths.atomic_file``): written in place, as SQLite does."""
    Path(partial).write_bytes(b"kopie")
    return 0


@pytest.fixture(autouse=True)
def stand_in_backup():
    with (
        mock.patch.object(backup, "_sqlite_copy", _stand_in_copy),
        mock.patch.object(backup, "_postgresql_copy", _stand_in_copy),
    ):
        yield


@pytest.fixture
def town():
    return MunicipalityFactory(code="0999", name="Voorbeeldstad")


class Live:
    """A data folder as production has it, with a SQLite database the settings point at."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.database = self.data / "vroegsignaal.sqlite3"
        self.incoming = root / "gedeeld" / "incoming"  # VROEGSIGNAAL_INCOMING_DIR, elsewhere
        self.static = root / "www" / "static"  # STATIC_ROOT, outside the data folder
        self.cache = self.data / "cache"  # the file cache: a folder in the data folder
        for folder in (self.data, self.incoming, self.static, self.cache):
            folder.mkdir(parents=True)
        self.database.write_bytes(b"SQLite format 3\x00 de live database")
        Path(f"{self.database}-wal").write_bytes(b"het write-ahead log")
        (self.incoming / "levering-17.bin").write_bytes(b"verzegeld")

    def files(self) -> dict[str, bytes]:
        return {
            str(p.relative_to(self.root)): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and not p.is_symlink()
        }


@pytest.fixture
def live(tmp_path):
    place = Live(tmp_path)
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(place.database)}}
    # Django warns that overriding DATABASES may surprise: the live connections keep their own
    # settings (the test database), only what reads settings.DATABASES sees the stand-in.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Overriding setting DATABASES")
        with override_settings(
            DATABASES=databases,
            DATA_DIR=place.data,
            INCOMING_DIR=str(place.incoming),
            STATIC_ROOT=place.static,
        ):
            yield place


def refused_cleanly(outcome, says: str) -> list[str]:
    problems = []
    if outcome.status == 0:
        problems.append(f"accepted: {outcome.stdout[:200]!r}")
    if outcome.crash or "Traceback" in outcome.stderr:
        problems.append(f"crashed: {outcome.crash or outcome.stderr[-300:]}")
    elif dutch_problem(outcome.stderr):
        problems.append(f"the message is {dutch_problem(outcome.stderr)}: {outcome.stderr!r}")
    if says not in outcome.stderr:
        problems.append(f"does not say {says!r}: {outcome.stderr!r}")
    return problems


# -- the database and its files ------------------------------------------------------------------


def _hard_link(live: Live) -> str:
    link = live.root / "elders" / "kopie.sqlite3"
    link.parent.mkdir()
    os.link(live.database, link)
    return str(link)


def _symbolic_link(live: Live) -> str:
    link = live.root / "verwijzing.csv"
    link.symlink_to(live.database)
    return str(link)


DATABASE_TARGETS = {
    "de database": lambda live: str(live.database),
    "het write-ahead log": lambda live: f"{live.database}-wal",
    "de index van het log (er nog niet)": lambda live: f"{live.database}-shm",
    "het journaal (er nog niet)": lambda live: f"{live.database}-journal",
    "een relatief pad": lambda live: os.path.relpath(live.database),
    "via ..": lambda live: str(live.cache / ".." / "vroegsignaal.sqlite3"),
    "een harde koppeling": _hard_link,
    "een symbolische koppeling": _symbolic_link,
}


@pytest.mark.parametrize("overwrite", [False, True], ids=["", "--overschrijven"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_database_and_its_files_are_never_an_output(command, overwrite, live, town):
    problems = []
    for label, target in DATABASE_TARGETS.items():
        path = target(live)
        before = live.files()
        args = COMMANDS[command](path) + (("--overschrijven",) if overwrite else ())
        outcome = run_command(*args)
        problems += [
            f"{label}: {p}" for p in refused_cleanly(outcome, "de database van Vroegsignaal")
        ]
        if live.files() != before:
            problems.append(f"{label}: refused, yet files changed")
        if "bestaat al" in outcome.stderr:
            problems.append(f"{label}: offers --overschrijven for the database")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert not problems, "\n".join(problems)


def test_make_backup_refuses_the_database_even_when_overwriting(live):
    for path in (live.database, Path(f"{live.database}-wal"), Path(f"{live.database}-journal")):
        with pytest.raises(backup.BackupError, match="de database van Vroegsignaal"):
            backup.make_backup(path, overwrite=True)
    assert live.database.read_bytes() == b"SQLite format 3\x00 de live database"


def test_dumpdata_is_checked_at_the_file_it_really_writes(live, town):
    """Django's dumpdata writes ``X.zip`` uncompressed to ``X``: here the database."""
    before = live.files()
    outcome = run_command(
        "dumpdata", "organisations.Municipality", "--output", f"{live.database}.zip",
        "--overschrijven",
    )  # fmt: skip
    assert not refused_cleanly(outcome, "de database van Vroegsignaal")
    assert live.files() == before


# -- the system's own folders --------------------------------------------------------------------

FOLDER_TARGETS = {
    "de binnengekomen leveringen (VROEGSIGNAAL_INCOMING_DIR)": (
        lambda live: str(live.incoming / "signalen.csv"), "een map van het systeem zelf",
    ),
    "een levering die daar wacht": (
        lambda live: str(live.incoming / "levering-17.bin"), "een map van het systeem zelf",
    ),
    "STATIC_ROOT, dat de webserver publiceert": (
        lambda live: str(live.static / "signalen.csv"), "een map van het systeem zelf",
    ),
    "een map in de datamap (de cache)": (
        lambda live: str(live.cache / "signalen.csv"), "binnen de datamap",
    ),
    "een map in de datamap die geen instelling noemt": (
        lambda live: str(live.data / "static" / "x.csv"), "binnen de datamap",
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_nothing_is_written_into_the_systems_own_folders(command, live, town):
    (live.data / "static").mkdir()
    problems = []
    for label, (target, says) in FOLDER_TARGETS.items():
        before = live.files()
        outcome = run_command(*COMMANDS[command](target(live)), "--overschrijven")
        problems += [f"{label}: {p}" for p in refused_cleanly(outcome, says)]
        if live.files() != before:
            problems.append(f"{label}: refused, yet files changed")
    assert not problems, "\n".join(problems)


def test_the_default_incoming_folder_is_the_systems_too(live, settings):
    settings.INCOMING_DIR = ""  # then DATA_DIR/incoming
    (live.data / "incoming").mkdir()
    outcome = run_command(*COMMANDS["export_signals"](str(live.data / "incoming" / "s.csv")))
    assert not refused_cleanly(outcome, "een map van het systeem zelf")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_file_in_the_data_folder_itself_is_allowed(command, live, town):
    """The data folder is this system's user's only (mode 0700), as the database in it."""
    target = live.data / f"uitvoer-{command}"
    outcome = run_command(*COMMANDS[command](str(target)))
    assert (outcome.status, outcome.crash) == (0, ""), outcome.stderr
    assert target.is_file()


# -- an existing file ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_existing_file_is_kept_unless_overschrijven(command, tmp_path, town):
    target = tmp_path / "bestaand"
    target.write_bytes(b"vorige uitvoer")
    outcome = run_command(*COMMANDS[command](str(target)))
    assert not refused_cleanly(
        outcome, "bestaat al; kies een andere naam of gebruik --overschrijven"
    )
    assert target.read_bytes() == b"vorige uitvoer"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left either
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()

    outcome = run_command(*COMMANDS[command](str(target)), "--overschrijven")
    assert (outcome.status, outcome.crash) == (0, ""), outcome.stderr
    assert target.read_bytes() != b"vorige uitvoer"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_link_in_the_files_place_counts_as_an_existing_file(command, tmp_path, town):
    elsewhere = tmp_path / "elders.txt"
    elsewhere.write_text("niet overschrijven")
    link = tmp_path / "uitvoer"
    link.symlink_to(elsewhere)
    outcome = run_command(*COMMANDS[command](str(link)))
    assert not refused_cleanly(outcome, "bestaat al")
    dangling = tmp_path / "los"
    dangling.symlink_to(tmp_path / "nergens")
    assert not refused_cleanly(run_command(*COMMANDS[command](str(dangling))), "bestaat al")
    assert elsewhere.read_text() == "niet overschrijven"


# The modules whose output_problem looks before the export is made.
CHECKED_IN = {
    "export_signals": "vroegsignaal.signals.management.commands.export_signals",
    "export_ddas": "vroegsignaal.reporting.management.commands.export_ddas",
    "backup": "vroegsignaal.privacy.backup",
    "dumpdata": "vroegsignaal.privacy.management.commands.dumpdata",
}


@pytest.mark.parametrize("command", sorted(CHECKED_IN))
def test_a_file_made_while_the_export_runs_is_kept_unless_overschrijven(command, tmp_path, town):
    """The look for an existing file came before the export, and the rename replaced what
    appeared in between (another operator's export, a colleague's file)."""
    from vroegsignaal import paths

    target = tmp_path / "uitvoer"

    def look_then_a_file_appears(path, *, overwrite=False):
        problem = paths.output_problem(path, overwrite=overwrite)
        Path(path).write_bytes(b"intussen gemaakt")
        return problem

    with mock.patch(f"{CHECKED_IN[command]}.output_problem", look_then_a_file_appears):
        outcome = run_command(*COMMANDS[command](str(target)))
        assert not refused_cleanly(outcome, "bestaat al")
        assert target.read_bytes() == b"intussen gemaakt"
        assert list(tmp_path.iterdir()) == [target]  # no temporary file left either

        target.unlink()
        outcome = run_command(*COMMANDS[command](str(target)), "--overschrijven")
        assert (outcome.status, outcome.crash) == (0, ""), outcome.stderr
        assert target.read_bytes() != b"intussen gemaakt"
        assert list(tmp_path.iterdir()) == [target]


def test_put_in_place_without_hard_links_still_keeps_an_existing_file(tmp_path):
    """A file system without hard links (EPERM from link) gets a rename after a last look."""
    import errno

    from vroegsignaal.paths import put_in_place

    finished, target = tmp_path / "klaar", tmp_path / "doel"
    finished.write_text("nieuw")
    no_links = OSError(errno.EPERM, "Operation not permitted")
    with mock.patch("vroegsignaal.paths.os.link", side_effect=no_links):
        put_in_place(finished, target, overwrite=False)
        assert target.read_text() == "nieuw" and not finished.exists()
        finished.write_text("nog nieuwer")
        with pytest.raises(FileExistsError):
            put_in_place(finished, target, overwrite=False)
    assert target.read_text() == "nieuw"


# -- the real script, the real settings ----------------------------------------------------------


def test_the_console_script_keeps_the_live_database(tmp_path):
    """The report: ``export_signals --municipality 0999 --output <data dir>/vroegsignaal.sqlite3
    --format csv`` replaced the live SQLite database. Here with the script and the settings as
    production has them (no DATABASE_URL: the database is in VROEGSIGNAAL_DATA_DIR)."""
    data = tmp_path / "data"
    data.mkdir()
    database = data / "vroegsignaal.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE bewaar (x)")
        db.execute("INSERT INTO bewaar VALUES ('de live database')")
    db.close()
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "VROEGSIGNAAL_MODE": "demo",
        "VROEGSIGNAAL_DATA_DIR": str(data),
    }  # fmt: skip
    calls = [
        ("export_signals", "--municipality", "0999", "--output", str(database), "--format", "csv"),
        ("export_signals", "--municipality", "0999", "--output", str(database), "--overschrijven"),
        ("export_ddas", "--municipality", "0999", "--from", "2026-01-01", "--to", "2026-12-31",
         "--output", f"{database}-wal", "--overschrijven"),
        ("dumpdata", "organisations.Municipality", "--output", str(database), "--overschrijven"),
        ("backup", str(database), "--overschrijven"),
        ("backup", f"{database}-journal"),
        ("export_signals", "--municipality", "0999", "--output", str(data / "incoming" / "s.csv")),
    ]  # fmt: skip
    (data / "incoming").mkdir()
    before = database.read_bytes()
    running = [
        subprocess.Popen(
            [str(SCRIPT), *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in calls
    ]
    problems = []
    for args, process in zip(calls, running, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        name = " ".join(args[:1] + args[-3:])
        if process.returncode == 0 or "Traceback" in stderr or stderr.count("\n") != 1:
            problems.append(f"{name}: exit {process.returncode}, stderr {stderr[-300:]!r}")
        elif dutch_problem(stderr):
            problems.append(f"{name}: the message is {dutch_problem(stderr)}: {stderr!r}")
        elif not any(
            why in stderr for why in ("de database van Vroegsignaal", "van het systeem zelf")
        ):
            problems.append(f"{name}: {stderr!r}")
    assert not problems, "\n".join(problems)
    assert database.read_bytes() == before
    assert [p.name for p in data.iterdir() if not p.is_dir()] == ["vroegsignaal.sqlite3"]
    assert list((data / "incoming").iterdir()) == []


# -- the audit log -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(PURPOSE))
def test_a_command_line_export_is_audited_with_the_os_user_and_the_file(
    command, tmp_path, town, monkeypatch
):
    monkeypatch.delenv("SUDO_USER", raising=False)
    target = tmp_path / "uitvoer.bestand"
    outcome = run_command(*COMMANDS[command](str(target)))
    assert outcome.status == 0, outcome.stderr
    event = AuditEvent.objects.get(purpose=PURPOSE[command])
    assert (event.action, event.actor_id) == (AuditAction.EXPORT, None)
    assert event.actor_username == audit.os_user() != ""
    assert event.organisation == audit.SYSTEM_ORGANISATION  # not taken for a portal user's
    assert event.details["opdracht"] == command
    assert event.details["bestand"] == str(target)
    assert "sudo_gebruiker" not in event.details
    if command != "backup":
        assert event.municipality_code == "0999"  # the municipality's privacy officer sees it


def test_under_sudo_the_user_who_ran_sudo_is_named_too(tmp_path, town, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "jdevries")
    target = tmp_path / "signalen.csv"
    assert run_command(*COMMANDS["export_signals"](str(target))).status == 0
    event = AuditEvent.objects.get(purpose=PURPOSE["export_signals"])
    assert (event.actor_username, event.details["sudo_gebruiker"]) == (
        audit.os_user(),
        "jdevries",
    )


def test_a_relative_output_is_audited_as_the_absolute_path(tmp_path, town, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_command(*COMMANDS["export_ddas"]("ddas.json")).status == 0
    event = AuditEvent.objects.get(purpose=PURPOSE["export_ddas"])
    assert event.details["bestand"] == str(tmp_path / "ddas.json")


def test_only_the_systems_events_become_the_operators(tmp_path, town):
    user = UserFactory(username="coord", role=Role.COORDINATOR, municipality=town)
    with audit.at_the_command_line("export_signals", tmp_path / "x.csv"):
        portal = audit.record(user, AuditAction.VIEW, town)
        system = audit.record(None, AuditAction.EXPORT, town, details={"rijen": 2})
    after = audit.record(None, AuditAction.EXPORT, town)
    assert (portal.actor_username, portal.details) == ("coord", {})
    assert system.actor_username == audit.os_user()
    assert system.details == {
        "rijen": 2, "opdracht": "export_signals", "bestand": str(tmp_path / "x.csv"),
    }  # fmt: skip
    assert (after.actor_username, after.details) == ("", {})
    assert audit.verify_chain().ok


def test_the_audit_log_shows_the_operator_and_exports_the_file(tmp_path, town, verified_client):
    target = tmp_path / "signalen.csv"
    assert run_command(*COMMANDS["export_signals"](str(target))).status == 0
    officer = UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=town)
    client = verified_client(officer)
    page = client.get("/privacy/auditlog/?handeling=export").content.decode()
    operator = audit.os_user()
    assert f'href="?gebruiker={operator}">{operator}</a>' in page
    assert "Export van vroegsignalen" in page

    response = client.get(f"/privacy/auditlog/export.csv?gebruiker={operator}")
    text = b"".join(response.streaming_content).decode("utf-8")
    row = next(line for line in text.splitlines() if "export vroegsignalen" in line)
    assert f";{operator};systeem;0999;export;" in row
    assert json.dumps(str(target)) in row.replace('""', '"')
