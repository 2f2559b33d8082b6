"""``dumpdata`` writes the configuration and the registers only (an allowlist): every other model
holds personal data, a secret or the processing itself, and would leave unencrypted and unaudited."""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import signal

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.core import serializers
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.management.commands.dumpdata import (
    ALLOWED,
    Command,
    personal_models,
    refused_models,
)
from vroegsignaal.privacy.models import AuditAction

pytestmark = pytest.mark.django_db

# What the operator review found dumpdata still wrote, and more of the same.
NEVER = [
    "households.Household",
    "households.Person",
    "households.Arrear",
    "cases.Case",
    "cases.CaseNote",
    "cases.ContactAttempt",
    "signals.Signal",
    "feedback.FeedbackEvent",
    "intake.Delivery",
    "intake.ApiKey",
    "organisations.User",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "admin.LogEntry",
    "privacy.AuditEvent",
    "auth.Permission",
    "contenttypes.ContentType",
    "django_tasks_database.DBTaskResult",
    "reporting.MonitorFigure",
]


def test_the_allowlist_names_models_without_personal_fields():
    models = [apps.get_model(label) for label in ALLOWED]  # each one exists
    assert len(models) == len(ALLOWED)
    assert not set(ALLOWED) & set(personal_models())
    assert not set(ALLOWED) & set(NEVER)
    assert {"households.Person", "cases.CaseNote", "cases.ContactAttempt"} <= set(personal_models())


def test_the_help_names_what_is_allowed():
    assert all(label in Command.help for label in ALLOWED)


@pytest.mark.parametrize("label", NEVER)
def test_every_other_model_is_refused_naming_it_and_what_is_allowed(label):
    with pytest.raises(CommandError) as refused:
        call_command("dumpdata", label, stdout=io.StringIO())
    message = str(refused.value)
    assert f"niet {label}:" in message
    assert "Toegestaan: organisations.Municipality, organisations.Creditor" in message
    assert "vroegsignaal backup" in message


@pytest.mark.parametrize(
    ("labels", "named"),
    [
        (("households",), "households.Household"),
        (("organisations",), "organisations.User"),  # the app holds users too
        (("otp_totp",), "otp_totp.TOTPDevice"),
        (("sessions", "registry"), "sessions.Session"),
        (("organisations.USER",), "organisations.User"),  # as Django reads it
    ],
)
def test_an_app_with_a_refused_model_is_refused(labels, named):
    with pytest.raises(CommandError, match=rf"niet [^:]*{named}"):
        call_command("dumpdata", *labels, stdout=io.StringIO())


def test_a_long_refusal_counts_the_rest():
    with pytest.raises(CommandError, match=r"en \d+ andere: "):
        call_command("dumpdata", "households", "cases", "signals", stdout=io.StringIO())


@pytest.fixture
def secrets():
    """Everything the review found in a dump: a user with a password, TOTP and reserve codes, a
    session, an audit event."""
    town = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    user = UserFactory(username="coord", role=Role.COORDINATOR, municipality=town)
    user.set_password("geheim-wachtwoord-1")
    user.save()
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    StaticToken.objects.create(
        device=StaticDevice.objects.create(user=user, name="reserve"), token="reserve1"
    )
    session = SessionStore()
    session["iets"] = "waarde"
    session.create()
    audit.record(user, AuditAction.VIEW, town)
    return town


def test_without_labels_it_writes_every_allowed_model_and_nothing_else(secrets):
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    rows = json.loads(out.getvalue())
    assert {row["model"] for row in rows} == {"organisations.municipality"}
    assert "pbkdf2" not in out.getvalue() and "md5" not in out.getvalue()


def test_refused_models_mirrors_djangos_selection():
    assert refused_models((), []) == []
    assert refused_models(("organisations",), ["organisations.User"]) == []
    assert refused_models(("organisations",), ["organisations"]) == []
    assert refused_models(("households.Person",), ["households"]) == []  # Django skips it too
    assert refused_models(("nergens", "organisations.Niets"), []) == []  # Django refuses these


