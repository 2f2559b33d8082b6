"""Requests per API key: a creditor system that loops cannot take the service from the others.

Two limits, both from the environment at request time (0 switches one off):
``API_REQUESTS_PER_MINUTE`` for every API request of a key, and
``API_DELIVERIES_PER_HOUR`` for new deliveries (each one is a file to parse and
apply). Counted in Django's cache: per machine when there are several, which
only makes the limit that many times looser. Over a limit the answer is 429
with ``Retry-After`` and a Dutch ``melding`` (see :func:`api_exception_handler`).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler


class ApiKeyThrottle(SimpleRateThrottle):
    """Every request of one API key (without a key: of one address)."""

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


def api_exception_handler(exc, context):
    """DRF's handler, with the answer to too many requests in Dutch and in our error shape."""
    response = exception_handler(exc, context)
    if isinstance(exc, exceptions.Throttled) and response is not None:
        seconds = int(exc.wait or 1)
        response.data = {
            "melding": (
                "Te veel verzoeken met deze API-sleutel; probeer het over "
                f"{seconds} {'seconde' if seconds == 1 else 'seconden'} opnieuw."
            ),
        }
    return response
