"""The outreach letter: the municipality's text, escaped, as PDF; it counts as a contact attempt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vroegsignaal.cases import letters, services
from vroegsignaal.cases.models import ContactAttempt, LetterTemplate

ON = dt.date(2026, 3, 3)


def _values(**overrides):
    values = letters.letter_values(
        names=["J. Jansen"], address_lines=("Dorpsweg 1", "1000AB Voorbeeldstad"),
        municipality_name="Voorbeeldstad", team=None, on=ON,
    )
    return {**values, **overrides}


def test_placeholders_are_filled_and_unknown_ones_left_visible():
    assert letters.substitute("Beste $aanhef, $onbekend", _values()) == "Beste J. Jansen, $onbekend"


def test_default_letter_greets_unknown_residents_once(team):
    values = letters.letter_values(names=[], address_lines=("a", "b"), municipality_name="X", team=team, on=ON)
    assert letters.substitute(letters.DEFAULT_BODY, values).startswith("Beste bewoner(s),")
    assert "'bewoner(s)'" in str(letters.PLACEHOLDERS["aanhef"]) and "Beste" not in str(letters.PLACEHOLDERS["aanhef"])


def test_letter_text_cannot_inject_markup():
    html = letters.letter_html(subject="Hulp", body="<b>vet</b> $aanhef", values=_values(), recipient=["x"])
    assert "<b>vet</b>" not in html and "&lt;b&gt;vet&lt;/b&gt;" in html


def test_letter_shows_the_teams_contact_details(team):
    team.phone, team.email, team.visiting_address = "020-1234567", "noord@example.nl", "Plein 1"
    values = letters.letter_values(names=[], address_lines=("a", "b"), municipality_name="X", team=team, on=ON)
    html = letters.letter_html(subject=letters.DEFAULT_SUBJECT, body=letters.DEFAULT_BODY, values=values, recipient=[])
    assert all(part in html for part in ("020-1234567", "noord@example.nl", "Plein 1", "Wijkteam Noord"))


def test_generating_a_letter_logs_a_contact_attempt_of_kind_brief(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    pdf = services.generate_letter(case, coordinator, on=ON)
    attempt = ContactAttempt.objects.get(case=case)
    assert pdf.startswith(b"%PDF") and (attempt.kind, attempt.reached, attempt.date) == ("Brief", False, ON)


def test_the_municipalitys_own_text_is_used(world, coordinator):
    services.save_letter_template(world.municipality, coordinator, subject="Eigen onderwerp", body="Eigen $gemeente")
    assert services.letter_text(world.municipality) == ("Eigen onderwerp", "Eigen $gemeente")


def test_worker_downloads_the_letter_as_pdf(client, verified_client, worker, team, coordinator, signal):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(reverse("cases:letter", kwargs={"case_id": case.pk}))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["hulpverlener"])
def test_only_coordinators_edit_the_letter_text(client, verified_client, worker, role):
    verified_client(worker)
    response = client.post(reverse("cases:letter_template"), {"subject": "x", "body": "y"})
    assert response.status_code == 403 and not LetterTemplate.objects.exists()


def test_coordinator_saves_the_letter_text(client, verified_client, coordinator, world):
    verified_client(coordinator)
    client.post(reverse("cases:letter_template"), {"subject": "Onderwerp", "body": "Beste $aanhef"})
    assert LetterTemplate.objects.get(municipality=world.municipality).body == "Beste $aanhef"
