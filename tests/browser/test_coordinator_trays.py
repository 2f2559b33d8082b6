"""A coordinator in a real browser: trays, filter on a wijk, household view, map click-through, dashboard, export."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from vroegsignaal.cases.models import Case
from vroegsignaal.reporting.tests.conftest import Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], [5.0, 52.0]]],
}
OTHER = {
    "type": "Polygon",
    "coordinates": [[[5.1, 52.0], [5.2, 52.0], [5.2, 52.1], [5.1, 52.1], [5.1, 52.0]]],
}


@pytest.fixture
def town():
    town = Town()
    town.buurt.geometry, town.buurt.households = SQUARE, 500
    town.buurt.save()
    town.other_buurt.geometry, town.other_buurt.households = OTHER, 800
    town.other_buurt.save()
    household = town.household(buurt=town.buurt, surname="Vermeulen")
    energy = town.arrear(
        household, town.energie, {dt.date(2026, 1, 1): 9_000, dt.date(2026, 2, 1): 14_500}
    )
    rent = town.arrear(household, town.huur, {dt.date(2026, 2, 1): 65_000})
    town.signal(
        household,
        crisis=True,
        amount=79_500,
        arrears=[energy, rent],
        explanation="Twee schuldeisers.",
    )
    town.signal(town.household(buurt=town.other_buurt), signal_date=dt.date(2026, 2, 1))
    return town


def test_coordinator_works_through_trays_household_map_dashboard_and_export(
    page, live_server, town, screenshot
):
    # Content Security Policy violations per page. The base template's htmx injects its indicator
    # style on every page (the home page too); our pages must add none of their own.
    violations: dict[str, int] = {}

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            path = page.url.removeprefix(live_server.url)
            violations[path] = violations.get(path, 0) + 1

    page.on("console", on_console)
    log_in(
        page,
        live_server,
        town.coordinator,
        TOTPDevice.objects.create(user=town.coordinator, name="default"),
    )

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Werkbakjes").click()
    page.get_by_role("heading", name="Werkbakjes", level=1).wait_for()
    screenshot("reporting-trays")
    page.get_by_role("link", name="Meervoudig").click()
    page.get_by_label("Wijk of buurt").select_option(town.buurt.code)
    page.get_by_role("button", name="Filteren").click()
    page.get_by_text("1 signaal").wait_for()
    screenshot("reporting-tray-filtered")

    page.get_by_role("checkbox", name="kiezen").first.check()
    page.get_by_label("Actie").select_option("oppakken")
    page.get_by_label("Wijkteam (oppakken, toewijzen)").select_option(label=town.team.name)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Uitvoeren").click()
    page.get_by_text(f"1 signaal opgepakt voor {town.team.name} (zaak").wait_for()
    assert asked and "niet ongedaan" in asked[0]  # asked before anything irreversible
    assert Case.objects.get().team_id == town.team.pk
    assert (
        page.get_by_label("Wijk of buurt").input_value() == town.buurt.code
    )  # the filter stayed put

    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Excel", exact=True
        ).click()  # "Downloaden met de huidige filters: Excel, CSV"
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.max_row == 2  # the header and the one filtered signal

    page.get_by_role("link", name="Dorpsweg").first.click()
    page.get_by_role("heading", name="Achterstanden per schuldeiser").wait_for()
    assert page.get_by_text("Vermeulen").is_visible()
    assert page.get_by_role("cell", name="€ 145,00").first.is_visible()
    screenshot("reporting-household")
    household_url = page.url

    # A neighbourhood's name comes from an imported file: the tooltip shows it as text.
    town.other_buurt.name = "Buurt <b>Oost</b>"
    town.other_buurt.save()
    page.goto(f"{live_server.url}/signalen/kaart/")
    page.locator("#vs-map path.leaflet-interactive").first.wait_for()
    assert page.locator("#vs-map path.leaflet-interactive").count() == 2
    for shape in page.locator("#vs-map path.leaflet-interactive").all():
        shape.hover()
    tips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any(
        t.startswith("Buurt <b>Oost</b>: ") and "per 1.000 huishoudens" in t for t in tips
    ), tips
    assert page.locator(".leaflet-tooltip b").count() == 0
    # One signal is "1 signaal", not "1 signalen".
    counts = [re.search(r": (\d+) (signaal|signalen),", t) for t in tips]
    assert all(c and (c[2] == "signaal") == (c[1] == "1") for c in counts), tips
    legend = page.locator(".vs-map-legend").inner_text()
    assert "," in legend and not re.search(r"\d\.\d", legend), (
        f"the legend writes decimals the Dutch way: {legend!r}"
    )
    # Leaflet's zoom buttons speak the page's language, not "Zoom in".
    assert page.get_by_role("button", name="Inzoomen").is_visible()
    assert page.get_by_role("button", name="Uitzoomen").is_visible()
    screenshot("reporting-map")
    page.locator("#vs-map path.leaflet-interactive").first.click()
    page.get_by_text(f"Alleen signalen in {town.buurt.name}").wait_for()

    page.goto(f"{live_server.url}/signalen/dashboard/")
    page.locator("canvas.vs-chart").first.wait_for()
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 2")
    screenshot("reporting-dashboard")
    # On a phone a wide table scrolls within itself; the page does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (
        household_url,
        f"{live_server.url}/signalen/werkbakjes/",
        f"{live_server.url}/signalen/kaart/",
    ):
        page.goto(url)
        wide = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 1, (url, wide)
    page.goto(f"{live_server.url}/signalen/dashboard/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 2")
    # The charts keep their height on a phone (their aspect ratio left a sliver under the legend).
    assert all(
        box["height"] >= 300
        for box in (c.bounding_box() for c in page.locator("canvas.vs-chart").all())
    )
    baseline = violations.get("/", 0)
    assert {
        p: n for p, n in violations.items() if n > baseline and not p.startswith("/account/")
    } == {}
