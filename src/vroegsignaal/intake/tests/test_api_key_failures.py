"""Refused API keys are counted per address: beyond the limit 429, and a valid key still works.

DRF authenticates before it throttles, so the per-key limits never see a wrong
key; the authentication class counts those itself (throttling.ApiKeyFailures).
A request without a key tries nothing and is not counted (test_review26_api_key_failures.py).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from vroegsignaal.intake import services
from vroegsignaal.privacy.models import AuditAction, AuditEvent

from .support import stand
from .test_api import api, post_file  # noqa: F401 - the fixture

READ = "/api/v1/feedback/"
GUESSER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def limit(settings) -> int:
    settings.API_KEY_FAILURES_PER_ADDRESS = 3
    settings.API_KEY_FAILURE_WINDOW = 600
    return 3


def guess(attempt: str = "geraden", *, prefix: str = "0123456789ab", address: str = GUESSER):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {prefix}.{attempt}")
    return client.get(READ, REMOTE_ADDR=address)


def failed_logins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED))


def test_wrong_keys_beyond_the_limit_get_429_and_a_good_key_elsewhere_still_works(
    world,
    households,
    api,  # noqa: F811
    limit,
):
    assert [guess(f"poging-{n}").status_code for n in range(limit)] == [401] * limit
    refused = guess("nog-een")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert refused.json() == {
        "melding": "Te veel mislukte pogingen met een API-sleutel vanaf dit adres; "
        f"probeer het over {refused['Retry-After']} seconden opnieuw."
    }
    # A valid key from another address is not affected ...
    good = api(world.creditor)
    assert good.get(READ, REMOTE_ADDR=ELSEWHERE).status_code == 200
    delivered = post_file(good, stand(range(1, 4)))  # REMOTE_ADDR 127.0.0.1
    assert delivered.status_code == 202, delivered.content
    # ... and from the guessing address neither: the key is checked first (a shared NAT must not
    # lock every creditor behind it out; a 256-bit secret is not found by guessing anyway).
    assert good.get(READ, REMOTE_ADDR=GUESSER).status_code == 200
    assert guess("nog-een-keer").status_code == 429


def test_requests_without_a_key_are_not_counted(world, limit):
    client = APIClient()
    assert [client.get(READ, REMOTE_ADDR=GUESSER).status_code for _ in range(limit + 2)] == [
        401
    ] * (limit + 2)
    assert client.post("/api/v1/deliveries/", {}, REMOTE_ADDR=GUESSER).status_code == 401
    # No key was tried, so there is nothing to audit, and a wrong key is still the first failure.
    assert failed_logins() == []
    assert guess().status_code == 401


def test_a_revoked_key_counts_as_a_failure(world, limit):
    key, text = services.create_api_key(world.creditor, "Oud systeem", world.user)
    services.revoke_api_key(key, world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert [client.get(READ, REMOTE_ADDR=GUESSER).status_code for _ in range(limit + 1)] == [
        401
    ] * limit + [429]


def test_a_forged_forwarded_for_header_does_not_make_a_new_address(world, limit):
    codes = [
        APIClient(HTTP_AUTHORIZATION="Token 0123456789ab.geraden")
        .get(READ, REMOTE_ADDR=GUESSER, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        .status_code
        for n in range(limit + 1)
    ]
    assert codes == [401] * limit + [429]


def test_the_failure_is_audited_once_per_address_and_window_by_prefix_only(world, limit):
    for n in range(limit + 2):
        guess(f"geheim-deel-{n}")
    guess("ander-geheim", prefix="abcdefabcdef", address=ELSEWHERE)
    events = failed_logins()
    assert len(events) == 2  # one per address, however many attempts
    by_address = {event.ip_address: event for event in events}
    first = by_address[GUESSER]
    assert first.actor_username == "api-0123456789ab"
    assert first.object_type == "intake.apikey"
    assert first.details == {"voorvoegsel": "0123456789ab", "reden": "onbekend of ingetrokken"}
    assert by_address[ELSEWHERE].details["voorvoegsel"] == "abcdefabcdef"
    stored = repr([(e.actor_username, e.purpose, e.details) for e in events])
    assert "geheim" not in stored


def test_a_key_without_a_recognisable_prefix_is_audited_without_any_of_it(world, limit):
    APIClient(HTTP_AUTHORIZATION="Token ditishelemaalgeheim").get(READ, REMOTE_ADDR=GUESSER)
    [event] = failed_logins()
    assert event.details["voorvoegsel"] == "" and event.actor_username == "api"
    assert "geheim" not in repr(event.details)


def test_the_window_ends(world, limit, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(
        "vroegsignaal.intake.throttling.ApiKeyFailures.timer", staticmethod(lambda: now[0])
    )
    for _ in range(limit):
        guess()
    assert guess().status_code == 429
    now[0] += 601
    assert guess().status_code == 401


def test_zero_switches_the_failure_limit_off(world, settings):
    settings.API_KEY_FAILURES_PER_ADDRESS = 0
    assert {guess(f"poging-{n}").status_code for n in range(30)} == {401}
