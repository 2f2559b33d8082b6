"""API-key authentication for creditor systems: ``Authorization: Token <prefix>.<secret>``.

The key acts as an (unsaved) user with the ``schuldeiser`` role of the key's
creditor, so every API view goes through the same scoping layer as the portal.
``request.auth`` is the :class:`~.models.ApiKey`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Geef de sleutel op als 'Token <sleutel>'."))
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Ongeldige API-sleutel."))
        from .services import api_user_for, authenticate_api_key

        key = authenticate_api_key(text)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Ongeldige of ingetrokken API-sleutel."))
        return api_user_for(key), key

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
