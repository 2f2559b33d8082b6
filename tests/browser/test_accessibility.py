"""WCAG 2.1 AA checks with axe-core on the pages that exist, in a real browser."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login_verified
from tests.browser.axe import violations
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_meets_wcag_aa(axe_page, live_server):
    axe_page.goto(f"{live_server.url}/account/login/")
    assert violations(axe_page) == []


def test_home_page_meets_wcag_aa(axe_page, live_server, client):
    user = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0999"))
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    login_verified(client, user)
    cookie = client.cookies["sessionid"]
    axe_page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )
    axe_page.goto(f"{live_server.url}/")
    assert "Welkom" in axe_page.content()
    assert violations(axe_page) == []
