"""A case's history tells the day each step happened, and apart from it when it was recorded.

A user review found "Datum opgepakt: 22 november" next to a history saying "29 november
03:58: Opgepakt": the history showed only the moment a step was typed in, so a backdated
pick-up, contact attempt or closing looked as if it happened on the day it was recorded.
"""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from vroegsignaal.cases import selectors, services
from vroegsignaal.cases.models import CaseStatusChange, Outcome

PICKED_UP = dt.date(2026, 3, 2)  # a Monday, long before today


def _days(case) -> list[tuple[str, dt.date]]:
    return [
        (row.to_status, row.occurred_on)
        for row in CaseStatusChange.objects.filter(case=case).order_by("id")
    ]


def _history_text(client, case) -> str:
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    history = re.search(r"Geschiedenis</h2>\s*<ol[^>]*>(.*?)</ol>", body, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", history)).strip()


def test_each_step_is_in_the_history_on_the_day_it_happened(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Telefoon", reached=False, on=dt.date(2026, 3, 3)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 5)
    )
    services.record_offer(
        case,
        coordinator,
        made_on=dt.date(2026, 3, 5),
        answer="aanvaard",
        answered_on=dt.date(2026, 3, 9),
    )
    services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=dt.date(2026, 3, 20))
    assert _days(case) == [
        ("opgepakt", PICKED_UP),
        ("contact_gezocht", dt.date(2026, 3, 3)),
        ("in_contact", dt.date(2026, 3, 5)),
        ("in_contact", dt.date(2026, 3, 5)),  # the offer made (status unchanged)
        ("hulp_aanvaard", dt.date(2026, 3, 9)),
        ("afgesloten", dt.date(2026, 3, 20)),
    ]


def test_an_assignment_happened_on_the_day_it_was_recorded(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.assign(case, coordinator, team=team)
    assert _days(case)[-1] == ("opgepakt", timezone.localdate())


def test_history_is_newest_first_by_the_day_it_happened(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.assign(case, coordinator, team=team)  # today
    services.log_contact_attempt(
        case, coordinator, kind="Brief", reached=False, on=dt.date(2026, 3, 4)
    )
    notes = [entry.change.to_status + ":" + entry.note for entry in selectors.case_history(case)]
    assert notes == ["opgepakt:Toegewezen aan Wijkteam Noord", "contact_gezocht:Brief", "opgepakt:"]


def test_a_backdated_step_recorded_later_sits_below_a_later_step_recorded_before_it(
    signal, coordinator
):
    """The order things happened, not the order they were typed in: the visit of 5 March,
    recorded after the letter of 10 March, sits below it."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Brief", reached=False, on=dt.date(2026, 3, 10)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 5)
    )
    steps = [e for e in selectors.case_history(case) if e.day == e.change.occurred_on]
    assert [(e.day.day, e.note) for e in steps] == [(10, "Brief"), (5, "Huisbezoek"), (2, "")]


def _arrows(history) -> list[tuple[str, str]]:
    return [(e.change.from_status, e.change.to_status) for e in history if e.arrow]


def test_a_backdated_step_before_an_earlier_recorded_status_change_shows_its_arrow_on_the_day_it_was_recorded(
    signal, coordinator
):
    """ "10 maart: Opgepakt → Contact gezocht" above "5 maart: Contact gezocht → In contact"
    read as if the status went back: the visit of 5 March was recorded after the letter of 10
    March, and moved the status then. The visit stays on its own day, without an arrow; its arrow
    is on the day it was recorded and names the step."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Brief", reached=False, on=dt.date(2026, 3, 10)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 5)
    )
    history = selectors.case_history(case)
    assert [(e.day, e.arrow, e.note) for e in history] == [
        (timezone.localdate(), True, "stap van 5 maart 2026: Huisbezoek"),
        (dt.date(2026, 3, 10), True, "Brief"),
        (dt.date(2026, 3, 5), False, "Huisbezoek"),
        (PICKED_UP, True, ""),
    ]
    # Read from the bottom, each arrow starts where the one below it ended.
    assert _arrows(history)[::-1] == [
        ("", "opgepakt"), ("opgepakt", "contact_gezocht"), ("contact_gezocht", "in_contact"),
    ]  # fmt: skip


def test_a_backdated_step_that_overtakes_no_status_change_keeps_its_arrow_on_its_own_day(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 5)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Brief", reached=False, on=dt.date(2026, 3, 4)
    )  # keeps the status: no arrow to contradict
    assert [(e.day.day, e.arrow, e.note) for e in selectors.case_history(case)] == [
        (5, True, "Huisbezoek"), (2, True, ""),
    ]  # fmt: skip


def test_page_shows_the_arrow_of_a_backdated_step_on_the_day_it_was_recorded(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Brief", reached=False, on=dt.date(2026, 3, 10)
    )
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 5)
    )
    change = case.status_changes.get(to_status="in_contact")
    recorded = timezone.localtime(change.changed_at)
    with translation.override("nl"):
        on = date_format(recorded, "j F Y")
    verified_client(coordinator)
    text = _history_text(client, case)
    arrow = (
        f"{on}: Contact gezocht → In contact (coordinator) — stap van 5 maart 2026: Huisbezoek "
        f"Vastgelegd om {recorded:%H:%M}"
    )
    step = f"5 maart 2026: Huisbezoek (coordinator) Vastgelegd op {on} om {recorded:%H:%M}"
    assert text.startswith(arrow)
    assert text.index("10 maart 2026: Opgepakt → Contact gezocht") < text.index(step)


