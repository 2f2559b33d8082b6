"""English on the feedback page; Dutch in the CSV download, the API and the e-mail notice (spec 4)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.utils import translation

from tests.english import in_english, main_html
from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback import services
from vroegsignaal.feedback.models import FeedbackEvent, FeedbackStream

from .conftest import PICKED_UP, creditor_user, make_signal

URL = "/terugkoppeling/"
CSV_URL = "/terugkoppeling/terugkoppeling.csv"


@pytest.fixture
def english(history, client, verified_client):
    """WOONBRUG's user, logged in, with English chosen."""
    return in_english(verified_client(creditor_user(history, "WOONBRUG")))


def test_feedback_page_speaks_english_when_chosen(english):
    response = english.get(URL)
    assert response["Content-Language"] == "en"
    html = main_html(response)
    for english_text in (
        '<h1 class="utrecht-heading-1">Feedback</h1>',
        "What municipalities have done with the signals about your customers",
        "Event",
        "Municipality",
        "Date from",
        "Date up to and including",
        "Filter",
        "4 events",
        "Download as CSV (current filters)",
        "Sort by",
        "last received first",
        "Received",
        "Customer number",
        "Collection pause up to and including",
        "Result",
        "Picked up",
        "Closed",
        "Not picked up",
        "Resolved without help",
        "Retrieving through the API",
        "Manage API keys",
    ):
        assert english_text in html, english_text
    for dutch in (
        "Terugkoppeling",
        "Wat gemeenten met de signalen",
        "Gebeurtenis",
        "Filters wissen",
        "gebeurtenissen",
        "Klantnummer",
        "Incasso-uitstel tot en met",
        "Resultaat",
        "Opgepakt",
        "Afgesloten",
        "Niet opgepakt",
        "Zelf opgelost",
        "Ophalen via de API",
    ):
        assert dutch not in html, dutch


def test_clear_filters_is_english_when_a_filter_is_set(english):
    html = main_html(english.get(URL, {"gebeurtenis": "opgepakt"}))
    assert "Clear filters" in html and "Filters wissen" not in html


def test_feedback_page_filter_error_is_english(english):
    html = main_html(english.get(URL, {"van": "2026-03-20", "tot": "2026-03-01"}))
    assert "‘Date from’ is later than ‘Date up to and including’." in html
    assert "De datum vanaf ligt na de datum tot en met." not in html


def test_empty_feedback_page_speaks_english(world, client, verified_client):
    in_english(verified_client(creditor_user(world, "WOONBRUG")))
    html = main_html(client.get(URL))
    assert "There is no feedback about your customers yet." in html
    assert "Er is nog geen terugkoppeling" not in html


def test_feedback_page_stays_dutch_without_a_choice(history, client, verified_client):
    verified_client(creditor_user(history, "WOONBRUG"))
    html = main_html(client.get(URL))
    assert "Incasso-uitstel tot en met" in html and "Zelf opgelost" in html
    assert "Collection pause" not in html


def test_feedback_csv_stays_dutch_when_english_is_chosen(english):
    response = english.get(CSV_URL)
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == list(services.CSV_COLUMNS)
    assert {r[4] for r in rows[1:]} == {"opgepakt", "afgesloten", "niet_opgepakt"}
    assert {r[7] for r in rows[1:]} == {"", "zelf_opgelost"}
    assert "Picked up" not in text and "Resolved" not in text


def test_feedback_api_answers_dutch_even_with_the_english_cookie(history, api):
    client = in_english(api("WOONBRUG"))
    body = client.get("/api/v1/feedback/", {"sinds": ""}).json()
    assert {e["gebeurtenis"] for e in body["terugkoppeling"]} == {
        "opgepakt",
        "afgesloten",
        "niet_opgepakt",
    }
    assert {e["resultaat"] for e in body["terugkoppeling"]} == {None, "zelf_opgelost"}
    refused = client.get("/api/v1/feedback/", {"sinds": "gisteren"})
    assert refused.status_code == 400
    assert refused["Content-Language"] == "nl"
    assert refused.json()["melding"].startswith("Geef bij 'sinds' het id")


def test_notice_email_is_dutch_when_english_is_active(world, covenants, coordinator):
    world.creditors["WOONBRUG"].contact_email = "incasso@debrug.example"
    world.creditors["WOONBRUG"].save()
    with translation.override("en"):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
        FeedbackStream.objects.update(notified_on=None)
        assert services.notify_creditor(world.creditors["WOONBRUG"].pk) is True
    notice = mail.outbox[-1]
    assert notice.subject == "Nieuwe terugkoppeling in Vroegsignaal"
    assert notice.body.startswith("Beste ")
    assert FeedbackEvent.objects.filter(creditor__code="WOONBRUG").exists()
