"""A table too wide for the screen scrolls within its box: a named region the keyboard can reach."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["trays", "tray", "household", "map", "dashboard", "monitor"])
def test_every_scrolling_table_box_is_a_named_region_the_keyboard_reaches(
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
    boxes = re.findall(r'<div class="(?:table-scroll|timeline-wrap|chart-table)"[^>]*>', body)
    assert boxes, "the page has a table in a scrolling box"
    for box in boxes:
        assert 'tabindex="0"' in box and 'role="region"' in box, box
        assert re.search(r'aria-label="[^"]+"|aria-labelledby="[^"]+"', box), box
