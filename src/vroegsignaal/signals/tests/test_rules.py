"""The signal rules at their edges (pure: no database)."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.signals.rules import RuleValues

from .engine import R, arrear, day, raised, run

# --- counting arrears ---------------------------------------------------------


def test_arrear_of_exactly_max_age_days_counts():
    assert raised([arrear(age=100)]) is not None


def test_arrear_one_day_older_than_max_age_does_not_count():
    assert raised([arrear(age=101)]) is None


def test_max_age_follows_the_municipalitys_rule():
    rules = RuleValues(max_age_days=60)
    assert raised([arrear(age=60)], rules) is not None
    assert raised([arrear(age=61)], rules) is None


def test_arrear_starting_on_the_peildatum_counts():
    assert raised([arrear(age=0)]) is not None


def test_arrear_starting_after_the_peildatum_does_not_count():
    assert raised([arrear(start=R + dt.timedelta(days=1))]) is None


def test_amount_exactly_at_the_minimum_counts():
    assert raised([arrear(amount=5_000)], RuleValues(min_amount_eur=50)) is not None


def test_amount_one_cent_below_the_minimum_does_not_count():
    assert raised([arrear(amount=4_999)], RuleValues(min_amount_eur=50)) is None


def test_cleared_arrear_does_not_count():
    assert raised([arrear(cleared_on=day(5))]) is None


def test_arrear_known_at_a_closed_case_does_not_count():
    a = arrear(arrear_id=501)
    assert raised([a], excluded=[501]) is None


# --- meervoudig / enkelvoudig -------------------------------------------------


def test_two_creditors_make_a_multiple_signal():
    signal = raised([arrear(creditor="WOONBRUG"), arrear(creditor="ENERGIENOORD")])
    assert (signal["kind"], signal["creditor_count"]) == ("meervoudig", 2)


def test_two_arrears_at_one_creditor_make_a_single_signal():
    signal = raised([arrear(creditor="WOONBRUG"), arrear(creditor="WOONBRUG")])
    assert (signal["kind"], signal["creditor_count"]) == ("enkelvoudig", 1)


def test_two_health_insurers_are_two_creditors_by_organisation():
    assert (
        raised([arrear(creditor="ZORGZUID"), arrear(creditor="ZORGWEST")])["kind"] == "meervoudig"
    )


def test_two_health_insurers_are_one_creditor_when_counting_by_type():
    signal = raised(
        [arrear(creditor="ZORGZUID"), arrear(creditor="ZORGWEST")],
        RuleValues(count_distinct="type"),
    )
    assert (signal["kind"], signal["creditor_count"]) == ("enkelvoudig", 2)


def test_min_creditors_three_makes_two_creditors_a_single_signal():
    signal = raised(
        [arrear(creditor="WOONBRUG"), arrear(creditor="ENERGIENOORD")], RuleValues(min_creditors=3)
    )
    assert signal["kind"] == "enkelvoudig"


def test_an_aged_arrear_does_not_make_a_second_creditor():
    signal = raised(
        [arrear(creditor="WOONBRUG", age=101), arrear(creditor="ENERGIENOORD", age=100)]
    )
    assert (signal["kind"], signal["creditor_count"]) == ("enkelvoudig", 1)


def test_single_signals_switched_off_raise_nothing_for_one_creditor():
    assert raised([arrear()], RuleValues(single_signals=False)) is None


def test_a_crisis_at_one_creditor_is_signalled_with_single_signals_switched_off():
    """Wgs art. 4(2) obliges the municipality to act on a crisis: the switch is for ordinary arrears."""
    signal = raised([arrear(crisis=True, reason="ontruiming")], RuleValues(single_signals=False))
    assert (signal["kind"], signal["crisis"]) == ("enkelvoudig", True)


def test_a_crisis_at_an_excluded_creditor_type_is_signalled():
    rules = RuleValues(single_signal_excluded_types=("Zorg",))
    signal = raised([arrear(creditor="ZORGZUID", crisis=True)], rules)
    assert (signal["kind"], signal["crisis"]) == ("enkelvoudig", True)


def test_a_crisis_outside_the_age_window_still_raises_nothing():
    assert raised([arrear(age=101, crisis=True)], RuleValues(single_signals=False)) is None


def test_single_signals_switched_off_still_raise_multiple_signals():
    rules = RuleValues(single_signals=False)
    assert (
        raised([arrear(creditor="WOONBRUG"), arrear(creditor="ENERGIENOORD")], rules)["kind"]
        == "meervoudig"
    )


def test_single_signal_switched_off_for_a_creditor_type():
    assert (
        raised([arrear(creditor="ZORGZUID")], RuleValues(single_signal_excluded_types=("Zorg",)))
        is None
    )


def test_single_signal_of_another_type_still_raised_when_one_type_is_off():
    assert (
        raised([arrear(creditor="WOONBRUG")], RuleValues(single_signal_excluded_types=("Zorg",)))
        is not None
    )


def test_excluded_type_still_counts_towards_a_multiple_signal():
    rules = RuleValues(single_signal_excluded_types=("Zorg",))
    assert (
        raised([arrear(creditor="ZORGZUID"), arrear(creditor="WOONBRUG")], rules)["kind"]
        == "meervoudig"
    )


def test_figures_are_sum_of_amounts_and_oldest_start():
    signal = raised(
        [
            arrear(creditor="WOONBRUG", amount=65_000, age=40),
            arrear(creditor="ENERGIENOORD", amount=21_000, age=10),
        ]
    )
    assert (signal["total_amount_cents"], signal["oldest_start_date"]) == (86_000, day(40))


# --- crisis --------------------------------------------------------------------


def test_crisis_flag_on_a_counting_arrear_makes_a_crisis_signal_with_deadline():
    signal = raised([arrear(crisis=True, reason="ontruiming")])
    assert (signal["crisis"], signal["deadline"]) == (
        True,
        dt.date(2026, 3, 6),
    )  # Tuesday + 3 working days


def test_crisis_flag_on_an_aged_arrear_does_not_make_a_crisis_signal():
    signal = raised(
        [arrear(creditor="WOONBRUG", age=101, crisis=True), arrear(creditor="ENERGIENOORD")]
    )
    assert (signal["crisis"], signal["deadline"]) == (False, None)


# --- schuldverschuiving --------------------------------------------------------
# A cleared at WOONBRUG: last seen on day(90), found gone on day(60); window 60 days.


def _cleared_a(**kwargs):
    return arrear(creditor="WOONBRUG", age=200, last_seen_on=day(90), cleared_on=day(60), **kwargs)


def test_debt_swap_when_new_arrear_starts_on_the_last_day_of_the_window_after_clearing():
    signal = raised(
        [_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(60) + dt.timedelta(days=60))]
    )
    assert signal["debt_swap"] is True


def test_no_debt_swap_the_day_after_the_window():
    # Starts 61 days after the clearing; also within the age window (day -1 would be after R).
    rules = RuleValues(debt_swap_window_days=30)
    signal = raised(
        [_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(60) + dt.timedelta(days=31))],
        rules,
    )
    assert signal["debt_swap"] is False


def test_debt_swap_window_after_clearing_is_inclusive_with_a_short_window():
    rules = RuleValues(debt_swap_window_days=30)
    signal = raised(
        [_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(60) + dt.timedelta(days=30))],
        rules,
    )
    assert signal["debt_swap"] is True


def test_debt_swap_window_before_the_last_sighting_is_inclusive():
    # B started 60 days before A was last seen: on the window's first day.
    signal = raised(
        [_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(90) - dt.timedelta(days=60))],
        RuleValues(max_age_days=200),
    )
    assert signal["debt_swap"] is True


def test_no_debt_swap_one_day_before_the_window():
    signal = raised(
        [_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(90) - dt.timedelta(days=61))],
        RuleValues(max_age_days=200),
    )
    assert signal["debt_swap"] is False


def test_new_arrear_between_last_sighting_and_clearing_is_a_debt_swap():
    signal = raised([_cleared_a(), arrear(creditor="ENERGIENOORD", start=day(75))])
    assert signal["debt_swap"] is True


def test_new_arrear_at_the_same_creditor_is_no_debt_swap():
    signal = raised([_cleared_a(), arrear(creditor="WOONBRUG", start=day(50))])
    assert signal["debt_swap"] is False


def test_moved_arrear_is_no_clearing_for_a_debt_swap():
    moved = arrear(
        creditor="WOONBRUG", age=200, last_seen_on=day(90), cleared_on=day(60), status="moved"
    )
    assert raised([moved, arrear(creditor="ENERGIENOORD", start=day(50))])["debt_swap"] is False


def test_debt_swap_of_another_household_does_not_count():
    other = arrear(
        household=2, creditor="WOONBRUG", age=200, last_seen_on=day(90), cleared_on=day(60)
    )
    assert (
        raised([other, arrear(household=1, creditor="ENERGIENOORD", start=day(50))])["debt_swap"]
        is False
    )


def test_debt_swap_pairs_name_both_arrears():
    a = _cleared_a(arrear_id=901)
    b = arrear(creditor="ENERGIENOORD", start=day(50), arrear_id=902)
    swaps = run([a, b]).swaps.select("cleared_arrear_id", "new_arrear_id").rows()
    assert swaps == [(901, 902)]


# --- herhaald --------------------------------------------------------------------


def _previous(
    until,
    signal_id=7,
    lapsed_on=None,
    repeat=False,
    repeat_of_id=None,
    repeat_until=None,
    dormant=None,
):
    return {
        "household_id": 1, "signal_id": signal_id, "signalled_until": until, "lapsed_on": lapsed_on,
        "repeat": repeat, "repeat_of_id": repeat_of_id, "repeat_until": repeat_until, "dormant_since": dormant,
    }  # fmt: skip


def test_signal_is_a_repeat_when_an_earlier_one_lasted_until_the_first_day_of_the_window():
    previous = [_previous(R - dt.timedelta(days=183))]
    signal = raised([arrear()], previous=previous)
    assert (signal["repeat"], signal["previous_signal_id"]) == (True, 7)


def test_signal_is_no_repeat_when_the_earlier_one_ended_a_day_before_the_window():
    previous = [_previous(R - dt.timedelta(days=184))]
    assert raised([arrear()], previous=previous)["repeat"] is False


def test_repeat_window_follows_the_rules():
    previous = [_previous(day(40))]
    assert (
        raised([arrear()], RuleValues(repeat_window_days=30), previous=previous)["repeat"] is False
    )


def test_signal_raised_on_the_peildatum_its_predecessor_lapsed_continues_it_and_is_no_repeat():
    # One creditor's stand cleared the old arrears, another's brings new ones, same peildatum.
    previous = [_previous(day(31), lapsed_on=R)]
    assert raised([arrear()], previous=previous)["repeat"] is False


def test_signal_continuing_a_lapsed_repeat_stays_a_repeat_of_the_same_signal():
    previous = [
        _previous(
            day(31), signal_id=8, lapsed_on=R, repeat=True, repeat_of_id=3, repeat_until=day(120)
        )
    ]
    signal = raised([arrear()], previous=previous)
    assert (signal["repeat"], signal["previous_signal_id"], signal["previous_until"]) == (
        True,
        3,
        day(120),
    )


def test_signal_raised_when_a_sleeping_predecessor_lapsed_is_a_repeat():
    previous = [_previous(day(59), lapsed_on=R, dormant=day(28))]
    assert raised([arrear()], previous=previous)["repeat"] is True


def test_signal_lapsed_on_an_earlier_peildatum_makes_a_repeat():
    assert raised([arrear()], previous=[_previous(day(31), lapsed_on=day(1))])["repeat"] is True


# --- life of a signal --------------------------------------------------------------


def _open(
    signal_id=10, household=1, status="nieuw", crisis=False, deadline=None, last=R, dormant=None
):
    return {
        "signal_id": signal_id, "household_id": household, "status": status, "crisis": crisis,
        "deadline": deadline, "last_signalled_on": last, "dormant_since": dormant,
    }  # fmt: skip


def test_household_with_an_open_signal_gets_it_updated_not_a_second_one():
    outcome = run(
        [arrear(creditor="WOONBRUG"), arrear(creditor="ENERGIENOORD")], open_signals=[_open()]
    )
    assert (outcome.raised.height, outcome.updated.get_column("signal_id").to_list()) == (0, [10])


def test_open_signal_is_updated_even_when_its_arrears_alone_would_not_raise_one():
    outcome = run(
        [arrear(creditor="ZORGZUID")], RuleValues(single_signals=False), open_signals=[_open()]
    )
    assert outcome.updated.get_column("kind").to_list() == ["enkelvoudig"]


def test_new_signal_whose_arrears_are_all_cleared_lapses():
    a = arrear(cleared_on=day(0), arrear_id=301)
    outcome = run([a], open_signals=[_open()], members=[{"signal_id": 10, "arrear_id": 301}])
    assert outcome.expired.get_column("signal_id").to_list() == [10]


def test_new_signal_whose_arrears_merely_aged_stays_open_and_unchanged():
    a = arrear(age=150, arrear_id=302)
    outcome = run([a], open_signals=[_open()], members=[{"signal_id": 10, "arrear_id": 302}])
    assert (outcome.expired.height, outcome.updated.height) == (0, 0)


def test_signal_whose_arrears_merely_aged_falls_asleep_once():
    a = arrear(age=150, arrear_id=306)
    members = [{"signal_id": 10, "arrear_id": 306}]
    awake = (
        run([a], open_signals=[_open()], members=members).dormant.get_column("signal_id").to_list()
    )
    asleep = run([a], open_signals=[_open(dormant=day(30))], members=members).dormant.height
    assert (awake, asleep) == ([10], 0)


def test_sleeping_signal_woken_by_new_arrears_is_a_repeat_of_its_own_earlier_run():
    signal = _open(last=day(90), dormant=day(60))
    outcome = run([arrear(age=5)], open_signals=[signal])
    row = outcome.updated.to_dicts()[0]
    assert (row["woke"], row["repeat"], row["previous_signal_id"], row["previous_until"]) == (
        True,
        True,
        10,
        day(90),
    )


def test_signal_that_fell_asleep_on_this_peildatum_never_slept():
    row = run([arrear(age=5)], open_signals=[_open(last=day(31), dormant=R)]).updated.to_dicts()[0]
    assert (row["woke"], row["repeat"]) == (False, None)


def test_sleeping_signal_woken_after_the_repeat_window_is_no_repeat():
    signal = _open(last=day(200), dormant=day(150))
    assert run([arrear(age=5)], open_signals=[signal]).updated.get_column("repeat").to_list() == [
        False
    ]


def test_awake_signal_updated_keeps_its_own_repeat():
    row = run([arrear(age=5)], open_signals=[_open()]).updated.to_dicts()[0]
    assert (row["woke"], row["repeat"]) == (False, None)


def test_new_signal_whose_arrears_left_the_loaded_state_lapses():
    # Cleared long ago, so not even loaded: gone all the same.
    outcome = run([], open_signals=[_open()], members=[{"signal_id": 10, "arrear_id": 303}])
    assert outcome.expired.get_column("signal_id").to_list() == [10]


def test_picked_up_signal_never_lapses():
    a = arrear(cleared_on=day(0), arrear_id=304)
    outcome = run(
        [a], open_signals=[_open(status="opgepakt")], members=[{"signal_id": 10, "arrear_id": 304}]
    )
    assert outcome.expired.height == 0


def test_new_arrear_keeps_a_signal_open_whose_old_arrears_were_cleared():
    old = arrear(creditor="WOONBRUG", cleared_on=day(0), arrear_id=305)
    new = arrear(creditor="ENERGIENOORD", age=5)
    outcome = run([old, new], open_signals=[_open()], members=[{"signal_id": 10, "arrear_id": 305}])
    assert (outcome.expired.height, outcome.updated.height) == (0, 1)


def test_crisis_deadline_is_kept_while_the_signal_stays_crisis():
    kept = dt.date(2026, 2, 10)
    outcome = run([arrear(crisis=True)], open_signals=[_open(crisis=True, deadline=kept)])
    assert outcome.updated.get_column("deadline").to_list() == [kept]


def test_signal_that_becomes_crisis_gets_a_deadline_from_the_day_it_is_received():
    outcome = run([arrear(crisis=True)], open_signals=[_open()])
    assert outcome.updated.get_column("deadline").to_list() == [dt.date(2026, 3, 6)]
