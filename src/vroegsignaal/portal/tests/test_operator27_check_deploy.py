"""``vroegsignaal check --deploy`` on a database the system cannot work with (operator review 27).

It passed on an empty database (``migrate`` never run) and on a PostgreSQL database that does not
exist; now it is an error (``portal.E001``/``portal.E002``) saying what is wrong and what to run.
The commands run as the operator runs them: the console script, in production mode.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.test_settings import production_env
from vroegsignaal.portal.checks import check_database_ready

SCRIPT = Path(sys.executable).with_name("vroegsignaal")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), "check", "--deploy"], env=env, capture_output=True, text=True, timeout=120
    )


def all_migrations() -> int:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return len(loader.graph.nodes)


def test_check_deploy_on_an_empty_database_fails_naming_the_migrations_and_migrate(tmp_path):
    database = tmp_path / "db.sqlite3"
    done = check_deploy(production_env(tmp_path, DATABASE_URL=f"sqlite:///{database}"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"(portal.E002) De SQLite-database {database} heeft nog geen tabellen: geen van de "
        f"{all_migrations()} migraties is uitgevoerd." in done.stderr
    ), done.stderr
    assert "HINT: Voer 'vroegsignaal migrate' uit" in done.stderr


@pytest.mark.django_db
def test_check_deploy_on_a_migrated_database_finds_nothing():
    assert check_database_ready() == []


@pytest.mark.django_db
def test_check_deploy_on_a_database_behind_its_code_says_how_many_migrations_and_migrate():
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    recorder = MigrationRecorder(connection)
    for app in ("reporting", "feedback"):  # the newest migration of each: an upgrade not migrated
        [(_, name)] = graph.leaf_nodes(app)
        recorder.record_unapplied(app, name)
    [error] = check_database_ready()
    assert error.id == "portal.E002"
    assert error.msg.endswith("is niet bijgewerkt: 2 migraties zijn nog niet uitgevoerd.")
    assert error.hint.startswith("Voer 'vroegsignaal migrate' uit")


def test_check_deploy_on_a_postgresql_that_cannot_be_reached_gives_the_reason_without_password(
    tmp_path,
):
    pytest.importorskip("psycopg")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgres://vroegsignaal:geheim-wachtwoord@127.0.0.1:{port}/vs"
    done = check_deploy(production_env(tmp_path, DATABASE_URL=url))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "(portal.E001) De database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL) is niet "
        f'bereikbaar: connection failed: connection to server at "127.0.0.1", port {port} '
        "failed: Connection refused" in done.stderr
    ), done.stderr
    assert "maak haar dan aan" in done.stderr and "'vroegsignaal migrate'" in done.stderr
    assert "geheim-wachtwoord" not in done.stderr and "Traceback" not in done.stderr


@on_postgresql
def test_check_deploy_on_a_postgresql_database_that_does_not_exist_says_so(tmp_path):
    # The test server's own address and user (scripts/with-postgres.sh), another database name.
    url = re.sub(r"/[^/]*$", "/bestaat_niet", os.environ["DATABASE_URL"])
    done = check_deploy(production_env(tmp_path, DATABASE_URL=url))
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(
        r"\(portal\.E001\) De database 'bestaat_niet' \(gebruiker '[^']+', DATABASE_URL\) is niet "
        r"bereikbaar: .*database \"bestaat_niet\" does not exist",
        done.stderr,
    ), done.stderr
    assert "Bestaat de database nog niet, maak haar dan aan" in done.stderr
