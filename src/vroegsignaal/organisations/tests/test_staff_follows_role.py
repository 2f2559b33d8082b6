"""The way into the admin follows the role: a beheerder given another role leaves the admin
with it (``is_staff`` was set for a beheerder and never cleared), a user made beheerder enters
it, and a superuser keeps the flag Django gave it."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role, User
from vroegsignaal.organisations.services import create_user

pytestmark = pytest.mark.django_db


def _former_beheerder() -> User:
    user, _ = create_user("oud.beheer", Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    assert user.is_staff
    return user


def _change_role_in_the_admin(client, user: User, role: str, municipality=None):
    data = {
        "username": user.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": role,
        "municipality": municipality.pk if municipality else "",
        "team": "",
        "creditor": "",
        "is_active": "on",
        "must_change_password": "",
    }
    response = client.post(f"/beheer/organisations/user/{user.pk}/change/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    return user


def test_a_beheerder_made_coordinator_in_the_admin_leaves_the_admin(beheerder_client):
    user = _former_beheerder()
    _change_role_in_the_admin(beheerder_client, user, Role.COORDINATOR, MunicipalityFactory())
    assert (user.role, user.is_staff) == (Role.COORDINATOR, False)


def test_a_coordinator_made_beheerder_in_the_admin_enters_the_admin(beheerder_client):
    user = UserFactory(username="nieuw.beheer", role=Role.COORDINATOR)
    assert not user.is_staff
    _change_role_in_the_admin(beheerder_client, user, Role.BEHEERDER)
    assert (user.role, user.is_staff) == (Role.BEHEERDER, True)


def test_a_former_beheerder_is_sent_to_the_admins_log_in(verified_client):
    user = _former_beheerder()
    user.role, user.municipality = Role.PRIVACY_OFFICER, MunicipalityFactory()
    user.save()
    response = verified_client(user).get("/beheer/")
    assert response.status_code == 302 and "/beheer/login/" in response["Location"]


def test_a_beheerder_given_another_role_by_the_model_loses_staff():
    user = _former_beheerder()
    user.role, user.municipality = Role.COORDINATOR, MunicipalityFactory()
    user.save()
    user.refresh_from_db()
    assert not user.is_staff


def test_a_role_saved_with_update_fields_takes_staff_along():
    user = _former_beheerder()
    user.role, user.municipality = Role.COORDINATOR, MunicipalityFactory()
    user.save(update_fields=["role", "municipality"])
    user.refresh_from_db()
    assert not user.is_staff


def test_a_coordinator_made_beheerder_by_the_model_gets_staff():
    user = UserFactory(role=Role.COORDINATOR)
    user.role, user.municipality = Role.BEHEERDER, None
    user.save()
    user.refresh_from_db()
    assert user.is_staff


def test_a_superuser_without_a_role_keeps_the_admin():
    user = User.objects.create_superuser("root", password="een-lang-wachtwoord-123")
    user.first_name = "Beheer"
    user.save()
    user.refresh_from_db()
    assert (user.role, user.is_staff) == ("", True)


def test_a_superuser_beheerder_given_another_role_keeps_the_admin():
    user = UserFactory(role=Role.BEHEERDER, municipality=None, is_superuser=True)
    user.role = Role.PRIVACY_OFFICER
    user.save()
    user.refresh_from_db()
    assert user.is_staff


def test_the_migration_takes_the_admin_from_users_who_left_the_beheerder_role():
    """Users saved before the fix kept ``is_staff``; the migration clears it, and only theirs."""
    left = UserFactory(username="oud.beheer", role=Role.COORDINATOR)
    beheerder = UserFactory(username="beheer", role=Role.BEHEERDER, municipality=None)
    superuser = UserFactory(username="root", role="", municipality=None, is_superuser=True)
    User.objects.update(is_staff=True)  # as the rows were: set once, never cleared
    migration = import_module("vroegsignaal.organisations.migrations.0003_staff_follows_role")
    migration.revoke_staff_of_other_roles(apps, None)
    staff = dict(User.objects.values_list("username", "is_staff"))
    assert staff == {left.username: False, beheerder.username: True, superuser.username: True}
