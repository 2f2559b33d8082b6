"""The start page says who is logged in, mid-sentence in lower case."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = pytest.mark.django_db


def test_home_page_names_the_role_in_lower_case_mid_sentence(client, verified_client):
    municipality = MunicipalityFactory(code="0998", name="Proefdorp")
    verified_client(UserFactory(role=Role.COORDINATOR, municipality=municipality))
    body = client.get("/").content.decode()
    assert "U bent ingelogd als coördinator vroegsignalering bij " in body
