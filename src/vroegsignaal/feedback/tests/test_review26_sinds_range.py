"""``sinds`` as a date far in the past or future is a 400 naming the accepted range, not a 500.

``?sinds=0001-01-01`` and ``?sinds=9999-12-31T23:59:59-05:00`` overflowed the time zone
conversion of the query (OverflowError, Django's HTML error page).
"""

from __future__ import annotations

import pytest

URL = "/api/v1/feedback/"

OUT_OF_RANGE = (
    "De datum bij 'sinds' moet tussen 1900-01-01 en 2999-12-31 liggen. Geef een datum of tijdstip in "
    "ISO 8601, zoals 2026-11-01 of 2026-11-01T09:00:00%2B01:00 (een + schrijft u in een URL als %2B), "
    "of het id van de laatst ontvangen gebeurtenis (het 'volgende' van het vorige antwoord)."
)


@pytest.mark.parametrize(
    "sinds",
    [
        "0001-01-01",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31",
        "0001-01-01T00:00:00+14:00",
        "1899-12-31T23:59:59",
        "3000-01-01",
    ],
)
def test_a_sinds_date_outside_1900_to_2999_is_a_400_naming_the_range(world, api, sinds):
    client = api("WOONBRUG")
    response = client.get(URL, {"sinds": sinds})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"melding": OUT_OF_RANGE}


@pytest.mark.parametrize(
    "sinds", ["1900-01-01", "1970-01-01T00:00:00Z", "2999-12-31T23:59:59-05:00", "2999-12-31"]
)
def test_a_sinds_date_at_the_edges_of_the_range_is_read(world, api, sinds):
    response = api("WOONBRUG").get(URL, {"sinds": sinds})
    assert response.status_code == 200, response.content
    assert response.json()["terugkoppeling"] == []
