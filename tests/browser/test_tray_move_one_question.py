"""Moving a tray above the Crisis tray, when that puts open signals in another tray, asks once:
on the move's page, with the crisis warning and the counts; the browser asks nothing of its own.
Before, with the script, the browser's question about the Crisis tray came first and the page
second. Without the script the same page asks, and its button moves the tray."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.browser.test_tray_management import PEILDATUM, household_with_two_arrears
from tests.factories import CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import CreditorType, Role
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, Tray
from vroegsignaal.signals.rules import RuleValues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS_WARNING = (
    "Werkbakje ‘Alles’ boven werkbakje ‘Crisis’ zetten? ‘Crisis’ neemt crisissignalen: "
    "een crisissignaal dat ook aan de voorwaarden van ‘Alles’ voldoet, komt dan in ‘Alles’."
)


@pytest.fixture
def coordinator_with_a_crisis_signal():
    """A crisis signal in Crisis, another signal in 'Alles' (no conditions) at place 2."""
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues())
    buurt = Neighbourhood.objects.create(
        code="BU03630101", name="Oude Dorp", kind="buurt", municipality=municipality
    )
    creditors = [
        CreditorFactory(code="HUUR", name="Woonstichting", type=CreditorType.HUUR),
        CreditorFactory(code="ENERGIE", name="Energie Noord", type=CreditorType.ENERGIE),
    ]
    crisis, other = (household_with_two_arrears(municipality, buurt, creditors, n) for n in (1, 2))
    services.evaluate(municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    crisis_tray = Tray.objects.get(municipality=municipality, name="Crisis")
    Signal.objects.filter(household=crisis).update(crisis=True, tray=crisis_tray)
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality)
    alles = services.create_tray(municipality, {"name": "Alles"}, actor=coordinator).tray
    services.move_tray(alles, -4, actor=coordinator)
    assert [t.name for t in Tray.objects.filter(municipality=municipality).order_by("position")][
        :2
    ] == ["Crisis", "Alles"]
    assert Signal.objects.get(household=other).tray.name == "Alles"
    return coordinator, crisis


@pytest.mark.parametrize("script", [True, False], ids=["met-script", "zonder-script"])
def test_a_move_above_the_crisis_tray_that_resorts_signals_asks_once(
    script, browser, live_server, coordinator_with_a_crisis_signal, screenshot
):
    coordinator, crisis = coordinator_with_a_crisis_signal
    context = browser.new_context(locale="nl-NL", java_script_enabled=script)
    page = context.new_page()
    page.set_default_timeout(15000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.get_by_role("heading", name="Welkom").first.wait_for()
    page.goto(f"{live_server.url}/signalen/regels/werkbakjes/")

    page.get_by_role("button", name="Omhoog werkbakje Alles").click()
    page.get_by_role("heading", name="Werkbakje Alles verplaatsen", level=1).wait_for()
    main = page.get_by_role("main")
    text = " ".join(main.inner_text().split())
    assert CRISIS_WARNING in text
    assert "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje." in text
    assert "1 crisissignaal gaat naar werkbakje ‘Alles’." in text
    if script:
        screenshot("signals-tray-move-above-crisis")
    page.get_by_role("button", name="Toch verplaatsen").click()
    page.get_by_text(
        "Werkbakje ‘Alles’ staat nu op plaats 1. 1 open signaal kwam in een ander werkbakje."
    ).wait_for()
    assert dialogs == []
    assert Signal.objects.select_related("tray").get(household=crisis).tray.name == "Alles"
    context.close()


def test_the_other_questions_of_the_trays_pages_still_come_from_the_browser(
    page, live_server, coordinator_with_a_crisis_signal
):
    """The script still runs on these pages: the tray form's question before saving is asked."""
    coordinator, _crisis = coordinator_with_a_crisis_signal
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.get_by_role("heading", name="Welkom").first.wait_for()
    page.goto(f"{live_server.url}/signalen/regels/werkbakjes/nieuw/")
    page.get_by_label("Naam").fill("Nieuw")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Opslaan").click()
    assert asked and asked[0].startswith("Het werkbakje opslaan?")
    assert not Tray.objects.filter(name="Nieuw").exists()


def test_a_tray_change_that_resorts_signals_asks_once_on_the_page(
    page, live_server, coordinator_with_a_crisis_signal
):
    """The edit form's browser question once said a page with the counts would follow, which it did:
    two questions for one change. Now only the page asks."""
    coordinator, _crisis = coordinator_with_a_crisis_signal
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.get_by_role("heading", name="Welkom").first.wait_for()
    alles = Tray.objects.get(municipality=coordinator.municipality, name="Alles")
    page.goto(f"{live_server.url}/signalen/regels/werkbakjes/{alles.pk}/")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_label("Totaalbedrag vanaf (euro)").fill("999999")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.get_by_text("Het werkbakje is nog niet opgeslagen. Als u het opslaat").wait_for()
    assert Tray.objects.get(pk=alles.pk).amount_min_eur is None  # nothing saved yet
    page.get_by_role("button", name="Toch opslaan").click()
    page.get_by_text("Werkbakje ‘Alles’ is gewijzigd.", exact=False).wait_for()
    assert dialogs == []
