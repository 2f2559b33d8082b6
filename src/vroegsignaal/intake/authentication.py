"""API-key authentication for creditor systems: ``Authorization: Token <prefix>.<secret>``.

The key acts as an (unsaved) user with the ``schuldeiser`` role of the key's
creditor, so every API view goes through the same scoping layer as the portal.
``request.auth`` is the :class:`~.models.ApiKey`. Failed attempts are counted
per client address and refused with 429 beyond ``API_KEY_FAILURES_PER_ADDRESS``
(:class:`.throttling.ApiKeyFailures`).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

# A key's prefix: 12 hex characters (``services.API_KEY_PREFIX_BYTES``); the rest is secret.
PREFIX = re.compile(r"[0-9a-f]{1,16}")


def key_prefix(text: str) -> str | None:
    """The prefix of ``<prefix>.<secret>`` when it looks like one, else ``None``: never any of the secret."""
    prefix, dot, _secret = text.strip().partition(".")
    return prefix if dot and PREFIX.fullmatch(prefix) else None


class ApiKeyAuthentication(BaseAuthentication):
    """The key of ``Authorization: Token …``; failed attempts are counted per address.

    DRF authenticates before it throttles, so this class counts what the
    throttles never see (:class:`.throttling.ApiKeyFailures`): a wrong or
    revoked key, and a request without one (every view with this class needs a
    key; the schema has no authentication). Beyond the limit the address gets
    429 before its key is even looked at, a valid key included, or a guesser
    would learn from the answer which guess was right. The first refused key of
    an address in a window is audited (``login_failed``, the key's prefix only).
    """

    keyword = "Token"

    def authenticate(self, request):
        from .throttling import ApiKeyFailures

        failures = ApiKeyFailures(request)
        failures.check()
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            failures.fail()  # counted, not audited: no key was tried
            return None
        if len(header) != 2:
            self._failed(request, failures, None, "onjuiste vorm")
            raise exceptions.AuthenticationFailed(_("Geef de sleutel op als 'Token <sleutel>'."))
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._failed(request, failures, None, "onjuiste vorm")
            raise exceptions.AuthenticationFailed(_("Ongeldige API-sleutel."))
        from .services import api_user_for, authenticate_api_key

        key = authenticate_api_key(text)
        if key is None:
            self._failed(request, failures, key_prefix(text), "onbekend of ingetrokken")
            raise exceptions.AuthenticationFailed(_("Ongeldige of ingetrokken API-sleutel."))
        return api_user_for(key), key

    @staticmethod
    def _failed(request, failures, prefix: str | None, reason: str) -> None:
        """Count a refused key; audit the first of the address in the window, by its prefix only."""
        failures.fail()
        if not failures.first_in_window():
            return
        from vroegsignaal.privacy import services as privacy

        privacy.record(
            f"api-{prefix}" if prefix else "api",
            privacy.AuditAction.LOGIN_FAILED,
            purpose="API-sleutel geweigerd",
            request=request,
            object_type="intake.apikey",
            details={"voorvoegsel": prefix or "", "reden": reason},
        )

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "vroegsignaal.intake.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <voorvoegsel>.<geheim>`: een API-sleutel van de schuldeiser, "
            "aan te maken op de portaalpagina API-sleutels.",
        }
