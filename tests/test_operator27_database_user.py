"""A PostgreSQL that cannot be reached is named with the user the system logs in as (operator
review 27): the message gave the database, host and port, and the operator had to guess the user
from DATABASE_URL. Never the password."""

from __future__ import annotations

import socket

import pytest

from tests.test_settings import production_env, run_cli

psycopg = pytest.importorskip("psycopg")


def closed_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_database_that_cannot_be_reached_names_its_user_and_not_the_password(tmp_path):
    port = closed_port()
    env = production_env(
        tmp_path, DATABASE_URL=f"postgres://vroegsignaal:geheim-wachtwoord@127.0.0.1:{port}/vs"
    )
    result = run_cli(env, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "vroegsignaal: de database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL) is niet "
        f'bruikbaar: connection failed: connection to server at "127.0.0.1", port {port} failed: '
        "Connection refused"
    ), result.stderr
    assert "geheim-wachtwoord" not in result.stderr and "Traceback" not in result.stderr


def test_without_a_user_in_database_url_the_user_libpq_takes_is_named(tmp_path):
    port = closed_port()
    env = production_env(tmp_path, DATABASE_URL=f"postgres://127.0.0.1:{port}/vs", PGUSER="beheer")
    result = run_cli(env, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "vroegsignaal: de database 'vs' (gebruiker 'beheer', DATABASE_URL) is niet bruikbaar: "
    ), result.stderr


def test_the_workers_reason_for_an_unreachable_database_names_the_user(monkeypatch):
    """``conf.logsafety.unreachable``: what ``deliver`` and the worker say when processing broke off."""
    from django.db import connection
    from django.db.utils import OperationalError

    from vroegsignaal.conf.logsafety import operator_reason

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setitem(connection.settings_dict, "NAME", "vs")
    monkeypatch.setitem(connection.settings_dict, "USER", "vroegsignaal")
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "geheim-wachtwoord")
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "password geheim-wachtwoord refused"  # no driver says it; should one, it is not shown
    )
    gone = OperationalError(str(refused))
    gone.__cause__ = refused
    assert operator_reason(gone) == (
        "de database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL) is niet bereikbaar: connection "
        'failed: connection to server at "127.0.0.1", port 5432 failed: password ******** refused'
    )
