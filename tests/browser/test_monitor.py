"""Monitor figures and the DDAS export in a real browser: navigation, month choice, downloads, no CSP errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from vroegsignaal.cases import services as case_services
from vroegsignaal.reporting.tests.conftest import Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town():
    town = Town()
    town.wijk.inhabitants = 4000
    town.wijk.save()
    for day, creditor in [(dt.date(2026, 2, 1), town.energie), (dt.date(2026, 3, 1), town.huur)]:
        household = town.household()
        arrear = town.arrear(household, creditor, {day: 30_000})
        signal = town.signal(household, arrears=[arrear], signal_date=day)
    case_services.pick_up_signal(signal, town.coordinator, on=dt.date(2026, 3, 3))
    return town


def test_coordinator_reads_the_monitor_and_downloads_figures_and_ddas(
    page, live_server, town, screenshot
):
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(page.url)
            if m.type == "error"
            and "Content Security Policy" in m.text
            and "/signalen/monitor/" in page.url
            else None
        ),
    )
    log_in(
        page,
        live_server,
        town.coordinator,
        TOTPDevice.objects.create(user=town.coordinator, name="default"),
    )
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Monitor").click()
    page.get_by_role("heading", name="Kerncijfers maart 2026").wait_for()
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 1")
    screenshot("reporting-monitor")
    # On a laptop's screen (1280 px) all thirteen key figures are in view, not scrolled out of it.
    shown, wide = page.evaluate(
        "() => { const d = document.querySelector('.timeline-wrap:has(> table[aria-labelledby=kern])');"
        " return [d.clientWidth, d.scrollWidth]; }"
    )
    assert page.viewport_size["width"] == 1280
    assert wide <= shown

    page.get_by_label("Maand", exact=True).select_option("2026-02")
    page.get_by_role("button", name="Tonen").click()
    page.get_by_role("heading", name="Kerncijfers februari 2026").wait_for()

    with page.expect_download() as download:
        page.get_by_role("link", name="Alle maanden downloaden als CSV").click()
    rows = list(
        csv.DictReader(
            io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")), delimiter=";"
        )
    )
    assert {
        (r["maand"], r["aantal"]) for r in rows if r["wijkcode"] == "" and r["cijfer"] == "Opgepakt"
    } == {("2026-03", "1")}

    page.get_by_label("Van (signaaldatum)").fill("2026-02-01")
    page.get_by_label("Tot en met").fill("2026-03-31")
    with page.expect_download() as download:
        page.get_by_role("button", name="DDAS-bestand downloaden").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert len(document["leveringen"][0]["vroegsignaalzaken"]) == 1
    assert problems == []
