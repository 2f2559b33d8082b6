"""The first conversation after an accepted offer of help (Wgs art. 4(1)(b): within four weeks).

It is the earliest reached phone call or home visit on or after the day the offer was accepted.
A worker who phones, hears the resident accept and records the call before the offer left the
case without a first conversation: it became due four weeks later, and once closed the case
said the conversation was "niet gevoerd" — recorded the other way round, it was met.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, ContactKind, OfferAnswer, Outcome

PICKED_UP = dt.date(2026, 3, 2)  # a Monday
CALL = dt.date(2026, 3, 4)


def _accept(case, user, on: dt.date, made_on: dt.date = PICKED_UP):
    return services.record_offer(
        case, user, made_on=made_on, answer=OfferAnswer.AANVAARD, answered_on=on
    )


def _call(case, user, on: dt.date, kind=ContactKind.TELEFOON, reached=True):
    services.log_contact_attempt(case, user, kind=kind, reached=reached, on=on)


def test_a_call_recorded_before_the_offer_accepted_in_it_is_the_first_conversation(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _call(case, coordinator, CALL)
    case = _accept(case, coordinator, CALL)
    assert (case.first_conversation_on, case.due_on) == (CALL, None)


def test_a_home_visit_after_the_acceptance_recorded_before_it_is_the_first_conversation(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _call(case, coordinator, dt.date(2026, 3, 9), kind=ContactKind.HUISBEZOEK)
    case = _accept(case, coordinator, CALL)  # accepted by mail on the 4th, typed in later
    assert case.first_conversation_on == dt.date(2026, 3, 9)


def test_a_conversation_before_the_day_of_acceptance_is_not_the_first_conversation(
    signal, coordinator
):
    """The resident accepted two days after the visit (by mail): the conversation about the
    help is still to come."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _call(case, coordinator, PICKED_UP, kind=ContactKind.HUISBEZOEK)
    case = _accept(case, coordinator, CALL)
    assert (case.first_conversation_on, case.due_on) == (None, case.first_conversation_due)


def test_an_unanswered_call_or_a_mail_is_no_conversation(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _call(case, coordinator, CALL, reached=False)
    _call(case, coordinator, CALL, kind=ContactKind.MAIL)
    assert _accept(case, coordinator, CALL).first_conversation_on is None


def test_a_conversation_recorded_late_but_held_earlier_is_the_first_one(signal, coordinator):
    """A visit typed in after a later call: the first conversation is the visit's day, not the
    day of the first one recorded."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _accept(case, coordinator, CALL)
    _call(case, coordinator, dt.date(2026, 3, 12))
    _call(case, coordinator, dt.date(2026, 3, 6), kind=ContactKind.HUISBEZOEK)
    assert Case.objects.get(pk=case.pk).first_conversation_on == dt.date(2026, 3, 6)


def test_a_closed_case_whose_offer_was_accepted_in_a_recorded_call_says_it_was_held(
    client, verified_client, signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    _call(case, coordinator, CALL)
    _accept(case, coordinator, CALL)
    services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=dt.date(2026, 3, 20))
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "gevoerd op 4 maart 2026" in body and "niet gevoerd" not in body
