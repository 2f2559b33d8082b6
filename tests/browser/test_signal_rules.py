"""A coordinator changes the signal rules in a real browser: confirmation, message, version history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import services
from vroegsignaal.signals.rules import RuleValues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_coordinator_changes_the_minimum_amount_and_sees_the_new_version(browser, page, live_server, screenshot):
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues())
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality, first_name="Carla", last_name="Bos")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(page.url) if "Content Security Policy" in m.text else None)
    log_in(page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default"))
    page.get_by_role("heading", name="Welkom").first.wait_for()
    on_home = len(refused)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Signaalregels").click()
    page.get_by_role("heading", name="Signaalregels", level=1).wait_for()
    assert page.get_by_label("Minimumbedrag per achterstand (euro)").input_value() == "0"
    page.get_by_label("Minimumbedrag per achterstand (euro)").fill("75")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("De signaalregels zijn opgeslagen als versie 2.").wait_for()
    assert asked and "bestaande signalen houden de versie" in asked[0]  # asked before saving

    history = page.get_by_role("table", name="Versies van de signaalregels, nieuwste eerst")
    first_row = history.get_by_role("row").nth(1)
    assert first_row.get_by_role("cell").first.inner_text() == "2"
    assert "Minimumbedrag per achterstand: € 0 → € 75" in first_row.inner_text()
    assert "Carla Bos" in first_row.inner_text()
    assert page.get_by_label("Minimumbedrag per achterstand (euro)").input_value() == "75"
    assert services.current_rules(municipality).min_amount_eur == 75
    screenshot("signals-rules")

    # Cancelling the confirmation saves nothing.
    page.get_by_label("Minimumbedrag per achterstand (euro)").fill("90")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Opslaan").click()
    assert services.current_rules(municipality).version == 2

    # On a phone the history table scrolls within itself; the page does not scroll sideways.
    page.reload()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    assert len(refused) == on_home, refused  # the page adds no CSP refusals of its own

    # WCAG 2.1 AA (axe is injected as a script, so in a context that lets it past the CSP).
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    context.add_cookies(page.context.cookies())
    axe_page = context.new_page()
    axe_page.goto(f"{live_server.url}/signalen/regels/")
    axe_page.add_script_tag(path=str(AXE))
    result = axe_page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", WCAG_AA)
    context.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
