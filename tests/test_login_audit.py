"""Failed log-ins reach the audit log: wrong passwords and unknown names too, not only wrong codes.

django-axes keeps its own count (``AccessAttempt``), but the beheerder may
delete those rows to unlock an account; the audit event stays.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MunicipalityFactory, UserFactory
from tests.test_login_security import PASSWORD, current_token, post_password, post_token
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

WRONG = "fout-wachtwoord-123"


def failures() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("seq"))


@pytest.fixture
def town():
    return MunicipalityFactory(code="0101", name="Gemeente A")


@pytest.fixture
def coordinator(town):
    user = UserFactory(username="coord-a", role=Role.COORDINATOR, municipality=town)
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def test_three_wrong_passwords_are_three_events_naming_the_user(client, coordinator, town):
    for _ in range(3):
        assert post_password(client, coordinator.username, WRONG).status_code == 200

    events = failures()
    assert len(events) == 3
    for event in events:
        assert (event.actor_id, event.actor_username) == (coordinator.pk, "coord-a")
        assert (event.organisation, event.municipality_id) == ("gemeente 0101", town.pk)
        assert event.purpose == "wachtwoord onjuist"
        assert event.ip_address == "127.0.0.1"
        assert WRONG not in str(event.details)


def test_an_unknown_user_name_is_one_event_without_the_typed_text(client, coordinator):
    typed = "Geheim-Wachtwoord-In-Naamveld"
    post_password(client, typed, WRONG)

    [event] = failures()
    assert event.purpose == "onbekende gebruikersnaam"
    assert (event.actor_id, event.actor_username, event.organisation) == (None, "", "")
    assert event.municipality_id is None
    fields = ("actor_username", "organisation", "purpose", "details")
    stored = " ".join(str(getattr(event, name)) for name in fields)
    assert typed not in stored and typed.lower() not in stored.lower()


def test_a_correct_log_in_records_no_failure(client, coordinator):
    device = TOTPDevice.objects.get(user=coordinator)
    post_password(client, coordinator.username)
    assert post_token(client, current_token(device)).status_code == 302

    assert failures() == []
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor_id=coordinator.pk).count() == 1


def test_a_wrong_code_is_one_event_not_two(client, coordinator):
    device = TOTPDevice.objects.get(user=coordinator)
    post_password(client, coordinator.username)
    post_token(client, "000000" if current_token(device) != "000000" else "111111")

    [event] = failures()
    assert (event.actor_username, event.purpose) == ("coord-a", "tweede factor onjuist")


def test_a_locked_account_is_still_locked_and_every_attempt_is_recorded(client, coordinator):
    for _ in range(5):
        post_password(client, coordinator.username, WRONG)
    assert post_password(client, coordinator.username, PASSWORD).status_code == 429

    events = failures()
    assert len(events) == 6
    assert {event.actor_username for event in events} == {"coord-a"}
    # The fifth wrong password locks; the sixth attempt is refused unseen.
    purposes = [event.purpose for event in events]
    assert purposes == ["wachtwoord onjuist"] * 4 + ["account geblokkeerd"] * 2


def test_unlocking_by_deleting_the_attempts_leaves_the_events(client, coordinator):
    for _ in range(5):
        post_password(client, coordinator.username, WRONG)
    AccessAttempt.objects.all().delete()  # what the beheerder's admin does to unlock

    assert len(failures()) == 5
    device = TOTPDevice.objects.get(user=coordinator)
    post_password(client, coordinator.username)
    assert post_token(client, current_token(device)).status_code == 302


def test_a_deactivated_account_is_named_as_such(client, coordinator):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    post_password(client, coordinator.username)

    [event] = failures()
    assert (event.actor_username, event.purpose) == ("coord-a", "account gedeactiveerd")


def test_authenticate_elsewhere_is_recorded_too(coordinator):
    """The admin, or any other page, that asks Django to authenticate."""
    request = RequestFactory().post("/beheer/login/")
    assert authenticate(request, username=coordinator.username, password=WRONG) is None

    [event] = failures()
    assert (event.actor_username, event.purpose) == ("coord-a", "wachtwoord onjuist")


def failures_page(verified_client, officer) -> str:
    response = verified_client(officer).get("/privacy/auditlog/?handeling=login_failed")
    return response.content.decode()


def test_the_officers_of_the_users_municipality_see_the_failures(
    client, coordinator, town, verified_client
):
    post_password(client, coordinator.username, WRONG)
    post_password(client, "niemand-bekend", WRONG)
    other = MunicipalityFactory(code="0202", name="Gemeente B")

    officer_a = UserFactory(username="fg-a", role=Role.PRIVACY_OFFICER, municipality=town)
    page = failures_page(verified_client, officer_a)
    assert "Wachtwoord onjuist" in page and "coord-a" in page
    assert "Onbekende gebruikersnaam" not in page  # no municipality: the platform officer's

    officer_b = UserFactory(username="fg-b", role=Role.PRIVACY_OFFICER, municipality=other)
    page = failures_page(verified_client, officer_b)
    assert "Wachtwoord onjuist" not in page

    platform = UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=None)
    page = failures_page(verified_client, platform)
    assert "Wachtwoord onjuist" in page and "Onbekende gebruikersnaam" in page
