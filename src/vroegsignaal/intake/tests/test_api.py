"""The delivery API end to end with an API key (spec 1.1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from vroegsignaal.intake import services
from vroegsignaal.intake.models import ApiKey, Delivery
from vroegsignaal.privacy.models import AuditEvent

from .support import csv_bytes, row, stand

URL = "/api/v1/deliveries/"


@pytest.fixture
def api(world):
    def client_for(creditor):
        _key, text = services.create_api_key(creditor, "Incassosysteem", world.user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
        return client

    return client_for


def post_file(client, content: bytes, peildatum="2026-11-01", soort="stand", name="levering.csv"):
    data = {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "peildatum": peildatum,
    }
    if soort:
        data["soort"] = soort
    return client.post(URL, data, format="multipart")


def test_upload_answers_202_with_id_and_status_url_and_the_status_shows_the_report(
    world, households, api
):
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 9)] + [row(9, postcode="1234AZ")]
    response = post_file(client, csv_bytes(rows))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status_url"].endswith(f"/api/v1/deliveries/{body['id']}/")
    assert response["Location"] == body["status_url"]

    status = client.get(body["status_url"])
    assert status.status_code == 200
    data = status.json()
    assert data["status"] == "verwerkt"
    assert data["soort"] == "stand" and data["peildatum"] == "2026-11-01"
    assert data["verslag"]["regels_ontvangen"] == 9
    assert data["verslag"]["regels_geaccepteerd"] == 8
    assert data["verslag"]["afgewezen_per_code"] == {"ADRES_ONBEKEND": 1}
    assert data["verslag"]["gerouteerd_per_gemeente"][0]["gemeentecode"] == "0999"
    assert data["verslag"]["achterstanden"] == {"nieuw": 8, "gewijzigd": 0, "afgemeld": 0}
    assert Delivery.objects.get(pk=body["id"]).via == "api"


def test_rejected_rows_as_csv_have_the_exact_header(world, households, api):
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 5)] + [
        row(5, klantnummer="=HYPERLINK(1)", bedrag_achterstand="-3")
    ]
    delivery_id = post_file(client, csv_bytes(rows)).json()["id"]
    response = client.get(f"{URL}{delivery_id}/fouten/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert lines[0] == "rij;klantnummer;veld;code;melding"  # no BOM: read by programs
    assert lines[1].startswith("6;'=HYPERLINK(1);bedrag_achterstand;BEDRAG_ONGELDIG;")
    assert len(lines) == 2


def test_rejected_rows_as_json(world, households, api):
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 5)] + [row(5, postcode="0000AA")]
    delivery_id = post_file(client, csv_bytes(rows)).json()["id"]
    response = client.get(f"{URL}{delivery_id}/fouten/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "rij": 6,
            "klantnummer": "K-00005",
            "veld": "postcode",
            "code": "POSTCODE_ONGELDIG",
            "melding": body["results"][0]["melding"],
            "waarschuwing": False,
        }
    ]
    reads = AuditEvent.objects.filter(
        object_type="intake.delivery", object_id=str(delivery_id), action="view"
    )
    assert reads.count() == 1


def test_rejected_rows_as_json_tell_warnings_from_rejections(world, households, api):
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 5)] + [row(5, postcode="0000AA"), row(6, telefoonnummer="12")]
    delivery_id = post_file(client, csv_bytes(rows)).json()["id"]
    body = client.get(f"{URL}{delivery_id}/fouten/", {"waarschuwingen": "ja"}).json()
    assert [(r["rij"], r["code"], r["waarschuwing"]) for r in body["results"]] == [
        (6, "POSTCODE_ONGELDIG", False),
        (7, "TELEFOON_ONGELDIG", True),
    ]
    assert [r["code"] for r in client.get(f"{URL}{delivery_id}/fouten/").json()["results"]] == [
        "POSTCODE_ONGELDIG"
    ]


def test_json_body_is_accepted(world, households, api):
    client = api(world.creditor)
    body = {
        "peildatum": "2026-11-01",
        "soort": "stand",
        "achterstanden": [row(n) for n in range(1, 4)],
    }
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "verwerkt"
    assert response.json()["bestandsformaat"] == "json"


def test_duplicate_is_202_with_status_afgewezen_and_its_code(world, households, api):
    client = api(world.creditor)
    post_file(client, stand(range(1, 6)))
    response = post_file(client, stand(range(1, 6)))
    assert response.status_code == 202
    assert response.json()["status"] == "afgewezen"
    assert response.json()["verslag"]["weigering"]["codes"] == ["LEVERING_DUBBEL"]


def test_missing_file_is_400(world, households, api):
    response = api(world.creditor).post(URL, {"peildatum": "2026-11-01"}, format="multipart")
    assert response.status_code == 400


def test_request_beyond_the_size_limit_is_413(world, households, api, settings):
    settings.MAX_DELIVERY_BYTES = 10
    response = api(world.creditor).post(
        URL, b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["codes"] == ["BESTAND_TE_GROOT"]


def test_confirm_applies_a_held_stand(world, households, api):
    client = api(world.creditor)
    post_file(client, stand(range(1, 11)))
    held = post_file(client, stand(range(1, 3)), peildatum="2026-11-08").json()
    assert held["status"] == "wacht_op_bevestiging"
    assert held["bevestig_url"].endswith(f"/{held['id']}/bevestig/")
    response = client.post(held["bevestig_url"])
    assert response.status_code == 202
    assert client.get(held["status_url"]).json()["status"] == "verwerkt"
    assert client.post(held["bevestig_url"]).status_code == 409


def test_report_of_a_confirmed_stand_says_it_was_held_and_confirmed_with_which_key(
    world, households, api
):
    client = api(world.creditor)
    post_file(client, stand(range(1, 11)))
    held = post_file(client, stand(range(1, 3)), peildatum="2026-11-08").json()
    assert "bevestigd_op" not in held["verslag"]["veiligheidscontrole"]
    client.post(held["bevestig_url"])

    check = client.get(held["status_url"]).json()["verslag"]["veiligheidscontrole"]
    key = ApiKey.objects.get(creditor=world.creditor)
    assert check["open_achterstanden"] == 10 and check["af_te_melden"] == 8  # as when it was held
    assert check["bevestigd_via"] == "api" and check["bevestigd_door"] == key.prefix
    confirmed = Delivery.objects.get(pk=held["id"]).confirmed_at
    assert dt.datetime.fromisoformat(check["bevestigd_op"]) == confirmed


def test_key_of_creditor_x_cannot_read_or_confirm_deliveries_of_y(world, households, api):
    theirs = post_file(api(world.other_creditor), stand(range(1, 4))).json()["id"]
    mine = api(world.creditor)
    assert mine.get(f"{URL}{theirs}/").status_code == 404
    assert mine.get(f"{URL}{theirs}/fouten/").status_code == 404
    assert mine.get(f"{URL}{theirs}/fouten/", HTTP_ACCEPT="text/csv").status_code == 404
    assert mine.post(f"{URL}{theirs}/bevestig/").status_code == 404


def test_revoked_key_is_refused(world, households):
    key, text = services.create_api_key(world.creditor, "Oud", world.user)
    services.revoke_api_key(key, world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert post_file(client, stand(range(1, 4))).status_code == 401
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    "header", ["", "Token", "Token nietsgeheims", "Token abc.def", "Bearer x.y"]
)
def test_missing_or_wrong_key_is_refused(world, households, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(f"{URL}1/").status_code == 401


def test_a_wrong_secret_with_a_real_prefix_is_refused(world, households):
    key, text = services.create_api_key(world.creditor, "Echt", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key.prefix}.{'x' * 43}")
    assert client.get(f"{URL}1/").status_code == 401


def test_key_is_stored_hashed_and_its_use_noted(world, households, api):
    key, text = services.create_api_key(world.creditor, "Hash", world.user)
    stored = ApiKey.objects.get(pk=key.pk)
    assert text.split(".", 1)[1] not in str(stored.__dict__)
    assert stored.last_used_at is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    client.get(f"{URL}1/")
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_session_users_do_not_use_the_api(world, households, verified_client):
    client = verified_client(world.user)
    assert client.get(f"{URL}1/").status_code == 401


def test_schema_is_served(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/deliveries/{delivery_id}/fouten/" in response.content
