"""WCAG 2.1 AA checks with axe-core on the pages that exist, in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", WCAG_AA)
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]} {[n.get('failureSummary') for n in v['nodes']]}" for v in result["violations"]]


@pytest.fixture
def axe_page(browser):
    # axe is injected as a script; the page's strict CSP would (rightly) refuse it.
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_login_page_meets_wcag_aa(axe_page, live_server):
    axe_page.goto(f"{live_server.url}/account/login/")
    assert violations(axe_page) == []


def test_home_page_meets_wcag_aa(axe_page, live_server, client):
    user = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0999"))
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    cookie = client.cookies["sessionid"]
    axe_page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    axe_page.goto(f"{live_server.url}/")
    assert "Welkom" in axe_page.content()
    assert violations(axe_page) == []
