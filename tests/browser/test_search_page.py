"""The search page in Chromium: a coordinator finds a household by its address as people write it,
the address stays out of the address bar, a reload shows the results again, and the result opens
the household (after its purpose); on a phone the result reads without scrolling sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from vroegsignaal.households.models import Household
from vroegsignaal.registry.models import Address
from vroegsignaal.reporting.tests.conftest import Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in(page, live_server, client, user):
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture
def town_with_address():
    town = Town()
    address = Address.objects.create(
        postcode="3072AB", huisnummer=12, huisletter="A", straatnaam="Hillevliet-Noordzijde",
        woonplaats="Voorbeeldstad", municipality=town.municipality, buurt=town.buurt,
    )  # fmt: skip
    household = Household.objects.create(address=address, municipality=town.municipality)
    town.signal(household, crisis=True)
    return town, household


def test_a_coordinator_finds_a_household_by_address_and_opens_it(
    page, live_server, client, town_with_address, screenshot
):
    town, household = town_with_address
    _sign_in(page, live_server, client, town.coordinator)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Zoeken", exact=True).first.click()
    page.get_by_label("Postcode").fill("3072 ab")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_role("button", name="Zoeken op adres").click()
    page.wait_for_selector("table.search-results")
    assert "3072" not in page.url and "12" not in page.url.split("/zoeken/")[1]
    assert page.get_by_role("heading", name="1 huishouden op 3072 AB 12").is_visible()
    assert page.get_by_label("Postcode").input_value() == "3072 AB"  # the form keeps the search
    screenshot("search-laptop")

    page.reload()  # no "resend the form?" question: the results come from a GET
    assert page.get_by_role("heading", name="1 huishouden op 3072 AB 12").is_visible()

    page.get_by_role("link", name="Hillevliet-Noordzijde 12A, 3072AB Voorbeeldstad").click()
    page.get_by_role("button", name="Huishouden openen").click()
    page.wait_for_url(f"**{reverse('reporting:household', args=[household.pk])}?doel=*")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hillevliet-Noordzijde 12A")


def test_the_search_result_fits_a_phone(page, live_server, client, town_with_address, screenshot):
    town, _household = town_with_address
    _sign_in(page, live_server, client, town.coordinator)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('reporting:search')}")
    page.get_by_label("Postcode").fill("3072AB")
    page.get_by_label("Huisnummer").fill("12a")
    page.get_by_role("button", name="Zoeken op adres").click()
    page.wait_for_selector("table.search-results")
    screenshot("search-phone")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
