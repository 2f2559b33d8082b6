"""The start page says who is logged in, mid-sentence in lower case, and links to the role's pages."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = pytest.mark.django_db


def test_home_page_names_the_role_in_lower_case_mid_sentence(client, verified_client):
    municipality = MunicipalityFactory(code="0998", name="Proefdorp")
    verified_client(UserFactory(role=Role.COORDINATOR, municipality=municipality))
    body = client.get("/").content.decode()
    assert "U bent ingelogd als coördinator vroegsignalering (Proefdorp)." in body


@pytest.mark.parametrize(
    ("role", "href"),
    [
        (Role.COORDINATOR, "/signalen/werkbakjes/"),
        (Role.HULPVERLENER, "/zaken/"),
        (Role.SCHULDEISER, "/leveringen/"),
        (Role.BEHEERDER, "/beheer/"),
    ],
)
def test_home_page_links_to_the_roles_pages_instead_of_promising_them_for_later(
    client, verified_client, role, href
):
    from tests.factories import CreditorFactory, TeamFactory

    municipality = MunicipalityFactory(code="0997", name="Linkdorp")
    extra = {
        Role.COORDINATOR: {"municipality": municipality},
        Role.HULPVERLENER: {"municipality": None, "team": TeamFactory(municipality=municipality)},
        Role.SCHULDEISER: {"municipality": None, "creditor": CreditorFactory()},
        Role.BEHEERDER: {"municipality": None},
    }[role]
    verified_client(UserFactory(role=role, **extra))
    body = client.get("/").content.decode()
    assert "Wat u hier straks vindt" not in body
    assert f'<a class="utrecht-link" href="{href}">' in body