def test_steps_of_one_day_are_newest_recorded_first(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(case, coordinator, kind="Telefoon", reached=True, on=PICKED_UP)
    assert [e.change.to_status for e in selectors.case_history(case)] == ["in_contact", "opgepakt"]


def test_page_lists_the_history_newest_first_counting_its_steps_down(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Telefoon", reached=True, on=dt.date(2026, 3, 4)
    )
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(r"Geschiedenis</h2>\s*(<!--.*?-->\s*)?<ol[^>]* reversed>", body, re.S)
    text = _history_text(client, case)
    assert text.index("4 maart 2026: Opgepakt → In contact") < text.index("2 maart 2026: Opgepakt")


def _attempts_text(client, case) -> str:
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    table = re.search(
        r"Contactpogingen, nieuwste eerst</caption>.*?</thead>(.*?)</table>", body, re.S
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table.group(1))).strip()


def test_contact_attempts_of_one_day_are_latest_part_of_the_day_first(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    for kind, part in (("Huisbezoek", "Avond"), ("Telefoon", "Ochtend"), ("Mail", "Middag")):
        services.log_contact_attempt(
            case, coordinator, kind=kind, reached=False, on=dt.date(2026, 3, 4), part_of_day=part
        )
    assert [e.attempt.part_of_day for e in selectors.contact_attempts(case)] == [
        "Avond", "Middag", "Ochtend",
    ]  # fmt: skip


def test_contact_attempts_without_a_part_of_the_day_come_after_those_with_one_that_day(
    signal, coordinator
):
    """Its time that day is not known: it is not put above an evening visit recorded before it.
    Among themselves they are newest recorded first; another day's attempts keep their place."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    for kind, day, part in (
        ("Telefoon", 4, "Ochtend"), ("Brief", 4, ""), ("Mail", 5, ""), ("Kaartje", 4, ""),
        ("Huisbezoek", 3, "Avond"),
    ):  # fmt: skip
        services.log_contact_attempt(
            case, coordinator, kind=kind, reached=False, on=dt.date(2026, 3, day), part_of_day=part
        )
    assert [e.attempt.kind for e in selectors.contact_attempts(case)] == [
        "Mail", "Telefoon", "Kaartje", "Brief", "Huisbezoek",
    ]  # fmt: skip


def test_page_lists_a_days_contact_attempts_latest_part_of_the_day_first(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    for kind, part in (("Huisbezoek", "Avond"), ("Telefoon", "Ochtend")):
        services.log_contact_attempt(
            case, coordinator, kind=kind, reached=False, on=dt.date(2026, 3, 4), part_of_day=part
        )
    verified_client(coordinator)
    text = _attempts_text(client, case)
    assert text.index("4 maart 2026 (avond)") < text.index("4 maart 2026 (ochtend)")


def test_contact_attempts_are_newest_first_by_their_date_then_by_when_recorded(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    for kind, day in (("Telefoon", 10), ("Brief", 5), ("Mail", 10)):
        services.log_contact_attempt(
            case, coordinator, kind=kind, reached=False, on=dt.date(2026, 3, day)
        )
    assert [e.attempt.kind for e in selectors.contact_attempts(case)] == [
        "Mail", "Telefoon", "Brief",
    ]  # fmt: skip


def test_page_says_when_a_backdated_contact_attempt_was_recorded(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    attempt = services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 4)
    )
    recorded = timezone.localtime(attempt.created_at)
    verified_client(coordinator)
    with translation.override("nl"):
        on = date_format(recorded, "j F Y")
    assert _attempts_text(client, case).startswith(
        f"4 maart 2026 Vastgelegd op {on} om {recorded:%H:%M} Huisbezoek"
    )


def test_page_says_nothing_more_of_a_contact_attempt_recorded_on_its_own_day(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Huisbezoek", reached=True, on=timezone.localdate()
    )
    verified_client(coordinator)
    assert "Vastgelegd" not in _attempts_text(client, case)


def test_page_shows_a_backdated_pick_up_on_its_own_date_and_says_when_it_was_recorded(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    recorded = timezone.localtime(case.status_changes.get().changed_at)
    verified_client(coordinator)
    with translation.override("nl"):
        on = date_format(recorded, "j F Y")
    assert _history_text(client, case) == (
        f"2 maart 2026: Opgepakt (coordinator) Vastgelegd op {on} om {recorded:%H:%M}"
    )


def test_page_shows_a_step_recorded_the_same_day_with_the_time_it_was_recorded(
    client, verified_client, coordinator, signal
):
    today = timezone.localdate()
    case = services.pick_up_signal(signal, coordinator, on=today)
    recorded = timezone.localtime(case.status_changes.get().changed_at)
    verified_client(coordinator)
    text = _history_text(client, case)
    assert text.endswith(f"Opgepakt (coordinator) Vastgelegd om {recorded:%H:%M}")
    assert "Vastgelegd op" not in text


def test_page_shows_a_backdated_contact_attempt_on_its_own_date(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind="Telefoon", reached=True, on=dt.date(2026, 3, 4)
    )
    verified_client(coordinator)
    assert "4 maart 2026: Opgepakt → In contact (coordinator) — Telefoon Vastgelegd op" in (
        _history_text(client, case)
    )


def test_contact_attempts_caption_is_for_screen_readers_only_as_the_heading_says_it(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<caption class="visually-hidden">Contactpogingen, nieuwste eerst</caption>' in body
