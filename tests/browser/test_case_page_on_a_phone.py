"""The case page on a phone (390 px): nothing makes the page scroll sideways; a worker takes an unassigned case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.factories import TeamFactory, UserFactory
from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case
from vroegsignaal.cases.tests.conftest import make_signal
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.tests.conftest import world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# What a table box hides to its right: the tables read as a card per row instead (a phone number
# and the deadline were out of sight).
HIDDEN = """() => Math.max(0, ...[...document.querySelectorAll('.table-scroll')]
  .map((box) => box.scrollWidth - box.clientWidth))"""


def test_case_page_fits_a_phone_and_a_worker_takes_the_case(page, live_server, world, screenshot):  # noqa: F811
    team = TeamFactory(
        municipality=world.municipality, code="NOORD", name="Wijkteam Noord", phone="020-1234567"
    )
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=team, municipality=world.municipality
    )
    today = timezone.localdate()
    case = services.pick_up_signal(
        make_signal(world, crisis=True), coordinator, team=team, on=today - dt.timedelta(days=3)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Telefoon", reached=False, on=today, note="Voicemail ingesproken"
    )

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, worker, TOTPDevice.objects.create(user=worker, name="default"))
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.get_by_role("heading", name=f"Zaak {case.pk}", level=1).wait_for()
    # Nothing scrolls sideways, neither the page nor a table; the long outcomes stay within the page.
    assert page.evaluate(SIDEWAYS) <= 1
    assert page.evaluate(HIDDEN) <= 1
    # The card names each value.
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('td[data-label]'), '::before').content"
        )
        == '"Naam: "'
    )
    assert (
        page.locator("#id_afsluiten-outcome").input_value() == ""
    )  # no outcome chosen for the worker
    screenshot("cases-detail-phone")

    page.goto(f"{live_server.url}/zaken/")
    page.get_by_role("link", name=f"Zaak {case.pk}").wait_for()
    assert page.evaluate(SIDEWAYS) <= 1 and page.evaluate(HIDDEN) <= 1
    screenshot("cases-list-phone")
    page.goto(f"{live_server.url}/zaken/{case.pk}/")

    page.get_by_role("button", name="Aan mij toewijzen").click()
    page.get_by_text("De zaak is aan u toegewezen.").wait_for()
    assert Case.objects.get(pk=case.pk).worker == worker
    assert page.get_by_role("button", name="Aan mij toewijzen").count() == 0
    assert page.evaluate(SIDEWAYS) <= 1

    # The coordinator's page holds the assignment form too.
    page.context.clear_cookies()
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.get_by_role("heading", name="Toewijzen").wait_for()
    assert page.evaluate(SIDEWAYS) <= 1
