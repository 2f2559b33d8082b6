"""A user made or changed in the admin: choices that contradict each other are refused with a
Dutch message instead of being silently replaced, and teams are told apart by their municipality."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role, User

pytestmark = pytest.mark.django_db


def test_a_hulpverlener_in_a_team_of_another_municipality_is_refused(beheerder_client):
    team = TeamFactory(name="Wijkteam Noord", municipality=MunicipalityFactory(name="Oostdorp"))
    other = MunicipalityFactory(name="Westdorp")
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {
            "username": "h.devries",
            "role": Role.HULPVERLENER,
            "municipality": other.pk,
            "team": team.pk,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Het wijkteam ‘Wijkteam Noord’ hoort bij Oostdorp" in body and "niet bij Westdorp" in body
    )
    assert not User.objects.filter(username="h.devries").exists()


def test_a_hulpverlener_with_only_a_team_gets_the_teams_municipality(beheerder_client):
    team = TeamFactory()
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {"username": "h.bakker", "role": Role.HULPVERLENER, "team": team.pk},
    )
    assert response.status_code == 302
    assert User.objects.get(username="h.bakker").municipality == team.municipality


def test_teams_of_the_same_name_are_told_apart_by_their_municipality(beheerder_client):
    TeamFactory(name="Wijkteam Noord", municipality=MunicipalityFactory(name="Oostdorp"))
    TeamFactory(name="Wijkteam Noord", municipality=MunicipalityFactory(name="Westdorp"))
    for url in (
        "/beheer/organisations/user/add/",
        f"/beheer/organisations/user/{UserFactory().pk}/change/",
    ):
        body = beheerder_client.get(url).content.decode()
        assert "Wijkteam Noord — Oostdorp" in body and "Wijkteam Noord — Westdorp" in body


def test_a_beheerder_with_a_municipality_is_refused(beheerder_client):
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {"username": "b.nieuw", "role": Role.BEHEERDER, "municipality": MunicipalityFactory().pk},
    )
    assert response.status_code == 200
    assert "Een beheerder hoort niet bij een gemeente" in response.content.decode()
    assert not User.objects.filter(username="b.nieuw").exists()


def test_a_user_name_that_differs_only_in_capitals_is_refused(beheerder_client):
    UserFactory(username="k.jansen")
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {"username": "K.Jansen", "role": Role.PRIVACY_OFFICER},
    )
    assert response.status_code == 200
    assert "Er is al een gebruiker k.jansen" in response.content.decode()
    assert User.objects.count() == 2  # the beheerder and k.jansen


def test_a_user_is_deactivated_on_the_change_page(beheerder_client):
    user = UserFactory(username="vertrokken", role=Role.COORDINATOR)
    data = {
        "username": user.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": user.role,
        "municipality": user.municipality_id,
        "team": "",
        "creditor": "",
        "must_change_password": "",
        # is_active left out: unticked
    }
    response = beheerder_client.post(f"/beheer/organisations/user/{user.pk}/change/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
