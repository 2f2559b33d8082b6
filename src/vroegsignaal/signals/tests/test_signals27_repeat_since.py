"""``Signal.repeat_since``: the peildatum on which a signal became herhaald, written by evaluation
wherever it decides ``repeat`` (raised, woken up), kept while nothing decides it again, emptied
when a signal wakes up as no repeat; migration 0009 fills it for the signals of before.

Review 27: the monitor inferred that day from the ``joined_on`` of the signal's arrears, so a
signal woken by a rule change (its old arrears count again, none joins) was counted as herhaald
in the month of its signal date instead of the month it woke up.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from vroegsignaal.reporting import monitor
from vroegsignaal.reporting.models import MonitorFigureKind as K
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, SignalArrear
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE = PEILDATUM, dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def evaluate(world, day):
    services.evaluate(world.municipality, reference_date=day, received_on=day)


def herhaald_per_month(world, through=dt.date(2026, 12, 31)) -> dict[dt.date, int]:
    figures = monitor.compute(world.municipality, through=through)
    return {
        month: n
        for (month, wijk, figure, _), n in figures.items()
        if figure == K.HERHAALD and wijk == monitor.TOTAL
    }


def asleep_in_april(world):
    """A household signalled on 1 March on an arrear 90 days old, asleep on 1 April (121 days)."""
    household = world.household()
    world.arrear(household, "WOONBRUG", age=90)
    evaluate(world, MARCH)
    evaluate(world, APRIL)
    signal = Signal.objects.get(household=household)
    assert (signal.dormant_since, signal.repeat, signal.repeat_since) == (APRIL, False, None)
    return household


def test_a_signal_woken_up_by_a_rule_change_is_herhaald_since_that_peildatum(world):
    household = asleep_in_april(world)
    services.set_rules(world.municipality, RuleValues(max_age_days=365))  # the arrear counts again
    evaluate(world, MAY)
    signal = Signal.objects.get(household=household)
    assert (signal.dormant_since, signal.repeat, signal.repeat_until, signal.repeat_since) == (
        None, True, MARCH, MAY,
    )  # fmt: skip


def test_the_monitor_counts_a_signal_woken_by_a_rule_change_in_the_month_it_woke_up(world):
    # No arrear joined the signal when it woke up: inferred from joined_on, this was March.
    asleep_in_april(world)
    services.set_rules(world.municipality, RuleValues(max_age_days=365))
    evaluate(world, MAY)
    assert herhaald_per_month(world) == {MAY: 1}


def test_a_signal_woken_up_by_a_new_arrear_is_herhaald_since_that_peildatum(world):
    household = asleep_in_april(world)
    world.arrear(household, "ENERGIENOORD", start=dt.date(2026, 4, 20), last_seen_on=MAY)
    evaluate(world, MAY)
    assert Signal.objects.get(household=household).repeat_since == MAY
    assert herhaald_per_month(world) == {MAY: 1}


def lapsed_then_raised_again(world):
    """A signal of 1 March that lapsed on 1 April, and a new one on 1 June: its repeat."""
    household = world.household()
    first = world.arrear(household, "WOONBRUG", age=30)
    evaluate(world, MARCH)
    world.clear(first, APRIL)
    evaluate(world, APRIL)
    world.arrear(household, "ENERGIENOORD", start=dt.date(2026, 5, 10), last_seen_on=JUNE)
    evaluate(world, JUNE)
    return household, Signal.objects.get(household=household, status="nieuw")


def test_a_signal_raised_as_a_repeat_is_herhaald_since_its_signal_date(world):
    _, signal = lapsed_then_raised_again(world)
    assert (signal.repeat, signal.repeat_of_id is not None, signal.repeat_since) == (
        True, True, JUNE,
    )  # fmt: skip


def test_an_update_of_an_awake_signal_keeps_the_day_it_became_herhaald(world):
    household, signal = lapsed_then_raised_again(world)
    world.arrear(
        household, "ZORGZUID", start=dt.date(2026, 6, 10), last_seen_on=dt.date(2026, 7, 1)
    )
    evaluate(world, dt.date(2026, 7, 1))
    signal.refresh_from_db()
    assert (signal.creditor_count, signal.repeat, signal.repeat_since) == (2, True, JUNE)


def test_a_signal_that_wakes_up_as_no_repeat_loses_the_day(world):
    household, signal = lapsed_then_raised_again(world)
    evaluate(world, dt.date(2026, 9, 15))  # its arrear is 128 days old: asleep
    signal.refresh_from_db()
    assert (signal.dormant_since, signal.repeat_since) == (dt.date(2026, 9, 15), JUNE)
    # Awake again more than 183 days after it was last signalled (1 June): no repeat any more.
    wake = dt.date(2027, 2, 1)
    world.arrear(household, "WATERNET", start=dt.date(2027, 1, 20), last_seen_on=wake)
    evaluate(world, wake)
    signal.refresh_from_db()
    assert (signal.dormant_since, signal.repeat, signal.repeat_since) == (None, False, None)


def test_evaluating_again_on_the_same_peildatum_keeps_the_day(world):
    household = asleep_in_april(world)
    services.set_rules(world.municipality, RuleValues(max_age_days=365))
    evaluate(world, MAY)
    evaluate(world, MAY)  # awake now: nothing decides repeat again
    evaluate(world, JUNE)
    signal = Signal.objects.get(household=household)
    assert (signal.repeat, signal.repeat_since) == (True, MAY)


# ---------------------------------------------------------------------------
# Migration 0009: the signals of before get the day the monitor inferred
# ---------------------------------------------------------------------------


def fill_repeat_since() -> None:
    migration = import_module("vroegsignaal.signals.migrations.0009_signal_repeat_since")
    migration.fill_repeat_since(apps, None)


def test_the_migration_gives_a_raised_repeat_its_signal_date(world):
    _, signal = lapsed_then_raised_again(world)
    Signal.objects.update(repeat_since=None)  # as the rows were before the field
    fill_repeat_since()
    assert dict(Signal.objects.values_list("status", "repeat_since")) == {
        "vervallen": None,
        "nieuw": JUNE,
    }


def test_the_migration_gives_a_woken_signal_the_day_an_arrear_joined_it_after_its_run(world):
    household = asleep_in_april(world)
    world.arrear(household, "ENERGIENOORD", start=dt.date(2026, 4, 20), last_seen_on=MAY)
    evaluate(world, MAY)
    signal = Signal.objects.get(household=household)
    assert sorted(SignalArrear.objects.filter(signal=signal).values_list("joined_on", flat=True)) == [
        MARCH, MAY,
    ]  # fmt: skip
    Signal.objects.update(repeat_since=None)
    fill_repeat_since()
    signal.refresh_from_db()
    assert (signal.signal_date, signal.repeat_since) == (MARCH, MAY)


def test_the_migration_leaves_signals_that_are_no_repeat_empty(world):
    household = world.household()
    world.arrear(household, "WOONBRUG")
    evaluate(world, MARCH)
    fill_repeat_since()
    assert Signal.objects.get(household=household).repeat_since is None


def test_the_migration_cannot_see_a_wake_up_by_a_rule_change(world):
    """Why the field: inferred, the signal woken by a rule change in May was herhaald in March."""
    household = asleep_in_april(world)
    services.set_rules(world.municipality, RuleValues(max_age_days=365))
    evaluate(world, MAY)
    Signal.objects.update(repeat_since=None)
    fill_repeat_since()
    assert Signal.objects.get(household=household).repeat_since == MARCH
