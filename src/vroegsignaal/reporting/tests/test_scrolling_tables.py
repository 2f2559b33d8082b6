"""A table too wide for the screen scrolls within its box: a named region the keyboard can reach.

Whether a box scrolls is the browser's to know (portal.js gives a box that scrolls its tab stop, its
region role and its table's name; tests/browser/test_keyboard_only.py): the markup gives no box a tab
stop of its own, which did nothing where the table fitted, and every boxed table has the name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["trays", "tray", "household", "map", "dashboard", "monitor"])
def test_no_table_box_is_a_tab_stop_of_its_own_and_every_boxed_table_has_a_name(
    page, town, client, verified_client
):
    household = town.household()
    town.arrear(household, town.energie, {dt.date(2026, 2, 1): 12_000})
    town.signal(household, arrears=list(household.arrears.all()), signal_date=dt.date(2026, 2, 1))
    verified_client(town.coordinator)
    client.get(
        f"{reverse('reporting:household', args=[household.pk])}?doel=signaalbehandeling"
    )  # someone looked: the trail has a row
    url = {
        "trays": reverse("reporting:trays"),
        "tray": reverse("reporting:tray", args=[town.tray.pk]),
        "household": f"{reverse('reporting:household', args=[household.pk])}?doel=signaalbehandeling",
        "map": reverse("reporting:map"),
        "dashboard": reverse("reporting:dashboard"),
        "monitor": reverse("reporting:monitor"),
    }[page]
    body = client.get(url).content.decode()
    boxes = re.findall(
        r'(<div class="(?:table-scroll|timeline-wrap|chart-table)"[^>]*>)\s*(<table[^>]*>\s*(?:<caption)?)',
        body,
    )
    assert boxes, "the page has a table in a scrolling box"
    for box, table in boxes:
        assert "tabindex" not in box and "role=" not in box, box
        assert re.search(r'aria-label="[^"]+"|aria-labelledby="[^"]+"|<caption', table), table
