"""A coordinator manages the trays in a real browser: adds a tray for a buurt, moves it to the
top, and finds it first in the trays overview with the buurt's signal in it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.factories import CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.households.models import Arrear, Household, Person
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import CreditorType, Role
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.rules import RuleValues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PEILDATUM = dt.date(2026, 3, 1)


def household_with_two_arrears(municipality, buurt, creditors, n: int) -> Household:
    address = Address.objects.create(
        postcode=f"{1000 + n:04d}AB", huisnummer=n, straatnaam="Dorpsweg", woonplaats="Voorbeeldstad",
        municipality=municipality, buurt=buurt,
    )  # fmt: skip
    household = Household.objects.create(address=address, municipality=municipality)
    person = Person.objects.create(
        household=household, surname=f"Jansen{n}", initials="J.", birth_date=dt.date(1980, 5, 17),
        birth_date_index=f"b{n}", surname_index=f"s{n}", identity_index=f"i{n}",
    )  # fmt: skip
    for i, creditor in enumerate(creditors):
        delivery = Delivery.objects.create(
            creditor=creditor, kind="stand", reference_date=PEILDATUM, via="cli", status="verwerkt",
            sha256=hashlib.sha256(f"d{n}-{i}".encode()).hexdigest(),
        )  # fmt: skip
        Arrear.objects.create(
            creditor=creditor, household=household, person=person, municipality=municipality,
            klantnummer=f"K{n}-{i}", amount_cents=25_000, start_date=dt.date(2026, 2, 1), status="open",
            opened_on=dt.date(2026, 2, 1), last_seen_on=PEILDATUM, opened_by_delivery=delivery,
            last_delivery=delivery,
        )  # fmt: skip
    return household


def test_coordinator_adds_a_tray_for_a_buurt_moves_it_to_the_top_and_sees_it_first(
    browser, page, live_server, screenshot, csp_refusals
):
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues())
    wijk = Neighbourhood.objects.create(
        code="WK036301", name="Noord", kind="wijk", municipality=municipality
    )
    oude_dorp = Neighbourhood.objects.create(
        code="BU03630101", name="Oude Dorp", kind="buurt", wijk=wijk, municipality=municipality
    )
    haven = Neighbourhood.objects.create(
        code="BU03630102", name="Nieuwe Haven", kind="buurt", wijk=wijk, municipality=municipality
    )
    creditors = [
        CreditorFactory(code="HUUR", name="Woonstichting", type=CreditorType.HUUR),
        CreditorFactory(code="ENERGIE", name="Energie Noord", type=CreditorType.ENERGIE),
    ]
    in_oude_dorp = household_with_two_arrears(municipality, oude_dorp, creditors, 1)
    household_with_two_arrears(municipality, haven, creditors, 2)
    services.evaluate(municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    coordinator = UserFactory(
        role=Role.COORDINATOR, municipality=municipality, first_name="Carla", last_name="Bos"
    )
    refused = csp_refusals
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.get_by_role("heading", name="Welkom").first.wait_for()
    on_home = len(refused)

    # From the rules page to tray management.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Signaalregels"
    ).click()
    page.get_by_role("heading", name="Signaalregels", level=1).wait_for()
    page.get_by_role("link", name="Werkbakjes beheren").click()
    page.get_by_role("heading", name="Werkbakjes beheren", level=1).wait_for()
    table = page.get_by_role("table", name="De werkbakjes in hun volgorde")
    assert table.get_by_role("row").nth(3).get_by_role("rowheader").inner_text() == "Meervoudig"

    # Add a tray for Oude Dorp: it comes at the bottom, below Meervoudig, which keeps both signals.
    page.get_by_role("link", name="Werkbakje toevoegen").click()
    page.get_by_role("heading", name="Werkbakje toevoegen", level=1).wait_for()
    page.get_by_label("Naam").fill("Oude Dorp")
    page.get_by_role("checkbox", name="Oude Dorp").check()
    screenshot("signals-tray-form")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Werkbakje ‘Oude Dorp’ is toegevoegd op plaats 6.").wait_for()
    assert asked and "opnieuw over de werkbakjes" in asked[0]
    screenshot("signals-trays-added")

    # Up, five times, to the top: the household in Oude Dorp follows. Past Meervoudig (the third
    # step) its signal changes tray: a page says so first. Above the Crisis tray (the last step)
    # the same page asks, with the crisis warning: crisis signals could then go to Oude Dorp.
    # The browser asks nothing of its own: one question per move.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for place in (5, 4, 3, 2, 1):
        page.get_by_role("button", name="Omhoog werkbakje Oude Dorp").click()
        if place in (3, 1):
            page.get_by_role("heading", name="Werkbakje Oude Dorp verplaatsen", level=1).wait_for()
            page.get_by_text(
                "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje."
                if place == 3
                else "Werkbakje ‘Oude Dorp’ boven werkbakje ‘Crisis’ zetten?",
                exact=False,
            ).wait_for()
            if place == 3:
                screenshot("signals-tray-move-confirm")
            page.get_by_role("button", name="Toch verplaatsen").click()
        page.get_by_text(f"Werkbakje ‘Oude Dorp’ staat nu op plaats {place}.").wait_for()
    assert dialogs == []
    rows = page.get_by_role("table", name="De werkbakjes in hun volgorde").get_by_role("row")
    assert rows.nth(1).get_by_role("rowheader").inner_text() == "Oude Dorp"
    assert "in Oude Dorp (BU03630101)" in rows.nth(1).inner_text()
    assert page.get_by_role("button", name="Omhoog werkbakje Oude Dorp").count() == 0
    assert Signal.objects.get(household=in_oude_dorp).tray.name == "Oude Dorp"
    screenshot("signals-trays-moved")

    # The trays overview shows it first, with its one open signal.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Werkbakjes").click()
    page.get_by_role("heading", name="Werkbakjes", level=1).wait_for()
    counts = page.get_by_role("table", name="Werkbakjes met het aantal open signalen").get_by_role(
        "row"
    )
    first = counts.nth(1).get_by_role("cell")
    assert (first.nth(0).inner_text(), first.nth(1).inner_text()) == ("Oude Dorp", "1")
    assert page.get_by_role("link", name="Werkbakjes beheren").is_visible()

    # On a phone the page does not scroll sideways; no CSP refusals of its own.
    page.get_by_role("link", name="Werkbakjes beheren").click()
    page.get_by_role("heading", name="Werkbakjes beheren", level=1).wait_for()
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
    # Every row's actions are within the screen, not off to the side of a sideways-scrolling table.
    actions = [
        page.get_by_role("button", name=f"{verb} werkbakje Meervoudig")
        for verb in ("Omhoog", "Omlaag")
    ]
    actions += [
        page.get_by_role("link", name=f"{verb} werkbakje Meervoudig")
        for verb in ("Wijzigen", "Verwijderen")
    ]
    for action in actions:
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (action, box)
    screenshot("signals-trays-phone")
    page.get_by_role("link", name="Verwijderen werkbakje Meervoudig").click()
    delete = page.get_by_role("button", name="Werkbakje Meervoudig verwijderen")
    colour = delete.evaluate("(b) => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(177, 32, 26)", colour  # red: it deletes for good
    box = delete.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert len(refused) == on_home, refused

    # WCAG 2.1 AA on the list and the form (axe injected in a context that lets it past the CSP).
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    context.add_cookies(page.context.cookies())
    axe_page = context.new_page()
    violations = {}
    for path in ("/signalen/regels/werkbakjes/", "/signalen/regels/werkbakjes/nieuw/"):
        axe_page.goto(f"{live_server.url}{path}")
        axe_page.add_script_tag(path=str(AXE))
        result = axe_page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: tags})", WCAG_AA
        )
        violations[path] = [
            (v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]
        ]
    context.close()
    assert violations == {path: [] for path in violations}
