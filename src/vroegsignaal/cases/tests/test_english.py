"""The case screens speak English once the user picks it; what is stored or sent to citizens stays Dutch."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from tests.english import in_english
from vroegsignaal.cases import letters, services
from vroegsignaal.cases.models import CaseStatus, CaseStatusChange, ContactKind, Outcome

PICKED_UP = dt.date(2026, 3, 2)


@pytest.fixture
def english(client):
    return in_english(client)


@pytest.fixture
def case(signal, coordinator, team):
    return services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)


def test_case_page_speaks_english_when_chosen(english, verified_client, worker, case):
    verified_client(worker)
    body = english.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert '<html lang="en"' in body
    for text in (
        f"Case {case.pk}", "Next deadline", "Date picked up", "Neighbourhood team", "Offer of help",
        "Outstanding arrears", "Creditor", "Record a contact attempt", "Type of contact", "Create letter",
        "Close the case", "Contact attempts, newest first", "No contact attempts yet.", "Notes", "History",
        "Picked up", "€125.00",
    ):  # fmt: skip
        assert text in body, text
    for dutch in (
        "€ 125,00", f"Zaak {case.pk}", "Eerstvolgende termijn", "Datum opgepakt", "Hulpaanbod", "Openstaande achterstanden",
        "Schuldeiser", "Contactpoging vastleggen", "Soort contact", "Brief maken", "Zaak afsluiten",
        "Nog geen contactpogingen", "Notities", "Geschiedenis", "Opgepakt",
    ):  # fmt: skip
        assert dutch not in body, dutch


def test_closed_case_shows_its_outcome_in_english_when_chosen(
    english, verified_client, worker, case
):
    services.close_case(case, worker, Outcome.GEEN_REACTIE, on=dt.date(2026, 3, 20))
    verified_client(worker)
    body = english.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "No response after earlier contact" in body and "Closed" in body


def test_case_list_speaks_english_when_chosen(english, verified_client, worker, case):
    verified_client(worker)
    body = english.get(reverse("cases:list")).content.decode()
    for text in (
        "My neighbourhood team's cases",
        "Which cases",
        "Open and closed",
        "Sort by",
        "Deadline",
        f"Case {case.pk}",
    ):
        assert text in body, text
    for dutch in (
        "Zaken van mijn wijkteam",
        "Welke zaken",
        "Open en afgesloten",
        "Sorteer op",
        "Termijn",
        f"Zaak {case.pk}",
    ):
        assert dutch not in body, dutch


def test_case_list_is_dutch_by_default(client, verified_client, worker, case):
    verified_client(worker)
    body = client.get(reverse("cases:list")).content.decode()
    assert "Zaken van mijn wijkteam" in body and "Sorteer op" in body and '<html lang="nl"' in body


def test_success_message_is_english_but_the_stored_history_stays_dutch(
    english, verified_client, worker, case
):
    verified_client(worker)
    response = english.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": ContactKind.TELEFOON, "poging-reached": "ja", "poging-on": "2026-03-03"},
        follow=True,
    )
    body = response.content.decode()
    assert (
        "The contact attempt has been recorded." in body
        and "De contactpoging is vastgelegd." not in body
    )
    change = CaseStatusChange.objects.get(case=case, to_status=CaseStatus.IN_CONTACT)
    assert change.note == "Telefoon"
    # The history shows the stored Dutch note in the reader's language.
    assert (
        f'In contact ({worker.get_username()}) — Phone <span class="case-history__recorded">Recorded on'
        in re.sub(r"\s+", " ", body)
    )


def test_history_notes_the_services_write_are_shown_in_english_and_a_workers_own_words_as_written(
    english, verified_client, worker, case
):
    services.record_offer(
        case,
        worker,
        made_on=dt.date(2026, 3, 3),
        answer="aanvaard",
        answered_on=dt.date(2026, 3, 3),
    )
    services.close_case(
        case, worker, Outcome.GEEN_REACTIE, on=dt.date(2026, 3, 20), note="Verhuisd naar Zeeland"
    )
    notes = list(
        CaseStatusChange.objects.filter(case=case).order_by("id").values_list("note", flat=True)
    )
    assert notes[1:] == ["Hulpaanbod gedaan", "hulpaanbod aanvaard", "Verhuisd naar Zeeland"]
    with translation.override("en"):
        assert services.history_note("hulpaanbod aanvaard") == "offer of help accepted"
        assert services.history_note(Outcome.GEEN_REACTIE) == "No response after earlier contact"
        assert services.history_note("Verhuisd naar Zeeland") == "Verhuisd naar Zeeland"
    with translation.override("nl"):
        assert services.history_note("hulpaanbod aanvaard") == "hulpaanbod aanvaard"
    verified_client(worker)
    body = english.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    lines = re.sub(r'\s*<span class="case-history__recorded">.*?</span>', "", body)
    assert "— offer of help accepted</li>" in lines and "— Verhuisd naar Zeeland</li>" in lines


def test_refused_step_is_explained_in_english_when_chosen(english, verified_client, worker, case):
    services.close_case(case, worker, Outcome.GEEN_REACTIE, on=dt.date(2026, 3, 20))
    verified_client(worker)
    response = english.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": ContactKind.TELEFOON, "poging-reached": "ja", "poging-on": "2026-03-21"},
        follow=True,
    )
    body = response.content.decode()
    assert (
        "This case already has the final status &#x27;closed&#x27; and can no longer change."
        in body
    )


def test_form_errors_are_english_when_chosen(english, verified_client, worker, case):
    verified_client(worker)
    response = english.post(
        reverse("cases:note", kwargs={"case_id": case.pk}), {"notitie-text": " "}, follow=True
    )
    body = response.content.decode()
    assert "Not saved." in body and "Note: This field is required." in body


def test_letter_stays_dutch_when_english_chosen(
    english, verified_client, worker, case, monkeypatch
):
    written = []
    monkeypatch.setattr(
        letters, "html_to_pdf", lambda html: written.append(html) or b"%PDF-1.7 test"
    )
    verified_client(worker)
    english.post(reverse("cases:letter", kwargs={"case_id": case.pk}))
    attempt = case.contact_attempts.get()
    response = english.get(
        reverse("cases:letter", kwargs={"case_id": case.pk}), {"poging": attempt.pk}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    html = written[0]
    today = timezone.localdate()
    with translation.override("nl"):
        dutch_day = date_format(today, "j F Y")
    with translation.override("en"):
        english_day = date_format(today, "j F Y")
    assert dutch_day in html and (english_day == dutch_day or english_day not in html)
    assert letters.DEFAULT_SUBJECT in html and "Beste " in html and "Met vriendelijke groet" in html
    # The letter counts as a contact attempt; its history note is stored in Dutch.
    change = CaseStatusChange.objects.get(
        case=case, from_status=CaseStatus.OPGEPAKT, to_status=CaseStatus.CONTACT_GEZOCHT
    )
    assert change.note == "Brief"


def test_letter_date_is_dutch_whatever_language_is_active():
    with translation.override("en"):
        values = letters.letter_values(
            names=[],
            address_lines=("a", "b"),
            municipality_name="X",
            team=None,
            on=dt.date(2026, 3, 3),
        )
        html = letters.letter_html(subject="Onderwerp", body="$datum", values=values, recipient=[])
    assert values["datum"] == "3 maart 2026" and "3 maart 2026" in html


def test_second_pick_up_is_refused_in_english_when_chosen(
    english, verified_client, coordinator, case
):
    verified_client(coordinator)
    response = english.post(reverse("cases:pick_up"), {"signal": case.signal_id}, follow=True)
    body = response.content.decode()
    assert "This signal is already picked up." in body and "Dit signaal is al opgepakt." not in body


def test_closing_without_an_outcome_is_refused_in_english_when_chosen(
    english, verified_client, worker, case
):
    verified_client(worker)
    response = english.post(
        reverse("cases:close", kwargs={"case_id": case.pk}),
        {"afsluiten-outcome": "", "afsluiten-on": "2026-03-20"},
        follow=True,
    )
    body = response.content.decode()
    assert "Not saved." in body and "Correct what is said at these fields:" in body
    assert "Outcome: Choose the outcome with which you close the case." in body
    assert "Choose an outcome" in body and "Kies een eindresultaat" not in body


def test_taking_a_case_speaks_english_when_chosen(english, verified_client, worker, case):
    verified_client(worker)
    body = english.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "Assign to me" in body and "Aan mij toewijzen" not in body
