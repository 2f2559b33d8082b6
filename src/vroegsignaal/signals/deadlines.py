"""Working days and legal deadlines (pure; no database, no clock).

A *working day* is a Monday to Friday that is not a public holiday. The
public holidays are those of the Algemene termijnenwet (Atw) art. 3, which
governs statutory time limits such as the Wgs's: Nieuwjaarsdag, Goede Vrijdag
(equated by decree), tweede paas- en pinksterdag, Hemelvaartsdag, Koningsdag,
Bevrijdingsdag (5 May, every year under the Atw) and both Christmas days.
They come from the ``holidays`` package: its ``public`` category plus its
``optional`` category, which holds the yearly 5 May (the ``public`` category
only has it in lustrum years, as many collective agreements do).

The cases app uses :func:`add_working_days` for its own deadlines too.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

# Wgs art. 4(2): after a crisis signal the municipality makes contact within three working days.
CRISIS_CONTACT_WORKING_DAYS = 3

_HOLIDAY_CATEGORIES = ("public", "optional")


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.NL(years=year, categories=_HOLIDAY_CATEGORIES))


def public_holidays(year: int) -> frozenset[dt.date]:
    """The Dutch public holidays (Atw art. 3) of ``year``."""
    return _holidays_of(year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    ``add_working_days(friday, 1)`` is the next Monday, or Tuesday when that
    Monday is a holiday. ``days`` must be at least 1.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def crisis_contact_deadline(received_on: dt.date) -> dt.date:
    """The last day to contact a household after a crisis signal received on ``received_on``."""
    return add_working_days(received_on, CRISIS_CONTACT_WORKING_DAYS)
