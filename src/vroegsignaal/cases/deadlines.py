"""The legal deadlines of a case (pure; no database, no clock).

Working days and holidays come from :mod:`vroegsignaal.signals.deadlines`
(Algemene termijnenwet).
"""

from __future__ import annotations

import datetime as dt

from vroegsignaal.signals.deadlines import add_working_days, crisis_contact_deadline, is_working_day

# Wgs art. 4(1)(b): after an accepted offer of help, a first conversation within four weeks.
FIRST_CONVERSATION_WEEKS = 4
# A deadline within this many working days from today is "due soon".
DUE_SOON_WORKING_DAYS = 2


def crisis_contact_due(picked_up_on: dt.date, signal_deadline: dt.date | None = None) -> dt.date:
    """Contact within three working days after a crisis signal (Wgs art. 4(2)).

    Counted from the pick-up, or earlier when the signal's own deadline (counted
    from its receipt) falls earlier: the law's clock starts at receipt.
    """
    due = crisis_contact_deadline(picked_up_on)
    return min(due, signal_deadline) if signal_deadline else due


def first_conversation_due(accepted_on: dt.date) -> dt.date:
    """Four weeks after the offer was accepted; a deadline ending on a weekend or
    public holiday moves to the next working day (Atw art. 1)."""
    day = accepted_on + dt.timedelta(weeks=FIRST_CONVERSATION_WEEKS)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def met_late(due: dt.date | None, met_on: dt.date | None) -> bool:
    """Whether a deadline was met after its day (contact made, first conversation held late):
    the case page says so next to the day it was met, as it said "Termijn verstreken" before."""
    return due is not None and met_on is not None and met_on > due


def due_soon_until(today: dt.date) -> dt.date:
    """The last day that still counts as "due soon" seen from ``today``."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS)


def next_due(
    *,
    contact_due: dt.date | None,
    contacted_on: dt.date | None,
    first_conversation_due: dt.date | None,
    first_conversation_on: dt.date | None,
    closed: bool,
) -> dt.date | None:
    """The earliest deadline not yet met, or ``None``."""
    if closed:
        return None
    pending = []
    if contact_due and not contacted_on:
        pending.append(contact_due)
    if first_conversation_due and not first_conversation_on:
        pending.append(first_conversation_due)
    return min(pending) if pending else None
