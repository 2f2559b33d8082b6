"""A JSON delivery names its own peildatum and soort (spec 1.4): when they differ from what the
creditor gave with it, the upload page says so before submitting, and a refusal names the field,
the value in the file and the value given (not "Het bestand kan niet worden gelezen")."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via

from .support import csv_bytes, row

UNREADABLE = "kan niet worden gelezen"


def body(peildatum="2026-11-01", soort="stand", rows=None) -> bytes:
    items = rows if rows is not None else [row(n) for n in range(1, 4)]
    return json.dumps({"peildatum": peildatum, "soort": soort, "achterstanden": items}).encode()


def deliver(world, content: bytes, *, kind, reference_date):
    return services.receive_delivery(
        world.creditor,
        content,
        filename="levering.json",
        kind=kind,
        reference_date=reference_date,
        via=Via.API,
    )


def refusal(delivery) -> dict:
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    return delivery.report["weigering"]


# -- the refusal (every way in) ---------------------------------------------------------------


@pytest.mark.parametrize("status", ["nieuw", None], ids=["with status", "without status"])
def test_a_soort_that_differs_is_named_not_called_unreadable(world, households, status):
    """Without status the rows missed a field the body's own soort needs: the soort comes first."""
    rows = [row(n, **({"status": status} if status else {})) for n in range(1, 4)]
    delivery = deliver(
        world, body(soort="mutatie", rows=rows), kind="stand", reference_date=dt.date(2026, 11, 1)
    )
    assert refusal(delivery) == {
        "codes": ["BESTAND_ONLEESBAAR"],  # spec 1.6 has no closer code for the soort
        "melding": "De soort in het bestand (mutatie) wijkt af van de opgegeven soort (stand); "
        "laat er een weg of maak ze gelijk.",
    }


def test_a_mutatie_given_for_a_stand_body_is_the_soort_not_a_missing_status(world, households):
    """The body's rows have no status (a stand needs none): the refusal used to be KOLOM_ONTBREEKT."""
    delivery = deliver(world, body(soort="stand"), kind="mutatie", reference_date="2026-11-01")
    assert refusal(delivery) == {
        "codes": ["BESTAND_ONLEESBAAR"],
        "melding": "De soort in het bestand (stand) wijkt af van de opgegeven soort (mutatie); "
        "laat er een weg of maak ze gelijk.",
    }


def test_a_peildatum_and_a_soort_that_differ_are_both_named_each_with_its_code(world, households):
    delivery = deliver(
        world,
        body(peildatum="2026-10-01", soort="stand"),
        kind="mutatie",
        reference_date="2026-11-01",
    )
    assert refusal(delivery) == {
        "codes": ["PEILDATUM_ONGELDIG", "BESTAND_ONLEESBAAR"],
        "melding": "De peildatum in het bestand (2026-10-01) wijkt af van de opgegeven peildatum "
        "(2026-11-01), en de soort in het bestand (stand) van de opgegeven soort (mutatie); "
        "laat ze weg of maak ze gelijk.",
    }
    assert UNREADABLE not in refusal(delivery)["melding"]


def test_a_body_that_agrees_with_what_was_given_is_processed(world, households):
    delivery = deliver(world, body(), kind="stand", reference_date="2026-11-01")
    assert delivery.status == DeliveryStatus.VERWERKT


def test_a_soort_that_is_no_soort_is_still_unreadable(world, households):
    delivery = deliver(world, body(soort="alles"), kind=None, reference_date=None)
    assert refusal(delivery)["codes"] == ["BESTAND_ONLEESBAAR"]
    assert '"soort" is niet stand of mutatie' in refusal(delivery)["melding"]


# -- the upload page: the preview says it before submitting -----------------------------------


@pytest.fixture
def browser(world, verified_client):
    return verified_client(world.user)


def upload(client, content: bytes, *, peildatum, soort, name="levering.json"):
    return client.post(
        "/leveringen/nieuw/",
        {"file": SimpleUploadedFile(name, content), "peildatum": peildatum, "soort": soort},
    )


def preview_html(client) -> str:
    response = client.get("/leveringen/nieuw/voorbeeld/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_says_plainly_what_the_file_says_and_what_was_chosen(
    world, households, browser
):
    upload(
        browser,
        body(peildatum="2026-11-01", soort="stand"),
        peildatum="2026-10-01",
        soort="mutatie",
    )
    html = preview_html(browser)
    assert (
        "Het bestand zegt peildatum 1 november 2026 en soort stand; u koos 1 oktober 2026 en "
        "mutatie. Pas de keuze aan of kies een ander bestand." in html
    )
    assert 'value="indienen"' not in html  # it would be refused
    assert 'value="uit_bestand"' in html and 'value="ander_bestand"' in html
    # The rows are shown as the file says (a stand: no status needed).
    assert "K-00001" in html


def test_the_preview_names_only_the_peildatum_when_only_that_differs(world, households, browser):
    upload(browser, body(peildatum="2026-11-01"), peildatum="2026-10-01", soort="stand")
    html = preview_html(browser)
    assert (
        "Het bestand zegt peildatum 1 november 2026; u koos 1 oktober 2026. "
        "Pas de keuze aan of kies een ander bestand." in html
    )


