"""The console script itself (``vroegsignaal.cli``): what it says when a command cannot go on.

Each promise of its docstring that ``tests/test_hostile_commands.py`` does not hold it to: a
refusal is the command's Dutch message alone (not Django's ``CommandError: …``) with the exit
status the error carries; a database that cannot be read and Ctrl-C are one Dutch line, never a
traceback (``--traceback`` still shows one); ``--version`` is Vroegsignaal's. And the commands of
Django and of django-otp/two-factor that would bypass the services and the audit log are refused
on the command line (``portal/management/commands/_refused.py``), while Django's own use of
``flush`` and ``loaddata`` keeps working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from io import StringIO
from pathlib import Path
from unittest import mock

import django
import pytest
from django.core.management import CommandError, call_command
from django.db.utils import DatabaseError, OperationalError, ProgrammingError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MunicipalityFactory, UserFactory
from tests.test_hostile_commands import dutch_problem, run_command
from vroegsignaal.organisations.models import Municipality

pytestmark = pytest.mark.django_db

SCRIPT = Path(sys.executable).with_name("vroegsignaal")
EVALUATE = "vroegsignaal.signals.management.commands.evaluate.Command.handle"


# -- a command's refusal ------------------------------------------------------------------------


def test_a_refusal_is_the_command_s_dutch_message_alone():
    """Django printed "CommandError: Gemeente 9999 bestaat niet."."""
    outcome = run_command("evaluate", "--municipality", "9999")
    assert (outcome.status, outcome.stdout, outcome.crash) == (1, "", "")
    assert outcome.stderr == "Gemeente 9999 bestaat niet.\n"


def test_a_refusal_keeps_the_exit_status_it_carries():
    with mock.patch(EVALUATE, side_effect=CommandError("De gemeente is op slot.", returncode=4)):
        outcome = run_command("evaluate")
    assert (outcome.status, outcome.stderr) == (4, "De gemeente is op slot.\n")


def test_traceback_keeps_django_s_behaviour_for_a_refusal():
    with pytest.raises(CommandError, match="Gemeente 9999 bestaat niet"):
        run_command_raising("evaluate", "--municipality", "9999", "--traceback")


def run_command_raising(*args: str):
    """``cli.main`` without :func:`run_command`'s catch: what escapes, escapes."""
    from django.db import connections

    from vroegsignaal import cli

    with mock.patch.object(connections, "close_all"):
        cli.main(list(args))


# -- the database ---------------------------------------------------------------------------------


def test_a_damaged_database_file_is_one_dutch_line_in_the_real_script(tmp_path):
    """SQLite says "file is not a database" (django.db.utils.DatabaseError, not OperationalError):
    it was a traceback in every command."""
    damaged = tmp_path / "vroegsignaal.sqlite3"
    damaged.write_bytes(b"geen database " * 400)
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "VROEGSIGNAAL_MODE": "demo",
        "DATABASE_URL": f"sqlite:///{damaged}", "VROEGSIGNAAL_DATA_DIR": str(tmp_path / "data"),
    }  # fmt: skip
    done = subprocess.run(
        [str(SCRIPT), "evaluate"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"vroegsignaal: De database kan niet worden gelezen: file is not a database (de SQLite-database "
        f"{damaged}). Zet een reservekopie terug (docs/operations.md, 'Backups and restore').\n"
    )


@pytest.mark.parametrize("command", ["evaluate", "purge", "audit_verify", "check_keys"])
def test_a_database_that_cannot_be_read_is_one_line_in_every_command(command):
    damaged = DatabaseError("database disk image is malformed")
    with (
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=damaged),
        mock.patch("django.db.backends.utils.CursorWrapper.executemany", side_effect=damaged),
    ):
        outcome = run_command(command)
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr.startswith(
        "vroegsignaal: De database kan niet worden gelezen: database disk image is malformed ("
    )
    assert outcome.stderr.count("\n") == 1 and "reservekopie" in outcome.stderr


