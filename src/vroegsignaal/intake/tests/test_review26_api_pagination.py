"""``limit``/``offset`` of the rejected rows: a wrong value is a 400 naming the parameter and the
accepted range (review 26, item 5).

DRF's pagination fell back to its defaults for ``limit=-5``, ``limit=abc`` or ``offset=1e3`` (another
page than asked, without a word) and passed ``offset=99999999999999999999999`` on to the query (a
500 on PostgreSQL: bigint out of range). Run this file on PostgreSQL too (scripts/with-postgres.sh).
The feedback API's ``limiet`` is checked in feedback/tests/test_api.py.
"""

from __future__ import annotations

import pytest

from vroegsignaal.privacy.models import AuditEvent

from .support import csv_bytes, row
from .test_api import URL, api, post_file  # noqa: F401 - the fixture

LIMIT = (
    "Geef bij 'limit' een geheel getal van 1 of meer: de regels per pagina (standaard 1000; meer "
    "dan 10000 geeft er 10000)."
)
OFFSET = "Geef bij 'offset' een geheel getal van 0 tot en met 1000000000: het aantal regels dat u overslaat."


@pytest.fixture
def rejected(world, households, api):  # noqa: F811
    """A client and the id of its delivery with three rejected rows."""
    client = api(world.creditor)
    rows = [row(n) for n in range(1, 5)] + [row(n, postcode="0000AA") for n in range(5, 8)]
    delivery_id = post_file(client, csv_bytes(rows)).json()["id"]
    return client, f"{URL}{delivery_id}/fouten/"


def reads() -> int:
    return AuditEvent.objects.filter(object_type="intake.delivery", action="view").count()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "-5"),
        ("limit", "abc"),
        ("limit", "0"),
        ("limit", "2.5"),
        ("limit", "1e3"),
        ("limit", "²"),
        ("offset", "1e3"),
        ("offset", "-1"),
        ("offset", "abc"),
        ("offset", "1000000001"),
        ("offset", "99999999999999999999999"),
        ("offset", "9" * 5000),
    ],
)
def test_a_wrong_limit_or_offset_is_a_400_naming_the_parameter_and_its_range(rejected, name, value):
    client, url = rejected
    text = {"limit": LIMIT, "offset": OFFSET}[name]
    before = reads()
    response = client.get(url, {name: value})
    assert response.status_code == 400, response.content
    assert response.json() == {
        "melding": f"Het verzoek is onjuist. {name}: {text}",
        "velden": {name: [text]},
    }
    assert reads() == before  # nothing was read


def test_limit_and_offset_within_the_range_page_through_the_rows(rejected):
    client, url = rejected
    first = client.get(url, {"limit": "2"}).json()
    assert first["count"] == 3 and [r["rij"] for r in first["results"]] == [6, 7]
    second = client.get(url, {"limit": "2", "offset": "2"}).json()
    assert [r["rij"] for r in second["results"]] == [8] and second["next"] is None
    # The most there may be is 1000000000 (an empty page); more than 10000 per page gives 10000.
    assert client.get(url, {"offset": "1000000000"}).json()["results"] == []
    assert len(client.get(url, {"limit": "20000"}).json()["results"]) == 3
    assert len(client.get(url, {"limit": "9" * 40}).json()["results"]) == 3
    assert client.get(url, {"limit": "", "offset": ""}).json()["count"] == 3
