"""A deadline met after it passed says so.

Before the contact the case page said "Termijn verstreken"; once contact was made it said
"Contact uiterlijk (crisis) 4 maart 2026 — contact gelegd op 11 maart 2026" and nothing told
that the three working days (Wgs art. 4(2)) were missed. The same for the first conversation
after an accepted offer (four weeks, Wgs art. 4(1)(b)), open or closed.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from vroegsignaal.cases import deadlines, services
from vroegsignaal.cases.models import ContactKind, OfferAnswer, Outcome
from vroegsignaal.signals.explanations import dutch_date

PICKED_UP = dt.date(2026, 3, 2)


def test_a_deadline_is_met_late_only_when_it_was_met_after_its_day():
    due = dt.date(2026, 3, 4)
    assert deadlines.met_late(due, dt.date(2026, 3, 5))
    assert not deadlines.met_late(due, due)
    assert not deadlines.met_late(due, dt.date(2026, 3, 3))
    assert not deadlines.met_late(due, None)  # not met (yet): the page says that otherwise
    assert not deadlines.met_late(None, dt.date(2026, 3, 5))  # no deadline: a visit in time


def _facts(client, case) -> str:
    html = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    return re.search(r'<dl class="case-facts">.*?</dl>', re.sub(r"\s+", " ", html)).group(0)


def _reached(case, user, on, kind=ContactKind.HUISBEZOEK):
    services.log_contact_attempt(case, user, kind=kind, reached=True, on=on)


@pytest.mark.parametrize("closed", [False, True], ids=["open", "afgesloten"])
def test_contact_made_after_the_crisis_deadline_says_it_was_late(
    client, verified_client, coordinator, crisis_signal, closed
):
    case = services.pick_up_signal(crisis_signal, coordinator, on=PICKED_UP)
    late = case.contact_due + dt.timedelta(days=7)
    _reached(case, coordinator, late)
    if closed:
        services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=late)
    verified_client(coordinator)
    assert (
        f"{dutch_date(case.contact_due)} — contact gelegd op {dutch_date(late)}, te laat"
        in _facts(client, case)
    )


def test_contact_made_on_the_crisis_deadline_is_in_time(
    client, verified_client, coordinator, crisis_signal
):
    case = services.pick_up_signal(crisis_signal, coordinator, on=PICKED_UP)
    _reached(case, coordinator, case.contact_due)
    verified_client(coordinator)
    facts = _facts(client, case)
    assert f"contact gelegd op {dutch_date(case.contact_due)}</dd>" in facts
    assert "te laat" not in facts


@pytest.mark.parametrize("closed", [False, True], ids=["open", "afgesloten"])
def test_a_first_conversation_after_its_deadline_says_it_was_late(
    client, verified_client, coordinator, signal, closed
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(
        case,
        coordinator,
        made_on=PICKED_UP,
        answer=OfferAnswer.AANVAARD,
        answered_on=dt.date(2026, 3, 3),
    )
    _reached(case, coordinator, dt.date(2026, 4, 10), kind=ContactKind.TELEFOON)
    if closed:
        services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=dt.date(2026, 5, 1))
    verified_client(coordinator)
    facts = _facts(client, case)
    assert "31 maart 2026 — gevoerd op 10 april 2026, te laat" in facts


def test_a_first_conversation_in_time_says_only_when_it_was(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(
        case,
        coordinator,
        made_on=PICKED_UP,
        answer=OfferAnswer.AANVAARD,
        answered_on=dt.date(2026, 3, 3),
    )
    _reached(case, coordinator, dt.date(2026, 3, 31), kind=ContactKind.TELEFOON)
    verified_client(coordinator)
    facts = _facts(client, case)
    assert "31 maart 2026 — gevoerd op 31 maart 2026</dd>" in facts and "te laat" not in facts
