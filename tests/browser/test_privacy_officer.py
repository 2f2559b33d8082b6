"""The privacy officer's pages in a real browser: WCAG 2.1 AA (axe-core), the strict CSP, the check."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.browser.axe import violations
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import AuditAction, RetentionRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/privacy/auditlog/",
    "/privacy/controle/",
    "/privacy/opschoonrondes/",
    "/privacy/inzageverzoek/",
]


def sign_in(page, live_server, client, user) -> None:
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def officer(db):
    municipality = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=municipality
    )
    for i in range(3):
        audit.record(
            coordinator,
            AuditAction.VIEW,
            object_type="cases.case",
            object_id=i,
            purpose="zaak behandelen",
        )
    moment = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
    RetentionRun.objects.create(
        municipality=municipality, today=dt.date(2026, 9, 1), started_at=moment, finished_at=moment,
        counts={"signalen": 4, "achterstanden": 12},
    )  # fmt: skip
    return UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=municipality)


def test_privacy_pages_meet_wcag_aa(browser, live_server, client, officer):
    context = browser.new_context(locale="nl-NL", bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    sign_in(page, live_server, client, officer)
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path
    context.close()


def test_officer_searches_and_checks_the_log_under_the_strict_csp(
    page, live_server, client, officer, screenshot, csp_refusals
):
    refused = csp_refusals
    sign_in(page, live_server, client, officer)
    page.goto(f"{live_server.url}/privacy/auditlog/")
    page.fill("#f-gebruiker", "coordinator")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**gebruiker=coordinator**")
    assert page.locator("table tbody tr").count() == 3
    assert page.locator("#f-gebruiker").input_value() == "coordinator"  # the filter stays put
    screenshot("privacy-auditlog")

    page.goto(f"{live_server.url}/privacy/controle/")
    page.get_by_role("button", name="Controle starten").click()
    page.wait_for_url("**/privacy/controle/")
    assert "Intact" in page.content()
    screenshot("privacy-controle")
    assert refused == []
