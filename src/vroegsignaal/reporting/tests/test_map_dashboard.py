"""The neighbourhood map (figures per 1,000 households, click through to the trays) and the trend dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from .conftest import Town

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.0]]]}


def test_signals_per_thousand_households_per_buurt(town, client, verified_client):
    town.buurt.households = 400
    town.buurt.save()
    town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:map"))
    rates = {r["code"]: r for r in response.context["rates"]}
    assert (rates[town.buurt.code]["signals"], rates[town.buurt.code]["per_1000"]) == (2, 5.0)


def test_map_geojson_links_each_buurt_to_the_trays_filtered_on_it(town, client, verified_client):
    town.buurt.geometry = SQUARE
    town.buurt.save()
    town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    collection = client.get(reverse("reporting:map_geojson")).json()
    [feature] = collection["features"]
    assert feature["properties"]["url"] == f"/signalen/werkbakjes/?buurt={town.buurt.code}"
    assert feature["properties"]["signalen"] == 1


def test_wijk_level_counts_the_signals_of_its_buurten(town, client, verified_client):
    town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:map"), {"niveau": "wijk"})
    assert [(r["code"], r["signals"]) for r in response.context["rates"]] == [(town.wijk.code, 2)]


def test_tray_index_filtered_on_a_buurt_counts_only_its_signals(town, client, verified_client):
    town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"), {"buurt": town.buurt.code})
    assert [r["open"] for r in response.context["rows"]] == [1]
    assert f"?buurt={town.buurt.code}" in response.content.decode()


def test_map_shows_no_other_municipalitys_neighbourhoods(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    other.buurt.geometry = SQUARE
    other.buurt.save()
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:map_geojson")).json()["features"] == []


def test_dashboard_counts_signals_per_month_by_creditor_type_and_picked_up_share(
    town, client, verified_client
):
    household = town.household()
    energy = town.arrear(household, town.energie, {dt.date(2026, 2, 1): 10_000})
    town.signal(household, arrears=[energy], signal_date=dt.date(2026, 2, 1), status="opgepakt")
    town.signal(signal_date=dt.date(2026, 2, 1))
    town.signal(signal_date=dt.date(2026, 3, 1))
    verified_client(town.coordinator)
    trends = client.get(reverse("reporting:dashboard")).context["trends"]
    assert trends["by_type"] == {
        "months": ["2026-02"],
        "labels": ["februari 2026"],
        "series": [{"name": "Energie", "values": [1]}],
    }
    shares = {s["name"]: s["values"] for s in trends["picked_up"]["series"]}
    assert shares["% opgepakt (van signalen)"] == [50.0, 0.0]


def test_dashboard_shows_the_shares_reached_and_helped_per_month(town, client, verified_client):
    from vroegsignaal.cases import services as cases

    february = [town.signal(signal_date=dt.date(2026, 2, 1)) for _ in range(4)]
    reached = cases.pick_up_signal(
        february[0], town.coordinator, team=town.team, on=dt.date(2026, 2, 2)
    )
    helped = cases.pick_up_signal(
        february[1], town.coordinator, team=town.team, on=dt.date(2026, 2, 2)
    )
    cases.pick_up_signal(
        february[2], town.coordinator, team=town.team, on=dt.date(2026, 2, 2)
    )  # not reached
    for case in (reached, helped):
        cases.log_contact_attempt(
            case, town.coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 2, 3)
        )
    cases.record_offer(
        helped,
        town.coordinator,
        made_on=dt.date(2026, 2, 3),
        answer="aanvaard",
        answered_on=dt.date(2026, 2, 3),
    )
    verified_client(town.coordinator)
    trends = client.get(reverse("reporting:dashboard")).context["trends"]
    shares = {s["name"]: s["values"] for s in trends["picked_up"]["series"]}
    assert (shares["Opgepakt"], shares["Bereikt"], shares["Hulp aanvaard"]) == ([3], [2], [1])
    assert (
        shares["% opgepakt (van signalen)"],
        shares["% bereikt (van opgepakt)"],
        shares["% hulp aanvaard (van bereikt)"],
    ) == ([75.0], [66.7], [50.0])


def test_dashboard_and_monitor_give_a_month_the_same_reached_share(town, client, verified_client):
    """August 2026: the monitor said 60,0 (of those picked up), the dashboard 1,8 (of all signals)."""
    from vroegsignaal.cases import services as cases

    august = [town.signal(signal_date=dt.date(2026, 8, 3)) for _ in range(4)]
    picked = [
        cases.pick_up_signal(s, town.coordinator, team=town.team, on=dt.date(2026, 8, 4))
        for s in august[:2]
    ]
    cases.log_contact_attempt(
        picked[0], town.coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 8, 5)
    )
    verified_client(town.coordinator)
    trends = client.get(reverse("reporting:dashboard")).context["trends"]
    dashboard = {s["name"]: s["values"] for s in trends["picked_up"]["series"]}
    monitor = client.get(reverse("reporting:monitor"), {"maand": "2026-08"}).context["trend"]
    assert dashboard["% bereikt (van opgepakt)"] == [monitor[-1]["reached_share"]] == [50.0]


def test_the_monitors_course_per_month_says_what_each_share_is_of(town, client, verified_client):
    town.signal(signal_date=dt.date(2026, 8, 3))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:monitor")).content.decode()
    course = body.split('id="verloop"', 1)[1]
    for label in (
        "% opgepakt (van signalen)",
        "% bereikt (van opgepakt)",
        "% hulp aanvaard (van bereikt)",
    ):
        assert f">{label}</th>" in course, label


def test_dashboard_figures_are_kept_for_two_minutes(town, client, verified_client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "dashboard",
        }
    }
    town.signal(signal_date=dt.date(2026, 2, 1))
    verified_client(town.coordinator)
    client.get(reverse("reporting:dashboard"))
    town.signal(signal_date=dt.date(2026, 2, 1))
    trends = client.get(reverse("reporting:dashboard")).context["trends"]
    assert trends["picked_up"]["series"][0] == {"name": "Signalen", "values": [1]}


def test_dashboard_shows_a_table_beside_each_chart(town, client, verified_client):
    town.signal(signal_date=dt.date(2026, 2, 1))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:dashboard")).content.decode()
    assert (
        body.count("<canvas") == body.count("— tabel") == 2
    )  # no creditor-type rows without arrears


def test_dashboard_query_count_is_bounded(
    town, client, verified_client, django_assert_max_num_queries
):
    for month in range(1, 7):
        town.signal(signal_date=dt.date(2026, month, 1))
    verified_client(town.coordinator)
    client.get(reverse("reporting:dashboard"))
    with django_assert_max_num_queries(10):
        client.get(reverse("reporting:dashboard"))


def test_map_query_count_is_bounded(town, client, verified_client, django_assert_max_num_queries):
    for _ in range(20):
        town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    client.get(reverse("reporting:map_geojson"))
    with django_assert_max_num_queries(8):
        client.get(reverse("reporting:map_geojson"))


def test_dashboard_tables_name_the_month_in_dutch_not_as_iso_year_month(
    town, client, verified_client
):
    town.signal(signal_date=dt.date(2026, 3, 1))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:dashboard")).content.decode()
    assert '<th scope="row" class="utrecht-table__cell">maart 2026</th>' in body
    assert '<th scope="row" class="utrecht-table__cell">2026-03</th>' not in body


def _rate(code: str, signals: int, households: int | None) -> dict:
    per_1000 = None if households is None else round(signals * 1000 / households, 1)
    return {
        "code": code,
        "name": code,
        "signals": signals,
        "households": households,
        "per_1000": per_1000,
    }


RATES = [
    _rate("BU01", 4, 1000),  # 4.0
    _rate("BU02", 9, None),  # no CBS count: no rate
    _rate("BU03", 8, 1000),  # 8.0
    _rate("BU04", 2, 500),  # 4.0, ties with BU01
]


@pytest.mark.parametrize(
    ("sort", "order", "applied"),
    [
        (None, ["BU01", "BU02", "BU03", "BU04"], "gebied"),
        ("-gebied", ["BU04", "BU03", "BU02", "BU01"], "-gebied"),
        ("per1000", ["BU03", "BU01", "BU04", "BU02"], "per1000"),  # highest first, no rate last
        ("-per1000", ["BU01", "BU04", "BU03", "BU02"], "-per1000"),  # ties in code order both ways
        ("signalen", ["BU02", "BU03", "BU01", "BU04"], "signalen"),
        ("huishoudens", ["BU01", "BU03", "BU04", "BU02"], "huishoudens"),
        ("'; DROP TABLE", ["BU01", "BU02", "BU03", "BU04"], "gebied"),
    ],
)
def test_the_map_table_sorts_by_each_column_with_areas_without_a_rate_last(sort, order, applied):
    from vroegsignaal.reporting.selectors import sorted_rates

    rows, sort_applied, headers = sorted_rates(RATES, sort)
    assert [r["code"] for r in rows] == order
    assert sort_applied == applied
    column = applied.removeprefix("-")
    assert headers[column]["direction"] in ("ascending", "descending")
    assert headers[column]["value"] != applied  # the sorted column's header turns it around
    assert all(h["direction"] == "" for name, h in headers.items() if name != column)


def test_the_map_page_sorts_its_table_and_says_so_to_screen_readers(town, client, verified_client):
    town.buurt.households = 400
    town.buurt.save()
    town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:map"), {"niveau": "buurt", "sorteer": "per1000"})
    assert response.context["rates"][0]["code"] == town.buurt.code
    page = response.content.decode()
    assert 'aria-sort="descending"' in page
    assert "?niveau=buurt&amp;sorteer=-per1000" in page  # the header turns it around
    assert "?niveau=wijk&amp;sorteer=per1000" in page  # the other level keeps the order