def test_a_query_the_database_refuses_is_named_by_its_class_only():
    """Its message may quote a stored value (here a birth date): not on the operator's screen."""
    refused = ProgrammingError('invalid input syntax for type date: "1980-05-17"')
    with mock.patch(EVALUATE, side_effect=refused):
        outcome = run_command("evaluate")
    assert (outcome.status, outcome.crash) == (1, "")
    assert outcome.stderr == (
        "vroegsignaal: De database weigerde een opdracht (ProgrammingError). Herhaal de opdracht met "
        "--traceback voor de details.\n"
    )
    assert dutch_problem(outcome.stderr) is None


def test_a_database_that_cannot_be_reached_is_still_said_as_before():
    with mock.patch(EVALUATE, side_effect=OperationalError("unable to open database file")):
        outcome = run_command("evaluate")
    assert outcome.status == 1
    assert "is niet bruikbaar: unable to open database file" in outcome.stderr


def test_traceback_shows_the_database_error():
    damaged = DatabaseError("file is not a database")
    with mock.patch(EVALUATE, side_effect=damaged), pytest.raises(DatabaseError):
        run_command_raising("evaluate", "--traceback")


# -- Ctrl-C ------------------------------------------------------------------------------------------


def test_ctrl_c_is_onderbroken_with_exit_130():
    with mock.patch(EVALUATE, side_effect=KeyboardInterrupt):
        try:
            outcome = run_command("evaluate")
        except KeyboardInterrupt:  # escaped: it would end the test run itself
            pytest.fail("Ctrl-C escaped the console script: a traceback")
    assert (outcome.status, outcome.stdout, outcome.stderr) == (130, "", "Onderbroken.\n")


def test_ctrl_c_with_traceback_shows_where_it_was():
    with mock.patch(EVALUATE, side_effect=KeyboardInterrupt), pytest.raises(KeyboardInterrupt):
        run_command_raising("evaluate", "--traceback")


# -- the version ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("--version",), ("version",), ("evaluate", "--version")])
def test_version_is_vroegsignaal_s_not_django_s(args):
    outcome = run_command(*args)
    assert (outcome.status, outcome.stderr) == (0, "")
    assert outcome.stdout == f"{version('vroegsignaal')}\n"
    assert django.get_version() not in outcome.stdout


# -- commands that are not offered -----------------------------------------------------------------


@pytest.fixture
def protected():
    """A user with an authenticator app and reserve codes."""
    user = UserFactory(username="beschermd")
    TOTPDevice.objects.create(user=user, name="telefoon", confirmed=True)
    codes = StaticDevice.objects.create(user=user, name="reservecodes", confirmed=True)
    StaticToken.objects.create(device=codes, token="abcd1234")
    return user


def second_factors(user) -> tuple[int, int]:
    return (
        TOTPDevice.objects.filter(user=user).count(),
        StaticToken.objects.filter(device__user=user).count(),
    )


@pytest.mark.parametrize(
    "args",
    [("two_factor_disable", "beschermd"), ("addstatictoken", "beschermd"), ("addstatictoken", "beschermd", "-t", "x1")],
)  # fmt: skip
def test_no_second_factor_is_taken_away_or_printed(protected, args):
    outcome = run_command(*args)
    assert (outcome.status, outcome.stdout, outcome.crash) == (1, "", "")
    assert "vroegsignaal changepassword NAAM --tweede-factor" in outcome.stderr
    assert "auditlog" in outcome.stderr and dutch_problem(outcome.stderr) is None
    assert second_factors(protected) == (1, 1)


@pytest.mark.parametrize("name", ["two_factor_disable", "addstatictoken", "sqlflush"])
def test_the_refused_commands_are_refused_from_code_too(protected, name):
    with pytest.raises(CommandError, match="wordt in Vroegsignaal niet gebruikt"):
        call_command(name, "beschermd", stdout=StringIO(), stderr=StringIO())
    assert second_factors(protected) == (1, 1)


def test_flush_and_sqlflush_are_refused_and_empty_nothing(protected):
    MunicipalityFactory(code="0999")
    for args in (("flush", "--no-input"), ("sqlflush",)):
        outcome = run_command(*args)
        assert (outcome.status, outcome.stdout, outcome.crash) == (1, "", "")
        assert "vroegsignaal purge" in outcome.stderr and "auditlog" in outcome.stderr
    assert Municipality.objects.filter(code="0999").exists()
    assert second_factors(protected) == (1, 1)


