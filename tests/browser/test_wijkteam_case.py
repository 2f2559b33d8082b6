"""A wijkteam worker in a real browser: home page deadlines, the case, a home visit, the letter, the outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.factories import TeamFactory, UserFactory
from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, ContactAttempt
from vroegsignaal.cases.tests.conftest import make_signal
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.tests.conftest import world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROW_EDGES = """() => {
  const row = document.querySelector('.case-row--overdue');
  const style = (el) => getComputedStyle(el);
  return {
    stripe: parseFloat(style(row.cells[0]).borderInlineStartWidth),
    header_line: parseFloat(style(row.querySelector('th')).borderBottomWidth),
    cell_line: parseFloat(style(row.querySelector('td')).borderBottomWidth),
  };
}"""


def test_worker_sees_the_overdue_case_logs_a_home_visit_and_records_the_outcome(
    page,
    live_server,
    world,  # noqa: F811
    screenshot,
):
    team = TeamFactory(
        municipality=world.municipality, code="NOORD", name="Wijkteam Noord",
        phone="020-1234567", email="noord@voorbeeldstad.nl", visiting_address="Dorpsplein 1",
    )  # fmt: skip
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=team, municipality=world.municipality
    )
    today = timezone.localdate()
    picked_up = today - dt.timedelta(days=10)
    case = services.pick_up_signal(
        make_signal(world, crisis=True), coordinator, worker=worker, on=picked_up
    )

    # Content Security Policy violations per page load. htmx injects its indicator style on every
    # page (the home page too); the case pages must add none of their own.
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(page.url)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    log_in(page, live_server, worker, TOTPDevice.objects.create(user=worker, name="default"))

    page.get_by_role("heading", name="Termijnen").wait_for()
    page.wait_for_load_state("networkidle")
    on_home = violations.count(f"{live_server.url}/")
    assert page.get_by_text("Termijn verstreken").first.is_visible()
    # The overdue row carries its stripe, and its header cell the same line below it as the
    # other cells (the table's separate borders once drew neither).
    row = page.evaluate(ROW_EDGES)
    assert row["stripe"] == pytest.approx(6, abs=0.5)
    assert row["header_line"] == row["cell_line"] > 0
    screenshot("cases-home")

    page.get_by_role("link", name=f"Zaak {case.pk}").first.click()
    page.get_by_role("heading", name=f"Zaak {case.pk}", level=1).wait_for()
    page.wait_for_load_state("networkidle")
    assert violations.count(f"{live_server.url}/zaken/{case.pk}/") <= on_home
    screenshot("cases-detail")

    page.get_by_label("Soort contact").select_option("Huisbezoek")
    page.get_by_label("Ja").check()
    assert page.locator("#id_poging-on").input_value() == today.isoformat()  # today by default
    page.get_by_label("Dagdeel").select_option("Middag")
    page.get_by_role("button", name="Vastleggen").click()
    page.get_by_text("De contactpoging is vastgelegd.").wait_for()
    assert Case.objects.get(pk=case.pk).contacted_on == today

    with page.expect_download() as download:
        page.get_by_role("button", name="Brief maken").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert ContactAttempt.objects.filter(case=case, kind="Brief").exists()

    # From the open case to its household: arrears per month, earlier signals, who looked.
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.get_by_role("link", name="Alles over dit huishouden").click()
    page.wait_for_url(f"**/signalen/huishoudens/{case.household_id}/?doel=hulpverlening")
    page.get_by_role("heading", level=1).first.wait_for()
    screenshot("cases-household")

    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.get_by_label("Eindresultaat").select_option("(Budget)advies en/of quick fix")
    page.once("dialog", lambda dialog: dialog.dismiss())  # second thoughts: nothing happens
    page.get_by_role("button", name="Afsluiten").click()
    assert Case.objects.get(pk=case.pk).status != "afgesloten"
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Afsluiten").click()
    page.get_by_text("De zaak is afgesloten.").wait_for()
    assert asked and asked[0].startswith("De zaak afsluiten")
    screenshot("cases-closed")
    assert Case.objects.get(pk=case.pk).status == "afgesloten"

    # Once closed, the team keeps the case's history but no longer sees the household.
    assert page.get_by_role("link", name="Alles over dit huishouden").count() == 0
    assert page.goto(f"{live_server.url}/signalen/huishoudens/{case.household_id}/").status == 404


def test_case_pages_meet_wcag_aa(axe_page, live_server, client, world):  # noqa: F811
    from conftest import login_verified
    from tests.browser.axe import violations

    team = TeamFactory(municipality=world.municipality, code="NOORD", name="Wijkteam Noord")
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=team, municipality=world.municipality
    )
    today = timezone.localdate()
    case = services.pick_up_signal(
        make_signal(world, crisis=True),
        coordinator,
        worker=worker,
        on=today - dt.timedelta(days=10),
    )
    services.add_note(case, worker, "Eerste notitie")
    TOTPDevice.objects.create(user=worker, name="default", confirmed=True)
    login_verified(client, worker)
    cookie = client.cookies["sessionid"]
    axe_page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )
    problems = {}
    household = f"/signalen/huishoudens/{case.household_id}/"
    for path in ("/", "/zaken/", f"/zaken/{case.pk}/", household):
        axe_page.goto(f"{live_server.url}{path}")
        problems[path] = violations(axe_page)
    assert problems == {"/": [], "/zaken/": [], f"/zaken/{case.pk}/": [], household: []}
