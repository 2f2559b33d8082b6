"""``vroegsignaal changepassword``: the way back in when the admin cannot be reached."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("changepassword", *args, stdout=out)
    return out.getvalue()


def one_time_password(output: str) -> str:
    return next(
        line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("Eenmalig")
    )


@pytest.fixture
def beheerder():
    user = UserFactory(username="enige-beheerder", role=Role.BEHEERDER, municipality=None)
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    StaticDevice.objects.create(user=user, name="backup")
    AccessAttempt.objects.create(
        username=user.username, ip_address="10.0.0.1", failures_since_start=5
    )
    return user


def test_the_beheerder_gets_a_one_time_password_and_the_lock_is_lifted(beheerder):
    output = run(beheerder.username)
    beheerder.refresh_from_db()
    assert beheerder.check_password(one_time_password(output))
    assert beheerder.must_change_password
    assert not AccessAttempt.objects.filter(username=beheerder.username).exists()
    assert "De blokkade na mislukte inlogpogingen is opgeheven." in output
    # Without --tweede-factor the authenticator stays: the password alone does not open the portal.
    assert TOTPDevice.objects.filter(user=beheerder).exists()
    assert StaticDevice.objects.filter(user=beheerder).exists()
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, purpose="inloggen hersteld")
    assert event.object_id == str(beheerder.pk)
    assert event.details == {"tweede_factor_verwijderd": 0, "blokkade_opgeheven": True}
    assert one_time_password(output) not in str(event.details)


def test_with_tweede_factor_the_lost_phone_and_reserve_codes_are_removed(beheerder):
    output = run(beheerder.username, "--tweede-factor")
    assert not TOTPDevice.objects.filter(user=beheerder).exists()
    assert not StaticDevice.objects.filter(user=beheerder).exists()
    assert "Authenticator-app en reservecodes verwijderd (2 apparaten)" in output
    assert (
        AuditEvent.objects.get(purpose="inloggen hersteld").details["tweede_factor_verwijderd"] == 2
    )


def test_an_unknown_or_inactive_user_is_refused_and_nothing_changes(beheerder):
    with pytest.raises(CommandError, match="Gebruiker 'niemand' bestaat niet."):
        run("niemand")
    beheerder.is_active = False
    beheerder.save()
    password = beheerder.password
    with pytest.raises(CommandError, match="is niet actief"):
        run(beheerder.username)
    beheerder.refresh_from_db()
    assert beheerder.password == password and not beheerder.must_change_password
    assert not AuditEvent.objects.filter(purpose="inloggen hersteld").exists()


def test_it_needs_no_terminal(beheerder, monkeypatch):
    """Django's own changepassword asked at a terminal and, without one, ended in a traceback."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert "Eenmalig wachtwoord: " in run(beheerder.username)
