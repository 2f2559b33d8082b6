"""Sleeping signals (open, ``dormant_since`` set: none of their arrears counts under the rules now)
are told apart from the awake ones: marked in the tray, on the household page and in the tray's
export, hidden from the tray list unless asked, and not counted as open on the trays page and the map.

Review 26: they looked exactly like active signals and were counted with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from vroegsignaal.signals.models import Signal

pytestmark = pytest.mark.django_db

ASLEEP_ON = dt.date(2026, 6, 1)
MARK = "slapend: telt nu niet mee"


def _asleep(signal, on=ASLEEP_ON):
    Signal.objects.filter(pk=signal.pk).update(dormant_since=on)
    signal.refresh_from_db()
    return signal


def _tray(client, town, **query):
    return client.get(reverse("reporting:tray", args=[town.tray.pk]), query)


def _listed(response) -> list[int]:
    return [s.pk for s in response.context["page"].object_list]


def test_the_tray_leaves_sleeping_signals_out_by_default_and_says_how_many(
    town, client, verified_client
):
    awake = town.signal()
    _asleep(town.signal())
    verified_client(town.coordinator)
    response = _tray(client, town)
    assert (_listed(response), response.context["page"].paginator.count) == ([awake.pk], 1)
    assert response.context["hidden_dormant"] == 1
    body = response.content.decode()
    assert "1 slapend signaal wordt niet getoond: het telt nu niet mee." in body
    assert "slapend=tonen" in body


def test_the_tray_shows_sleeping_signals_marked_when_asked(town, client, verified_client):
    awake = town.signal(priority=200)
    asleep = _asleep(town.signal(priority=100))
    verified_client(town.coordinator)
    response = _tray(client, town, slapend="tonen")
    assert _listed(response) == [awake.pk, asleep.pk]
    assert response.context["hidden_dormant"] == 0
    rows = (
        response.content.decode().split('<tbody class="utrecht-table__body">', 1)[1].split("</tr>")
    )
    assert [MARK in row for row in rows[:2]] == [False, True]


def test_the_tray_lists_only_the_sleeping_signals_when_asked(town, client, verified_client):
    town.signal()
    asleep = _asleep(town.signal())
    verified_client(town.coordinator)
    assert _listed(_tray(client, town, slapend="alleen")) == [asleep.pk]


def test_showing_sleeping_signals_counts_as_a_filter_hiding_them_does_not(
    town, client, verified_client
):
    town.signal()
    verified_client(town.coordinator)
    assert _tray(client, town, slapend="verbergen").context["active_filters"] == 0
    assert _tray(client, town, slapend="tonen").context["active_filters"] == 1


def test_a_closed_signal_that_had_fallen_asleep_is_listed_as_closed_not_as_sleeping(
    town, client, verified_client
):
    """A lapsed signal keeps the day it fell asleep; it no longer sleeps, and the filter leaves it."""
    lapsed = _asleep(town.signal(status="vervallen"))
    verified_client(town.coordinator)
    response = _tray(client, town, status="vervallen")
    assert _listed(response) == [lapsed.pk]
    assert MARK not in response.content.decode()


def test_the_household_page_says_its_signal_sleeps_and_since_when(town, client, verified_client):
    signal = _asleep(town.signal())
    verified_client(town.coordinator)
    body = client.get(
        reverse("reporting:household", args=[signal.household_id]), {"doel": "signaalbehandeling"}
    ).content.decode()
    assert MARK in body
    assert "Slapend sinds 1 juni 2026: geen van de achterstanden van het signaal telt" in body


def test_the_household_page_of_an_awake_signal_says_nothing_of_sleeping(
    town, client, verified_client
):
    signal = town.signal()
    verified_client(town.coordinator)
    body = client.get(
        reverse("reporting:household", args=[signal.household_id]), {"doel": "signaalbehandeling"}
    ).content.decode()
    assert MARK not in body and "Slapend sinds" not in body


def test_the_trays_page_counts_sleeping_signals_apart_from_the_open_ones(
    town, client, verified_client
):
    town.signal()
    town.signal()
    _asleep(town.signal())
    verified_client(town.coordinator)
    rows = client.get(reverse("reporting:trays")).context["rows"]
    assert [(r["tray"].name, r["open"], r["dormant"]) for r in rows] == [("Meervoudig", 2, 1)]


def test_the_trays_page_from_the_map_counts_sleeping_signals_of_the_buurt_apart(
    town, client, verified_client
):
    town.signal(town.household(buurt=town.buurt))
    _asleep(town.signal(town.household(buurt=town.buurt)))
    _asleep(town.signal(town.household(buurt=town.other_buurt)))
    verified_client(town.coordinator)
    rows = client.get(reverse("reporting:trays"), {"buurt": town.buurt.code}).context["rows"]
    assert [(r["open"], r["dormant"]) for r in rows] == [(1, 1)]


def test_the_map_counts_only_the_open_signals_that_are_awake(town, client, verified_client):
    town.buurt.households = 1000
    town.buurt.save()
    town.signal(town.household(buurt=town.buurt))
    _asleep(town.signal(town.household(buurt=town.buurt)))
    verified_client(town.coordinator)
    rates = {r["code"]: r for r in client.get(reverse("reporting:map")).context["rates"]}
    assert (rates[town.buurt.code]["signals"], rates[town.buurt.code]["per_1000"]) == (1, 1.0)


def test_the_tray_export_keeps_the_specs_columns_with_sleeping_signals_shown(
    town, client, verified_client
):
    """Spec section 5 allows the portal's export only names and contact details more: the file
    shown with sleeping signals has the spec's columns, not a column of our own."""
    from vroegsignaal.signals.exports import COLUMNS

    awake = town.signal(priority=200)
    asleep = _asleep(town.signal(priority=100))
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:tray_export", args=[town.tray.pk]),
        {"slapend": "tonen", "formaat": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8")), delimiter=";"))
    assert tuple(rows[0]) == COLUMNS
    assert [r["signaal_id"] for r in rows] == [str(awake.pk), str(asleep.pk)]


def test_the_tray_export_holds_what_the_tray_lists_without_the_sleeping_by_default(
    town, client, verified_client
):
    awake = town.signal()
    _asleep(town.signal())
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"formaat": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8")), delimiter=";"))
    assert [r["signaal_id"] for r in rows] == [str(awake.pk)]


def test_the_tray_page_takes_no_extra_query_to_count_the_hidden_sleeping_signals(
    town, client, verified_client, django_assert_max_num_queries
):
    for i in range(8):
        signal = town.signal()
        if i % 2:
            _asleep(signal)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url, {"status": "open", "sorteer": "prioriteit"})
    assert (response.context["page"].paginator.count, response.context["hidden_dormant"]) == (4, 4)


def test_a_search_result_marks_its_open_signal_as_sleeping(town, client, verified_client):
    from .test_search import _at, _search

    _asleep(town.signal(_at(town, "1234AB", 12)))
    town.signal(_at(town, "1234AB", 14))
    verified_client(town.coordinator)
    body = _search(client, "1234AB", "12").content.decode()
    assert body.count(MARK) == 1
    assert MARK not in _search(client, "1234AB", "14").content.decode()
