"""An empty sheet is refused as empty, naming it (review 26, P2), and the upload page's preview
says a file cannot be read where the parser fails without a refusal of its own.

A sheet without any cell made Polars fail on an empty list of columns: processing broke off,
the delivery stayed ``in_behandeling`` and the preview answered with a server error.
"""

from __future__ import annotations

import logging

from vroegsignaal.intake import parsing, previews, services
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.models import DeliveryStatus, Via
from vroegsignaal.intake.refusals import DeliveryRefused

from .support import HEADER, PEILDATUM, parse_refusal, preview_of, row, table, worksheet, xlsx

EMPTY = worksheet("")
ROWS = [HEADER, *[list(row(n).values()) for n in (1, 2, 3)]]
DATA = worksheet(table(ROWS))


def refusal(data: bytes) -> DeliveryRefused:
    return parse_refusal(data, filename="levering.xlsx", soort="stand")


def test_an_empty_first_sheet_is_refused_as_empty_naming_it_and_the_sheet_with_data():
    refused = refusal(xlsx({"Blad1": EMPTY, "Blad2": DATA}))
    assert refused.code == Code.BESTAND_LEEG
    assert refused.message == (
        'Het eerste werkblad ("Blad1") is leeg; het werkblad "Blad2" bevat wel gegevens. Gelezen '
        'wordt het werkblad "achterstanden", en zonder zo’n werkblad het eerste: zet de gegevens '
        'op het eerste werkblad, of noem hun werkblad "achterstanden".'
    )


def test_an_empty_sheet_named_achterstanden_is_refused_naming_the_sheet_with_data():
    refused = refusal(xlsx({"Blad1": DATA, "achterstanden": EMPTY}))
    assert refused.code == Code.BESTAND_LEEG
    assert refused.message == (
        'Het werkblad "achterstanden" is leeg; het werkblad "Blad1" bevat wel gegevens. Een '
        'bestand met een werkblad "achterstanden" wordt van dat werkblad gelezen: zet de gegevens '
        "daar, of verwijder of hernoem het lege werkblad."
    )


def test_a_workbook_of_empty_sheets_is_refused_as_empty_naming_the_sheet_read():
    refused = refusal(xlsx({"Blad1": EMPTY, "Blad2": worksheet('<row r="1"/>')}))
    assert (refused.code, refused.message) == (
        Code.BESTAND_LEEG,
        'Het werkblad "Blad1" is leeg; ook de andere werkbladen bevatten geen gegevens.',
    )
    alone = refusal(
        xlsx({"Blad1": worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t> </t></is></c></row>')})
    )
    assert alone.message == 'Het werkblad "Blad1" is leeg.'


def test_a_long_sheet_name_is_cut_in_the_message():
    refused = refusal(xlsx({"B" * 40: EMPTY, "Blad2": DATA}))
    assert f'("{"B" * 30}…")' in refused.message


def test_an_empty_first_sheet_is_refused_as_a_delivery_and_not_left_in_progress(world, households):
    delivery = services.receive_delivery(
        world.creditor,
        xlsx({"Blad1": EMPTY, "Blad2": DATA}),
        filename="levering.xlsx",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["BESTAND_LEEG"]
    assert households.snapshot() == []


def test_the_preview_of_an_empty_first_sheet_shows_the_refusal(world):
    preview = preview_of(world, xlsx({"Blad1": EMPTY, "Blad2": DATA}))
    assert preview.refusal["codes"] == ["BESTAND_LEEG"]
    assert preview.refusal["melding"].startswith('Het eerste werkblad ("Blad1") is leeg')
    assert not preview.mapping_can_help


def test_a_parser_failure_that_is_no_refusal_is_previewed_as_unreadable(world, monkeypatch, caplog):
    def breaks(*args, **kwargs):
        raise RuntimeError("rij 2: K-00001 Jansen 1234AB")

    monkeypatch.setattr(parsing, "parse_delivery", breaks)
    with caplog.at_level(logging.ERROR, logger=previews.__name__):
        preview = preview_of(world, xlsx({"Blad1": DATA}))
    assert preview.refusal == {
        "codes": ["BESTAND_ONLEESBAAR"],
        "melding": (
            "Het bestand kan niet worden gelezen: er ging iets mis bij het lezen. Controleer of "
            "het een CSV-, XLSX- of JSON-bestand volgens het aanleverformaat is en sla het zo "
            "nodig opnieuw op uit het programma waarmee het is gemaakt."
        ),
    }
    assert not preview.mapping_can_help
    assert "builtins.RuntimeError" in caplog.text
    assert "Jansen" not in caplog.text


def test_the_upload_page_of_an_empty_first_sheet_shows_the_refusal_not_a_server_error(
    world, households, verified_client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    browser = verified_client(world.user)
    content = xlsx({"Blad1": EMPTY, "Blad2": DATA})
    uploaded = browser.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("levering.xlsx", content),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    assert uploaded.status_code == 302
    page = browser.get("/leveringen/nieuw/voorbeeld/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "BESTAND_LEEG" in html and "Blad2" in html
    assert 'value="indienen"' not in html
