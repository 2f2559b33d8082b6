"""``bestandsformaat`` (csv, xlsx or json: spec 1.3) is kept for a refused delivery too, as far as
its name and first bytes tell it; it used to be stored only once the file was parsed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from vroegsignaal.intake import services

from .support import row, stand

URL = "/api/v1/deliveries/"


@pytest.fixture
def client(world):
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


def post_file(client, content: bytes, name: str, peildatum="2026-11-01"):
    data = {"file": SimpleUploadedFile(name, content), "peildatum": peildatum, "soort": "stand"}
    return client.post(URL, data, format="multipart")


def status_of(client, response) -> dict:
    assert response.status_code == 202, response.content
    return client.get(response.json()["status_url"]).json()


def a_zip_that_is_no_workbook() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "geen werkmap")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "code", "expected"),
    [
        (
            b'{"peildatum": "2026-11-01", "achterstanden": [',
            "levering.json",
            "BESTAND_ONLEESBAAR",
            "json",
        ),
        (a_zip_that_is_no_workbook(), "levering.xlsx", "BESTAND_ONLEESBAAR", "xlsx"),
        (b"klantnummer;achternaam\nK-1;Jans\x00en\n", "levering.csv", "BESTAND_ONLEESBAAR", "csv"),
        (b"klantnummer;achternaam\nK-1;Jansen\n", "levering.csv", "KOLOM_ONTBREEKT", "csv"),
        # The content decides where the name does not: a ZIP is XLSX, "{" is JSON.
        (a_zip_that_is_no_workbook(), "levering", "BESTAND_ONLEESBAAR", "xlsx"),
        (b'{"achterstanden": [1]}', "levering", "BESTAND_ONLEESBAAR", "json"),
    ],
)
def test_a_delivery_refused_while_it_was_read_keeps_its_format(
    world, households, client, content, name, code, expected
):
    data = status_of(client, post_file(client, content, name))
    assert data["status"] == "afgewezen"
    assert data["verslag"]["weigering"]["codes"] == [code]
    assert data["bestandsformaat"] == expected


def test_a_json_body_refused_while_it_was_read_keeps_its_format(world, households, client):
    response = client.post(
        URL, '{"peildatum": "2026-11-01", "achter', content_type="application/json"
    )
    data = status_of(client, response)
    assert data["verslag"]["weigering"]["codes"] == ["BESTAND_ONLEESBAAR"]
    assert data["bestandsformaat"] == "json"


def test_a_delivery_refused_at_receipt_keeps_its_format(world, households, client):
    data = status_of(
        client, post_file(client, stand(range(1, 4)), "levering.csv", peildatum="2999-01-01")
    )
    assert data["verslag"]["weigering"]["codes"] == ["PEILDATUM_ONGELDIG"]
    assert data["bestandsformaat"] == "csv"
    body = {"peildatum": "2026-11-01", "soort": "stand", "achterstanden": [row(1)]}
    first = status_of(client, client.post(URL, json.dumps(body), content_type="application/json"))
    assert first["status"] == "verwerkt"
    again = status_of(client, client.post(URL, json.dumps(body), content_type="application/json"))
    assert again["verslag"]["weigering"]["codes"] == ["LEVERING_DUBBEL"]
    assert again["bestandsformaat"] == "json"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "levering.csv"),  # nothing to read: BESTAND_LEEG
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "levering.xls",
        ),  # the old Excel format
        (b"klantnummer;achternaam\n", "levering.xlsx"),  # called a workbook, and is none
    ],
)
def test_a_format_that_cannot_be_told_stays_empty(world, households, client, content, name):
    data = status_of(client, post_file(client, content, name))
    assert data["status"] == "afgewezen"
    assert data["bestandsformaat"] == ""
