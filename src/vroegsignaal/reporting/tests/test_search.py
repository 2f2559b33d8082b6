"""Searching a household by address or a case by number: scoped, audited, the address in no URL."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import TeamFactory, UserFactory
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.registry.models import Address
from vroegsignaal.reporting.search import AddressSearchForm, shown_address

from .conftest import Town

pytestmark = pytest.mark.django_db

URL = "/signalen/zoeken/"


def _search(client, postcode: str, huisnummer: str):
    return client.post(
        URL,
        {"zoek": "adres", "adres-postcode": postcode, "adres-huisnummer": huisnummer},
        follow=True,
    )


def _at(
    town, postcode: str, number: int, letter: str = "", addition: str = "", street="Kerkstraat"
):
    address = Address.objects.create(
        postcode=postcode, huisnummer=number, huisletter=letter, toevoeging=addition,
        straatnaam=street, woonplaats="Voorbeeldstad", municipality=town.municipality, buurt=town.buurt,
    )  # fmt: skip
    return Household.objects.create(address=address, municipality=town.municipality)


def _worker(town, team):
    return UserFactory(
        username=f"werker-{team.code}", role=Role.HULPVERLENER, team=team,
        municipality=town.municipality,
    )  # fmt: skip


def test_the_url_is_the_one_the_navigation_links_to():
    assert reverse("reporting:search") == URL


def test_a_coordinator_finds_the_household_at_an_address_written_loosely(
    town, client, verified_client
):
    household = _at(town, "1234AB", 12)
    town.signal(household)
    verified_client(town.coordinator)
    response = _search(client, " 1234 ab ", "12")
    body = response.content.decode()
    assert response.redirect_chain == [(URL, 302)]  # post/redirect/get
    assert "1 huishouden op 1234 AB 12" in body
    assert reverse("reporting:household", args=[household.pk]) in body
    assert "Kerkstraat 12, 1234AB Voorbeeldstad" in body
    tray = reverse("reporting:tray", args=[town.tray.pk])
    assert (
        f'Meervoudig · Nieuw sinds 1 maart 2026 · werkbakje <a class="utrecht-link" href="{tray}">Meervoudig</a>'
        in body
    )


def test_the_address_searched_for_is_in_no_url_and_a_reload_searches_again_without_posting(
    town, client, verified_client
):
    _at(town, "1234AB", 12)
    verified_client(town.coordinator)
    response = _search(client, "1234AB", "12")
    assert all("1234" not in url for url, _ in response.redirect_chain)
    again = client.get(URL)  # the browser's reload of the results
    assert "1 huishouden op 1234 AB 12" in again.content.decode()


def test_a_number_without_letter_finds_every_address_with_that_number_and_with_a_letter_only_that_one(
    town, client, verified_client
):
    plain, with_a, with_label = (
        _at(town, "1234AB", 12),
        _at(town, "1234AB", 12, "A"),
        _at(town, "1234AB", 12, "", "2"),
    )
    _at(town, "1234AB", 13)
    verified_client(town.coordinator)
    body = _search(client, "1234AB", "12").content.decode()
    assert "3 huishoudens op 1234 AB 12" in body
    for household in (plain, with_a, with_label):
        assert reverse("reporting:household", args=[household.pk]) in body
    body = _search(client, "1234AB", "12a").content.decode()
    assert "1 huishouden op 1234 AB 12A" in body
    assert reverse("reporting:household", args=[with_a.pk]) in body
    assert reverse("reporting:household", args=[plain.pk]) not in body


def test_a_household_outside_the_register_is_found_by_its_delivered_address(
    town, client, verified_client
):
    household = Household.objects.create(
        unregistered_address="1234AB|99|B|", municipality=town.municipality
    )
    verified_client(town.coordinator)
    body = _search(client, "1234AB", "99").content.decode()
    assert reverse("reporting:household", args=[household.pk]) in body
    assert "1234AB 99B" in body and "buiten het adressenregister" in body


def test_a_coordinator_does_not_find_a_household_of_another_municipality(
    town, client, verified_client
):
    other = Town(code="0888", name="Elders")
    household = _at(other, "1234AB", 12)
    verified_client(town.coordinator)
    body = _search(client, "1234AB", "12").content.decode()
    assert reverse("reporting:household", args=[household.pk]) not in body
    assert "0 huishoudens op 1234 AB 12" in body
    assert (
        "Vroegsignaal kent alleen adressen waar een schuldeiser een achterstand heeft gemeld"
        in body
    )


def test_a_hulpverlener_finds_only_the_households_of_the_teams_open_cases(
    town, client, verified_client
):
    from vroegsignaal.cases.services import pick_up_signal

    ours, theirs, none = (
        _at(town, "1234AB", 12),
        _at(town, "1234AB", 12, "A"),
        _at(town, "1234AB", 12, "B"),
    )
    pick_up_signal(town.signal(ours), town.coordinator, team=town.team)
    zuid = TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    pick_up_signal(town.signal(theirs), town.coordinator, team=zuid)
    town.signal(none)
    verified_client(_worker(town, town.team))
    body = _search(client, "1234AB", "12").content.decode()
    assert "1 huishouden op 1234 AB 12" in body
    assert reverse("reporting:household", args=[ours.pk]) in body
    assert "Opgepakt" in body and "Wijkteam Noord" in body


def test_each_household_found_has_a_view_in_its_own_audit_trail_without_the_address(
    town, client, verified_client
):
    first, second = _at(town, "1234AB", 12), _at(town, "1234AB", 12, "A")
    verified_client(town.coordinator)
    _search(client, "1234AB", "12")
    events = AuditEvent.objects.filter(action=AuditAction.VIEW, purpose="zoeken")
    assert sorted(e.object_id for e in events) == sorted([str(first.pk), str(second.pk)])
    assert {e.object_type for e in events} == {"households.household"}
    assert all(e.details == {"zoekopdracht": "adres", "gevonden": 2} for e in events)
    assert all("1234" not in str(e.details) for e in events)


def test_a_search_that_finds_nothing_is_recorded_too(town, client, verified_client):
    verified_client(town.coordinator)
    _search(client, "9999ZZ", "1")
    event = AuditEvent.objects.get(action=AuditAction.VIEW, purpose="zoeken")
    assert event.object_id == "" and event.details == {"zoekopdracht": "adres", "gevonden": 0}


def test_a_wrong_postcode_and_number_are_said_at_the_fields_and_nothing_is_searched(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = client.post(
        URL, {"zoek": "adres", "adres-postcode": "12345", "adres-huisnummer": "nul"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Vul een Nederlandse postcode in: vier cijfers en twee letters, zoals 1234 AB." in body
    assert "Vul een huisnummer van 1 tot en met 99999 in" in body
    assert not AuditEvent.objects.filter(purpose="zoeken").exists()


def test_a_case_number_opens_the_case_page(town, client, verified_client):
    from vroegsignaal.cases.services import pick_up_signal

    case = pick_up_signal(town.signal(), town.coordinator, team=town.team)
    verified_client(town.coordinator)
    response = client.post(URL, {"zoek": "zaak", "zaak-zaaknummer": f" {case.pk} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


def test_a_case_of_another_team_is_not_found_and_the_try_is_recorded_without_the_number(
    town, client, verified_client
):
    from vroegsignaal.cases.services import pick_up_signal

    zuid = TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    case = pick_up_signal(town.signal(), town.coordinator, team=zuid)
    verified_client(_worker(town, town.team))
    response = client.post(URL, {"zoek": "zaak", "zaak-zaaknummer": str(case.pk)})
    assert response.status_code == 400
    assert "Er is geen zaak met dit nummer die u kunt inzien." in response.content.decode()
    event = AuditEvent.objects.get(purpose="zoeken")
    assert (event.object_type, event.object_id) == ("cases.case", "")
    assert event.details == {"zoekopdracht": "zaak", "gevonden": 0}


def test_a_bsn_typed_as_case_number_is_neither_shown_nor_recorded(town, client, verified_client):
    verified_client(town.coordinator)
    response = client.post(URL, {"zoek": "zaak", "zaak-zaaknummer": "111222333"})
    assert "111222333" not in response.content.decode().split("<main", 1)[1].replace(
        'value="111222333"', ""
    )
    assert "111222333" not in str(list(AuditEvent.objects.values()))


def test_clearing_the_search_forgets_the_address(town, client, verified_client):
    _at(town, "5678XY", 12)
    verified_client(town.coordinator)
    _search(client, "5678XY", "12")
    body = client.get(URL, {"wissen": "1"}, follow=True).content.decode()
    assert "5678" not in body


def test_other_roles_cannot_search(town, client, verified_client):
    for user in (
        UserFactory(
            username="schuldeiser", role=Role.SCHULDEISER, creditor=town.energie, municipality=None
        ),
        UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=town.municipality),
        UserFactory(username="beheer", role=Role.BEHEERDER, municipality=None),
    ):
        verified_client(user)
        assert client.get(URL).status_code == 403, user.role


@given(
    postcode=st.from_regex(r"[1-9][0-9]{3}[A-Z]{2}", fullmatch=True),
    number=st.integers(1, 99999),
    letter=st.sampled_from(["", "A", "b"]),
    addition=st.sampled_from(["", "-2", " hs"]),
)
def test_the_address_shown_is_what_the_form_understood(postcode, number, letter, addition):
    """Whatever is typed, the heading shows the address the search used, and reading that back
    gives the same search."""
    form = AddressSearchForm(
        {"adres-postcode": postcode.lower(), "adres-huisnummer": f"{number}{letter}{addition}"},
        prefix="adres",
    )
    if not form.is_valid():  # the forbidden letter pairs SA, SD, SS
        assert postcode[4:] in ("SA", "SD", "SS")
        return
    criteria = form.criteria()
    shown = shown_address(criteria)
    again = AddressSearchForm(
        {"adres-postcode": shown[:7], "adres-huisnummer": shown[8:]}, prefix="adres"
    )
    assert again.is_valid() and again.criteria() == criteria
