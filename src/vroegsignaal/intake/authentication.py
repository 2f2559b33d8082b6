"""API-key authentication for creditor systems: ``Authorization: Token <prefix>.<secret>``.

The key acts as an (unsaved) user with the ``schuldeiser`` role of the key's
creditor, so every API view goes through the same scoping layer as the portal.
``request.auth`` is the :class:`~.models.ApiKey`. Refused keys are counted per
client address and answered 429 beyond ``API_KEY_FAILURES_PER_ADDRESS``
(:class:`.throttling.ApiKeyFailures`); a valid key is never refused for them.
"""

from __future__ import annotations

import re
from typing import NoReturn

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
    """The key of ``Authorization: Token …``; refused keys are counted per address.

    DRF authenticates before it throttles, so this class counts what the
    throttles never see (:class:`.throttling.ApiKeyFailures`): a key that is
    refused (wrong, revoked, malformed). The key is looked up first, so a valid
    key is always let in, whatever else came from its address: a shared NAT or
    proxy must not let one system's wrong keys (or anyone's) lock every
    creditor's integration behind it out. Beyond the limit a refused key gets
    429 instead of 401. A request without a key (or with another scheme) tries
    nothing and counts nothing: it gets 401. The first refused key of an
    address in a window is audited (``login_failed``, the key's prefix only).

    The trade-off: a locked-out address still learns whether a key it sends is
    right (200 against 429). That gives a guesser nothing: a key's secret has
    256 random bits, which no rate of guessing finds, and a known prefix with a
    wrong secret is refused like an unknown one. The lock-out does not keep a
    key secret; it marks an address that tries keys (429 with ``Retry-After``,
    the audit log) for its owner and the operator, who blocks it at the reverse
    proxy if it keeps on. Refusing valid keys as well would add no protection
    and hand a denial of service to anyone behind the same address.
    """

    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no key: 401 (NotAuthenticated), not counted, nothing was tried
        if len(header) != 2:
            self._refused(
                request, None, "onjuiste vorm", _("Geef de sleutel op als 'Token <sleutel>'.")
            )
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._refused(request, None, "onjuiste vorm", _("Ongeldige API-sleutel."))
        from .services import api_user_for, authenticate_api_key

        key = authenticate_api_key(text)
        if key is None:
            self._refused(
                request,
                key_prefix(text),
                "onbekend of ingetrokken",
                _("Ongeldige of ingetrokken API-sleutel."),
            )
        return api_user_for(key), key

    @staticmethod
    def _refused(request, prefix: str | None, reason: str, message) -> NoReturn:
        """Count a refused key, audit the first of the address in the window (by its prefix
        only), and raise: 401, or 429 when the address is past its limit."""
        from .throttling import ApiKeyFailures, TooManyKeyFailures

        failure = ApiKeyFailures(request).fail()
        if failure.first:
            from vroegsignaal.privacy import services as privacy

            privacy.record(
                f"api-{prefix}" if prefix else "api",
                privacy.AuditAction.LOGIN_FAILED,
                purpose="API-sleutel geweigerd",
                request=request,
                object_type="intake.apikey",
                details={"voorvoegsel": prefix or "", "reden": reason},
            )
        if failure.wait is not None:
            raise TooManyKeyFailures(wait=failure.wait)
        raise exceptions.AuthenticationFailed(message)

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
