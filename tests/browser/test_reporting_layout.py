"""The coordinator's tray, household page, map and dashboard in Chromium: tables that fit a laptop,
the tray's bulk form (tick all, nothing ticked, sorting both ways) and picking up from the household page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.factories import CreditorFactory, TeamFactory
from vroegsignaal.cases.models import Case
from vroegsignaal.organisations.models import CreditorType
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.reporting.tests.conftest import Town
from vroegsignaal.signals.models import Signal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def busy_town():
    """A full tray page with long names, every flag and a team; eight creditor types on the dashboard."""
    town = Town()
    wijk = Neighbourhood.objects.create(
        code="WK099902", name="Binnenstad-Oost en Schildersbuurt", kind="wijk", municipality=town.municipality,
    )  # fmt: skip
    buurt = Neighbourhood.objects.create(
        code="BU09990201", name="Oud-Charlois Noordoostelijke Havenkwartier", kind="buurt", wijk=wijk,
        municipality=town.municipality, households=1234,
    )  # fmt: skip
    team = TeamFactory(
        municipality=town.municipality, code="TZ", name="Wijkteam Charlois-Zuidwijk en Tarwewijk"
    )
    creditors = [
        CreditorFactory(code=f"C{i}", name=f"Schuldeiser {label}", type=value)
        for i, (value, label) in enumerate(CreditorType.choices)
    ]
    for month in range(1, 7):
        for i, creditor in enumerate(creditors):
            household = town.household(buurt=buurt if i % 2 else town.buurt)
            arrear = town.arrear(household, creditor, {dt.date(2026, month, 1): 10_000 * (i + 1)})
            town.signal(
                household, crisis=i % 3 == 0, amount=1_234_567 + 1000 * i, signal_date=dt.date(2026, month, 1),
                priority=2353 - i, team=team if i % 2 else None, arrears=[arrear],
            )  # fmt: skip
    Signal.objects.filter(crisis=True).update(deadline=dt.date(2026, 12, 2))
    Signal.objects.filter(pk__in=list(Signal.objects.values_list("pk", flat=True)[:20])).update(
        repeat=True, debt_swap=True, status="opgepakt"
    )
    return town


def _sign_in(page, live_server, client, user):
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _overflow(page, selector: str) -> list[int]:
    """How far each box's content sticks out sideways (0: it fits)."""
    return page.eval_on_selector_all(
        selector, "boxes => boxes.map(b => b.scrollWidth - b.clientWidth)"
    )


def test_tray_table_fits_a_laptop_screen_with_status_and_team_in_view(
    page, live_server, client, busy_town, screenshot
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    assert _overflow(page, ".table-scroll") == [0]
    for name in ("Status", "Wijkteam"):
        box = page.get_by_role("columnheader", name=name, exact=True).bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"], name
    page.get_by_role("columnheader", name="Status", exact=True).scroll_into_view_if_needed()
    screenshot("reporting-tray-1280")


def test_map_table_fits_beside_the_map_on_a_laptop_screen(page, live_server, client, busy_town):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}{reverse('reporting:map')}")
    assert _overflow(page, ".table-scroll") == [0]
    per_thousand = page.get_by_role("columnheader", name="Per 1.000").bounding_box()
    assert per_thousand["x"] + per_thousand["width"] <= LAPTOP["width"]


def test_dashboard_tables_stand_full_width_under_their_charts_on_a_laptop_screen(
    page, live_server, client, busy_town, screenshot
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}{reverse('reporting:dashboard')}")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 3")
    assert _overflow(page, ".chart-table") == [0, 0, 0]
    main = page.locator("main").evaluate(
        "m => m.clientWidth - parseFloat(getComputedStyle(m).paddingLeft) * 2"
    )
    for box in page.locator(".chart-table").all():
        assert box.bounding_box()["width"] >= main - 1  # not half of it beside the chart
        caption = box.locator("caption")
        assert caption.evaluate(
            "c => c.scrollWidth <= c.parentElement.parentElement.clientWidth"
        )  # not cut off
    screenshot("reporting-dashboard-1280")


def test_reporting_pages_do_not_scroll_sideways_on_a_phone(page, live_server, client, busy_town):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(PHONE)
    new = Signal.objects.filter(status="nieuw").first()  # its household page has the pick-up forms
    for url in (
        reverse("reporting:tray", args=[busy_town.tray.pk]),
        reverse("reporting:household", args=[new.household_id]) + "?doel=signaalbehandeling",
        reverse("reporting:map"),
        reverse("reporting:dashboard"),
    ):
        page.goto(f"{live_server.url}{url}")
        wide = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 1, (url, wide)


