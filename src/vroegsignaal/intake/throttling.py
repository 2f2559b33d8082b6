"""Requests per API key: a creditor system that loops cannot take the service from the others.

Two limits, both from the environment at request time (0 switches one off):
``API_REQUESTS_PER_MINUTE`` for every API request of a key, and
``API_DELIVERIES_PER_HOUR`` for new deliveries (each one is a file to parse and
apply). Counted in Django's cache: per machine when there are several, which
only makes the limit that many times looser. Over a limit the answer is 429
with ``Retry-After`` and a Dutch ``melding`` (see :func:`api_exception_handler`).
The count is atomic, as the count of failed keys below: DRF's read, decision
and write happen under :func:`_counting_lock`, so a key's parallel requests
(several gunicorn workers) get exactly its limit through.

Those count requests that carry a valid key: DRF authenticates before it
throttles, so a wrong, revoked or missing key never reaches them. Failed
attempts are counted per client address by :class:`ApiKeyFailures`, which the
authentication class itself asks (``authentication.py``) after it has looked
the key up: only a request that presents a key (``Authorization: Token …``)
that is refused counts. Beyond ``API_KEY_FAILURES_PER_ADDRESS`` in
``API_KEY_FAILURE_WINDOW`` seconds a refused key from that address gets 429
instead of 401; a valid key is never refused for the failures of others behind
the same address (a shared NAT, a proxy).
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyThrottle(SimpleRateThrottle):
    """Every request of one API key (without a key, on a view that needs none: of one address)."""

    scope = "api"
    setting = "API_REQUESTS_PER_MINUTE"
    period = "min"

    def get_rate(self) -> str | None:
        limit = getattr(settings, self.setting, 0)
        return f"{limit}/{self.period}" if limit else None

    def get_cache_key(self, request, view) -> str:
        key_id = getattr(request.auth, "pk", None)
        who = f"sleutel-{key_id}" if key_id else f"adres-{self.get_ident(request)}"
        return f"vroegsignaal:throttle:{self.scope}:{who}"

    def allow_request(self, request, view) -> bool:
        """DRF's check (read the key's history, decide, write it back), under the counting lock.

        Without the lock parallel requests of one key all read the same history and all pass.
        """
        if self.rate is None:
            return True  # the limit is off: nothing to count, no lock to wait for
        with _counting_lock():
            return super().allow_request(request, view)


class DeliveryThrottle(ApiKeyThrottle):
    """New deliveries (``POST /api/v1/deliveries/``) of one API key."""

    scope = "leveringen"
    setting = "API_DELIVERIES_PER_HOUR"
    period = "hour"

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class TooManyKeyFailures(exceptions.Throttled):
    """429 for an address with too many failed API-key attempts."""


class KeyFailure(NamedTuple):
    """What :meth:`ApiKeyFailures.fail` found."""

    wait: int | None  # seconds until the address may try again (429), or None (401)
    first: bool  # the first failure of the address in the window: audit it


class ApiKeyFailures:
    """Failed API-key attempts (a wrong, revoked or malformed key) per client address.

    The address is ``REMOTE_ADDR`` (:func:`vroegsignaal.privacy.client_ip`, as in
    the audit log), not DRF's ``get_ident``: that trusts ``X-Forwarded-For`` when
    ``NUM_PROXIES`` is not set, and a guesser would send a new one each time.
    Behind a reverse proxy, ``TRUSTED_PROXIES`` makes ``REMOTE_ADDR`` the client's
    address (``portal.proxy``); without it every client counts as the proxy. The attempts of the last
    ``API_KEY_FAILURE_WINDOW`` seconds are kept in Django's cache, as the other
    limits; ``API_KEY_FAILURES_PER_ADDRESS`` 0 switches the limit off.

    Counting is atomic: :meth:`fail` reads, decides and writes under a lock that
    holds across gunicorn's worker processes (``flock`` on a file in the file
    cache's folder, and a thread lock within a process), so forty parallel
    wrong keys give exactly ``limit`` answers 401 and the rest 429. Django's
    file cache has no atomic ``add`` or ``incr`` of its own (it reads, then
    writes), so a lock it is.
    """

    prefix = "vroegsignaal:throttle:sleutelfouten"
    timer = staticmethod(time.time)

    def __init__(self, request):
        from vroegsignaal.privacy.services import client_ip

        self.address = client_ip(request) or "onbekend"
        self.limit = int(getattr(settings, "API_KEY_FAILURES_PER_ADDRESS", 0) or 0)
        self.window = max(int(getattr(settings, "API_KEY_FAILURE_WINDOW", 0) or 0), 1)
        self.key = f"{self.prefix}:adres-{self.address}"
        self.reported_key = f"{self.prefix}:gemeld-{self.address}"

    def fail(self) -> KeyFailure:
        """Count one failed attempt of this address; say whether it is past the limit.

        The attempts of a locked-out address count too, so an address that keeps
        trying stays locked out until it stops for a window.
        """
        with _counting_lock():
            now = self.timer()
            first = cache.get(self.reported_key) is None
            if first:
                cache.set(self.reported_key, True, self.window)
            if not self.limit:
                return KeyFailure(wait=None, first=first)
            recent = [moment for moment in cache.get(self.key, []) if moment > now - self.window]
            # Newest first, at most ``limit`` kept: enough to refuse, and the oldest says until when.
            kept = [now, *recent][: self.limit]
            cache.set(self.key, kept, self.window)
        if len(recent) < self.limit:
            return KeyFailure(wait=None, first=first)
        return KeyFailure(wait=max(math.ceil(kept[-1] + self.window - now), 1), first=first)


_thread_lock = threading.Lock()


@contextmanager
def _counting_lock():
    """A lock across the threads and, with Django's file cache, the processes of this machine.

    Held by every count of this module (failed keys per address, requests per key) for a
    cache read and write only; not reentrant.
    """
    with _thread_lock:
        folder = _file_cache_folder()
        if folder is None:
            yield
            return
        folder.mkdir(parents=True, exist_ok=True)
        # Not a .djcache file: the cache's culling and clear() leave it be.
        descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


LOCK_FILE = "api-tellingen.lock"


def _file_cache_folder() -> Path | None:
    """The folder of the default cache when it is Django's file cache (production), else ``None``.

    The in-memory cache of the tests is one process's: the thread lock suffices there.
    """
    config = settings.CACHES.get("default", {})
    if config.get("BACKEND", "").endswith(".FileBasedCache") and config.get("LOCATION"):
        return Path(config["LOCATION"])
    return None


def api_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER`` (the name the settings use): :func:`.errors.api_exception_handler`,
    every error in the ``Error`` shape, the answer to too many requests included."""
    from .errors import api_exception_handler as handler

    return handler(exc, context)
