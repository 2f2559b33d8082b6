"""Each step of the offer of help is a line in the case's history, on the day it happened.

Only an acceptance was (it moves the status), and a corrected day: an offer made, by the form or
by the letter, or refused left nothing in the history, so a colleague reading it could not tell
that the household had been offered help, nor when.
"""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from vroegsignaal.cases import selectors, services
from vroegsignaal.cases.models import OfferAnswer

PICKED_UP = dt.date(2026, 3, 2)  # a Monday, long before today


def _lines(case) -> list[tuple[dt.date, bool, str]]:
    """Each line's day, whether its status moved (an arrow), and its note."""
    return [
        (e.change.occurred_on, e.change.from_status != e.change.to_status, e.note)
        for e in selectors.case_history(case)
    ]


def test_making_the_offer_is_a_line_in_the_history_on_the_day_it_was_made(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 5))
    [line, _pick_up] = selectors.case_history(case)
    assert (line.change.occurred_on, line.note) == (dt.date(2026, 3, 5), "Hulpaanbod gedaan")
    assert (line.change.from_status, line.change.to_status) == ("opgepakt", "opgepakt")
    assert line.change.actor == coordinator


def test_a_refusal_is_a_line_in_the_history_on_the_day_of_the_answer(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 5))
    services.record_offer(
        case,
        coordinator,
        made_on=dt.date(2026, 3, 5),
        answer=OfferAnswer.GEWEIGERD,
        answered_on=dt.date(2026, 3, 9),
    )
    assert _lines(case) == [
        (dt.date(2026, 3, 9), False, "Hulpaanbod geweigerd"),
        (dt.date(2026, 3, 5), False, "Hulpaanbod gedaan"),
        (PICKED_UP, True, ""),
    ]


def test_an_offer_accepted_the_day_it_was_made_is_two_lines_the_acceptance_on_top(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    day = dt.date(2026, 3, 5)
    services.record_offer(case, coordinator, made_on=day, answer="aanvaard", answered_on=day)
    assert _lines(case) == [
        (day, True, "hulpaanbod aanvaard"),
        (day, False, "Hulpaanbod gedaan"),
        (PICKED_UP, True, ""),
    ]


def test_recording_the_offer_or_its_refusal_again_adds_no_line(signal, coordinator):
    """The form saved again as it was (or sent twice) is no new step."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    made, refused = dt.date(2026, 3, 5), dt.date(2026, 3, 6)
    for _ in range(2):
        services.record_offer(case, coordinator, made_on=made)
    for _ in range(2):
        services.record_offer(
            case, coordinator, made_on=made, answer=OfferAnswer.GEWEIGERD, answered_on=refused
        )
    assert [note for _day, _arrow, note in _lines(case)] == [
        "Hulpaanbod geweigerd",
        "Hulpaanbod gedaan",
        "",
    ]


def test_a_refusal_set_back_to_no_answer_is_a_line_on_the_day_it_was_set_back(signal, coordinator):
    """Otherwise "Hulpaanbod geweigerd" would stand next to "nog geen antwoord" on the page."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    made = dt.date(2026, 3, 5)
    services.record_offer(
        case, coordinator, made_on=made, answer=OfferAnswer.GEWEIGERD, answered_on=made
    )
    services.record_offer(case, coordinator, made_on=made)
    assert _lines(case)[0] == (
        timezone.localdate(),
        False,
        "Antwoord op het hulpaanbod teruggezet van ‘geweigerd’ naar ‘nog geen antwoord’",
    )


def test_the_letter_makes_the_offer_and_the_history_says_so_on_the_letters_day(
    signal, coordinator, team
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    services.make_letter(case, coordinator, on=dt.date(2026, 3, 4))
    assert _lines(case)[:2] == [
        (dt.date(2026, 3, 4), False, "Hulpaanbod gedaan per brief"),
        (dt.date(2026, 3, 4), True, "Brief"),
    ]


def test_a_letter_after_the_offer_was_made_adds_no_offer_line(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 3))
    services.make_letter(case, coordinator, on=dt.date(2026, 3, 4))
    assert [note for _d, _a, note in _lines(case) if "aanbod" in note.lower()] == [
        "Hulpaanbod gedaan"
    ]


def test_the_history_stores_the_offers_steps_in_dutch(signal, coordinator):
    """Evidence, whatever language the user read the portal in (``history_note`` shows them in
    the reader's)."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with translation.override("en"):
        services.record_offer(
            case,
            coordinator,
            made_on=dt.date(2026, 3, 5),
            answer=OfferAnswer.GEWEIGERD,
            answered_on=dt.date(2026, 3, 5),
        )
    assert list(case.status_changes.order_by("id").values_list("note", flat=True)) == [
        "",
        "Hulpaanbod gedaan",
        "Hulpaanbod geweigerd",
    ]


def test_page_shows_the_offer_made_on_its_day_and_when_it_was_recorded(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=dt.date(2026, 3, 5))
    recorded = timezone.localtime(case.status_changes.order_by("id").last().changed_at)
    with translation.override("nl"):
        on = date_format(recorded, "j F Y")
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    history = re.search(r"Geschiedenis</h2>\s*<ol[^>]*>(.*?)</ol>", body, re.S).group(1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", history)).strip()
    assert text.startswith(
        f"5 maart 2026: Hulpaanbod gedaan (coordinator) Vastgelegd op {on} om {recorded:%H:%M}"
    )
