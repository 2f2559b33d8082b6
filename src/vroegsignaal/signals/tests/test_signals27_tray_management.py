"""Review 27: Werkbakjes beheren counts sleeping signals apart from awake ones, as the trays
overview does; the audit of a tray change tells open signals that went to another tray from
those that went to none.

Before, the page's "Open signalen" counted sleeping signals too (the tray's list, one click
further, leaves them out by default), and the audit detail ``signalen_verplaatst`` added the
signals that went to another tray and those that now are in no tray's list.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.english import main_html
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal

from .conftest import PEILDATUM
from .test_tray_management import (
    URL,
    evaluate,
    household_in,
    multiple,
    single,
    town,
    tray,
    tray_events,
    tray_of,
)

__all__ = ["town"]  # the fixture, imported for these tests

pytestmark = pytest.mark.django_db

LATER = PEILDATUM + dt.timedelta(days=30)


def asleep(world):
    """A household with arrears at two creditors, 90 days old on PEILDATUM: asleep on LATER."""
    household = household_in(world)
    world.arrear(household, "WOONBRUG", age=90)
    world.arrear(household, "ENERGIENOORD", age=90)
    return household


def two_awake_and_one_asleep_in_meervoudig(world):
    households = [multiple(world), multiple(world), asleep(world)]
    evaluate(world)
    services.evaluate(world.municipality, reference_date=LATER, received_on=LATER)
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3
    dormant = Signal.objects.filter(dormant_since__isnull=False)
    assert list(dormant.values_list("household", flat=True)) == [households[2].pk]
    return households


def test_the_tray_list_counts_sleeping_signals_apart_from_the_awake_ones(
    town, client, verified_client
):
    two_awake_and_one_asleep_in_meervoudig(town)
    verified_client(town.coordinator)
    rows = client.get(URL).context["rows"]
    assert [(r["tray"].name, r["open"], r["dormant"]) for r in rows] == [
        ("Crisis", 0, 0), ("Jongeren (< 27)", 0, 0), ("Meervoudig", 2, 1),
        ("Schuldverschuiving", 0, 0), ("Enkelvoudig", 0, 0),
    ]  # fmt: skip


def test_the_sleeping_count_links_to_the_trays_sleeping_signals(town, client, verified_client):
    two_awake_and_one_asleep_in_meervoudig(town)
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    meervoudig = tray(town, "Meervoudig")
    assert '<th class="utrecht-table__header-cell numeric" scope="col">Slapend</th>' in html
    assert (
        f'<a class="utrecht-link" href="/signalen/werkbakjes/{meervoudig.pk}/?slapend=alleen">1'
        '<span class="visually-hidden"> slapende signalen in Meervoudig</span></a>'
    ) in html
    assert (
        "Slapend: open signalen waarvan volgens de signaalregels geen achterstand meer meetelt. "
        "Ze tellen niet mee bij de open signalen en staan standaard niet in de lijst van het werkbakje."
    ) in html


def test_the_open_count_is_what_the_trays_list_shows(town, client, verified_client):
    two_awake_and_one_asleep_in_meervoudig(town)
    verified_client(town.coordinator)
    meervoudig = tray(town, "Meervoudig")
    (row,) = [r for r in client.get(URL).context["rows"] if r["tray"] == meervoudig]
    overview = client.get(reverse("reporting:trays")).context["rows"]
    (shown,) = [r for r in overview if r["tray"] == meervoudig]
    assert (row["open"], row["dormant"]) == (shown["open"], shown["dormant"]) == (2, 1)


def test_a_tray_without_sleeping_signals_shows_none_without_a_link(town, client, verified_client):
    multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    assert "?slapend=alleen" not in html


def test_a_sleeping_signal_in_no_tray_is_counted_as_in_no_tray(town, client, verified_client):
    two_awake_and_one_asleep_in_meervoudig(town)
    Signal.objects.update(tray=None)
    verified_client(town.coordinator)
    response = client.get(URL)
    assert response.context["unplaced"] == 3
    assert all((r["open"], r["dormant"]) == (0, 0) for r in response.context["rows"])


def test_the_audit_of_a_change_tells_another_tray_from_no_tray(town):
    multiple_one, single_one = multiple(town), single(town)
    evaluate(town)
    meervoudig = tray(town, "Meervoudig")
    values = {name: getattr(meervoudig, name) for name in services.TRAY_FIELDS}
    # Meervoudig now takes single signals: the multiple one fits no tray, the single one moves up.
    change = services.update_tray(
        meervoudig, values | {"kind": "enkelvoudig"}, actor=town.coordinator
    )
    assert (tray_of(multiple_one), tray_of(single_one)) == (None, "Meervoudig")
    assert (change.moved_signals, change.unplaced_signals) == (2, 1)
    ((_, _, details),) = tray_events()
    assert details == {
        "naam": "Meervoudig",
        "gewijzigd": ["kind"],
        "open_signalen_naar_ander_werkbakje": 1,
        "open_signalen_naar_geen_werkbakje": 1,
    }


def test_the_audit_of_a_deletion_counts_open_signals_to_another_tray_and_to_none(town):
    crisis, plain = multiple(town, crisis=True), multiple(town)
    evaluate(town)
    services.delete_tray(tray(town, "Crisis"), actor=town.coordinator)  # crisis → Meervoudig
    services.delete_tray(tray(town, "Meervoudig"), actor=town.coordinator)  # both → none
    assert (tray_of(crisis), tray_of(plain)) == (None, None)
    assert [(d["naam"], d["open_signalen_naar_ander_werkbakje"], d["open_signalen_naar_geen_werkbakje"])
            for _, _, d in tray_events()] == [("Crisis", 1, 0), ("Meervoudig", 0, 2)]  # fmt: skip
    assert all("signalen_verplaatst" not in d for _, _, d in tray_events())
