"""The legal deadlines of a case, as pure functions (dates passed explicitly)."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.cases import deadlines


def test_crisis_contact_deadline_skips_a_holiday():
    # Picked up Thursday 23 April 2026; Koningsdag (Monday 27 April) does not count.
    assert deadlines.crisis_contact_due(dt.date(2026, 4, 23)) == dt.date(2026, 4, 29)


def test_crisis_contact_deadline_skips_the_weekend():
    assert deadlines.crisis_contact_due(dt.date(2026, 3, 6)) == dt.date(
        2026, 3, 11
    )  # Friday → Wednesday


def test_crisis_contact_deadline_keeps_an_earlier_signal_deadline():
    assert deadlines.crisis_contact_due(dt.date(2026, 3, 9), dt.date(2026, 3, 10)) == dt.date(
        2026, 3, 10
    )


def test_accepted_offer_gives_a_first_conversation_within_four_weeks():
    assert deadlines.first_conversation_due(dt.date(2026, 3, 4)) == dt.date(2026, 4, 1)


def test_four_week_deadline_on_a_holiday_moves_to_the_next_working_day():
    # 6 April 2026 + 4 weeks = Monday 4 May; 5 May is Bevrijdingsdag, 4 May is a working day.
    assert deadlines.first_conversation_due(dt.date(2026, 4, 6)) == dt.date(2026, 5, 4)
    # 30 March + 4 weeks = Monday 27 April, Koningsdag → Tuesday 28 April.
    assert deadlines.first_conversation_due(dt.date(2026, 3, 30)) == dt.date(2026, 4, 28)


def test_next_due_is_the_earliest_unmet_deadline():
    assert deadlines.next_due(
        contact_due=dt.date(2026, 3, 5),
        contacted_on=dt.date(2026, 3, 4),
        first_conversation_due=dt.date(2026, 4, 1),
        first_conversation_on=None,
        closed=False,
    ) == dt.date(2026, 4, 1)


def test_a_closed_case_has_no_deadline():
    assert (
        deadlines.next_due(
            contact_due=dt.date(2026, 3, 5),
            contacted_on=None,
            first_conversation_due=None,
            first_conversation_on=None,
            closed=True,
        )
        is None
    )
