"""WCAG 2.1 AA checks with axe-core on the coordinator's reporting pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.browser.axe import violations
from vroegsignaal.reporting.tests.conftest import Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], [5.0, 52.0]]],
}


@pytest.fixture
def signed_in(axe_page, live_server, client):
    town = Town()
    town.buurt.geometry, town.buurt.households = SQUARE, 500
    town.buurt.save()
    household = town.household()
    energy = town.arrear(
        household, town.energie, {dt.date(2026, 1, 1): 9_000, dt.date(2026, 2, 1): 14_500}
    )
    town.signal(household, crisis=True, arrears=[energy], signal_date=dt.date(2026, 2, 1))
    TOTPDevice.objects.create(user=town.coordinator, name="default", confirmed=True)
    login_verified(client, town.coordinator)
    cookie = client.cookies["sessionid"]
    axe_page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )
    return town, household


@pytest.mark.parametrize("page_name", ["trays", "tray", "household", "map", "dashboard", "monitor"])
def test_reporting_page_meets_wcag_aa(page_name, axe_page, live_server, signed_in):
    town, household = signed_in
    url = {
        "trays": reverse("reporting:trays"),
        "tray": reverse("reporting:tray", args=[town.tray.pk]),
        "household": reverse("reporting:household", args=[household.pk]),
        "map": reverse("reporting:map"),
        "dashboard": reverse("reporting:dashboard"),
        "monitor": reverse("reporting:monitor"),
    }[page_name]
    axe_page.goto(f"{live_server.url}{url}")
    if page_name == "map":
        axe_page.locator("#vs-map path.leaflet-interactive").first.wait_for()
    assert violations(axe_page) == []
