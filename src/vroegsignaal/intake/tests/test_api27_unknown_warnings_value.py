"""``GET …/fouten/?waarschuwingen=<value>``: an unknown value is a 400 naming the accepted values,
not a silent "no" (review 27).

``waarschuwingen=yes``, ``=j`` or ``=on`` gave the rejected rows without the warnings, without a
word: a creditor's system that asked for the warnings believed there were none. The accepted
spellings (``ja``/``nee``, ``1``/``0``, ``true``/``false``, in any case; empty or absent is
``nee``) keep working, in JSON and in CSV.
"""

from __future__ import annotations

import pytest

from vroegsignaal.privacy.models import AuditEvent

from .support import csv_bytes, row
from .test_api import URL, api, post_file  # noqa: F401 - the fixture

WARNINGS = (
    "Geef bij 'waarschuwingen' ja (ook de waarschuwingen: regels die wel zijn verwerkt) of nee "
    "(alleen de afgewezen regels, standaard); 1 en 0 of true en false mogen ook."
)


@pytest.fixture
def fouten(world, households, api):  # noqa: F811
    """A client and the rejected rows URL of its delivery with one rejected row and one warning."""
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 5)] + [row(5, postcode="0000AA"), row(6, telefoonnummer="12")]
    delivery_id = post_file(client, csv_bytes(rows)).json()["id"]
    return client, f"{URL}{delivery_id}/fouten/"


def reads() -> int:
    return AuditEvent.objects.filter(object_type="intake.delivery", action="view").count()


@pytest.mark.parametrize("value", ["yes", "j", "on", "nein", "2", "ja ", "waar", "ja,nee"])
def test_an_unknown_warnings_value_is_a_400_naming_the_accepted_values(fouten, value):
    client, url = fouten
    before = reads()
    response = client.get(url, {"waarschuwingen": value})
    assert response.status_code == 400, response.content
    assert response.json() == {
        "melding": f"Het verzoek is onjuist. waarschuwingen: {WARNINGS}",
        "velden": {"waarschuwingen": [WARNINGS]},
    }
    assert reads() == before  # nothing was read


def test_an_unknown_warnings_value_is_a_400_in_csv_too(fouten):
    client, url = fouten
    before = reads()
    response = client.get(url, {"waarschuwingen": "yes"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response.content.decode("utf-8") == f"Het verzoek is onjuist. waarschuwingen: {WARNINGS}"
    assert reads() == before


@pytest.mark.parametrize(
    ("value", "with_warnings"),
    [
        ("ja", True),
        ("JA", True),
        ("Ja", True),
        ("1", True),
        ("true", True),
        ("True", True),
        ("nee", False),
        ("NEE", False),
        ("0", False),
        ("false", False),
        ("", False),
        (None, False),
    ],
)
def test_the_accepted_warnings_values_keep_working(fouten, value, with_warnings):
    client, url = fouten
    query = {} if value is None else {"waarschuwingen": value}
    expected = (
        ["POSTCODE_ONGELDIG", "TELEFOON_ONGELDIG"] if with_warnings else ["POSTCODE_ONGELDIG"]
    )
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    assert [r["code"] for r in response.json()["results"]] == expected
    as_csv = client.get(url, query, HTTP_ACCEPT="text/csv")
    assert as_csv.status_code == 200
    lines = b"".join(as_csv.streaming_content).decode("utf-8").splitlines()[1:]
    assert [line.split(";")[3] for line in lines] == expected
