"""A coordinator changes the signal rules in a real browser: confirmation, message, version history."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.axe import AXE, WCAG_AA
from tests.browser.steps import log_in
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import services
from vroegsignaal.signals.rules import RuleValues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_changes_the_minimum_amount_and_sees_the_new_version(
    browser, page, live_server, screenshot, csp_refusals
):
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues())
    coordinator = UserFactory(
        role=Role.COORDINATOR, municipality=municipality, first_name="Carla", last_name="Bos"
    )
    refused = csp_refusals
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.get_by_role("heading", name="Welkom").first.wait_for()
    on_home = len(refused)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Signaalregels"
    ).click()
    page.get_by_role("heading", name="Signaalregels", level=1).wait_for()
    assert page.get_by_label("Minimumbedrag per achterstand (euro)").input_value() == "0"
    page.get_by_label("Minimumbedrag per achterstand (euro)").fill("75")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("De signaalregels zijn opgeslagen als versie 2.").wait_for()
    # Asked before saving, with what changes and what it does to open signals.
    assert asked and "Minimumbedrag per achterstand: €\xa00 → 75" in asked[0]
    assert "ook die met een open signaal" in asked[0]

    history = page.get_by_role("table", name="Versies van de signaalregels, nieuwste eerst")
    first_row = history.get_by_role("row").nth(1)
    assert first_row.get_by_role("cell").first.inner_text() == "2"
    assert "Minimumbedrag per achterstand: €\u00a00 → €\u00a075" in first_row.inner_text()
    assert "Carla Bos" in first_row.inner_text()
    assert page.get_by_label("Minimumbedrag per achterstand (euro)").input_value() == "75"
    assert services.current_rules(municipality).min_amount_eur == 75
    screenshot("signals-rules")

    # Cancelling the confirmation saves nothing.
    page.get_by_label("Minimumbedrag per achterstand (euro)").fill("90")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Opslaan").click()
    assert services.current_rules(municipality).version == 2

    # Invalid input: the page comes back with the summary at the form's top focused and in view; a link in it
    # takes the keyboard to the field.
    page.get_by_label("Minimumbedrag per achterstand (euro)").fill("1,5")
    page.get_by_label("Een achterstand telt mee tot … dagen na ontstaan").fill("-5")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator("#foutmeldingen")
    summary.wait_for()
    assert page.evaluate("() => document.activeElement.id") == "foutmeldingen"
    box = summary.bounding_box()
    assert (
        box is not None and 0 <= box["y"] < page.viewport_size["height"]
    )  # scrolled to it, not 850px down
    assert "De signaalregels zijn niet opgeslagen." in summary.inner_text()
    summary.get_by_role(
        "link", name="Minimumbedrag per achterstand (euro): Vul een heel bedrag in euro in"
    ).click()
    assert page.evaluate("() => document.activeElement.id") == "id_min_amount_eur"
    assert services.current_rules(municipality).version == 2

    # On a phone the page does not scroll sideways; each version is a card, what changed in view.
    page.goto(f"{live_server.url}/signalen/regels/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(
        "() => window.innerWidth === 390 && matchMedia('(max-width: 40rem)').matches"
    )
    assert (
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 1
    )
    changed = page.get_by_role(
        "table", name="Versies van de signaalregels, nieuwste eerst"
    ).get_by_text("Minimumbedrag per achterstand: €\u00a00 → €\u00a075")
    changed.scroll_into_view_if_needed()
    box = changed.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot("signals-rules-phone")
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