def fixture_file(folder: Path) -> str:
    path = folder / "gemeente.json"
    path.write_text(
        json.dumps(
            [{"model": "organisations.municipality", "pk": 7777, "fields": {"code": "0777", "name": "Via loaddata"}}]
        ),
        encoding="utf-8",
    )  # fmt: skip
    return str(path)


def test_loaddata_is_refused_and_loads_nothing(tmp_path):
    outcome = run_command("loaddata", fixture_file(tmp_path))
    assert (outcome.status, outcome.stdout, outcome.crash) == (1, "", "")
    assert "vroegsignaal load_config BESTAND" in outcome.stderr
    assert not Municipality.objects.filter(code="0777").exists()


def test_django_still_loads_fixtures_with_loaddata(tmp_path):
    call_command("loaddata", fixture_file(tmp_path), verbosity=0)
    assert Municipality.objects.filter(code="0777").exists()


@pytest.mark.django_db(transaction=True)
def test_django_s_test_runner_still_empties_the_database_with_flush():
    MunicipalityFactory(code="0999")
    call_command("flush", interactive=False, verbosity=0)
    assert not Municipality.objects.exists()


# -- logs of a command run by hand or by cron ----------------------------------------------------


def test_a_command_logs_warnings_only_unless_asked_for_more(monkeypatch):
    """A successful `purge` wrote its INFO line to stderr, which cron mails as a failure."""
    import logging

    from vroegsignaal.cli import quiet_logs

    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.INFO)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    quiet_logs("db_worker", ["vroegsignaal", "db_worker"])  # the worker's log is its output
    assert root.level == logging.INFO
    quiet_logs("purge", ["vroegsignaal", "purge", "-v", "2"])
    assert root.level == logging.INFO
    quiet_logs("purge", ["vroegsignaal", "purge"])
    assert root.level == logging.WARNING


def test_a_successful_purge_writes_nothing_to_stderr(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    env |= {"VROEGSIGNAAL_MODE": "demo", "VROEGSIGNAAL_DATA_DIR": str(tmp_path)}
    subprocess.run(
        [str(SCRIPT), "migrate", "-v", "0"], env=env, check=True, capture_output=True, timeout=300
    )
    config = tmp_path / "config.yaml"
    config.write_text('municipalities:\n  - code: "0999"\n    name: Voorbeeldstad\n')
    subprocess.run(
        [str(SCRIPT), "load_config", str(config)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    done = subprocess.run(
        [str(SCRIPT), "purge"], env=env, capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert "0999" in done.stdout  # it did run, and said so


# -- help -----------------------------------------------------------------------------------------


def _script(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VROEGSIGNAAL_MODE": "demo"}
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_command_s_help_is_dutch_throughout():
    """Every --help ended in argparse's and Django's English ("show this help message and exit")."""
    out = _script("deliver", "--help").stdout
    assert out.startswith("gebruik: vroegsignaal deliver ")
    assert "\nargumenten:\n" in out and "\nopties:\n" in out
    assert "toon deze hulp en stop" in out and "toon bij een fout de volledige traceback" in out
    for english in (
        "usage:",
        "show this help",
        "Verbosity level",
        "Raise on CommandError",
        "options:",
    ):
        assert english not in out, english


def test_help_lists_the_operator_s_commands_not_django_s_developer_commands():
    out = _script("help").stdout
    assert out.startswith("Gebruik: vroegsignaal OPDRACHT [opties]")
    for name in ("deliver", "evaluate", "backup", "load_config", "migrate", "db_worker"):
        assert f"    {name}\n" in out, name
    for name in ("startapp", "makemigrations", "test", "flush", "createsuperuser", "loaddata"):
        assert f"    {name}\n" not in out, name
    assert "Available subcommands" not in out


def test_every_developer_command_left_out_of_help_is_an_installed_one():
    """The list named commands no installed app has (``dumpdata_original``, ``ogrinspect``): a
    name there hides nothing, and reads as if the command existed."""
    from django.core.management import get_commands

    from vroegsignaal.cli import DEVELOPER_COMMANDS

    assert sorted(DEVELOPER_COMMANDS - set(get_commands())) == []
