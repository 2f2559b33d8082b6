"""A wijkteam's wijken and buurten are typed as codes, one a line or separated by commas, not
as JSON; codes the municipality's register does not know are refused by name. Stored as the
JSON list it always was."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, TeamFactory
from vroegsignaal.organisations.models import Team
from vroegsignaal.registry.models import Neighbourhood

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="0777", name="Nieuwstad")
    wijk = Neighbourhood.objects.create(
        code="WK077701", name="Centrum", kind="wijk", municipality=municipality
    )
    Neighbourhood.objects.create(
        code="BU07770101", name="Oud", kind="buurt", wijk=wijk, municipality=municipality
    )
    return municipality


def _data(municipality, codes: str) -> dict:
    return {
        "municipality": municipality.pk,
        "code": "NIEUW",
        "name": "Wijkteam Nieuw",
        "neighbourhood_codes": codes,
    }


def test_codes_are_typed_one_a_line_or_with_commas_and_stored_as_a_list(
    beheerder_client, municipality
):
    response = beheerder_client.post(
        "/beheer/organisations/team/add/", _data(municipality, "WK077701,\r\n bu07770101\r\n")
    )
    assert response.status_code == 302
    assert Team.objects.get(code="NIEUW").neighbourhood_codes == ["WK077701", "BU07770101"]


def test_the_form_shows_the_codes_one_a_line_not_as_json(beheerder_client, municipality):
    team = TeamFactory(municipality=municipality, neighbourhood_codes=["WK077701", "BU07770101"])
    page = beheerder_client.get(f"/beheer/organisations/team/{team.pk}/change/").content.decode()
    assert "WK077701\nBU07770101</textarea>" in page
    assert "[&quot;WK077701&quot;" not in page


def test_codes_the_register_does_not_know_are_refused_by_name(beheerder_client, municipality):
    response = beheerder_client.post(
        "/beheer/organisations/team/add/", _data(municipality, "WK077701, WK077799, BU07770199")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "WK077799, BU07770199 staan niet in het register van Nieuwstad." in body
    assert "Voer een geldige JSON in." not in body
    assert not Team.objects.exists()


def test_a_code_of_another_municipality_is_still_refused(beheerder_client, municipality):
    response = beheerder_client.post(
        "/beheer/organisations/team/add/", _data(municipality, "BU03630001")
    )
    assert response.status_code == 200
    assert "BU03630001 hoort niet bij deze gemeente." in response.content.decode()


def test_a_code_the_team_already_had_is_kept(beheerder_client, municipality):
    team = TeamFactory(municipality=municipality, neighbourhood_codes=["WK077799"])
    data = {**_data(municipality, "WK077799\nWK077701"), "code": team.code, "name": team.name}
    response = beheerder_client.post(f"/beheer/organisations/team/{team.pk}/change/", data)
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.neighbourhood_codes == ["WK077799", "WK077701"]


def test_empty_is_no_neighbourhoods(beheerder_client, municipality):
    response = beheerder_client.post("/beheer/organisations/team/add/", _data(municipality, ""))
    assert response.status_code == 302
    assert Team.objects.get(code="NIEUW").neighbourhood_codes == []


@pytest.mark.parametrize("typed", ["123456782", "Jansen", "WK07770A"])
def test_a_text_that_is_no_code_is_refused_without_repeating_it(
    beheerder_client, municipality, typed
):
    response = beheerder_client.post(
        "/beheer/organisations/team/add/", _data(municipality, f"WK077701\n{typed}")
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["neighbourhood_codes"]
    assert error.startswith("Een code is een wijkcode (WK) of buurtcode (BU) met cijfers")
    assert typed not in error and typed.upper() not in error
    assert not Team.objects.exists()
