"""``vroegsignaal backup``: a checked, private, audited copy of the running database."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import MunicipalityFactory
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.privacy import backup
from vroegsignaal.privacy.models import AuditEvent

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's online backup")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_is_a_checked_private_copy_with_every_row(tmp_path):
    MunicipalityFactory(code="0363", name="Gemeente Kopie")
    report = backup.make_backup(tmp_path / "kopie.sqlite3")
    assert (report.database, report.path.stat().st_mode & 0o777) == ("SQLite", 0o600)
    copy = sqlite3.connect(report.path)
    names = [row[0] for row in copy.execute("SELECT name FROM organisations_municipality")]
    copy.close()
    assert names == ["Gemeente Kopie"] and Municipality.objects.count() == 1
    assert report.tables > 40 and report.size == report.path.stat().st_size
    event = AuditEvent.objects.get(purpose="reservekopie")
    assert (event.action, event.object_type) == ("export", "database")
    assert set(event.details) == {"database", "bytes", "tabellen"}  # no path, no data


@pytest.mark.django_db(transaction=True)
def test_an_existing_file_is_kept_unless_overwriting_is_asked(tmp_path):
    target = tmp_path / "kopie"
    target.write_bytes(b"vorige kopie")
    with pytest.raises(CommandError, match="bestaat al"):
        call_command("backup", str(target))
    assert target.read_bytes() == b"vorige kopie"
    assert not AuditEvent.objects.filter(purpose="reservekopie").exists()
    call_command("backup", str(target), "--overschrijven")
    assert target.read_bytes() != b"vorige kopie"


@pytest.mark.django_db(transaction=True)
def test_a_failed_copy_leaves_no_file_behind(tmp_path, monkeypatch):
    def broken(partial):
        partial.write_bytes(b"half")
        raise backup.BackupError("De kopie is niet in orde (integrity_check); probeer het opnieuw.")

    monkeypatch.setattr(backup, f"_{connection.vendor}_copy", broken)
    with pytest.raises(CommandError, match="niet in orde"):
        call_command("backup", str(tmp_path / "kopie"))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(backup.BackupError, match="bestaat niet"):
        backup.make_backup(tmp_path / "geen-map" / "kopie")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_is_a_pg_dump_archive_that_pg_restore_reads(tmp_path):
    MunicipalityFactory(code="0363", name="Gemeente Kopie")
    report = backup.make_backup(tmp_path / "kopie.dump")
    assert (report.database, report.path.stat().st_mode & 0o777) == ("PostgreSQL", 0o600)
    assert report.tables > 40
    data = subprocess.run(
        [
            "pg_restore",
            "--data-only",
            "--table=organisations_municipality",
            "--file=-",
            str(report.path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Gemeente Kopie" in data
