"""Evaluation against the database: the life of a signal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.factories import MunicipalityFactory
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, SignalArrear, SignalStatus, SignalStatusChange, Tray
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM, days_before

TODAY = dt.date(2026, 3, 3)
NEXT = dt.date(2026, 4, 1)


def evaluate(world, day=PEILDATUM, **kwargs):
    return services.evaluate(world.municipality, reference_date=day, received_on=TODAY, **kwargs)


def test_two_creditors_raise_a_multiple_signal_in_the_meervoudig_tray(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", amount=65_000)
    world.arrear(h, "ENERGIENOORD", amount=21_000)
    evaluate(world)
    signal = Signal.objects.get(household=h)
    assert (signal.status, signal.kind, signal.tray.name, signal.total_amount_cents, signal.creditor_count) == (
        "nieuw", "meervoudig", "Meervoudig", 86_000, 2,
    )  # fmt: skip


def test_signal_records_peildatum_rule_set_version_and_its_counting_arrears(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    world.arrear(h, "ENERGIENOORD", age=101)  # too old to count
    evaluate(world)
    signal = Signal.objects.get(household=h)
    counted = list(
        SignalArrear.objects.filter(signal=signal, counts=True).values_list("arrear_id", flat=True)
    )
    assert (signal.signal_date, signal.rule_set.version, counted) == (PEILDATUM, 1, [a.pk])


def test_explanation_is_stored_in_dutch(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", amount=12_345, start=dt.date(2026, 2, 3))
    evaluate(world)
    assert "Achterstand bij Woonstichting De Brug van € 123,45 sinds 3 februari 2026" in (
        Signal.objects.get(household=h).explanation
    )


def test_crisis_signal_gets_a_deadline_of_three_working_days_and_the_crisis_tray(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", crisis=True, reason="ontruiming")
    services.evaluate(
        world.municipality, reference_date=PEILDATUM, received_on=dt.date(2026, 4, 24)
    )
    signal = Signal.objects.get(household=h)
    assert (signal.crisis, signal.deadline, signal.tray.name) == (
        True,
        dt.date(2026, 4, 30),
        "Crisis",
    )


def test_young_household_goes_to_jongeren(world):
    h = world.household(born=dt.date(2003, 1, 1))
    world.arrear(h, "WOONBRUG")
    world.arrear(h, "ENERGIENOORD")
    evaluate(world)
    assert Signal.objects.get(household=h).tray.name == "Jongeren (< 27)"


def test_household_with_an_older_person_is_not_jongeren(world):
    h = world.household(born=dt.date(2003, 1, 1), also_born=(dt.date(1970, 1, 1),))
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    assert Signal.objects.get(household=h).tray.name == "Enkelvoudig"


def test_default_trays_are_created_once_per_municipality(world):
    evaluate(world)
    evaluate(world)
    assert list(Tray.objects.filter(municipality=world.municipality).values_list("name", flat=True)) == [
        "Crisis", "Jongeren (< 27)", "Meervoudig", "Schuldverschuiving", "Enkelvoudig",
    ]  # fmt: skip


def test_household_has_at_most_one_open_signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    world.arrear(h, "ENERGIENOORD", age=2)
    evaluate(world, NEXT)
    assert Signal.objects.filter(household=h).count() == 1


def test_new_arrear_joins_the_open_signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    world.arrear(h, "ENERGIENOORD", start=dt.date(2026, 3, 20), last_seen_on=NEXT)
    evaluate(world, NEXT)
    signal = Signal.objects.get(household=h)
    assert (signal.kind, signal.creditor_count, signal.signal_date, signal.last_signalled_on) == (
        "meervoudig", 2, PEILDATUM, NEXT,
    )  # fmt: skip


def test_database_refuses_a_second_open_signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    first = Signal.objects.get(household=h)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signal.objects.create(
            municipality=world.municipality, household=h, kind="enkelvoudig", creditor_count=1,
            total_amount_cents=1, oldest_start_date=PEILDATUM, signal_date=PEILDATUM,
            last_signalled_on=PEILDATUM, rule_set=first.rule_set, explanation="x",
        )  # fmt: skip


def test_new_signal_lapses_when_all_its_arrears_are_cleared(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    evaluate(world)
    world.clear(a, NEXT)
    evaluate(world, NEXT)
    signal = Signal.objects.get(household=h)
    assert (signal.status, signal.closed_on) == (SignalStatus.VERVALLEN, NEXT)


def test_lapse_is_recorded_in_the_signals_history(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    evaluate(world)
    world.clear(a, NEXT)
    evaluate(world, NEXT)
    history = SignalStatusChange.objects.filter(signal__household=h).values_list(
        "from_status", "to_status"
    )
    assert list(history) == [("", "nieuw"), ("nieuw", "vervallen")]


def test_new_signal_stays_open_when_its_arrears_merely_age(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", age=90)
    evaluate(world)
    later = PEILDATUM + dt.timedelta(days=60)  # the arrear is now 150 days old
    evaluate(world, later)
    signal = Signal.objects.get(household=h)
    assert (signal.status, signal.last_signalled_on, signal.dormant_since) == (
        "nieuw",
        PEILDATUM,
        later,
    )


def test_sleeping_signal_woken_by_a_new_arrear_is_herhaald(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", age=90)
    evaluate(world)  # signalled on 1 March
    evaluate(world, dt.date(2026, 4, 1))  # 121 days old: asleep
    world.arrear(h, "ENERGIENOORD", start=dt.date(2026, 4, 20))
    evaluate(world, dt.date(2026, 5, 1))
    signal = Signal.objects.get(household=h)
    assert (signal.repeat, signal.repeat_until, signal.dormant_since, signal.signal_date) == (
        True, PEILDATUM, None, PEILDATUM,
    )  # fmt: skip
    assert "herhaald: eerder signaal tot en met 1 maart 2026" in signal.explanation


def test_signal_is_signalled_only_up_to_the_newest_peildatum_that_confirmed_its_arrears(world):
    # Another creditor delivered for 1 April first; this arrear's creditor has not yet.
    h = world.household()
    world.arrear(h, "WOONBRUG", age=20)
    evaluate(world)
    world.arrear(h, "ENERGIENOORD", age=60)  # a late arrival, last seen on 1 March too
    evaluate(world, NEXT)
    assert Signal.objects.get(household=h).last_signalled_on == PEILDATUM


def test_incremental_evaluation_moves_last_signalled_on_for_confirmed_untouched_signals(world):
    h, other = world.household(), world.household()
    a = world.arrear(h, "WOONBRUG", age=20)
    evaluate(world)
    a.last_seen_on = NEXT  # the stand of 1 April confirmed it unchanged: no event, not touched
    a.save()
    evaluate(world, NEXT, household_ids=[other.pk])
    assert Signal.objects.get(household=h).last_signalled_on == NEXT


def test_incremental_evaluation_puts_aged_signals_of_untouched_households_to_sleep(world):
    h, other = world.household(), world.household()
    world.arrear(h, "WOONBRUG", age=90)
    evaluate(world)
    later = PEILDATUM + dt.timedelta(days=30)
    report = evaluate(world, later, household_ids=[other.pk])
    assert (report.dormant, Signal.objects.get(household=h).dormant_since) == (1, later)


def test_signal_that_never_slept_is_no_repeat_when_a_creditor_joins(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", age=50)
    evaluate(world)
    world.arrear(h, "ENERGIENOORD", start=dt.date(2026, 3, 20))
    evaluate(world, NEXT)
    assert Signal.objects.get(household=h).repeat is False


def test_signal_with_one_of_two_creditors_cleared_stays_open(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    world.arrear(h, "ENERGIENOORD")
    evaluate(world)
    world.clear(a, NEXT)
    evaluate(world, NEXT)
    signal = Signal.objects.get(household=h)
    assert (signal.status, signal.kind, signal.creditor_count) == ("nieuw", "enkelvoudig", 1)


def test_picked_up_signal_does_not_lapse(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    evaluate(world)
    services.pick_up_signal(Signal.objects.get(household=h))
    world.clear(a, NEXT)
    evaluate(world, NEXT)
    assert Signal.objects.get(household=h).status == SignalStatus.OPGEPAKT


def test_after_a_closed_case_known_arrears_raise_no_new_signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    world.arrear(h, "ENERGIENOORD")
    evaluate(world)
    signal = Signal.objects.get(household=h)
    services.pick_up_signal(signal)
    services.close_signal(signal, on=dt.date(2026, 3, 15))
    evaluate(world, NEXT)
    assert list(Signal.objects.filter(household=h).values_list("status", flat=True)) == [
        "afgesloten"
    ]


def test_after_a_closed_case_an_arrear_below_the_minimum_then_stays_known(world):
    services.set_rules(world.municipality, RuleValues(min_amount_eur=50))
    h = world.household()
    world.arrear(h, "WOONBRUG", amount=10_000)
    small = world.arrear(h, "ENERGIENOORD", amount=1_000)
    evaluate(world)
    signal = Signal.objects.get(household=h)
    services.pick_up_signal(signal)
    services.close_signal(signal, on=dt.date(2026, 3, 15))
    small.amount_cents = 9_000  # grows past the minimum after the case was closed
    small.save()
    evaluate(world, NEXT)
    assert Signal.objects.filter(household=h).count() == 1


def test_after_a_closed_case_a_new_arrear_raises_a_new_repeat_signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    signal = Signal.objects.get(household=h)
    services.pick_up_signal(signal)
    services.close_signal(signal, on=dt.date(2026, 3, 15))
    new = world.arrear(h, "ZORGZUID", start=dt.date(2026, 3, 25))
    evaluate(world, NEXT)
    fresh = Signal.objects.get(household=h, status="nieuw")
    counted = list(
        SignalArrear.objects.filter(signal=fresh, counts=True).values_list("arrear_id", flat=True)
    )
    assert (fresh.repeat, fresh.kind, counted) == (True, "enkelvoudig", [new.pk])


def test_declined_signal_counts_as_a_closed_case(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    services.decline_signal(Signal.objects.get(household=h), on=dt.date(2026, 3, 15))
    evaluate(world, NEXT)
    assert list(Signal.objects.filter(household=h).values_list("status", flat=True)) == [
        "niet_opgepakt"
    ]


def test_lapsed_signal_followed_by_new_arrears_gives_a_repeat(world):
    h = world.household()
    a = world.arrear(h, "WOONBRUG")
    evaluate(world)
    world.clear(a, NEXT)
    evaluate(world, NEXT)
    world.arrear(h, "ENERGIENOORD", start=dt.date(2026, 4, 10))
    evaluate(world, dt.date(2026, 5, 1))
    fresh = Signal.objects.get(household=h, status="nieuw")
    assert fresh.repeat and "herhaald: eerder signaal tot en met 1 maart 2026" in fresh.explanation


def test_debt_swap_is_flagged_and_explained(world):
    h = world.household()
    world.arrear(
        h, "WOONBRUG", amount=65_000, start=dt.date(2025, 12, 1),
        last_seen_on=dt.date(2026, 2, 1), cleared_on=dt.date(2026, 3, 1),
    )  # fmt: skip
    world.arrear(
        h,
        "ENERGIENOORD",
        amount=21_000,
        start=dt.date(2026, 3, 10),
        last_seen_on=dt.date(2026, 3, 20),
    )
    evaluate(world, dt.date(2026, 3, 20))
    signal = Signal.objects.get(household=h)
    assert signal.debt_swap and signal.tray.name == "Schuldverschuiving"
    assert (
        "schuldverschuiving: achterstand bij Woonstichting De Brug (€ 650,00) opgelost op 1 maart; "
        "nieuwe achterstand bij Energie Noord (€ 210,00) sinds 10 maart"
    ) in signal.explanation


def test_evaluating_twice_changes_nothing_the_second_time(world):
    for n in range(3):
        h = world.household()
        world.arrear(h, "WOONBRUG", crisis=n == 0)
        world.arrear(h, "ENERGIENOORD")
    evaluate(world)
    before = list(Signal.objects.order_by("pk").values())
    report = evaluate(world)
    assert (report.raised, report.updated, report.expired, report.unchanged) == (0, 0, 0, 3)
    assert list(Signal.objects.order_by("pk").values()) == before


def test_incremental_evaluation_touches_only_the_given_households(world):
    h1, h2 = world.household(), world.household()
    world.arrear(h1, "WOONBRUG")
    world.arrear(h2, "WOONBRUG")
    report = evaluate(world, household_ids=[h1.pk])
    assert (report.raised, list(Signal.objects.values_list("household_id", flat=True))) == (
        1,
        [h1.pk],
    )


def test_evaluation_stays_within_its_municipality(world):
    other = MunicipalityFactory(code="0888")
    h = world.household(municipality=other)
    world.arrear(h, "WOONBRUG")
    evaluate(world, household_ids=[h.pk])
    assert not Signal.objects.exists()


def test_evaluate_after_delivery_evaluates_each_municipality_on_the_delivery_peildatum(world):
    other = MunicipalityFactory(code="0888")
    h1, h2 = world.household(), world.household(municipality=other)
    world.arrear(h1, "WOONBRUG")
    world.arrear(h2, "WOONBRUG")
    reports = services.evaluate_after_delivery(world.delivery("WOONBRUG"), [h1.pk, h2.pk])
    assert sorted((r.municipality, r.reference_date, r.raised) for r in reports) == [
        ("0888", PEILDATUM, 1), ("0999", PEILDATUM, 1),
    ]  # fmt: skip


def test_signal_keeps_the_rule_set_version_that_raised_it(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    evaluate(world)
    services.set_rules(world.municipality, RuleValues(min_amount_eur=10))
    world.arrear(h, "ENERGIENOORD")
    evaluate(world, NEXT)
    assert Signal.objects.get(household=h).rule_set.version == 1


def test_rules_switched_off_for_single_signals_raise_only_multiple(world):
    services.set_rules(world.municipality, RuleValues(single_signals=False))
    h1, h2 = world.household(), world.household()
    world.arrear(h1, "WOONBRUG")
    world.arrear(h2, "WOONBRUG")
    world.arrear(h2, "ZORGZUID")
    evaluate(world)
    assert list(Signal.objects.values_list("household_id", flat=True)) == [h2.pk]


def test_default_reference_date_is_the_newest_peildatum_of_the_arrears(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", last_seen_on=days_before(PEILDATUM, 7))
    report = services.evaluate(world.municipality)
    assert report.reference_date == days_before(PEILDATUM, 7)


def test_signal_declined_while_the_evaluation_runs_keeps_its_members(world, monkeypatch):
    """A coordinator declines the signal between the evaluation's read and its write.

    On PostgreSQL the decline can commit at that moment; the evaluation's
    ``UPDATE`` then skips the declined signal, and its member arrears must stay
    as they were when it was declined.
    """
    h = world.household()
    first = world.arrear(h, "WOONBRUG")
    evaluate(world)
    signal = Signal.objects.get(household=h)
    second = world.arrear(h, "ENERGIENOORD", start=days_before(NEXT, 5))
    changed = services._changed

    def declined_meanwhile(*args, **kwargs):
        services.decline_signal(Signal.objects.get(pk=signal.pk), on=NEXT)
        return changed(*args, **kwargs)

    monkeypatch.setattr(services, "_changed", declined_meanwhile)
    report = evaluate(world, NEXT)
    signal.refresh_from_db()
    links = list(
        SignalArrear.objects.filter(signal=signal)
        .order_by("arrear_id")
        .values_list("arrear_id", "role", "counts")
    )
    assert (signal.status, signal.creditor_count, links, report.updated) == (
        "niet_opgepakt", 1, [(first.pk, "member", True), (second.pk, "known", False)], 0,
    )  # fmt: skip
