"""The monitor counts a herhaald signal in the month it became herhaald: a signal raised as the
repeat of an earlier one in its signal date's month, a signal that woke up after sleeping in the
month it woke up.

Review 26: signals raised in December 2025 (the first month of data) that fell asleep and woke in
2026 were counted as herhaald under December, which then showed 10 repeats of nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vroegsignaal.reporting.models import MonitorFigureKind as K
from vroegsignaal.reporting.services import snapshot_monitor_figures
from vroegsignaal.signals.models import Signal, SignalArrear

from .test_monitor import figures

pytestmark = pytest.mark.django_db

DECEMBER, FEBRUARY, MARCH, MAY = (dt.date(2025, 12, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1),
                                  dt.date(2026, 5, 1))  # fmt: skip
THROUGH = dt.date(2026, 6, 30)


def _woke_up_in_may(town):
    """Raised in December on an arrear that aged out in January (asleep), awake again in May on a
    new arrear: herhaald (its own earlier run, until 1 December, lies within the window)."""
    household = town.household()
    old = town.arrear(household, town.energie, {DECEMBER: 20_000}, start=dt.date(2025, 11, 1))
    new = town.arrear(household, town.huur, {MAY: 30_000}, start=dt.date(2026, 4, 20))
    signal = town.signal(household, arrears=[new], signal_date=DECEMBER)
    SignalArrear.objects.filter(signal=signal).update(joined_on=MAY)
    SignalArrear.objects.create(signal=signal, arrear=old, counts=False, joined_on=DECEMBER)
    Signal.objects.filter(pk=signal.pk).update(
        repeat=True, repeat_of=None, repeat_until=DECEMBER, last_signalled_on=MAY, repeat_since=MAY
    )
    return signal


def _raised_as_a_repeat_in_march(town):
    household = town.household()
    earlier = town.signal(household, signal_date=DECEMBER, status="vervallen")
    arrear = town.arrear(household, town.huur, {MARCH: 30_000}, start=dt.date(2026, 2, 20))
    signal = town.signal(household, arrears=[arrear], signal_date=MARCH)
    Signal.objects.filter(pk=signal.pk).update(
        repeat=True, repeat_of=earlier, repeat_until=FEBRUARY, repeat_since=MARCH
    )
    return signal


def test_a_signal_that_woke_up_is_herhaald_in_the_month_it_woke_up(town):
    _woke_up_in_may(town)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    december, may = figures(town, DECEMBER), figures(town, MAY)
    assert (december[(K.SIGNALEN, "")], december.get((K.HERHAALD, ""), 0)) == (1, 0)
    assert may[(K.HERHAALD, "")] == 1


def test_a_signal_raised_as_a_repeat_is_herhaald_in_the_month_of_its_signal_date(town):
    _raised_as_a_repeat_in_march(town)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert figures(town, MARCH)[(K.HERHAALD, "")] == 1
    assert figures(town, DECEMBER).get((K.HERHAALD, ""), 0) == 0


def test_a_wake_up_after_the_snapshots_last_day_is_not_counted_yet(town):
    _woke_up_in_may(town)
    snapshot_monitor_figures(town.municipality, through=dt.date(2026, 4, 30))
    assert all(
        figures(town, month).get((K.HERHAALD, ""), 0) == 0
        for month in (DECEMBER, dt.date(2026, 4, 1), MAY)
    )


def test_herhaald_per_wijk_adds_up_to_the_whole_municipality(town):
    _woke_up_in_may(town)
    _raised_as_a_repeat_in_march(town)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    wijk = town.wijk.code
    assert [figures(town, m, wijk).get((K.HERHAALD, ""), 0) for m in (MARCH, MAY)] == [1, 1]


def test_the_monitor_page_says_in_which_month_a_signal_counts_as_herhaald(
    town, client, verified_client
):
    _woke_up_in_may(town)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:monitor"), {"maand": "2025-12"}).content.decode()
    assert (
        "Een signaal dat weer wakker werd, telt bij Signalen in de maand van zijn signaaldatum en "
        "bij Herhaald in de maand waarin het wakker werd." in body
    )
