"""What the operator reads when PostgreSQL answers but refuses: the database *and* its user
(operator review 27: ``cli.database_unreadable`` named the database only, and a user without
rights on a table got "De database weigerde een opdracht (ProgrammingError)")."""

from __future__ import annotations

import pytest

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def on_postgresql(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setitem(connection.settings_dict, "NAME", "vs")
    monkeypatch.setitem(connection.settings_dict, "USER", "vroegsignaal")
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "geheim-wachtwoord")


def wrapped(django_class, driver_error):
    error = django_class(str(driver_error))
    error.__cause__ = driver_error
    return error


def test_a_user_without_rights_on_a_table_is_told_which_user_and_what_to_do(on_postgresql):
    from django.db.utils import ProgrammingError

    from vroegsignaal.cli import database_unreadable

    refused = psycopg.errors.InsufficientPrivilege("permission denied for table signals_signal")
    message = database_unreadable(wrapped(ProgrammingError, refused))
    assert message == (
        "de database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL) weigert deze gebruiker: "
        "permission denied for table signals_signal (de gebruiker moet eigenaar zijn van de "
        "database en haar tabellen: docs/operations.md, 'The database')"
    )
    assert "geheim-wachtwoord" not in message


def test_a_damaged_database_names_the_database_and_its_user(on_postgresql):
    from django.db.utils import DatabaseError

    from vroegsignaal.cli import database_unreadable

    message = database_unreadable(DatabaseError('could not read block 7 in file "base/1/2"\nmore'))
    assert message == (
        'De database kan niet worden gelezen: could not read block 7 in file "base/1/2" '
        "(de database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL)). Zet een reservekopie terug "
        "(docs/operations.md, 'Backups and restore')."
    )


def test_a_damaged_sqlite_database_names_its_file(monkeypatch):
    from django.db import connection
    from django.db.utils import DatabaseError

    from vroegsignaal.cli import database_unreadable

    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setitem(connection.settings_dict, "NAME", "/srv/vroegsignaal/db.sqlite3")
    assert database_unreadable(DatabaseError("file is not a database")) == (
        "De database kan niet worden gelezen: file is not a database (de SQLite-database "
        "/srv/vroegsignaal/db.sqlite3). Zet een reservekopie terug (docs/operations.md, "
        "'Backups and restore')."
    )