def test_bulk_action_with_nothing_ticked_says_so_and_asks_nothing(
    page, live_server, client, busy_town
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    url = page.url
    page.get_by_role("button", name="Uitvoeren").click()
    page.get_by_role("alert").filter(has_text="Vink eerst een of meer signalen aan.").wait_for()
    assert asked == [] and page.url == url  # no question, nothing sent

    page.get_by_role("checkbox", name="kiezen").nth(1).check()  # ticking one clears the message
    assert page.locator("#bulk-none").inner_text() == ""
    page.get_by_role("button", name="Uitvoeren").click()
    assert asked and "niet ongedaan" in asked[0]  # now the portal asks (and was told no)
    assert not Case.objects.exists()


def test_header_box_ticks_every_signal_of_the_page(page, live_server, client, busy_town):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    rows = page.locator('input[name="signaal"]')
    everything = page.get_by_label("Alle signalen op deze pagina kiezen")
    everything.check()
    assert rows.count() == 50 and all(box.is_checked() for box in rows.all())
    rows.first.uncheck()
    assert everything.evaluate("box => !box.checked && box.indeterminate")  # some, not all
    everything.check()
    assert all(box.is_checked() for box in rows.all())
    everything.uncheck()
    assert not any(box.is_checked() for box in rows.all())


def test_clicking_a_sorted_column_again_reverses_it(page, live_server, client, busy_town):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    amount = page.get_by_role("columnheader", name="Totaalbedrag")
    amount.get_by_role("link").click()
    page.wait_for_url("**sorteer=bedrag**")
    assert amount.get_attribute("aria-sort") == "descending" and "▼" in amount.inner_text()
    largest = page.locator("tbody tr").first.locator("td").nth(5).inner_text()
    amount.get_by_role("link").click()
    page.wait_for_url("**sorteer=-bedrag**")
    assert amount.get_attribute("aria-sort") == "ascending" and "▲" in amount.inner_text()
    assert page.locator("tbody tr").first.locator("td").nth(5).inner_text() != largest
    assert page.get_by_role("columnheader", name="Prioriteit").get_attribute("aria-sort") is None


def test_coordinator_picks_up_a_signal_from_the_household_page(
    page, live_server, client, screenshot
):
    town = Town()
    other_team = TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    household = town.household(surname="Vermeulen")
    signal = town.signal(household, crisis=True, team=town.team)
    _sign_in(page, live_server, client, town.coordinator)
    page.goto(
        f"{live_server.url}{reverse('reporting:household', args=[household.pk])}?doel=signaalbehandeling"
    )
    team = page.get_by_label("Wijkteam voor de zaak")
    assert team.input_value() == str(town.team.pk)  # the signal's own team, chosen already
    screenshot("reporting-household-pick-up")
    team.select_option(label=other_team.name)

    page.once("dialog", lambda dialog: dialog.dismiss())  # second thoughts: nothing happens
    page.get_by_role("button", name="Oppakken", exact=True).click()
    assert not Case.objects.exists()

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Oppakken", exact=True).click()
    page.get_by_text("Het signaal is opgepakt.").wait_for()
    case = Case.objects.get(signal=signal)
    assert asked and asked[0].startswith("Dit signaal oppakken?")
    assert (
        page.url.endswith(reverse("cases:detail", args=[case.pk])) and case.team_id == other_team.pk
    )


def test_declining_from_the_household_page_needs_a_reason_first(page, live_server, client):
    town = Town()
    household = town.household()
    signal = town.signal(household)
    _sign_in(page, live_server, client, town.coordinator)
    page.goto(
        f"{live_server.url}{reverse('reporting:household', args=[household.pk])}?doel=signaalbehandeling"
    )
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Niet oppakken").click()
    assert asked == []  # the browser asks for the reason before anything else
    assert page.get_by_label("Reden").evaluate("select => !select.validity.valid")
    page.get_by_label("Reden").select_option("Niet opgepakt: onterecht signaal")
    page.get_by_role("button", name="Niet oppakken").click()
    page.get_by_text("Het signaal is als niet opgepakt gemarkeerd.").wait_for()
    assert asked and asked[0].startswith("Dit signaal niet oppakken?")
    signal.refresh_from_db()
    assert signal.status == "niet_opgepakt"


def test_a_bulk_decline_asks_for_its_reason_before_the_confirmation(page, live_server, client):
    """The confirmation once came first, and only then the server's "Kies een reden"."""
    town = Town()
    signal = town.signal(town.household())
    _sign_in(page, live_server, client, town.coordinator)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[town.tray.pk])}")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator(f'input[name="signaal"][value="{signal.pk}"]').check()
    page.get_by_label("Actie").select_option("niet_opgepakt")
    page.get_by_role("button", name="Uitvoeren").click()
    assert asked == []
    assert page.get_by_label("Reden (niet oppakken)").evaluate("select => !select.validity.valid")
    # Another action does not need it.
    page.get_by_label("Actie").select_option("oppakken")
    assert page.get_by_label("Reden (niet oppakken)").evaluate("select => select.validity.valid")
    page.get_by_label("Actie").select_option("niet_opgepakt")
    page.get_by_label("Reden (niet oppakken)").select_option("Niet opgepakt: onterecht signaal")
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_load_state()
    assert asked and asked[0].startswith("De gekozen actie uitvoeren")
