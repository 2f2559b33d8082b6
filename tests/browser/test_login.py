"""A coordinator logs in with password and TOTP; five wrong codes lock the account."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import PASSWORD, code_for, log_in_with_password
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator():
    municipality = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    user = UserFactory(
        username="coordinator",
        role=Role.COORDINATOR,
        municipality=municipality,
        first_name="Fatima",
    )
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user, device


def test_coordinator_logs_in_with_password_and_totp_and_sees_the_shell(
    page, live_server, coordinator, screenshot
):
    user, device = coordinator
    log_in_with_password(page, live_server.url, user.username)
    screenshot("login-token-step")
    page.get_by_label("Verificatiecode").fill(code_for(device))
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", name="Welkom, Fatima").wait_for()
    assert page.get_by_text("Demonstratieomgeving").is_visible()
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    assert "Voorbeeldstad" in page.content()
    screenshot("home-coordinator")


def test_five_wrong_totp_codes_lock_the_account_in_the_browser(
    page, live_server, coordinator, screenshot
):
    user, device = coordinator
    log_in_with_password(page, live_server.url, user.username)
    wrong = "123456" if code_for(device) != "123456" else "654321"
    for _ in range(5):
        page.get_by_label("Verificatiecode").fill(wrong)
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_load_state()
    page.get_by_role("heading", name="Account tijdelijk geblokkeerd").wait_for()
    screenshot("locked-out")
    log_in_with_password(page, live_server.url, user.username)
    page.get_by_role("heading", name="Account tijdelijk geblokkeerd").wait_for()


def test_a_user_switches_to_english_before_logging_in_and_back_after(
    page, live_server, coordinator, screenshot
):
    user, device = coordinator
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Verification code").fill(code_for(device))
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Welcome, Fatima").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("navigation", name="Main menu").is_visible()
    assert page.get_by_role("button", name="English").is_disabled()
    screenshot("home-coordinator-english")
    page.get_by_role("button", name="Nederlands").click()
    page.get_by_role("heading", name="Welkom, Fatima").wait_for()
    assert page.locator("html").get_attribute("lang") == "nl"


def test_on_a_short_page_only_the_content_takes_the_spare_height(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.goto(f"{live_server.url}/account/login/")
    header = page.locator("header").bounding_box()
    footer = page.locator("footer").bounding_box()
    assert header["height"] < 80, header  # Utrecht's grid body shared the spare height out
    assert abs(footer["y"] + footer["height"] - 1200) < 2, footer  # the footer stays at the bottom
