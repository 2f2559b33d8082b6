"""The creditor's feedback page in a real browser: WCAG 2.1 AA (axe-core) and the strict CSP."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.browser.axe import violations
from tests.factories import CovenantFactory, UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback.tests.conftest import PICKED_UP, make_signal
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.tests import conftest as signals_conftest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = signals_conftest.world  # the signals tests' small world, as a fixture here


def sign_in(page, live_server, client, user) -> None:
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def creditor(world):
    CovenantFactory(creditor=world.creditors["WOONBRUG"], municipality=world.municipality)
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    return UserFactory(
        username="se-woonbrug",
        role=Role.SCHULDEISER,
        creditor=world.creditors["WOONBRUG"],
        municipality=None,
    )


def test_feedback_page_meets_wcag_aa(browser, live_server, client, creditor):
    context = browser.new_context(locale="nl-NL", bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    sign_in(page, live_server, client, creditor)
    page.goto(f"{live_server.url}/terugkoppeling/")
    assert page.locator("table.data-table tbody tr").count() == 1
    assert violations(page) == []
    context.close()


def test_feedback_page_filters_under_the_strict_csp(
    page, live_server, client, creditor, csp_refusals
):
    refused = csp_refusals
    sign_in(page, live_server, client, creditor)
    page.goto(f"{live_server.url}/terugkoppeling/")
    page.select_option("#id_gebeurtenis", "afgesloten")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url("**gebeurtenis=afgesloten**")
    assert "Geen terugkoppeling die aan deze filters voldoet." in page.content()
    page.goto(f"{live_server.url}/terugkoppeling/")  # the filter stays put
    assert page.locator("#id_gebeurtenis").input_value() == "afgesloten"
    assert refused == []
