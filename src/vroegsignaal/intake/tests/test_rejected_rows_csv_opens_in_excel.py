"""The rejected-rows CSV opens right in Excel on Windows: UTF-8 with a BOM, ``;``, CRLF.

Spec 1.7 gives its columns (``rij;klantnummer;veld;code;melding``), not its encoding; a BOM
keeps it UTF-8 (spec 1.3 reads UTF-8 with or without one). Without it Excel read it as
Windows-1252 on a double click and garbled every accented letter (a klantnummer ``K-é1``, a
creditor's own column named in a message). The API gives the same file without the BOM: a
program that reads plain UTF-8 would take it for part of the first column's name.
"""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Via

from .support import PEILDATUM, csv_bytes, row

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def delivery(world, households):
    # Row 3: an address the register does not know (rejected); row 4: a phone number that is
    # none (a warning). Both with an accented klantnummer.
    rows = [row(1), row(2, klantnummer="K-é2", postcode="1234AZ")]
    rows.append(row(3, klantnummer="K-é3", telefoonnummer="geen"))
    return services.receive_delivery(
        world.creditor, csv_bytes(rows), filename="a.csv", reference_date=PEILDATUM, via=Via.CLI
    )


@pytest.fixture
def api(world):
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("warnings", "suffix"), [(False, "fouten"), (True, "meldingen")])
def test_the_page_gives_the_utf8_csv_with_a_bom_and_the_api_the_same_without(
    world, delivery, verified_client, api, warnings, suffix
):
    query = {"waarschuwingen": "ja"} if warnings else {}
    page = verified_client(world.user).get(f"/leveringen/{delivery.pk}/fouten.csv", query)
    by_api = api.get(f"/api/v1/deliveries/{delivery.pk}/fouten/", query, HTTP_ACCEPT="text/csv")
    content = body(page)
    assert content.startswith(BOM + b"rij;klantnummer;veld;code;melding\r\n")
    assert BOM + body(by_api) == content
    for response in (page, by_api):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="levering-{delivery.pk}-{suffix}.csv"'
        )
    # Read as UTF-8 with its BOM (Excel, Python's utf-8-sig), every letter is as delivered.
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["rij", "klantnummer", "veld", "code", "melding"]
    assert [line[:4] for line in lines[1:]] == [
        ["3", "K-é2", "postcode", "ADRES_ONBEKEND"],
        *([["4", "K-é3", "telefoonnummer", "TELEFOON_ONGELDIG"]] if warnings else []),
    ]


def test_the_bom_is_written_once_before_the_header_also_without_rows(world, households):
    empty = services.receive_delivery(
        world.creditor, csv_bytes([row(1)]), filename="a.csv", reference_date=PEILDATUM, via=Via.CLI
    )
    text = "".join(services.rejected_rows_csv_lines(empty, bom=True))
    assert text == "\ufeffrij;klantnummer;veld;code;melding\r\n"
