"""Requests per API key: a creditor system that loops cannot take the service from the others.

Two limits, both from the environment at request time (0 switches one off):
``API_REQUESTS_PER_MINUTE`` for every API request of a key, and
``API_DELIVERIES_PER_HOUR`` for new deliveries (each one is a file to parse and
apply). Counted in Django's cache: per machine when there are several, which
only makes the limit that many times looser. Over a limit the answer is 429
with ``Retry-After`` and a Dutch ``melding`` (see :func:`api_exception_handler`).

Those count requests that carry a valid key: DRF authenticates before it
throttles, so a wrong, revoked or missing key never reaches them. Failed
attempts are counted per client address by :class:`ApiKeyFailures`, which the
authentication class itself asks (``authentication.py``): beyond
``API_KEY_FAILURES_PER_ADDRESS`` in ``API_KEY_FAILURE_WINDOW`` seconds that
address gets 429 for every API request, a valid key included, so guessing keys
from it stops.
"""

from __future__ import annotations

import math
import time

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


class DeliveryThrottle(ApiKeyThrottle):
    """New deliveries (``POST /api/v1/deliveries/``) of one API key."""

    scope = "leveringen"
    setting = "API_DELIVERIES_PER_HOUR"
    period = "hour"

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class TooManyKeyFailures(exceptions.Throttled):
    """429 for an address with too many failed API-key attempts."""


class ApiKeyFailures:
    """Failed API-key attempts (a wrong, revoked or missing key) per client address.

    The address is ``REMOTE_ADDR`` (:func:`vroegsignaal.privacy.client_ip`, as in
    the audit log), not DRF's ``get_ident``: that trusts ``X-Forwarded-For`` when
    ``NUM_PROXIES`` is not set, and a guesser would send a new one each time.
    Behind a reverse proxy, ``TRUSTED_PROXIES`` makes ``REMOTE_ADDR`` the client's
    address (``portal.proxy``); without it every client counts as the proxy. The attempts of the last
    ``API_KEY_FAILURE_WINDOW`` seconds are kept in Django's cache, as the other
    limits; ``API_KEY_FAILURES_PER_ADDRESS`` 0 switches the limit off.
    """

    prefix = "vroegsignaal:throttle:sleutelfouten"
    timer = staticmethod(time.time)

    def __init__(self, request):
        from vroegsignaal.privacy.services import client_ip

        self.address = client_ip(request) or "onbekend"
        self.limit = int(getattr(settings, "API_KEY_FAILURES_PER_ADDRESS", 0) or 0)
        self.window = max(int(getattr(settings, "API_KEY_FAILURE_WINDOW", 0) or 0), 1)
        self.key = f"{self.prefix}:adres-{self.address}"

    def _recent(self, now: float) -> list[float]:
        return [moment for moment in cache.get(self.key, []) if moment > now - self.window]

    def check(self) -> None:
        """Raise :class:`TooManyKeyFailures` when this address has used up its failures."""
        if not self.limit:
            return
        now = self.timer()
        recent = self._recent(now)
        if len(recent) >= self.limit:
            raise TooManyKeyFailures(wait=max(math.ceil(recent[-1] + self.window - now), 1))

    def fail(self) -> None:
        """Count one failed attempt of this address."""
        if not self.limit:
            return
        now = self.timer()
        # Newest first, at most ``limit`` kept: enough to refuse, and the oldest says until when.
        cache.set(self.key, [now, *self._recent(now)][: self.limit], self.window)

    def first_in_window(self) -> bool:
        """``True`` once per address and window: audit that failure, not every one of a flood."""
        return cache.add(f"{self.prefix}:gemeld-{self.address}", True, self.window)


def api_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER`` (the name the settings use): :func:`.errors.api_exception_handler`,
    every error in the ``Error`` shape, the answer to too many requests included."""
    from .errors import api_exception_handler as handler

    return handler(exc, context)
