"""``vroegsignaal deliver`` when processing breaks off: a reason the operator can act on.

The operator review found "De verwerking is afgebroken (OSError)" for a full disk,
"(OperationalError)" for a locked SQLite database or a stopped PostgreSQL, and
"(DecryptionError)" for keys that do not open the data: the class, where the operator needs the
cause (which folder is full, which process holds the database, which keys). And Ctrl-C while the
command processed ``--opnieuw 13`` itself said only "Onderbroken.", while the delivery waited,
stalled, for a command nobody named. Never the error's text where it could quote a row.
"""

from __future__ import annotations

import base64
import errno
import os
import sqlite3

import pytest
from django.db.utils import OperationalError

from vroegsignaal.intake import sealing
from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.privacy import crypto

from .support import run_deliver, stand

NEW = ("--creditor", "WOONBRUG", "--peildatum", "2026-11-01")


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "levering.csv"
    path.write_bytes(stand(range(1, 6)))
    return str(path)


def run(*args) -> tuple[int, str, str]:
    try:
        return run_deliver(*args)
    except KeyboardInterrupt:  # escaped: it would end the test run itself
        pytest.fail("Ctrl-C escaped the command: the console script says only 'Onderbroken.'")


def locked_database_error(tmp_path) -> OperationalError:
    """Django's OperationalError around SQLite's own "database is locked" (code SQLITE_BUSY),
    as a write meets another process's open write transaction."""
    path = tmp_path / "bezet.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as busy:
        error = OperationalError(str(busy))
        error.__cause__ = busy
        return error
    finally:
        other.close()
        holder.close()
    raise AssertionError("SQLite did not refuse the second writer")


def test_a_full_disk_while_the_file_is_staged_names_the_folder(
    world, households, csv_file, monkeypatch, settings
):
    def full(self, data, last=False):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # a write() names no file

    monkeypatch.setattr(sealing.SealedWriter, "_emit", full)
    code, _, err = run(csv_file, *NEW)
    incoming = settings.INCOMING_DIR or settings.DATA_DIR / "incoming"
    assert code == 3
    assert err == (
        f"De verwerking is afgebroken: de schijf is vol (map {incoming}). Er is niets gewijzigd.\n"
    )


def test_a_locked_sqlite_database_is_said_to_be_held_by_another_process(
    world, households, csv_file, monkeypatch, tmp_path
):
    locked = locked_database_error(tmp_path)

    def held(*args, **kwargs):
        raise locked

    monkeypatch.setattr(households, "apply_rows", held)
    code, _, err = run(csv_file, *NEW)
    delivery = Delivery.objects.get()
    assert code == 3
    assert "(OperationalError)" not in err
    assert "is bezet: een ander proces" in err
    assert err.endswith(
        f"Er is niets gewijzigd. Verwerk de levering daarna opnieuw met: "
        f"vroegsignaal deliver --opnieuw {delivery.pk}\n"
    )


def test_a_postgresql_that_cannot_be_reached_is_said_so_with_its_address(
    world, households, csv_file, monkeypatch
):
    psycopg = pytest.importorskip("psycopg")
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    gone = OperationalError(str(refused))
    gone.__cause__ = refused

    def unreachable(*args, **kwargs):
        raise gone

    monkeypatch.setattr(households, "apply_rows", unreachable)
    code, _, err = run(csv_file, *NEW)
    assert code == 3
    assert (
        'is niet bereikbaar: connection failed: connection to server at "127.0.0.1", port 5432'
        in err
    )
    assert "(OperationalError)" not in err


