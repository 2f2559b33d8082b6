"""What a creditor's system gets back when a request goes wrong: always ``{"melding": …}`` (the
``Error`` schema of docs/openapi.yaml), in Dutch, saying what to change; a delivery that cannot be
used is refused with its contract code the same way on every way in."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery

from .support import csv_bytes, row, stand
from .test_api import URL, api, post_file  # noqa: F401 - the fixture


def test_a_request_without_a_key_says_how_to_send_one(world):
    response = APIClient().get(f"{URL}1/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "melding": "Geen API-sleutel: geef de kop 'Authorization: Token <sleutel>' mee. "
        "Een API-sleutel maakt u aan op de portaalpagina API-sleutels."
    }


def test_a_bearer_header_is_told_to_use_token_without_repeating_the_key(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer abcdef.geheim-dat-niet-terugkomt")
    response = client.get(f"{URL}1/")
    assert response.status_code == 401
    body = response.json()
    assert body == {
        "melding": "De kop Authorization gebruikt 'Bearer'; geef de API-sleutel op als "
        "'Authorization: Token <sleutel>'."
    }
    assert "geheim" not in response.content.decode()


def test_a_wrong_key_is_401_with_melding(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abc.def")
    response = client.get(f"{URL}1/")
    assert response.status_code == 401
    assert response.json() == {
        "melding": "Ongeldige of ingetrokken API-sleutel. "
        "Een API-sleutel maakt u aan op de portaalpagina API-sleutels."
    }


def test_another_creditors_delivery_is_404_with_melding_in_json_and_csv(world, households, api):  # noqa: F811
    theirs = post_file(api(world.other_creditor), stand(range(1, 4))).json()["id"]
    mine = api(world.creditor)
    text = "Niet gevonden: er is geen levering met dit nummer voor uw organisatie."
    for url in (f"{URL}{theirs}/", f"{URL}{theirs}/fouten/"):
        response = mine.get(url)
        assert (response.status_code, response.json()) == (404, {"melding": text})
    assert mine.post(f"{URL}{theirs}/bevestig/").json() == {"melding": text}
    as_csv = mine.get(f"{URL}{theirs}/fouten/", HTTP_ACCEPT="text/csv")
    assert as_csv.status_code == 404
    assert as_csv.content.decode() == text


def test_a_file_posted_as_text_csv_is_415_saying_how_to_send_it(world, households, api):  # noqa: F811
    response = api(world.creditor).post(URL, csv_bytes([row(1)]), content_type="text/csv")
    assert response.status_code == 415
    assert response.json() == {
        "melding": "Stuur een levering als multipart/form-data (velden file, peildatum en soort) of als "
        "JSON-body met Content-Type: application/json (spec 1.4); dit verzoek had Content-Type 'text/csv'."
    }
    assert not Delivery.objects.exists()


def test_an_unreadable_multipart_body_is_400_in_dutch(world, households, api):  # noqa: F811
    """DRF's own text ("Multipart form parse error - Invalid boundary …") is English: the melding
    says in Dutch how to send a delivery instead."""
    response = api(world.creditor).post(URL, b"file=1", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json() == {
        "melding": "Het verzoek kan niet worden gelezen. Stuur een levering als multipart/form-data (velden file, "
        "peildatum en soort) of als JSON-body met Content-Type: application/json (spec 1.4)."
    }
    assert not Delivery.objects.exists()


def test_a_missing_file_is_400_naming_the_field(world, households, api):  # noqa: F811
    response = api(world.creditor).post(URL, {"peildatum": "2026-11-01"}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["melding"].startswith("Het verzoek is onjuist. file: ")
    assert list(body["velden"]) == ["file"] and len(body["velden"]["file"]) == 1
    assert body["velden"]["file"][0] in body["melding"]


def test_an_unknown_soort_is_400_naming_the_field(world, households, api):  # noqa: F811
    data = {
        "file": SimpleUploadedFile("a.csv", csv_bytes([row(1)])),
        "peildatum": "2026-11-01",
        "soort": "volledig",
    }
    response = api(world.creditor).post(URL, data, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["velden"]) == ["soort"]


def test_get_on_the_collection_is_405_naming_the_method_to_use(world, households, api):  # noqa: F811
    response = api(world.creditor).get(URL)
    assert response.status_code == 405
    assert response.json() == {"melding": "De methode GET kan hier niet; gebruik POST."}


def test_an_accept_header_without_json_or_csv_is_406_naming_both(world, households, api):  # noqa: F811
    client = api(world.creditor)
    delivery_id = post_file(client, stand(range(1, 4))).json()["id"]
    response = client.get(f"{URL}{delivery_id}/fouten/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert response.json() == {
        "melding": "Dit antwoord is er alleen als application/json of text/csv; pas de kop Accept daarop aan."
    }


def test_an_empty_file_is_refused_as_bestand_leeg_like_on_every_way_in(world, households, api):  # noqa: F811
    client = api(world.creditor)
    response = post_file(client, b"")
    assert response.status_code == 202, response.content
    body = client.get(response.json()["status_url"]).json()
    assert body["status"] == "afgewezen"
    assert body["verslag"]["weigering"] == {
        "codes": ["BESTAND_LEEG"],
        "melding": "Het bestand is leeg of bevat alleen een kopregel.",
    }


def test_an_empty_json_body_is_refused_as_bestand_leeg(world, households, api):  # noqa: F811
    client = api(world.creditor)
    response = client.post(URL, b"", content_type="application/json")
    assert response.status_code == 202, response.content
    body = client.get(response.json()["status_url"]).json()
    assert body["status"] == "afgewezen"
    assert body["verslag"]["weigering"]["codes"] == ["BESTAND_LEEG"]


@pytest.mark.parametrize("way", ["json", "multipart"])
def test_a_file_over_the_limit_is_always_413(world, households, api, settings, way):  # noqa: F811
    """Within the 1 MiB envelope the request is read; a file over the limit is still 413, not 202."""
    client = api(world.creditor)
    body = {
        "peildatum": "2026-11-01",
        "soort": "stand",
        "achterstanden": [row(n) for n in range(1, 40)],
    }
    content = json.dumps(body).encode()
    settings.MAX_DELIVERY_BYTES = len(content) - 1
    if way == "json":
        response = client.post(URL, content, content_type="application/json")
    else:
        response = post_file(client, content, name="levering.json", soort="")
    assert response.status_code == 413, response.content
    assert response.json() == {
        "codes": ["BESTAND_TE_GROOT"],
        "melding": f"Het bestand is groter dan de toegestane {services._human_size(settings.MAX_DELIVERY_BYTES)}.",
    }


def test_too_many_requests_keep_the_error_shape(world, households, api, settings):  # noqa: F811
    settings.API_REQUESTS_PER_MINUTE = 1
    client = api(world.creditor)
    client.get("/api/v1/feedback/")
    refused = client.get(f"{URL}1/")
    assert refused.status_code == 429
    assert set(refused.json()) == {"melding"}