def test_configuration_can_be_dumped_and_an_app_with_its_refused_models_excluded(secrets):
    out = io.StringIO()
    call_command("dumpdata", "organisations.Municipality", stdout=out)
    assert [row["fields"]["code"] for row in json.loads(out.getvalue())] == ["0999"]

    out = io.StringIO()
    call_command("dumpdata", "organisations", "--exclude", "organisations.User", stdout=out)
    assert {row["model"] for row in json.loads(out.getvalue())} == {"organisations.municipality"}


def test_excluding_everything_allowed_leaves_nothing_to_write():
    apps_ = sorted({label.split(".")[0] for label in ALLOWED})
    excluded = [arg for app in apps_ for arg in ("--exclude", app)]
    with pytest.raises(CommandError, match="blijft er niets over"):
        call_command("dumpdata", *excluded, stdout=io.StringIO())


def test_an_existing_output_needs_overschrijven(tmp_path):
    MunicipalityFactory(code="0999")
    target = tmp_path / "gemeenten.json"
    target.write_text("vorige")
    with pytest.raises(CommandError, match="bestaat al; kies een andere naam of gebruik"):
        call_command("dumpdata", "organisations.Municipality", "--output", str(target))
    assert target.read_text() == "vorige"
    call_command(
        "dumpdata", "organisations.Municipality", "--output", str(target), "--overschrijven"
    )
    assert json.loads(target.read_text())[0]["fields"]["code"] == "0999"


def test_an_output_over_a_readable_file_is_readable_by_this_user_only(tmp_path):
    MunicipalityFactory(code="0999")
    target = tmp_path / "gemeenten.json"
    target.write_text("vorige")
    target.chmod(0o644)
    previous = os.umask(0o022)
    try:
        call_command(
            "dumpdata", "organisations.Municipality", "--output", str(target), "--overschrijven"
        )
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o600
    assert json.loads(target.read_text())[0]["fields"]["code"] == "0999"
    assert [p.name for p in tmp_path.iterdir()] == ["gemeenten.json"]


def test_an_output_the_disk_cannot_keep_is_refused_and_the_earlier_file_unchanged(
    tmp_path, monkeypatch
):
    def lost(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", lost)  # the file is synced to disk before it takes the name
    target = tmp_path / "gemeenten.json"
    target.write_text("vorige")
    with pytest.raises(CommandError) as refused:
        call_command(
            "dumpdata", "organisations.Municipality", "--output", str(target), "--overschrijven"
        )
    assert str(refused.value) == f"Kan {target} niet schrijven: systeemfout EIO."
    assert (target.read_text(), [p.name for p in tmp_path.iterdir()]) == (
        "vorige",
        ["gemeenten.json"],
    )


def test_a_sigterm_while_writing_the_output_leaves_no_temporary_file_and_the_earlier_one(
    tmp_path, monkeypatch
):
    MunicipalityFactory(code="0999")

    def stopped_halfway(format, queryset, *, stream, **options):
        stream.write('[{"model": "organisations.municipality", "pk": 1')
        stream.flush()
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
            # Sent now, it would end the process on the spot and leave the temporary file.
            pytest.fail("SIGTERM is not handled while dumpdata writes")
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(serializers, "serialize", stopped_halfway)
    target = tmp_path / "gemeenten.json"
    target.write_text("vorige")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        call_command(
            "dumpdata", "organisations.Municipality", "--output", str(target), "--overschrijven"
        )
    assert stopped.value.code == 128 + signal.SIGTERM
    assert (target.read_text(), [p.name for p in tmp_path.iterdir()]) == (
        "vorige",
        ["gemeenten.json"],
    )
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize("extension", [".gz", ".bz2", ".xz", ".lzma"])
def test_a_compressed_output_is_compressed_as_djangos_is(tmp_path, extension):
    MunicipalityFactory(code="0999")
    target = tmp_path / f"gemeenten.json{extension}"
    call_command("dumpdata", "organisations.Municipality", "--output", str(target))
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}[extension]
    with opener(target, "rt") as written:
        assert json.load(written)[0]["fields"]["code"] == "0999"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    if extension == ".gz":  # the name inside is the file's own, not the temporary one's
        assert target.read_bytes()[10:25] == b"gemeenten.json\x00"
