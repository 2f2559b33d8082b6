"""``vroegsignaal backup``: a checked, private, audited copy of the running database."""

from __future__ import annotations

import errno
import io
import os
import signal
import sqlite3
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from tests.factories import MunicipalityFactory
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.privacy import backup
from vroegsignaal.privacy.models import AuditEvent

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's online backup")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
COPY = f"_{connection.vendor}_copy"  # the database's copy, as make_backup calls it


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


def _complete(path) -> bool:
    if connection.vendor != "sqlite":
        return (
            subprocess.run(["pg_restore", "--list", str(path)], capture_output=True).returncode == 0
        )
    copy = sqlite3.connect(path)
    try:
        return [row[0] for row in copy.execute("PRAGMA integrity_check")] == ["ok"]
    finally:
        copy.close()


@pytest.mark.django_db(transaction=True)
def test_two_backups_to_the_same_target_at_once_both_end_with_a_complete_file(
    tmp_path, monkeypatch
):
    target = tmp_path / "kopie"
    copy = getattr(backup, COPY)
    started, second = [], []

    def first_then_second(partial):
        tables = copy(partial)
        if not started:  # the second backup starts and ends while the first one is still copying
            started.append(partial)
            second.append(backup.make_backup(target, overwrite=True))
        return tables

    monkeypatch.setattr(backup, COPY, first_then_second)
    first = backup.make_backup(target, overwrite=True)
    assert first.path == second[0].path == target
    assert _complete(target)
    assert [p.name for p in tmp_path.iterdir()] == ["kopie"]  # no temporary file of either


@pytest.mark.django_db(transaction=True)
def test_a_sigterm_while_copying_leaves_no_temporary_file_and_the_earlier_backup_unchanged(
    tmp_path, monkeypatch
):
    def stopped_halfway(partial):
        partial.write_bytes(b"half")
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
            # Sent now, it would end the process on the spot and leave the temporary file.
            pytest.fail("SIGTERM is not handled while the backup writes")
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(backup, COPY, stopped_halfway)
    target = tmp_path / "kopie"
    target.write_bytes(b"vorige kopie")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        call_command("backup", str(target), "--overschrijven")
    assert stopped.value.code == 128 + signal.SIGTERM
    assert [p.name for p in tmp_path.iterdir()] == ["kopie"]
    assert target.read_bytes() == b"vorige kopie"
    assert signal.getsignal(signal.SIGTERM) == before
    assert not AuditEvent.objects.filter(purpose="reservekopie").exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_the_disk_cannot_keep_is_refused_and_the_earlier_backup_unchanged(
    tmp_path, monkeypatch
):
    def lost(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", lost)  # the copy is synced to disk before it takes the name
    target = tmp_path / "kopie"
    target.write_bytes(b"vorige kopie")
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(target), "--overschrijven")
    assert str(refused.value) == (
        f"Kan {target} niet schrijven: systeemfout EIO; er is geen kopie gemaakt."
    )
    assert [p.name for p in tmp_path.iterdir()] == ["kopie"]
    assert target.read_bytes() == b"vorige kopie"


@pytest.mark.django_db(transaction=True)
def test_a_backup_over_a_readable_file_is_readable_by_this_user_only_from_its_first_byte(
    tmp_path, monkeypatch
):
    copy = getattr(backup, COPY)
    modes = []

    def watched(partial):
        tables = copy(partial)
        modes.append(partial.stat().st_mode & 0o777)
        return tables

    monkeypatch.setattr(backup, COPY, watched)
    target = tmp_path / "kopie"
    target.write_bytes(b"vorige kopie")
    target.chmod(0o644)
    previous = os.umask(0o022)
    try:
        call_command("backup", str(target), "--overschrijven", stdout=io.StringIO())
    finally:
        os.umask(previous)
    assert modes == [0o600] and target.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("earlier", [False, True], ids=["nieuw", "over-een-eerdere"])
def test_a_backup_whose_audit_event_cannot_be_written_leaves_no_file(
    tmp_path, monkeypatch, earlier
):
    def refused(*args, **kwargs):
        raise DatabaseError("het auditlog is niet beschikbaar")

    monkeypatch.setattr(backup, "record", refused)
    target = tmp_path / "kopie"
    if earlier:
        target.write_bytes(b"vorige kopie")
    with pytest.raises(DatabaseError):
        call_command("backup", str(target), *(["--overschrijven"] if earlier else []))
    # The event is written before the copy takes its name: no copy without its event.
    assert [p.name for p in tmp_path.iterdir()] == (["kopie"] if earlier else [])
    if earlier:
        assert target.read_bytes() == b"vorige kopie"
