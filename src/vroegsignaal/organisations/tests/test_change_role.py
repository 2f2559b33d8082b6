"""A role changes in one place, ``services.change_role``: the way into the admin goes with it
and the change is in the audit log, from the admin's user page as from the shell. A role written
past it (``update()``) is found by the database check ``organisations.W001``."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.checks import check_staff_follows_role
from vroegsignaal.organisations.models import Role, User
from vroegsignaal.organisations.services import UserError, change_role, create_user
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _beheerder(username: str = "oud.beheer") -> User:
    user, _ = create_user(username, Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    return user


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(purpose="rol gewijzigd").order_by("pk"))


def test_change_role_takes_a_beheerder_out_of_the_admin_and_records_it():
    user, town = _beheerder(), MunicipalityFactory()
    by = _beheerder("beheer")
    user.municipality = town
    assert change_role(user, Role.COORDINATOR, by=by) is True
    user.refresh_from_db()
    assert (user.role, user.municipality, user.is_staff) == (Role.COORDINATOR, town, False)
    [event] = _events()
    assert (event.action, event.actor_username) == (AuditAction.UPDATE, "beheer")
    assert (event.object_type, event.object_id) == ("organisations.user", str(user.pk))
    assert event.details == {"rol_was": "beheerder", "rol": "coordinator", "beheer": False}
    assert event.municipality_id == town.pk  # the privacy officer of the municipality sees it


def test_change_role_lets_a_user_made_beheerder_into_the_admin():
    user = UserFactory(username="nieuw.beheer", role=Role.COORDINATOR)
    town = user.municipality
    user.municipality = None
    assert change_role(user, Role.BEHEERDER, by=None) is True
    user.refresh_from_db()
    assert (user.role, user.is_staff) == (Role.BEHEERDER, True)
    [event] = _events()
    assert event.details == {"rol_was": "coordinator", "rol": "beheerder", "beheer": True}
    assert event.municipality_id == town.pk  # the municipality the user leaves


def test_change_role_keeps_a_superusers_admin():
    user = UserFactory(role=Role.BEHEERDER, municipality=None, is_superuser=True)
    change_role(user, Role.PRIVACY_OFFICER, by=None)
    user.refresh_from_db()
    assert (user.role, user.is_staff) == (Role.PRIVACY_OFFICER, True)
    assert _events()[0].details["beheer"] is True


def test_change_role_refuses_a_role_without_its_organisation():
    user = _beheerder()
    with pytest.raises(UserError, match="hoort bij een wijkteam"):
        change_role(user, Role.HULPVERLENER, by=None)
    user.refresh_from_db()
    assert (user.role, user.is_staff, _events()) == (Role.BEHEERDER, True, [])


@pytest.mark.parametrize(
    ("role", "message"),
    [("superuser", "Onbekende rol 'superuser'"), (Role.BEHEERDER, "hoort niet bij een gemeente")],
)
def test_change_role_refuses_an_unknown_role_and_a_beheerder_with_an_organisation(role, message):
    user = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(UserError, match=message):
        change_role(user, role, by=None)
    user.refresh_from_db()
    assert (user.role, user.is_staff, _events()) == (Role.COORDINATOR, False, [])


def test_change_role_to_the_same_role_records_nothing():
    user = UserFactory(role=Role.COORDINATOR)
    assert change_role(user, Role.COORDINATOR, by=None) is False
    assert _events() == []


def test_change_role_puts_right_the_admin_of_a_role_updated_past_it():
    user = _beheerder()
    User.objects.filter(pk=user.pk).update(role=Role.PRIVACY_OFFICER)  # is_staff stays True
    user.refresh_from_db()
    assert change_role(user, user.role, by=None) is True
    user.refresh_from_db()
    assert user.is_staff is False
    assert _events()[0].details == {
        "rol_was": "privacy_officer",
        "rol": "privacy_officer",
        "beheer": False,
    }


def _admin_change(client, user: User, **changes):
    data = {
        "username": user.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": user.role,
        "municipality": user.municipality_id or "",
        "team": user.team_id or "",
        "creditor": user.creditor_id or "",
        "is_active": "on",
        "must_change_password": "",
        **changes,
    }
    response = client.post(f"/beheer/organisations/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    return user


def test_a_role_changed_in_the_admin_is_in_the_audit_log(beheerder_client):
    user = UserFactory(username="werker", role=Role.COORDINATOR)
    team = TeamFactory(municipality=user.municipality)
    _admin_change(beheerder_client, user, role=Role.HULPVERLENER, team=team.pk)
    assert (user.role, user.team, user.is_staff) == (Role.HULPVERLENER, team, False)
    [event] = _events()
    assert (event.actor_username, event.object_id) == ("beheer", str(user.pk))
    assert event.details == {"rol_was": "coordinator", "rol": "hulpverlener", "beheer": False}
    assert event.ip_address == "127.0.0.1"


def test_a_user_changed_in_the_admin_without_a_new_role_records_no_role_change(beheerder_client):
    user = UserFactory(username="werker", role=Role.COORDINATOR)
    _admin_change(beheerder_client, user, email="werker@example.org")
    assert (user.email, user.role) == ("werker@example.org", Role.COORDINATOR)
    assert _events() == []


def test_the_database_check_finds_users_whose_admin_does_not_follow_their_role():
    kept_out = _beheerder("buiten")
    let_in = UserFactory(username="binnen", role=Role.COORDINATOR)
    UserFactory(username="root", role="", municipality=None, is_staff=True, is_superuser=True)
    User.objects.filter(pk=kept_out.pk).update(is_staff=False)
    User.objects.filter(pk=let_in.pk).update(is_staff=True)
    [warning] = check_staff_follows_role(databases=["default"])
    assert warning.id == "organisations.W001"
    assert "2 gebruiker(s)" in warning.msg and "binnen, buiten." in warning.msg
    assert "change_role" in warning.hint
    assert check_staff_follows_role(databases=None) == []  # a database check: only when asked


def test_the_database_check_is_quiet_when_every_admin_follows_the_role():
    _beheerder()
    UserFactory(role=Role.COORDINATOR)
    User.objects.create_superuser("root", password="een-lang-wachtwoord-123")
    assert check_staff_follows_role(databases=["default"]) == []


def test_check_with_the_database_reports_a_role_updated_past_change_role(capsys):
    user = _beheerder()
    User.objects.filter(pk=user.pk).update(role=Role.PRIVACY_OFFICER)
    call_command("check", databases=["default"], tags=["database"])
    err = capsys.readouterr().err
    assert "organisations.W001" in err and "oud.beheer" in err
    with pytest.raises(SystemCheckError):  # a warning: fails only where warnings fail
        call_command("check", databases=["default"], tags=["database"], fail_level="WARNING")


def test_change_role_names_every_problem_of_the_new_role_at_once():
    """It named the first only: a coordinator made a creditor's employee was refused for the
    missing creditor, and once given one, for the municipality ("Een schuldeiser hoort niet bij
    een gemeente")."""
    user = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(UserError) as refused:
        change_role(user, Role.SCHULDEISER, by=None)
    assert str(refused.value) == (
        "Een medewerker van een schuldeiser hoort bij een schuldeiser: kies de schuldeiser. "
        "Een medewerker van een schuldeiser hoort niet bij een gemeente: "
        "maak het veld Gemeente leeg."
    )
    user.refresh_from_db()
    assert (user.role, _events()) == (Role.COORDINATOR, [])