def test_keys_that_do_not_open_the_staged_file_are_named_with_check_keys(
    world, households, csv_file, monkeypatch, settings
):
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    monkeypatch.setattr(services, "_enqueue", lambda pk: None)  # no worker here
    assert run(csv_file, *NEW, "--niet-wachten")[0] == 0
    delivery = Delivery.objects.get()
    # A restore onto a machine with other keys: the staged file was sealed with the old one.
    settings.ENCRYPTION_KEYS = "ander:" + base64.b64encode(b"a" * 32).decode()
    code, _, err = run("--opnieuw", str(delivery.pk), "--forceer")
    assert code == 3
    assert "(SealedFileError)" not in err and "(DecryptionError)" not in err
    assert err.startswith(
        "De verwerking is afgebroken: de sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS openen de "
        "versleutelde gegevens niet."
    )
    assert "'vroegsignaal check_keys'" in err
    assert f"vroegsignaal deliver --opnieuw {delivery.pk}" in err


def test_an_unknown_failure_is_still_named_by_its_class_only(
    world, households, csv_file, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("Jansen, 1234AB 5")  # a message that quotes a row

    monkeypatch.setattr(households, "apply_rows", crash)
    code, _, err = run(csv_file, *NEW)
    assert code == 3
    assert err.startswith("De verwerking is afgebroken (RuntimeError); er is niets gewijzigd.")
    assert "Jansen" not in err


def stalled(households, csv_file, monkeypatch) -> Delivery:
    """A delivery whose processing broke off (noted: stalled at once)."""

    def crash(*args, **kwargs):
        raise RuntimeError("stroomstoring")

    with monkeypatch.context() as patch:
        patch.setattr(households, "apply_rows", crash)
        assert run(csv_file, *NEW)[0] == 3
    delivery = Delivery.objects.get()
    assert delivery.is_stalled
    return delivery


def test_ctrl_c_while_opnieuw_processes_names_the_delivery_and_the_command_again(
    world, households, csv_file, monkeypatch
):
    delivery = stalled(households, csv_file, monkeypatch)

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(households, "apply_rows", ctrl_c)
    code, _, err = run("--opnieuw", str(delivery.pk))
    delivery.refresh_from_db()
    assert code == 130
    assert delivery.status == DeliveryStatus.IN_BEHANDELING and delivery.is_stalled
    assert err == (
        f"Onderbroken; levering {delivery.pk} is niet verwerkt (er is niets van gewijzigd). "
        f"Verwerk haar opnieuw met: vroegsignaal deliver --opnieuw {delivery.pk}\n"
    )


def test_ctrl_c_while_a_new_delivery_is_processed_names_it_too(
    world, households, csv_file, monkeypatch
):
    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(households, "apply_rows", ctrl_c)
    code, _, err = run(csv_file, *NEW)
    delivery = Delivery.objects.get()
    assert code == 130
    assert f"vroegsignaal deliver --opnieuw {delivery.pk}" in err


def test_ctrl_c_in_opnieuw_through_the_console_script_is_one_line_with_exit_130(
    world, households, csv_file, monkeypatch
):
    from tests.test_hostile_commands import run_command

    delivery = stalled(households, csv_file, monkeypatch)

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(households, "apply_rows", ctrl_c)
    try:
        outcome = run_command("deliver", "--opnieuw", str(delivery.pk))
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the console script: a traceback")
    assert (outcome.status, outcome.crash) == (130, "")
    # Before it, the log's warning and error lines (the processing's own); no traceback.
    *logged, said = outcome.stderr.splitlines()
    assert all(" vroegsignaal.intake." in line for line in logged), outcome.stderr
    assert said.startswith(f"Onderbroken; levering {delivery.pk} is niet verwerkt")
    assert said.endswith(f"vroegsignaal deliver --opnieuw {delivery.pk}")


def test_the_reasons_hold_no_personal_data_from_the_error():
    """The classification reads kinds and settings, never the driver's text for a refused query."""
    from vroegsignaal.conf.logsafety import operator_reason

    quoted = sqlite3.IntegrityError("UNIQUE constraint failed: klantnummer 'K-1 Jansen'")
    wrapped = OperationalError(str(quoted))
    wrapped.__cause__ = quoted
    assert operator_reason(wrapped) is None
    assert crypto.DecryptionError.text_is_safe is True  # why its text may be shown
