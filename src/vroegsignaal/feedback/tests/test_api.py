"""``GET /api/v1/feedback/?sinds=``: a creditor's events in order, none missed, none repeated."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import NotPickedUpReason, Outcome
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.privacy.models import AuditEvent

from .conftest import PICKED_UP, make_signal

URL = "/api/v1/feedback/"


def poll(client, sinds="", **params):
    response = client.get(URL, {"sinds": sinds, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_first_poll_returns_the_creditors_events_with_the_spec_fields(
    world, signal, coordinator, api
):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    body = poll(api("WOONBRUG"))
    event = FeedbackEvent.objects.get(creditor__code="WOONBRUG")
    assert body == {
        "terugkoppeling": [
            {
                "id": event.pk, "signaal_id": "WB-2026-0001", "klantnummer": event.klantnummer,
                "gemeentecode": "0999", "gebeurtenis": "opgepakt", "datum": "2026-03-02",
                "incasso_uitstel_tot": "2026-04-01", "resultaat": None,
            }
        ],
        "volgende": event.pk,
        "meer": False,
    }  # fmt: skip


def test_polling_with_the_cursor_misses_and_repeats_nothing_when_events_come_between_polls(
    world, covenants, coordinator, api
):
    client = api("WOONBRUG")
    seen: list[int] = []
    cursor = 0
    first = case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    body = poll(client, cursor)
    seen += [e["id"] for e in body["terugkoppeling"]]
    cursor = body["volgende"]
    assert poll(client, cursor)["terugkoppeling"] == []  # nothing new: the cursor stays put
    assert poll(client, cursor)["volgende"] == cursor
    # Between two polls: a close, a new pick-up and a decline, also for other creditors.
    case_services.close_case(first, coordinator, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    case_services.pick_up_signal(make_signal(world), coordinator, on=dt.date(2026, 3, 21))
    case_services.mark_not_picked_up(
        make_signal(world), coordinator, NotPickedUpReason.ANDERS, on=dt.date(2026, 3, 22)
    )
    body = poll(client, cursor)
    seen += [e["id"] for e in body["terugkoppeling"]]
    assert [e["gebeurtenis"] for e in body["terugkoppeling"]] == [
        "afgesloten",
        "opgepakt",
        "niet_opgepakt",
    ]
    assert poll(client, body["volgende"])["terugkoppeling"] == []
    expected = list(
        FeedbackEvent.objects.filter(creditor__code="WOONBRUG")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert seen == expected


def test_pages_through_in_id_order_with_a_limit(world, covenants, coordinator, api):
    for _ in range(5):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    client = api("ENERGIENOORD")
    pages, cursor, more = [], 0, True
    while more:
        body = poll(client, cursor, limiet=2)
        pages.append([e["id"] for e in body["terugkoppeling"]])
        cursor, more = body["volgende"], body["meer"]
    ids = list(
        FeedbackEvent.objects.filter(creditor__code="ENERGIENOORD")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == ids


def test_a_key_of_creditor_x_never_sees_the_events_of_creditor_y(
    world, covenants, coordinator, api
):
    case_services.pick_up_signal(
        make_signal(world, ("WOONBRUG", "ENERGIENOORD")), coordinator, on=PICKED_UP
    )
    case_services.pick_up_signal(
        make_signal(world, ("ZORGZUID", "ENERGIENOORD")), coordinator, on=PICKED_UP
    )
    woonbrug = FeedbackEvent.objects.filter(creditor__code="WOONBRUG")
    body = poll(api("WOONBRUG"))
    assert [e["id"] for e in body["terugkoppeling"]] == list(
        woonbrug.order_by("id").values_list("id", flat=True)
    )
    assert {e["klantnummer"] for e in body["terugkoppeling"]} == {e.klantnummer for e in woonbrug}
    assert len(poll(api("ZORGZUID"))["terugkoppeling"]) == 1
    assert poll(api("WATERNET"))["terugkoppeling"] == []


def test_sinds_may_be_a_date_for_the_first_poll(world, signal, coordinator, api):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    client = api("WOONBRUG")
    assert len(poll(client, "2000-01-01")["terugkoppeling"]) == 1
    assert poll(client, "2999-01-01T00:00:00+01:00")["terugkoppeling"] == []


def test_sinds_in_iso_basic_format_is_a_date_not_a_cursor(world, signal, coordinator, api):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    client = api("WOONBRUG")
    assert len(poll(client, "20000101")["terugkoppeling"]) == 1
    assert len(poll(client, "20000101T000000Z")["terugkoppeling"]) == 1
    assert poll(client, "29990101T000000+0100")["terugkoppeling"] == []
    assert len(poll(client, "0")["terugkoppeling"]) == 1  # a small number stays a cursor


def test_parse_since_reads_basic_and_extended_iso_alike():
    from vroegsignaal.feedback.api import parse_since

    assert parse_since("20260315") == parse_since("2026-03-15")
    assert parse_since("20260315T101500+0100") == parse_since("2026-03-15T10:15:00+01:00")
    assert parse_since("12345") == (12345, None)
    assert parse_since("99999999") == (99999999, None)  # no date: a cursor


def test_an_unencoded_plus_of_an_offset_is_read_as_plus():
    """``?sinds=2026-03-15T10:15:00+01:00`` typed as is: the query string makes the "+" a space."""
    from vroegsignaal.feedback.api import parse_since

    expected = parse_since("2026-03-15T10:15:00+01:00")
    assert expected[1] is not None
    assert parse_since("2026-03-15T10:15:00 01:00") == expected
    assert parse_since("20260315T101500 0100") == expected
    assert parse_since("2026-03-15T10:15:00.5 0100")[1] == expected[1].replace(microsecond=500000)


def test_an_unencoded_plus_in_the_url_gives_the_same_events(world, signal, coordinator, api):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    client = api("WOONBRUG")
    assert client.get(f"{URL}?sinds=2000-01-01T00:00:00+01:00").status_code == 200
    assert len(client.get(f"{URL}?sinds=2000-01-01T00:00:00+01:00").json()["terugkoppeling"]) == 1
    assert client.get(f"{URL}?sinds=2999-01-01T00:00:00+01:00").json()["terugkoppeling"] == []


def test_an_unreadable_sinds_says_what_to_give(world, api):
    response = api("WOONBRUG").get(URL, {"sinds": "gisteren"})
    assert response.status_code == 400
    assert response.json() == {
        "melding": "Geef bij 'sinds' het id van de laatst ontvangen gebeurtenis (het 'volgende' van het "
        "vorige antwoord), of een datum of tijdstip in ISO 8601, zoals 2026-11-01 of "
        "2026-11-01T09:00:00%2B01:00 (een + schrijft u in een URL als %2B)."
    }


def test_an_unreadable_sinds_or_limiet_is_a_400_with_a_dutch_message(world, api):
    client = api("WOONBRUG")
    response = client.get(URL, {"sinds": "gisteren"})
    assert response.status_code == 400 and "sinds" in response.json()["melding"]
    assert client.get(URL, {"limiet": "0"}).status_code == 400


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 40, "9" * 5000])
def test_a_sinds_or_limiet_of_other_digits_or_too_many_is_a_400_not_a_crash(world, api, value):
    """``"²".isdigit()`` is true but ``int("²")`` fails, as does ``int()`` past 4300 digits: each was a
    500. A cursor past any id is no cursor either; a limit past a database column is the most there are."""
    client = api("WOONBRUG")
    response = client.get(URL, {"sinds": value})
    assert response.status_code == 400 and "sinds" in response.json()["melding"]
    response = client.get(URL, {"limiet": value})
    if value.isascii():
        assert response.status_code == 200  # the most there are (MAX_PAGE)
    else:
        assert response.status_code == 400 and "limiet" in response.json()["melding"]


def test_without_a_key_no_feedback(world):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["melding"].startswith(
        "Geen API-sleutel: geef de kop 'Authorization: Token <sleutel>' mee."
    )


def test_each_poll_that_returns_events_is_audited_without_klantnummers(
    world, signal, coordinator, api
):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    client = api("WOONBRUG")
    before = AuditEvent.objects.count()
    body = poll(client)
    poll(client, body["volgende"])  # empty: nothing read, nothing audited
    audit = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(a.action, a.object_type, a.details["aantal"]) for a in audit] == [
        ("view", "feedback.feedbackevent", 1)
    ]
    assert body["terugkoppeling"][0]["klantnummer"] not in repr(audit[0].details)


def test_a_first_poll_by_date_without_events_moves_the_cursor_past_the_older_ones(
    world, signal, coordinator, api
):
    """Start polling "from today": an empty answer's volgende must not lead back to older events."""
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    old = FeedbackEvent.objects.get(creditor__code="WOONBRUG")
    FeedbackEvent.objects.filter(pk=old.pk).update(
        created_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    )
    client = api("WOONBRUG")
    first = poll(client, "2026-03-03")
    assert first == {"terugkoppeling": [], "volgende": old.pk, "meer": False}
    assert (
        poll(client, str(first["volgende"]))["terugkoppeling"] == []
    )  # the old event is not brought back
    case_services.close_case(old.case, coordinator, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    new = FeedbackEvent.objects.get(creditor__code="WOONBRUG", kind="afgesloten")
    assert [e["id"] for e in poll(client, str(first["volgende"]))["terugkoppeling"]] == [new.pk]
    # A date before every event still starts at the beginning.
    assert [e["id"] for e in poll(client, "2026-01-01")["terugkoppeling"]] == [old.pk, new.pk]
