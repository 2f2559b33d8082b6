"""The portal's language, session idle time-out and mandatory two-factor authentication."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Paths that work without a verified second factor: logging in, enrolling,
# static files, the health check and the API (which uses API keys).
OPEN_PREFIXES = ("/account/", "/static/", "/health/", "/api/", "/i18n/", "/favicon.ico")


# Paths whose answers are specified in Dutch (the API's ``melding``, the schema).
DUTCH_ONLY_PREFIXES = ("/api/",)


def chosen_language(request) -> str:
    """The language the user chose with the switch (a cookie), else Dutch.

    The browser's Accept-Language is not followed: Dutch staff with an English
    browser get the Dutch portal unless they pick English themselves.
    """
    if request.path_info.startswith(DUTCH_ONLY_PREFIXES):
        return settings.LANGUAGE_CODE
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate :func:`chosen_language` for the request (instead of Django's LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only for this request: whatever the thread does next (a task run after the
        # response, the next test) gets the language it had before, Dutch by default.
        with translation.override(chosen_language(request)):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class IdleTimeoutMiddleware:
    """Log a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request."""

    key = "vroegsignaal_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.key)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                return redirect(f"{reverse('two_factor:login')}?verlopen=1")
            request.session[self.key] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Every portal page needs a user who logged in with password *and* TOTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(OPEN_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('two_factor:login')}?next={path}")
            if not user.is_verified():
                return redirect("two_factor:setup")
            if user.must_change_password and path != reverse("portal:password_change"):
                return redirect("portal:password_change")
        return self.get_response(request)
