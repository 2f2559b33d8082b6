"""Refused API keys of one address must not lock out a valid key, and are counted atomically
(review 26, item 6).

Forty parallel requests with wrong keys from one address made the next request with a valid key
from that address get 429 (the check ran before the key was looked at), requests without any
key counted too, and the count lost updates (17 of 40 parallel wrong keys got a 401 where 10
were allowed): anyone behind a shared NAT could block every creditor's integration there.
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.test import APIClient

from vroegsignaal.intake.authentication import ApiKeyAuthentication
from vroegsignaal.privacy.models import AuditAction, AuditEvent

from .support import stand
from .test_api import api, post_file  # noqa: F401 - the fixture

READ = "/api/v1/feedback/"
SHARED_NAT = "203.0.113.50"


@pytest.fixture
def limit(settings) -> int:
    settings.API_KEY_FAILURES_PER_ADDRESS = 10
    settings.API_KEY_FAILURE_WINDOW = 900
    return 10


def wrong_key(n: int = 0, *, address: str = SHARED_NAT):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token 0123456789ab.fout-{n}")
    return client.get(READ, REMOTE_ADDR=address)


def test_a_valid_key_works_from_an_address_locked_out_by_wrong_keys(
    world,
    households,
    api,  # noqa: F811
    limit,
):
    assert {wrong_key(n).status_code for n in range(40)} == {401, 429}
    locked_out = wrong_key(99)
    assert locked_out.status_code == 429
    assert locked_out.json()["melding"].startswith(
        "Te veel mislukte pogingen met een API-sleutel vanaf dit adres; probeer het over "
    )
    good = api(world.creditor)
    assert good.get(READ, REMOTE_ADDR=SHARED_NAT).status_code == 200
    delivered = post_file(good, stand(range(1, 4)))
    assert delivered.status_code == 202, delivered.content
    assert good.get(delivered.json()["status_url"], REMOTE_ADDR=SHARED_NAT).status_code == 200
    # The wrong keys stay locked out: the valid key's requests do not reset the count.
    assert wrong_key(100).status_code == 429


def test_requests_without_a_key_do_not_count_towards_the_lock_out(world, limit):
    anonymous = APIClient()
    bearer = APIClient(HTTP_AUTHORIZATION="Bearer iets-anders")
    codes = {anonymous.get(READ, REMOTE_ADDR=SHARED_NAT).status_code for _ in range(30)}
    codes |= {bearer.get(READ, REMOTE_ADDR=SHARED_NAT).status_code for _ in range(30)}
    assert codes == {401}
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    # A wrong key after all of them is the address's first failure: 401, not 429.
    assert [wrong_key(n).status_code for n in range(limit + 1)] == [401] * limit + [429]


def test_a_malformed_token_header_counts_as_a_refused_key(world, limit):
    client = APIClient(HTTP_AUTHORIZATION="Token twee delen")
    codes = [client.get(READ, REMOTE_ADDR=SHARED_NAT).status_code for _ in range(limit + 1)]
    assert codes == [401] * limit + [429]


def _slow_reads(monkeypatch, backend) -> None:
    """Every cache read takes a little while, as on a busy disk: a read-then-write count loses updates."""
    read = backend.get

    def slow_get(self, *args, **kwargs):
        value = read(self, *args, **kwargs)
        time.sleep(0.003)
        return value

    monkeypatch.setattr(backend, "get", slow_get)


def _attempt(address: str = SHARED_NAT) -> int:
    """One refused key through the authentication class: 401 or 429."""
    request = RequestFactory().get(
        READ, HTTP_AUTHORIZATION="Token 0123456789ab.fout", REMOTE_ADDR=address
    )
    try:
        ApiKeyAuthentication().authenticate(request)
    except exceptions.Throttled:
        return 429
    except exceptions.AuthenticationFailed:
        return 401
    return 200


@pytest.fixture
def without_database(monkeypatch):
    """Every key is wrong and nothing is audited, so that threads and processes need no database."""
    monkeypatch.setattr("vroegsignaal.intake.services.authenticate_api_key", lambda text: None)
    monkeypatch.setattr("vroegsignaal.privacy.services.record", lambda *args, **kwargs: None)


def test_forty_parallel_wrong_keys_get_exactly_the_limit_of_401s(
    limit, without_database, monkeypatch
):
    _slow_reads(monkeypatch, LocMemCache)
    start = threading.Barrier(40)
    codes: list[int] = []

    def one() -> None:
        start.wait()
        codes.append(_attempt())

    threads = [threading.Thread(target=one) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [401] * limit + [429] * (40 - limit)


def _attempts_in_a_process(count: int, start, results) -> None:
    start.wait()
    results.put([_attempt() for _ in range(count)])


def test_wrong_keys_from_several_worker_processes_are_counted_exactly(
    limit, without_database, monkeypatch, settings, tmp_path
):
    """gunicorn's workers share Django's file cache (production): the count holds across processes."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    _slow_reads(monkeypatch, FileBasedCache)
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(8), context.Queue()
    workers = [
        context.Process(target=_attempts_in_a_process, args=(5, start, results)) for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    codes = [code for _ in workers for code in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(codes) == [401] * limit + [429] * (40 - limit)
