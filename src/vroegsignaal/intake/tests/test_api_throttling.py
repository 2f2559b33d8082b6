"""A creditor system that loops is slowed down per API key (429 with Retry-After), not the others."""

from __future__ import annotations

import pytest

from .support import stand
from .test_api import api, post_file  # noqa: F401 - the fixture

READ = "/api/v1/feedback/"


def test_requests_beyond_the_per_minute_limit_get_429_in_dutch(world, households, api, settings):  # noqa: F811
    settings.API_REQUESTS_PER_MINUTE = 3
    client = api(world.creditor)
    assert [client.get(READ).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(READ)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert set(body) == {"melding"}  # no delivery code: the spec's codes are about files
    assert body["melding"].startswith("Te veel verzoeken met deze API-sleutel; probeer het over ")
    # Another creditor's key is counted apart.
    assert api(world.other_creditor).get(READ).status_code == 200


def test_new_deliveries_have_their_own_hourly_limit(world, households, api, settings):  # noqa: F811
    settings.API_DELIVERIES_PER_HOUR = 2
    client = api(world.creditor)
    first = post_file(client, stand(range(1, 4)), peildatum="2026-10-01")
    second = post_file(client, stand(range(1, 5)), peildatum="2026-11-01")
    assert (first.status_code, second.status_code) == (202, 202)
    third = post_file(client, stand(range(1, 6)), peildatum="2026-11-01")
    assert third.status_code == 429 and int(third["Retry-After"]) > 60
    # Reading the status of what was delivered still works.
    assert client.get(first.json()["status_url"]).status_code == 200


@pytest.mark.parametrize("setting", ["API_REQUESTS_PER_MINUTE", "API_DELIVERIES_PER_HOUR"])
def test_zero_switches_a_limit_off(world, households, api, settings, setting):  # noqa: F811
    setattr(settings, setting, 0)
    client = api(world.creditor)
    assert {client.get(READ).status_code for _ in range(5)} == {200}
