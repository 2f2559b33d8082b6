"""A coordinator's tray on a phone (390 px): the first signal near the top, a card per signal,
nothing that scrolls sideways, the filters and the explanation folded away but at hand (also by
keyboard), and the bulk form (a box per signal, the box for all) working as on a laptop."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.test_reporting_layout import LAPTOP, PHONE, _sign_in, busy_town  # noqa: F401
from vroegsignaal.cases.models import Case
from vroegsignaal.signals.models import Signal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page does not scroll sideways, nor does a box in it (the table scrolled within its box).
PAGE_WIDER = "() => document.scrollingElement.scrollWidth - window.innerWidth"
BOX_WIDER = """() => Math.max(0, ...[...document.querySelectorAll('.table-scroll')]
  .map((box) => box.scrollWidth - box.clientWidth))"""
# Where the first signal starts, from the top of the page (not of the window).
FIRST_SIGNAL_TOP = """() => document.querySelector('#bulk tbody tr').getBoundingClientRect().top
  + window.scrollY"""


def _tray_url(live_server, town, query: str = "") -> str:
    return f"{live_server.url}{reverse('reporting:tray', args=[town.tray.pk])}{query}"


def test_tray_on_a_phone_shows_the_signals_first_as_cards(
    page,
    live_server,
    client,
    busy_town,  # noqa: F811
    screenshot,
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(PHONE)
    page.goto(_tray_url(live_server, busy_town))

    # (a) Nothing scrolls sideways.
    assert page.evaluate(PAGE_WIDER) <= 0
    assert page.evaluate(BOX_WIDER) <= 1
    # (b) The first signal is in the first screenful or so, not under the filters and the help.
    assert page.evaluate(FIRST_SIGNAL_TOP) <= 900
    screenshot("reporting-tray-phone")

    # A card per signal: each value with its column's name, the address as the card's title.
    first = page.locator("#bulk tbody tr").first
    amount = first.locator("td[data-label='Totaalbedrag']")
    assert (
        amount.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Totaalbedrag: "'
    )
    card, cell = first.bounding_box(), amount.bounding_box()
    assert cell["x"] >= card["x"] and cell["x"] + cell["width"] <= card["x"] + card["width"] + 1
    # No value is out of sight to the right (status and team were the last columns).
    for cell in first.locator("td").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], cell.inner_text()
    assert first.locator("td[data-label='Wijkteam']").is_visible()

    # The explanation of the columns is folded away, and at hand.
    help_text = page.locator("#priority-help")
    assert not help_text.is_visible()
    page.locator("summary", has_text="Uitleg bij prioriteit en datums").click()
    assert help_text.is_visible()

    # The bulk form works: a box per signal, and the box for all of them, visible with its label.
    everything = page.get_by_label("Alle signalen op deze pagina kiezen")
    assert everything.is_visible()
    everything.check()
    rows = page.locator('input[name="signaal"]')
    assert all(box.is_checked() for box in rows.all())
    everything.uncheck()
    first.get_by_role("checkbox").check()
    assert everything.evaluate("box => box.indeterminate")
    first.get_by_role("checkbox").uncheck()
    # Sorting stays at hand too.
    page.get_by_role("link", name="Totaalbedrag").click()
    page.wait_for_url("**sorteer=bedrag**")
    assert page.evaluate(PAGE_WIDER) <= 0

    # A new signal picked up from its card, with the folded bulk form.
    new = page.locator("#bulk tbody tr").filter(
        has=page.locator("td[data-label='Status']", has_text="Nieuw")
    )
    box = new.first.get_by_role("checkbox")
    signal_id = int(box.get_attribute("value"))
    box.check()
    action = page.get_by_label("Actie", exact=True)
    assert not action.is_visible()
    page.locator("summary", has_text="Met de aangevinkte signalen").click()
    action.select_option("oppakken")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Alle werkbakjes").wait_for()
    assert Case.objects.filter(signal_id=signal_id).exists()


def test_tray_filters_fold_on_a_phone_and_open_by_keyboard(
    page,
    live_server,
    client,
    busy_town,  # noqa: F811
    screenshot,
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(PHONE)
    page.goto(_tray_url(live_server, busy_town))
    buurt = page.get_by_label("Wijk of buurt")
    assert not buurt.is_visible()  # folded

    # (c) Opened with the keyboard, and used.
    summary = page.locator("summary").filter(has_text="Filters")
    assert summary.inner_text().strip() == "Filters"  # none is active yet
    summary.focus()
    page.keyboard.press("Enter")
    assert buurt.is_visible()
    assert page.evaluate(PAGE_WIDER) <= 0  # a long buurt name in the list keeps to the page
    screenshot("reporting-tray-phone-filters")
    buurt.select_option("BU09990201")  # the buurt with the long name
    page.get_by_label("Crisis").check()
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url("**buurt=BU09990201**")

    expected = Signal.objects.filter(
        tray=busy_town.tray,
        status__in=("nieuw", "opgepakt"),
        buurt__code="BU09990201",
        crisis=True,
    ).count()
    assert expected > 0
    assert page.locator('#bulk input[name="signaal"]').count() == expected
    # Folded again, the summary says how many filters are on.
    assert not buurt.is_visible()
    assert page.locator("summary").filter(has_text="Filters").inner_text().strip() == (
        "Filters (2 actief)"
    )
    assert page.evaluate(FIRST_SIGNAL_TOP) <= 900

    # A filter that could not be read: the filters are open, with what is wrong.
    page.goto(_tray_url(live_server, busy_town, "?bedrag_van=veel"))
    page.get_by_text("is geen bedrag in hele euro").wait_for()
    assert page.get_by_label("Totaalbedrag vanaf (€)").is_visible()
    assert page.evaluate(PAGE_WIDER) <= 0


def test_tray_filters_and_explanation_stay_open_on_a_laptop(
    page,
    live_server,
    client,
    busy_town,  # noqa: F811
):
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(LAPTOP)
    page.goto(_tray_url(live_server, busy_town, "?wissen=1"))
    # As before: the filters and the explanation in view, no summary to open them with.
    assert page.get_by_label("Wijk of buurt").is_visible()
    assert page.locator("#priority-help").is_visible()
    assert page.locator("#dates-help").is_visible()
    assert page.locator("summary:visible").count() == 0
    # The table is a table: the header row in view, the box for all in it.
    assert page.get_by_role("columnheader", name="Totaalbedrag").is_visible()
    assert page.locator("#bulk thead").bounding_box()["height"] > 1
    assert page.evaluate(BOX_WIDER) <= 1
