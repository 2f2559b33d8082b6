"""No N+1 queries: each page takes as many queries with many rows as with few."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, params=None) -> int:
    cache.clear()  # the map and dashboard keep their figures: count the work, not the cache
    client.get(url, params)  # the session's first-request bookkeeping is not the page's
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def _months(n: int) -> dict:
    return {dt.date(2026, m, 1): 10_000 * m for m in range(1, n + 1)}


def test_tray_page_queries_do_not_grow_with_its_rows(town, client, verified_client):
    other_team = TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    town.signal(town.household(), team=town.team)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    few = _queries(client, url, {"sorteer": "bedrag"})
    for i in range(40):
        buurt = town.buurt if i % 2 else town.other_buurt
        town.signal(
            town.household(buurt=buurt),
            team=(town.team, other_team, None)[i % 3],
            crisis=i % 5 == 0,
        )
    assert _queries(client, url, {"sorteer": "bedrag"}) == few
    assert (
        _queries(client, url, {"sorteer": "bedrag", "buurt": town.wijk.code, "soort": "Energie"})
        <= few + 1
    )


def test_tray_page_queries_do_not_grow_with_rows_whose_first_conversation_was_late(
    town, client, verified_client
):
    """The row's deadline mark reads the case's first-conversation dates from the row's query."""
    from .test_trays import _first_conversation_held_late

    _first_conversation_held_late(town)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    few = _queries(client, url)
    for _ in range(8):
        _first_conversation_held_late(town)
    assert _queries(client, url) == few


def test_tray_index_queries_do_not_grow_with_trays_and_signals(town, client, verified_client):
    from vroegsignaal.signals.models import Tray

    town.signal()
    verified_client(town.coordinator)
    url = reverse("reporting:trays")
    few = _queries(client, url)
    for i in range(6):
        tray = Tray.objects.create(
            municipality=town.municipality, name=f"Bakje {i}", position=10 + i
        )
        town.signal(tray=tray)
    assert _queries(client, url) == few


def test_household_view_queries_do_not_grow_with_arrears_signals_and_cases(
    town, client, verified_client
):
    from vroegsignaal.cases.services import log_contact_attempt, pick_up_signal

    household = town.household()
    town.arrear(household, town.energie, _months(2))
    verified_client(town.coordinator)
    url = f"{reverse('reporting:household', args=[household.pk])}?doel=signaalbehandeling"
    few = _queries(client, url)
    for creditor in (town.huur, town.energie, town.huur):
        town.arrear(household, creditor, _months(6))
    for month in (3, 6):
        town.signal(household, status="afgesloten", signal_date=dt.date(2025, month, 1))
    case = pick_up_signal(
        town.signal(household), town.coordinator, team=town.team, on=dt.date(2026, 3, 2)
    )
    for day in (3, 4, 5):
        log_contact_attempt(
            case, town.coordinator, kind="Telefoon", reached=False, on=dt.date(2026, 3, day)
        )
    for _ in range(3):
        client.get(url)  # more people looked: a longer audit trail
    assert _queries(client, url) <= few + 2  # the open signal and the case list appear once each


def test_map_page_and_shapes_queries_do_not_grow_with_neighbourhoods(town, client, verified_client):
    from vroegsignaal.registry.models import Neighbourhood

    square = {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]}
    town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    few = (
        _queries(client, reverse("reporting:map")),
        _queries(client, reverse("reporting:map_geojson")),
    )
    for i in range(8):
        buurt = Neighbourhood.objects.create(
            code=f"BU09990{i + 3:02d}", name=f"Buurt {i}", kind="buurt", wijk=town.wijk,
            municipality=town.municipality, geometry=square, households=100,
        )  # fmt: skip
        town.signal(town.household(buurt=buurt))
    many = (
        _queries(client, reverse("reporting:map")),
        _queries(client, reverse("reporting:map_geojson")),
    )
    assert many == few


def test_dashboard_queries_do_not_grow_with_months_and_cases(town, client, verified_client):
    from vroegsignaal.cases.services import pick_up_signal

    town.signal(signal_date=dt.date(2026, 1, 1))
    verified_client(town.coordinator)
    url = reverse("reporting:dashboard")
    few = _queries(client, url)
    for month in range(2, 8):
        signal = town.signal(signal_date=dt.date(2026, month, 1))
        pick_up_signal(signal, town.coordinator, team=town.team, on=dt.date(2026, month, 2))
    assert _queries(client, url) == few


def test_case_list_and_case_page_queries_do_not_grow_for_the_coordinator(
    town, client, verified_client
):
    from vroegsignaal.cases.services import add_note, log_contact_attempt, pick_up_signal

    first = pick_up_signal(town.signal(), town.coordinator, team=town.team, on=dt.date(2026, 3, 2))
    verified_client(town.coordinator)
    few_list = _queries(client, reverse("cases:list"), {"team": town.team.pk})
    few_case = _queries(client, reverse("cases:detail", args=[first.pk]))
    other_team = TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    for i in range(6):
        pick_up_signal(
            town.signal(),
            town.coordinator,
            team=(town.team, other_team)[i % 2],
            on=dt.date(2026, 3, 2),
        )
    for day in (3, 4, 5):
        log_contact_attempt(
            first, town.coordinator, kind="Huisbezoek", reached=day == 5, on=dt.date(2026, 3, day)
        )
        add_note(first, town.coordinator, f"notitie {day}")
    assert _queries(client, reverse("cases:list"), {"team": town.team.pk}) == few_list
    assert _queries(client, reverse("cases:detail", args=[first.pk])) == few_case
