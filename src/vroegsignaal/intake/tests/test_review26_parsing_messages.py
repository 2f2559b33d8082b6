"""A file named .xlsx that is a CSV or JSON text says so, so that the creditor can deliver it
as what it is (review 26, P4b)."""

from __future__ import annotations

import pytest

from vroegsignaal.intake import parsing
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

from .support import parse_refusal

CSV = (
    "klantnummer;achternaam;voorletters;geboortedatum;huisnummer;postcode;bedrag_achterstand;"
    "ontstaansdatum\r\nK-1;Jansen;J.;1970-01-01;1;1011AA;123,45;2026-01-01\r\n"
)


def refusal(data: bytes, filename: str) -> DeliveryRefused:
    return parse_refusal(data, filename=filename)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
@pytest.mark.parametrize("filename", ["levering.xlsx", "levering.xls"])
def test_a_csv_saved_as_xlsx_is_refused_saying_it_is_a_csv(filename, encoding):
    refused = refusal(CSV.replace("Jansen", "Müller").encode(encoding), filename)
    suffix = filename.rsplit(".", 1)[1]
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert refused.message == (
        f"Het bestand kan niet worden gelezen: het bestand heet .{suffix}, maar is tekst met "
        "scheidingstekens (een CSV-bestand) en geen Excel-werkmap; lever het aan als .csv, of "
        "open het in Excel en sla het op als Excel-werkmap (.xlsx)."
    )


def test_a_json_body_saved_as_xlsx_is_refused_saying_it_is_json():
    refused = refusal(b'{"soort": "stand", "achterstanden": []}', "levering.xlsx")
    assert refused.message == (
        "Het bestand kan niet worden gelezen: het bestand heet .xlsx, maar is JSON-tekst en geen "
        "Excel-werkmap; lever het aan als .json."
    )


def test_a_file_given_as_xlsx_without_a_name_says_it_was_given_as_xlsx():
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(CSV.encode(), format="xlsx")
    assert caught.value.message.startswith(
        "Het bestand kan niet worden gelezen: het is als XLSX aangeleverd, maar is tekst met "
        "scheidingstekens"
    )


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n" + b"x" * 100, b"just some words without separators\n"]
)
def test_other_content_named_xlsx_is_no_valid_xlsx_file(data):
    refused = refusal(data, "levering.xlsx")
    assert (
        refused.message == "Het bestand kan niet worden gelezen: het is geen geldig XLSX-bestand."
    )


def test_the_format_stored_at_receipt_stays_unknown_for_a_csv_named_xlsx():
    assert parsing.detected_format(CSV.encode(), "levering.xlsx") is None
