"""The dashboard and the monitor count "Signalen per soort schuldeiser … per maand van de
signaaldatum" the same way: a signal under every creditor type of which an arrear counted for it,
now or at an earlier evaluation (the monitor's and the DDAS export's definition).

Review 26: the dashboard counted the arrears counting now only, the monitor every member arrear,
and the two pages gave December 2025 different numbers under the same words.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vroegsignaal.reporting import monitor
from vroegsignaal.reporting.models import MonitorFigureKind as K
from vroegsignaal.signals.models import SignalArrear

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2025, 12, 1)


@pytest.fixture
def signal_whose_first_arrear_aged_out(town):
    """Raised in December on an energy arrear that no longer counts; a rent arrear counts now."""
    household = town.household()
    energy = town.arrear(household, town.energie, {DECEMBER: 20_000}, start=dt.date(2025, 11, 1))
    rent = town.arrear(household, town.huur, {dt.date(2026, 3, 1): 50_000})
    signal = town.signal(household, arrears=[rent], signal_date=DECEMBER)
    SignalArrear.objects.create(signal=signal, arrear=energy, counts=False, joined_on=DECEMBER)
    return signal


def _dashboard_by_type(client) -> dict:
    table = client.get(reverse("reporting:dashboard")).context["trends"]["by_type"]
    return {
        (month, series["name"]): value
        for series in table["series"]
        for month, value in zip(table["months"], series["values"], strict=True)
    }


def test_the_dashboard_counts_a_signal_under_every_creditor_type_that_counted_for_it(
    town, signal_whose_first_arrear_aged_out, client, verified_client
):
    verified_client(town.coordinator)
    assert _dashboard_by_type(client) == {("2025-12", "Energie"): 1, ("2025-12", "Huur"): 1}


def test_the_dashboard_and_the_monitor_give_a_month_the_same_count_per_creditor_type(
    town, signal_whose_first_arrear_aged_out, client, verified_client
):
    town.signal(
        town.household(),
        arrears=[town.arrear(town.household(), town.energie, {DECEMBER: 10_000})],
        signal_date=DECEMBER,
    )
    verified_client(town.coordinator)
    figures = monitor.compute(town.municipality, through=dt.date(2026, 3, 31))
    on_the_monitor = {
        (month.strftime("%Y-%m"), category): value
        for (month, wijk, figure, category), value in figures.items()
        if wijk == monitor.TOTAL and figure == K.SOORT_SCHULDEISER
    }
    assert on_the_monitor == {("2025-12", "Energie"): 2, ("2025-12", "Huur"): 1}
    assert _dashboard_by_type(client) == on_the_monitor


def test_the_dashboard_and_the_monitor_say_how_a_signal_counts_per_creditor_type(
    town, signal_whose_first_arrear_aged_out, client, verified_client
):
    note = (
        "Signalen met een achterstand bij deze soort die voor het signaal meetelde, nu of eerder; "
        "één signaal kan bij meer soorten horen."
    )
    verified_client(town.coordinator)
    assert note in client.get(reverse("reporting:dashboard")).content.decode()
    assert note in client.get(reverse("reporting:monitor")).content.decode()
