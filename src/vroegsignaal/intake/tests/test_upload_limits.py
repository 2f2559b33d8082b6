"""Only a delivery reaches the disk, and no more of it than MAX_DELIVERY_BYTES (intake/uploads.py).

Django's CSRF check reads ``request.POST`` on every POST, so a multipart body is
parsed (and a file larger than the memory handler's limit written to the
incoming folder) before any view or log-in check runs. The sealing upload
handler refuses it unless the request is a delivery by someone allowed to make one.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from conftest import login_verified
from tests.factories import UserFactory
from vroegsignaal.intake import sealing, services, uploads
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import Role

from .support import stand

MB = 1024 * 1024


@pytest.fixture
def written(monkeypatch) -> dict:
    """What the sealing handler opened in the incoming folder, and how many plaintext bytes it sealed."""
    seen = {"opened": [], "bytes": 0}
    open_private = uploads.open_private
    write = sealing.SealedWriter.write

    def opening(path, *args, **kwargs):
        seen["opened"].append(path)
        return open_private(path, *args, **kwargs)

    def writing(self, data):
        seen["bytes"] += len(data)
        return write(self, data)

    monkeypatch.setattr(uploads, "open_private", opening)
    monkeypatch.setattr(sealing.SealedWriter, "write", writing)
    return seen


def incoming() -> list[str]:
    return sorted(p.name for p in services.incoming_dir().iterdir())


def big_file(size: int, name="levering.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="text/csv")


@pytest.mark.parametrize(
    "path", ["/account/login/", "/health/", "/leveringen/nieuw/", "/api/v1/deliveries/"]
)
def test_an_anonymous_multipart_post_writes_nothing_to_the_incoming_folder(
    world, written, settings, path
):
    # Past the memory handler (FILE_UPLOAD_MAX_MEMORY_SIZE, 5 MiB): before the fix, sealed to disk.
    client = Client(enforce_csrf_checks=True)  # the CSRF check is what reads the body first
    client.get("/account/login/")  # anyone gets a CSRF cookie; without one the body is not read
    assert client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(path, {"username": "iemand", "file": big_file(6 * MB)})
    assert response.status_code in (302, 401, 403, 405)
    assert written["opened"] == [] and written["bytes"] == 0
    assert incoming() == []


def test_a_logged_in_user_who_may_not_deliver_writes_nothing(world, written, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.voorbeeldstad)
    client = login_verified(Client(enforce_csrf_checks=True), coordinator)
    client.get("/leveringen/")  # a CSRF cookie
    response = client.post(
        "/leveringen/nieuw/",
        {
            "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
            "file": big_file(5000),
        },
    )
    assert response.status_code == 403
    assert written["opened"] == [] and incoming() == []


def test_a_creditor_posting_a_file_elsewhere_writes_nothing(world, written, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    client = login_verified(Client(), world.user)
    client.post("/leveringen/kolommen/", {"file": big_file(5000)})
    assert written["opened"] == [] and incoming() == []


def test_a_bad_api_key_writes_nothing(world, written, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789ab.geen-geheim")
    response = client.post("/api/v1/deliveries/", {"file": big_file(5000)}, format="multipart")
    assert response.status_code == 401
    assert written["opened"] == [] and incoming() == []


@pytest.fixture
def creditor_client(world, settings):
    client = login_verified(Client(enforce_csrf_checks=True), world.user)
    client.get("/leveringen/nieuw/")  # a CSRF cookie

    def post(file, **fields):
        data = {
            "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
            "peildatum": "2026-11-01",
            "soort": "stand",
            "file": file,
            **fields,
        }
        return client.post("/leveringen/nieuw/", data)

    client.post_upload = post
    return client


def test_a_creditors_file_over_the_limit_stops_at_the_limit_and_shows_the_error(
    world, written, settings, creditor_client
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.MAX_DELIVERY_BYTES = 200_000
    response = creditor_client.post_upload(big_file(600_000))  # within the envelope: read, not kept
    assert response.status_code == 200
    assert "Het bestand is groter dan de toegestane 195,3 KiB." in response.content.decode()
    assert written["bytes"] <= 200_000  # stopped once the running total passed the limit
    assert incoming() == []
    assert "intake_upload" not in creditor_client.session


def test_a_creditors_request_beyond_limit_and_envelope_is_not_written_at_all(
    world, written, settings, creditor_client
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.MAX_DELIVERY_BYTES = 1000
    response = creditor_client.post_upload(big_file(2 * MB))
    assert response.status_code == 200
    assert "Het bestand is groter dan de toegestane 1000 bytes." in response.content.decode()
    assert written["opened"] == [] and incoming() == []


def test_a_creditors_large_upload_within_the_limit_still_works(
    world, households, written, settings, creditor_client
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    content = stand(range(1, 6))
    response = creditor_client.post_upload(SimpleUploadedFile("levering.csv", content))
    assert response.status_code == 302 and response["Location"] == "/leveringen/nieuw/voorbeeld/"
    assert len(written["opened"]) == 1 and written["bytes"] >= len(content)
    # The sealed upload went with the request; the preview's staged file is left.
    [left] = incoming()
    assert not left.startswith(uploads.UPLOAD_PREFIX)


def test_an_api_file_over_the_limit_is_413_and_nothing_is_kept(
    world, households, written, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.MAX_DELIVERY_BYTES = 200_000
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    response = client.post(
        "/api/v1/deliveries/",
        {"file": big_file(600_000), "peildatum": "2026-11-01", "soort": "stand"},
        format="multipart",
    )
    assert response.status_code == 413, response.content
    assert response.json()["codes"] == ["BESTAND_TE_GROOT"]
    assert written["bytes"] <= 200_000
    assert incoming() == [] and not Delivery.objects.exists()
