"""The crisis contact deadline: three working days, weekends and Dutch public holidays excluded."""

from __future__ import annotations

import datetime as dt

import pytest

from vroegsignaal.signals.deadlines import add_working_days, crisis_contact_deadline, is_working_day


def test_crisis_deadline_is_three_working_days_later_within_one_week():
    assert crisis_contact_deadline(dt.date(2026, 3, 2)) == dt.date(2026, 3, 5)  # Monday → Thursday


def test_crisis_deadline_skips_the_weekend():
    assert crisis_contact_deadline(dt.date(2026, 3, 6)) == dt.date(
        2026, 3, 11
    )  # Friday → Wednesday


def test_crisis_deadline_skips_koningsdag():
    # Friday 24 April 2026; Monday 27 April is Koningsdag.
    assert crisis_contact_deadline(dt.date(2026, 4, 24)) == dt.date(2026, 4, 30)


def test_crisis_deadline_on_the_day_before_koningsdag_skips_it():
    # Wednesday 26 April 2028 is the day before Koningsdag (Thursday 27 April).
    assert crisis_contact_deadline(dt.date(2028, 4, 26)) == dt.date(2028, 5, 2)


def test_crisis_deadline_skips_both_christmas_days():
    # Wednesday 23 December 2026: Thursday 24 works, Friday 25 and the weekend do not.
    assert crisis_contact_deadline(dt.date(2026, 12, 23)) == dt.date(2026, 12, 29)


def test_crisis_deadline_on_christmas_eve_skips_christmas_and_the_weekend():
    assert crisis_contact_deadline(dt.date(2026, 12, 24)) == dt.date(2026, 12, 30)


def test_liberation_day_is_a_holiday_every_year_as_in_the_algemene_termijnenwet():
    assert not is_working_day(dt.date(2026, 5, 5))  # not a lustrum year


def test_easter_monday_whit_monday_and_ascension_are_not_working_days():
    assert not any(
        is_working_day(d) for d in (dt.date(2026, 4, 6), dt.date(2026, 5, 25), dt.date(2026, 5, 14))
    )


def test_start_day_itself_never_counts():
    assert add_working_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 3)


def test_deadline_from_a_saturday_counts_from_monday():
    assert crisis_contact_deadline(dt.date(2026, 3, 7)) == dt.date(2026, 3, 11)


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 3, 2), 0)
