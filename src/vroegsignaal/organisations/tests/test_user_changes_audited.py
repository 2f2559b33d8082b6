"""Changes to a user's rights are in the audit log (BIO 12.4.1), not only in the admin's history:
a user made (``create_user``, the admin, the command line), a new organisation (what the user
can see), deactivated or active again, and the superuser flag. Each goes through
``organisations.services`` and is one event, with codes and booleans in its details, for the
privacy officer of the municipality concerned; a move between municipalities is seen by both."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role, User
from vroegsignaal.organisations.services import change_user, create_user
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

USER_PURPOSES = (
    "gebruiker aangemaakt",
    "rol gewijzigd",
    "organisatie gewijzigd",
    "gebruiker gedeactiveerd",
    "gebruiker geactiveerd",
    "supergebruiker gewijzigd",
    "gebruikersnaam gewijzigd",
)


def _events(purpose: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(purpose__in=USER_PURPOSES).order_by("seq")
    return list(events.filter(purpose=purpose) if purpose else events)


def _admin_change(client, user: User, **changes) -> User:
    data = {
        "username": user.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": user.role,
        "municipality": user.municipality_id or "",
        "team": user.team_id or "",
        "creditor": user.creditor_id or "",
        "is_active": "on" if user.is_active else "",
        "must_change_password": "",
        **changes,
    }
    response = client.post(f"/beheer/organisations/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    return user


# --- a user made -------------------------------------------------------------------


def test_create_user_records_the_new_user_with_its_role_and_organisation_codes():
    team = TeamFactory(code="T0363-NOORD", municipality=MunicipalityFactory(code="0363"))
    user, _ = create_user("h.bakker", Role.HULPVERLENER, "T0363-NOORD", email="h@example.org")
    [event] = _events()
    assert (event.purpose, event.action) == ("gebruiker aangemaakt", AuditAction.CREATE)
    assert (event.object_type, event.object_id) == ("organisations.user", str(user.pk))
    assert (event.actor_username, event.organisation) == ("", "systeem")
    assert event.details == {
        "rol": "hulpverlener",
        "gemeente": "0363",
        "wijkteam": "T0363-NOORD",
        "beheer": False,
    }
    assert "h@example.org" not in str(event.details)
    assert (event.municipality_id, event.municipality_code) == (team.municipality_id, "0363")


def test_the_create_user_command_records_a_creditors_user_for_the_platform_only():
    CreditorFactory(code="WATERNET")
    call_command(
        "create_user", "s.visser", "--role", "schuldeiser", "--organisation", "WATERNET",
        stdout=io.StringIO(),
    )  # fmt: skip
    [event] = _events()
    assert event.purpose == "gebruiker aangemaakt"
    assert event.object_id == str(User.objects.get(username="s.visser").pk)
    assert event.details == {
        "rol": "schuldeiser",
        "schuldeiser": "WATERNET",
        "beheer": False,
    }
    assert event.municipality_id is None  # a creditor's user belongs to no municipality


def test_a_beheerder_made_by_create_user_is_recorded_with_the_way_into_the_admin():
    create_user("b.nieuw", Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    [event] = _events()
    assert event.details == {"rol": "beheerder", "beheer": True}


def test_a_user_made_in_the_admin_is_in_the_audit_log(beheerder_client):
    town = MunicipalityFactory(code="0344")
    before = {e.pk for e in _events()}  # the fixture's beheerder was made by create_user
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {
            "username": "nieuwe.coordinator",
            "email": "c@example.org",
            "first_name": "Carla",
            "last_name": "de Vries",
            "role": Role.COORDINATOR,
            "municipality": town.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="nieuwe.coordinator")
    [event] = [e for e in _events() if e.pk not in before]
    assert (event.purpose, event.action) == ("gebruiker aangemaakt", AuditAction.CREATE)
    assert (event.actor_username, event.object_id) == ("beheer", str(user.pk))
    assert event.details == {
        "rol": "coordinator",
        "gemeente": "0344",
        "beheer": False,
    }
    assert not {"Carla", "de Vries", "c@example.org"} & set(map(str, event.details.values()))
    assert (event.municipality_id, event.ip_address) == (town.pk, "127.0.0.1")
    assert user.must_change_password


# --- a new organisation ----------------------------------------------------------------


def test_a_new_team_in_the_same_municipality_is_one_event_for_that_municipality():
    town = MunicipalityFactory(code="0363")
    north = TeamFactory(code="NOORD", municipality=town)
    south = TeamFactory(code="ZUID", municipality=town)
    user = UserFactory(role=Role.HULPVERLENER, team=north, municipality=town)
    user.team = south
    assert change_user(user, by=None) == ["organisatie gewijzigd"]
    [event] = _events()
    assert (event.purpose, event.action) == ("organisatie gewijzigd", AuditAction.UPDATE)
    assert event.object_id == str(user.pk)
    assert event.details == {
        "gemeente_was": "0363",
        "gemeente": "0363",
        "wijkteam_was": "NOORD",
        "wijkteam": "ZUID",
    }
    assert event.municipality_id == town.pk


def test_a_move_to_another_municipality_is_seen_by_the_one_left_and_the_one_joined():
    left, joined = MunicipalityFactory(code="0363"), MunicipalityFactory(code="0344")
    user = UserFactory(role=Role.COORDINATOR, municipality=left)
    user.municipality = joined
    assert change_user(user, by=None) == ["organisatie gewijzigd"]
    events = _events()
    assert [(e.purpose, e.municipality_code) for e in events] == [
        ("organisatie gewijzigd", "0363"),
        ("organisatie gewijzigd", "0344"),
    ]
    for event in events:
        assert event.object_id == str(user.pk)
        assert event.details == {"gemeente_was": "0363", "gemeente": "0344"}


def test_a_coordinator_made_a_creditors_user_in_the_admin_records_role_and_organisation(
    beheerder_client,
):
    town, creditor = MunicipalityFactory(code="0363"), CreditorFactory(code="ENECO")
    user = UserFactory(username="overstap", role=Role.COORDINATOR, municipality=town)
    before = {e.pk for e in _events()}
    _admin_change(
        beheerder_client,
        user,
        role=Role.SCHULDEISER,
        municipality="",
        creditor=creditor.pk,
    )
    assert (user.role, user.municipality, user.creditor) == (Role.SCHULDEISER, None, creditor)
    events = [e for e in _events() if e.pk not in before]
    assert [(e.purpose, e.actor_username, e.municipality_code) for e in events] == [
        ("rol gewijzigd", "beheer", "0363"),
        ("organisatie gewijzigd", "beheer", "0363"),  # the municipality left; no other joined
    ]
    assert events[0].details == {"rol_was": "coordinator", "rol": "schuldeiser", "beheer": False}
    assert events[1].details == {
        "gemeente_was": "0363",
        "gemeente": None,
        "schuldeiser_was": None,
        "schuldeiser": "ENECO",
    }
    assert {e.ip_address for e in events} == {"127.0.0.1"}


def test_a_creditors_user_moved_to_another_creditor_is_an_event_without_a_municipality():
    first, second = CreditorFactory(code="EERSTE"), CreditorFactory(code="TWEEDE")
    user = UserFactory(role=Role.SCHULDEISER, municipality=None, creditor=first)
    user.creditor = second
    change_user(user, by=None)
    [event] = _events()
    assert event.details == {"schuldeiser_was": "EERSTE", "schuldeiser": "TWEEDE"}
    assert event.municipality_id is None


# --- deactivated and active again ----------------------------------------------------------


def test_deactivating_and_reactivating_a_user_in_the_admin_is_in_the_audit_log(beheerder_client):
    user = UserFactory(username="vertrokken", role=Role.COORDINATOR)
    before = {e.pk for e in _events()}
    _admin_change(beheerder_client, user, is_active="")
    assert not user.is_active
    _admin_change(beheerder_client, user, is_active="on")
    assert user.is_active
    events = [e for e in _events() if e.pk not in before]
    assert [(e.purpose, e.action, e.details) for e in events] == [
        ("gebruiker gedeactiveerd", AuditAction.UPDATE, {"actief": False}),
        ("gebruiker geactiveerd", AuditAction.UPDATE, {"actief": True}),
    ]
    for event in events:
        assert (event.actor_username, event.object_id) == ("beheer", str(user.pk))
        assert event.municipality_id == user.municipality_id


# --- the superuser flag ------------------------------------------------------------------


def test_a_superuser_flag_given_in_the_shell_is_recorded():
    user = UserFactory(role=Role.PRIVACY_OFFICER)
    user.is_superuser = True
    assert change_user(user, by=None) == ["supergebruiker gewijzigd"]
    [event] = _events()
    assert event.details == {
        "supergebruiker_was": False,
        "supergebruiker": True,
        "beheer": False,
    }
    assert event.municipality_id == user.municipality_id


def test_a_superuser_flag_taken_away_records_it_with_the_admin_it_loses():
    user = UserFactory(role=Role.PRIVACY_OFFICER, is_superuser=True, is_staff=True)
    assert user.is_staff
    user.is_superuser = False
    assert change_user(user, by=None) == ["supergebruiker gewijzigd"]  # not also a role change
    user.refresh_from_db()
    assert user.is_staff is False
    [event] = _events()
    assert event.details == {
        "supergebruiker_was": True,
        "supergebruiker": False,
        "beheer": False,
    }


# --- nothing of the rights changed -----------------------------------------------------------


def test_change_user_without_a_change_of_rights_saves_and_records_nothing():
    user = UserFactory(role=Role.COORDINATOR)
    user.email, user.first_name = "nieuw@example.org", "Kees"
    assert change_user(user, by=None) == []
    user.refresh_from_db()
    assert (user.email, user.first_name) == ("nieuw@example.org", "Kees")
    assert _events() == []


def test_a_new_user_name_given_in_the_admin_links_the_old_name_to_the_new(beheerder_client):
    """The audit log names each actor by the user name of the moment: a renamed user's events
    before and after the change are linked by this one event."""
    municipality = MunicipalityFactory(code="0363")
    user = UserFactory(username="j.jansen", role=Role.COORDINATOR, municipality=municipality)
    _admin_change(beheerder_client, user, username="j.jansen-devries")
    [event] = _events("gebruikersnaam gewijzigd")
    assert (event.purpose, event.action) == ("gebruikersnaam gewijzigd", AuditAction.UPDATE)
    assert (event.object_type, event.object_id) == ("organisations.user", str(user.pk))
    assert event.details == {"gebruikersnaam_was": "j.jansen", "gebruikersnaam": "j.jansen-devries"}
    assert event.municipality_id == municipality.pk
