"""The idle time-out in Chromium: a warning before it that one key press answers, and after it a
way back to the same page (WCAG 2.2.1 Timing Adjustable). The time-out is 9 seconds here, so the
warning comes after 6 (a third of the time before the end, at most two minutes)."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import code_for, log_in
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 9


@pytest.fixture
def coordinator(settings):
    settings.SESSION_IDLE_TIMEOUT = TIMEOUT
    user = UserFactory(
        username="coordinator",
        role=Role.COORDINATOR,
        municipality=MunicipalityFactory(code="0999", name="Voorbeeldstad"),
    )
    return user, TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def _seconds_left(page) -> int:
    return page.evaluate(
        "fetch('/account/sessie/', {cache: 'no-store'}).then(r => r.json()).then(a => a.seconden)"
    )


def test_the_warning_comes_before_the_end_and_enter_keeps_the_session(
    page, live_server, coordinator, screenshot
):
    log_in(page, live_server, *coordinator)
    page.get_by_role("heading", name="Welkom").wait_for()
    dialog = page.get_by_role("dialog", name="Blijft u ingelogd?")
    dialog.wait_for(timeout=15_000)
    screenshot("session-warning")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Ingelogd blijven"
    assert "wordt u om" in dialog.inner_text()
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert _seconds_left(page) >= TIMEOUT - 2
    page.wait_for_timeout(4_000)  # past the old end: still logged in
    page.get_by_role("link", name="Zaken").first.click()
    assert "/account/login/" not in page.url


def test_after_the_end_the_page_stays_and_leads_back_to_itself(
    page, live_server, coordinator, screenshot
):
    user, device = coordinator
    log_in(page, live_server, user, device)
    page.get_by_role("heading", name="Welkom").wait_for()
    page.goto(f"{live_server.url}/zaken/?toon=open")
    ended = page.get_by_role("dialog", name="U bent uitgelogd")
    ended.wait_for(timeout=25_000)
    screenshot("session-ended")
    assert "kopieer het eerst" in ended.inner_text()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Opnieuw inloggen"
    page.keyboard.press("Enter")
    page.get_by_text("U bent uitgelogd omdat Vroegsignaal").wait_for()
    # The first log-in's code may still be the current one, and a code works once.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill("een-lang-wachtwoord-123")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Verificatiecode").fill(code_for(device))
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", name="Zaken", level=1).wait_for()
    assert page.url == f"{live_server.url}/zaken/?toon=open"
