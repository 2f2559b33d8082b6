"""The per-key limits (``API_REQUESTS_PER_MINUTE``, ``API_DELIVERIES_PER_HOUR``) are counted
atomically (review 27).

DRF's throttles read a key's history from the cache, decide, and write it back without a lock:
a key's parallel requests (several gunicorn workers) each read the same history and all passed,
so a key could pass its limit by a few. They now count under the lock the wrong-key count uses
(``throttling._counting_lock``), and N parallel requests of one key give exactly the limit.
"""

from __future__ import annotations

import multiprocessing
import threading
from types import SimpleNamespace

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache

from vroegsignaal.intake.throttling import ApiKeyThrottle, DeliveryThrottle

from .test_review26_api_key_failures import _slow_reads

LIMIT = 10
PARALLEL = 40


@pytest.fixture
def limits(settings) -> None:
    settings.API_REQUESTS_PER_MINUTE = LIMIT
    settings.API_DELIVERIES_PER_HOUR = LIMIT


def _request(method: str = "GET", key_id: int = 7):
    """What the throttles look at: the request's method and its key (``request.auth``)."""
    return SimpleNamespace(method=method, auth=SimpleNamespace(pk=key_id), META={})


THROTTLES = [(ApiKeyThrottle, "GET"), (DeliveryThrottle, "POST")]


def _allowed(throttle_class, method: str) -> bool:
    # A new throttle per request, as DRF makes one for each request.
    return throttle_class().allow_request(_request(method), view=None)


@pytest.mark.parametrize(("throttle_class", "method"), THROTTLES)
def test_parallel_requests_of_one_key_get_exactly_the_limit(
    limits, monkeypatch, throttle_class, method
):
    _slow_reads(monkeypatch, LocMemCache)
    start = threading.Barrier(PARALLEL)
    allowed: list[bool] = []

    def one() -> None:
        start.wait()
        allowed.append(_allowed(throttle_class, method))

    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == LIMIT
    assert len(allowed) == PARALLEL


def _requests_in_a_process(throttle_class, method: str, count: int, start, results) -> None:
    start.wait()
    results.put([_allowed(throttle_class, method) for _ in range(count)])


@pytest.mark.parametrize(("throttle_class", "method"), THROTTLES)
def test_requests_of_one_key_from_several_worker_processes_get_exactly_the_limit(
    limits, monkeypatch, settings, tmp_path, throttle_class, method
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
        context.Process(
            target=_requests_in_a_process, args=(throttle_class, method, 5, start, results)
        )
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    allowed = [answer for _ in workers for answer in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert allowed.count(True) == LIMIT
    assert len(allowed) == PARALLEL


def test_keys_are_still_counted_apart_and_a_status_request_is_no_new_delivery(limits):
    assert all(_allowed(ApiKeyThrottle, "GET") for _ in range(LIMIT))
    assert not _allowed(ApiKeyThrottle, "GET")
    other_key = ApiKeyThrottle().allow_request(_request(key_id=8), view=None)
    assert other_key
    # GETs of a key never use up its deliveries.
    assert all(_allowed(DeliveryThrottle, "GET") for _ in range(2 * LIMIT))
    assert all(_allowed(DeliveryThrottle, "POST") for _ in range(LIMIT))
    assert not _allowed(DeliveryThrottle, "POST")