def test_the_preview_names_only_the_soort_when_only_that_differs(world, households, browser):
    rows = [row(n, status="nieuw") for n in range(1, 4)]
    upload(browser, body(soort="mutatie", rows=rows), peildatum="2026-11-01", soort="stand")
    html = preview_html(browser)
    assert (
        "Het bestand zegt soort mutatie; u koos stand. Pas de keuze aan of kies een ander bestand."
        in html
    )


def test_taking_the_files_values_over_then_submitting_delivers(world, households, browser):
    upload(
        browser,
        body(peildatum="2026-11-01", soort="stand"),
        peildatum="2026-10-01",
        soort="mutatie",
    )
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "uit_bestand"})
    assert response.status_code == 302 and response["Location"] == "/leveringen/nieuw/voorbeeld/"
    html = preview_html(browser)
    assert "Het bestand zegt" not in html
    assert "<dd>1 november 2026 (uit het bestand)</dd>" in html
    assert 'value="indienen"' in html
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.VERWERKT
    assert (delivery.kind, delivery.reference_date) == ("stand", dt.date(2026, 11, 1))


def test_a_json_file_may_leave_peildatum_and_soort_to_the_file(world, households, browser):
    response = upload(browser, body(peildatum="2026-11-01", soort="stand"), peildatum="", soort="")
    assert response.status_code == 302, response.context["form"].errors
    html = preview_html(browser)
    assert "<dd>1 november 2026 (uit het bestand)</dd>" in html
    assert "<dd>Stand (volledig overzicht) (uit het bestand)</dd>" in html
    assert 'value="indienen"' in html
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.kind, delivery.reference_date) == (
        DeliveryStatus.VERWERKT,
        "stand",
        dt.date(2026, 11, 1),
    )


def test_a_csv_still_needs_its_peildatum_and_soort(world, households, browser):
    response = upload(browser, csv_bytes([row(1)]), peildatum="", soort="", name="levering.csv")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["peildatum"] == [
        "Vul de peildatum in; alleen een JSON-bestand kan zijn eigen peildatum noemen."
    ]
    assert errors["soort"] == [
        "Kies stand of mutatie; alleen een JSON-bestand kan zijn eigen soort noemen."
    ]
    assert list(services.incoming_dir().iterdir()) == []


def test_a_preview_of_a_body_with_a_future_peildatum_shows_the_refusal(world, households, browser):
    upload(browser, body(peildatum="2099-01-01"), peildatum="", soort="stand")
    html = preview_html(browser)
    assert "PEILDATUM_ONGELDIG" in html and "De peildatum 2099-01-01 ligt in de toekomst;" in html
    assert 'value="indienen"' not in html


def test_a_preview_of_a_body_without_peildatum_left_to_the_file_shows_the_refusal(
    world, households, browser
):
    content = json.dumps({"soort": "stand", "achterstanden": [row(1)]}).encode()
    upload(browser, content, peildatum="", soort="")
    html = preview_html(browser)
    assert "PEILDATUM_ONGELDIG" in html and "De peildatum ontbreekt;" in html
    assert 'value="indienen"' not in html


def test_a_stand_body_with_mutatie_chosen_is_previewed_as_the_choice_not_a_missing_status(
    world, households, browser
):
    """The rows have no status: the preview does not send the creditor to the column mapping."""
    upload(browser, body(soort="stand"), peildatum="2026-11-01", soort="mutatie")
    html = preview_html(browser)
    assert "Het bestand zegt soort stand; u koos mutatie." in html
    assert "KOLOM_ONTBREEKT" not in html
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "uit_bestand"})
    html = preview_html(browser)
    assert "Het bestand zegt" not in html and 'value="indienen"' in html
    assert "<dd>Stand (volledig overzicht) (uit het bestand)</dd>" in html
    assert "<dd>1 november 2026</dd>" in html  # as chosen: it agreed with the file


def test_a_mutatie_body_without_status_with_stand_chosen_names_the_soort_first(
    world, households, browser
):
    """Processing would refuse it for the soort (and, once that is taken over, for the status)."""
    upload(browser, body(soort="mutatie"), peildatum="2026-11-01", soort="stand")
    html = preview_html(browser)
    assert "Het bestand zegt soort mutatie; u koos stand." in html
    assert "KOLOM_ONTBREEKT" not in html
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "uit_bestand"})
    html = preview_html(browser)
    assert "Het bestand zegt" not in html
    assert "KOLOM_ONTBREEKT" in html and "status" in html


def test_a_refused_body_keeps_its_own_valid_values_where_none_were_given(world, households):
    rows = [row(n, status="nieuw") for n in range(1, 4)]
    delivery = deliver(world, body(soort="mutatie", rows=rows), kind="stand", reference_date=None)
    assert refusal(delivery)["codes"] == ["BESTAND_ONLEESBAAR"]
    assert (delivery.kind, delivery.reference_date) == ("stand", dt.date(2026, 11, 1))
