"""The coordinator's trays: counts, filters that stay put, sorting, empty states, bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role

from .conftest import Town

pytestmark = pytest.mark.django_db


def test_tray_index_shows_each_tray_with_its_open_count(town, client, verified_client):
    town.signal()
    town.signal()
    town.signal(status="vervallen")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"))
    assert response.status_code == 200
    assert [(r["tray"].name, r["open"]) for r in response.context["rows"]] == [("Meervoudig", 2)]


def test_hulpverlener_may_not_open_the_trays(town, client, verified_client):
    worker = UserFactory(role=Role.HULPVERLENER, team=town.team, municipality=town.municipality)
    verified_client(worker)
    assert client.get(reverse("reporting:trays")).status_code == 403


def test_filter_on_buurt_keeps_only_that_buurts_signals(town, client, verified_client):
    inside = town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"buurt": town.buurt.code})
    assert [s.pk for s in response.context["page"].object_list] == [inside.pk]


def test_filter_on_wijk_includes_its_buurten(town, client, verified_client):
    town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"buurt": town.wijk.code})
    assert response.context["page"].paginator.count == 2


def test_filters_on_amount_flags_creditor_type_age_and_team_combine(town, client, verified_client):
    household = town.household()
    energy = town.arrear(household, town.energie, {dt.date(2026, 2, 1): 10_000})
    wanted = town.signal(household, amount=90_000, crisis=True, oldest=dt.date(2025, 10, 1), team=town.team, arrears=[energy])
    town.signal(amount=90_000, crisis=True, oldest=dt.date(2025, 10, 1), team=town.team)  # no energy arrear
    town.signal(amount=10_000, crisis=True, oldest=dt.date(2025, 10, 1), team=town.team)
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:tray", args=[town.tray.pk]),
        {"soort": "Energie", "bedrag_van": "500", "crisis": "1", "ouderdom_van": "30", "team": town.team.pk},
    )
    assert [s.pk for s in response.context["page"].object_list] == [wanted.pk]


def test_sorting_by_amount_puts_the_largest_first(town, client, verified_client):
    small = town.signal(amount=10_000, priority=900)
    large = town.signal(amount=90_000, priority=100)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"sorteer": "bedrag"})
    assert [s.pk for s in response.context["page"].object_list] == [large.pk, small.pk]


def test_filters_stay_put_across_pagination(town, client, verified_client):
    for _ in range(55):
        town.signal(crisis=True)
    town.signal(crisis=False)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    first = client.get(url, {"crisis": "1", "sorteer": "bedrag"})
    body = first.content.decode()
    assert "crisis=1" in body and "pagina=2" in body and "sorteer=bedrag" in body
    second = client.get(url, {"crisis": "1", "sorteer": "bedrag", "pagina": "2"})
    assert second.context["page"].paginator.count == 55
    assert len(second.context["page"].object_list) == 5


def test_filters_are_remembered_per_tray_in_the_session(town, client, verified_client):
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url, {"buurt": town.buurt.code, "crisis": "1"})
    response = client.get(url)
    assert response.status_code == 302
    assert f"buurt={town.buurt.code}" in response["Location"] and "crisis=1" in response["Location"]


def test_clearing_filters_forgets_them(town, client, verified_client):
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url, {"crisis": "1"})
    client.get(url, {"wissen": "1"})
    assert client.get(url).status_code == 200


def test_empty_tray_says_what_to_do(town, client, verified_client):
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]))
    assert "Dit werkbakje is leeg" in response.content.decode()


def test_no_match_for_the_filters_offers_to_clear_them(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"bedrag_van": "999999"})
    body = response.content.decode()
    assert "Geen signalen die aan deze filters voldoen." in body and "Filters wissen</a>" in body


def test_coordinator_of_a_gets_404_for_the_tray_of_b(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:tray", args=[other.tray.pk])).status_code == 404


def test_tray_page_query_count_is_bounded(town, client, verified_client, django_assert_max_num_queries):
    for i in range(60):
        town.signal(town.household(buurt=town.buurt if i % 2 else town.other_buurt), team=town.team)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20):  # 5 of them write the page view to the audit log
        response = client.get(url, {"crisis": "", "status": "open", "sorteer": "prioriteit"})
    assert len(response.context["page"].object_list) == 50


def test_tray_index_query_count_does_not_grow_with_trays(town, client, verified_client, django_assert_max_num_queries):
    from vroegsignaal.signals.models import Tray

    for i in range(10):
        tray = Tray.objects.create(municipality=town.municipality, name=f"Bakje {i}", position=10 + i)
        town.signal(tray=tray)
    verified_client(town.coordinator)
    client.get(reverse("reporting:trays"))
    with django_assert_max_num_queries(12):
        client.get(reverse("reporting:trays"))


def test_buurt_filter_uses_the_register_files_buurtcode_while_that_buurt_is_not_imported(town, client, verified_client):
    from vroegsignaal.registry.models import Address

    household = town.household()
    Address.objects.filter(pk=household.address_id).update(buurt=None, buurtcode="BU09999999")
    signal = town.signal(household)
    town.signal(town.household())  # in an imported buurt
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"buurt": "BU09999999"})
    assert [s.pk for s in response.context["page"].object_list] == [signal.pk]


def test_tray_writes_the_dates_in_full_dutch_not_capitalised_abbreviations(town, client, verified_client):
    town.signal(oldest=dt.date(2026, 3, 5), signal_date=dt.date(2026, 10, 1))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert ">5 maart 2026</td>" in body and ">1 oktober 2026</td>" in body
    assert "Mrt 2026" not in body and "Okt 2026" not in body


def test_tray_amount_column_shows_cents_on_every_row(town, client, verified_client):
    town.signal(amount=57_000)
    town.signal(amount=226_320)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert ">€ 570,00</td>" in body and ">€ 2.263,20</td>" in body


def test_tray_page_title_names_it_a_werkbakje_like_its_heading(town, client, verified_client):
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert f"<title>Werkbakje {town.tray.name} · Vroegsignaal</title>" in body
