"""A multipart delivery with a very long file name (review 26, item 4).

Django reads the headers of each part of a multipart body within 1024 bytes; a file name of about
a thousand characters passes that, and the answer was "Stuur een levering als multipart/form-data…"
to a request that was multipart. Now it says the file name is too long; a long name that fits is
taken (cut to 255 characters, as Django does).
"""

from __future__ import annotations

from vroegsignaal.intake.models import Delivery

from .support import stand
from .test_api import URL, api  # noqa: F401 - the fixture

BOUNDARY = "vroegsignaal-grens-26"


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written out by hand: the test client cuts a file name to 255 characters."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("peildatum", "2026-11-01"), ("soort", "stand"))
    ]
    parts.append(
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def test_a_file_name_of_a_thousand_characters_is_refused_saying_the_name_is_too_long(
    world,
    households,
    api,  # noqa: F811
):
    body, content_type = multipart("a" * 996 + ".csv", stand(range(1, 4)))
    response = api(world.creditor).post(URL, body, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "melding": "De bestandsnaam is te lang: de kopregels van een deel van het multipart-verzoek "
        "(met de veldnaam en de bestandsnaam) mogen samen hoogstens 1024 bytes zijn. Geef het "
        "bestand een kortere naam, zoals levering.csv.",
        "velden": {
            "file": [
                "De bestandsnaam is te lang (hoogstens 1024 bytes met de andere kopregels van het deel)."
            ]
        },
    }
    assert not Delivery.objects.exists()


def test_a_long_file_name_that_fits_is_taken_cut_to_255_characters(world, households, api):  # noqa: F811
    name = "levering-" + "x" * 600 + ".csv"
    body, content_type = multipart(name, stand(range(1, 4)))
    response = api(world.creditor).post(URL, body, content_type=content_type)
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get()
    assert delivery.status == "verwerkt"
    assert len(delivery.filename) == 255 and delivery.filename.endswith(".csv")
