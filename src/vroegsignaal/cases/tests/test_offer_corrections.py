"""A recorded offer of help whose day, or whose answer's day, is changed says so in the history.

The case page shows the offer only as it is now ("gedaan op …; aanvaard op …"), and the form
starts from those days: a day typed over and saved changed the case with nothing on the page to
tell a colleague — and an acceptance's new day moves the first conversation's deadline. A
correction stays possible (a typing error is put right on the page, not by a beheerder); the
history keeps the day it said before.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from vroegsignaal.cases import selectors, services
from vroegsignaal.cases.models import CaseStatusChange, OfferAnswer

PICKED_UP = dt.date(2026, 3, 2)  # a Monday


def _notes(case) -> list[str]:
    return [entry.note for entry in selectors.case_history(case)]


def test_a_changed_day_of_the_offer_is_a_line_in_the_history(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 3))
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 5))
    [line] = [e for e in selectors.case_history(case) if "hulpaanbod" in e.note]
    assert line.note == "Datum van het hulpaanbod gewijzigd van 3 maart 2026 in 5 maart 2026"
    assert (line.change.from_status, line.change.to_status) == ("opgepakt", "opgepakt")
    assert (line.change.occurred_on, line.change.actor) == (timezone.localdate(), coordinator)


def test_a_changed_day_of_acceptance_is_a_line_in_the_history_next_to_the_moved_deadline(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    made = dt.date(2026, 3, 3)
    services.record_offer(
        case, coordinator, made_on=made, answer=OfferAnswer.AANVAARD, answered_on=made
    )
    case = services.record_offer(
        case,
        coordinator,
        made_on=made,
        answer=OfferAnswer.AANVAARD,
        answered_on=dt.date(2026, 3, 10),
    )
    assert case.first_conversation_due == dt.date(2026, 4, 7)
    assert (
        "Datum van het antwoord op het hulpaanbod gewijzigd van 3 maart 2026 in 10 maart 2026"
        in _notes(case)
    )


def test_recording_the_offer_again_with_its_days_or_adding_the_answer_adds_no_line(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    made = dt.date(2026, 3, 3)
    services.record_offer(case, coordinator, made_on=made)
    services.record_offer(case, coordinator, made_on=made)  # the form saved as it was
    services.record_offer(
        case, coordinator, made_on=made, answer=OfferAnswer.GEWEIGERD, answered_on=made
    )
    services.record_offer(
        case,
        coordinator,
        made_on=made,
        answer=OfferAnswer.AANVAARD,
        answered_on=PICKED_UP.replace(day=4),
    )  # a new answer is no correction; the acceptance is a step of its own
    assert not [note for note in _notes(case) if "gewijzigd" in note]
    assert _notes(case)[0] == "hulpaanbod aanvaard"


def test_the_history_stores_the_change_in_dutch_with_both_days(signal, coordinator):
    """Evidence, whatever language the user read the portal in; shown in the reader's."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 3))
    with translation.override("en"):
        services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 5))
    assert CaseStatusChange.objects.filter(case=case).order_by("id").last().note == (
        "Datum hulpaanbod gewijzigd: 2026-03-03 → 2026-03-05"
    )
