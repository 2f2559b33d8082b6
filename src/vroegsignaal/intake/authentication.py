"""API-key authentication for creditor systems (completed by the intake issue)."""

from rest_framework.authentication import BaseAuthentication


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        return None
