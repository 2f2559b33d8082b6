"""The staged delivery file is encrypted at rest and decrypted in memory only (sealing.py)."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vroegsignaal.intake import sealing, services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.privacy import crypto

from .support import PEILDATUM, csv_bytes, row

S = DeliveryStatus
OLD_KEY = "oud:" + base64.b64encode(b"o" * 32).decode()
NEW_KEY = "nieuw:" + base64.b64encode(b"n" * 32).decode()
PLAINTEXT_MARKERS = (
    b"klantnummer;",
    b"achternaam",
    b"Jansen",
    b"Pietersen",
    b"K-00001",
    b"1980-05-17",
    b"1234AB",
)


def content() -> bytes:
    rows = [row(n) for n in range(1, 11)] + [row(11, achternaam="Pietersen")]
    return csv_bytes(rows)


def stage_and_wait(world, data: bytes) -> Delivery:
    return services.receive_delivery(
        world.creditor,
        data,
        filename="levering.csv",
        reference_date=PEILDATUM,
        via=Via.API,
        background=True,
    )


def staged_path(delivery: Delivery):
    return services.incoming_dir() / delivery.staged_name


def test_a_waiting_delivery_is_staged_without_any_of_its_plaintext(world, households, queued):
    data = content()
    delivery = stage_and_wait(world, data)
    assert delivery.status == S.ONTVANGEN and queued == [delivery.pk]
    on_disk = staged_path(delivery).read_bytes()
    assert on_disk.startswith(sealing.MAGIC)
    assert [marker for marker in PLAINTEXT_MARKERS if marker in on_disk] == []
    assert len(on_disk) > len(data)  # header, lengths and tags
    # The plaintext is the file, byte for byte; the hash is of the plaintext.
    assert services.read_staged(staged_path(delivery)) == data
    import hashlib

    assert delivery.sha256 == hashlib.sha256(data).hexdigest()
    assert delivery.size_bytes == len(data)


def test_an_encrypted_staged_delivery_gives_the_same_result_as_before(
    world, households, queued, monkeypatch
):
    applied: list = []
    original = households.apply_rows

    def spy(delivery, rows, **kwargs):
        applied.append(rows)
        return original(delivery, rows, **kwargs)

    monkeypatch.setattr(households, "apply_rows", spy)
    delivery = services.process_delivery(stage_and_wait(world, content()).pk)
    assert delivery.status == S.VERWERKT
    assert (delivery.rows_received, delivery.rows_accepted, delivery.rows_rejected) == (11, 11, 0)
    assert delivery.arrears_new == 11
    assert delivery.report["gerouteerd_per_gemeente"] == [
        {"gemeentecode": "0999", "gemeente": "Voorbeeldstad", "regels": 11}
    ]
    [rows] = applied
    assert sorted(set(rows.get_column("achternaam"))) == ["Jansen", "Pietersen"]
    assert rows.get_column("klantnummer").sort().to_list() == [f"K-{n:05d}" for n in range(1, 12)]
    assert list(services.incoming_dir().iterdir()) == []


def test_the_upload_pages_stage_the_preview_encrypted(world, households, verified_client, queued):
    client = verified_client(world.user)
    client.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("levering.csv", content()),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    [preview_file] = list(services.incoming_dir().iterdir())
    assert [m for m in PLAINTEXT_MARKERS if m in preview_file.read_bytes()] == []
    assert "K-00001" in client.get("/leveringen/nieuw/voorbeeld/").content.decode()

    client.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    [staged] = list(services.incoming_dir().iterdir())
    assert staged.name == delivery.staged_name
    assert [m for m in PLAINTEXT_MARKERS if m in staged.read_bytes()] == []
    assert services.process_delivery(delivery.pk).rows_accepted == 11


def test_a_key_rotated_between_staging_and_processing_still_opens_the_file(
    world, households, queued, settings
):
    settings.ENCRYPTION_KEYS = OLD_KEY
    delivery = stage_and_wait(world, content())
    header = staged_path(delivery).read_bytes()[: len(sealing.MAGIC) + 1 + len("oud")]
    assert header.endswith(b"oud")  # the key id travels with the file
    settings.ENCRYPTION_KEYS = f"{NEW_KEY},{OLD_KEY}"
    assert services.process_delivery(delivery.pk).status == S.VERWERKT


def test_without_the_staging_key_processing_breaks_off_and_says_which_key(
    world, households, queued, settings
):
    settings.ENCRYPTION_KEYS = OLD_KEY
    delivery = stage_and_wait(world, content())
    settings.ENCRYPTION_KEYS = NEW_KEY
    with pytest.raises(sealing.SealedFileError) as raised:
        services.process_delivery(delivery.pk)
    assert "'oud'" in str(raised.value) and "Jansen" not in str(raised.value)
    delivery.refresh_from_db()
    assert delivery.status == S.IN_BEHANDELING and delivery.report["storing"]
    settings.ENCRYPTION_KEYS = f"{NEW_KEY},{OLD_KEY}"  # the old key put back
    assert services.reprocess_delivery(delivery, background=False).status == S.VERWERKT


@pytest.mark.parametrize(
    "size", [0, 1, sealing.CHUNK - 1, sealing.CHUNK, sealing.CHUNK + 1, 2 * sealing.CHUNK + 17]
)
def test_sealing_round_trips_any_size_and_any_write_pattern(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "f"
    with path.open("wb") as out:
        writer = sealing.SealedWriter(out)
        view = memoryview(data)
        step = 1
        while view:
            writer.write(bytes(view[:step]))
            view = view[step:]
            step = step * 3 + 1
        writer.close()
    assert sealing.read_plaintext(path) == data
    assert sealing.read_plaintext(path, limit=100) == data[:100]


def sealed_file(tmp_path, data: bytes):
    path = tmp_path / "f"
    with path.open("wb") as out:
        writer = sealing.SealedWriter(out)
        writer.write(data)
        writer.close()
    return path


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="a byte changed"),
        pytest.param(lambda b: b[: len(b) // 2], id="cut short"),
        pytest.param(lambda b: b + b"extra", id="bytes after the end"),
        pytest.param(
            lambda b: b[: len(sealing.MAGIC) + 5] + b"x" + b[len(sealing.MAGIC) + 6 :],
            id="header changed",
        ),
    ],
)
def test_a_changed_or_cut_staged_file_is_not_read(tmp_path, damage):
    path = sealed_file(tmp_path, b"klantnummer;achternaam\n" * 100_000)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(crypto.DecryptionError) as raised:
        sealing.read_plaintext(path)
    assert "achternaam" not in str(raised.value)


def test_a_file_ending_after_a_full_chunk_without_its_last_chunk_is_refused(tmp_path):
    path = sealed_file(tmp_path, b"x" * (sealing.CHUNK + 10))
    raw = path.read_bytes()
    header = len(sealing.MAGIC) + 1 + len(crypto.current_key_id()) + 12 + 48
    first = header + 4 + sealing.CHUNK + sealing.TAG
    path.write_bytes(raw[:first])  # the first (not last) chunk only
    with pytest.raises(sealing.SealedFileError, match="afgebroken"):
        sealing.read_plaintext(path)


def test_a_file_staged_before_sealing_existed_is_still_read(tmp_path):
    path = tmp_path / "oud.csv"
    path.write_bytes(b"klantnummer;achternaam\nK-1;Jansen\n")
    assert sealing.read_plaintext(path) == b"klantnummer;achternaam\nK-1;Jansen\n"


def test_staging_stops_and_keeps_nothing_beyond_the_size_limit(world, settings):
    settings.MAX_DELIVERY_BYTES = 1000
    staged = services.stage_file(io.BytesIO(b"x" * 5000))
    assert staged.too_big and list(services.incoming_dir().iterdir()) == []


def test_deliveries_are_staged_in_the_configured_incoming_folder(
    world, households, queued, settings, tmp_path
):
    # On several machines web servers stage and workers process through one shared folder.
    settings.INCOMING_DIR = tmp_path / "gedeeld"
    delivery = stage_and_wait(world, content())
    assert [p.name for p in (tmp_path / "gedeeld").iterdir()] == [delivery.staged_name]
    processed = services.process_delivery(delivery.pk)
    assert processed.status == S.VERWERKT
    assert list((tmp_path / "gedeeld").iterdir()) == []


@pytest.fixture
def sealed_uploads(settings, monkeypatch) -> list[bytes]:
    """Every upload goes past the memory handler; what the sealing handler wrote is kept here.

    Django's own temporary-file upload (plaintext in /tmp) must never be made.
    """
    from django.core.files import uploadedfile

    from vroegsignaal.intake import uploads

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    written: list[bytes] = []
    complete = uploads.SealedFileUploadHandler.file_complete

    def keep(self, file_size):
        uploaded = complete(self, file_size)
        written.append(uploaded.sealed_path.read_bytes())
        return uploaded

    def refuse(*args, **kwargs):
        raise AssertionError("a plaintext temporary upload was made")

    monkeypatch.setattr(uploads.SealedFileUploadHandler, "file_complete", keep)
    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    return written


def test_a_large_upload_on_the_page_is_sealed_as_it_arrives(
    world, households, verified_client, queued, sealed_uploads
):
    client = verified_client(world.user)
    response = client.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("levering.csv", content()),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    assert response.status_code == 302
    [written] = sealed_uploads
    assert written.startswith(sealing.MAGIC)
    assert [m for m in PLAINTEXT_MARKERS if m in written] == []
    # The sealed upload went with the request; only the preview's staged file is left.
    [left] = list(services.incoming_dir().iterdir())
    assert not left.name.startswith("upload-")
    assert "K-00001" in client.get("/leveringen/nieuw/voorbeeld/").content.decode()


def test_a_large_upload_through_the_api_is_sealed_as_it_arrives(
    world, households, queued, sealed_uploads
):
    from rest_framework.test import APIClient

    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    response = client.post(
        "/api/v1/deliveries/",
        {
            "file": SimpleUploadedFile("levering.csv", content()),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    assert [m for m in PLAINTEXT_MARKERS if m in sealed_uploads[0]] == []
    delivery = Delivery.objects.get()
    assert [p.name for p in services.incoming_dir().iterdir()] == [delivery.staged_name]
    assert services.process_delivery(delivery.pk).rows_accepted == 11
