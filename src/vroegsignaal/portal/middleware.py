"""The portal's language, session idle time-out, mandatory two-factor authentication, and the answer
to a user past the limit of refused look-ups."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .session import LAST_SEEN, STATUS_PATH

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


# A request the page makes by itself (htmx polling a delivery's progress) carries this header: it
# is no activity, or a page left open would never be logged out.
POLL_HEADER = "X-Vroegsignaal-Poll"
# A page read renews the session's last-seen time only when that is at least this many seconds
# old, so that not every read writes the session (on SQLite a write waits while a large delivery
# is applied: portal/busy.py). The time-out can so come up to this many seconds sooner after the
# last read; the page's warning counts from the stored time, as the server does. A form sent
# (any other method) always renews it.
LAST_SEEN_EVERY = 60


class IdleTimeoutMiddleware:
    """Log a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request.

    The page warns before (``portal/session.js``, :mod:`.session`); asking how much time is left,
    or polling (:data:`POLL_HEADER`), is no request that counts. After the time-out the log-in
    page says why and leads back to the page the user was on (``next``; a form posted then is
    lost, so the page it was posted from). An htmx request gets ``HX-Redirect`` to it, so the whole
    page goes there instead of the log-in page taking the fragment's place.
    """

    key = LAST_SEEN

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.key)
            asking = (
                request.path_info == STATUS_PATH and request.method in ("GET", "HEAD")
            ) or request.headers.get(POLL_HEADER) == "1"
            # ">=": at the very second session.seconds_left says 0, the session has ended here too;
            # with ">" a page told "U bent uitgelogd" was still logged in for one more second, and
            # its "Opnieuw inloggen" (an /account/ page) lost the way back.
            if last_seen is not None and now - last_seen >= settings.SESSION_IDLE_TIMEOUT:
                back = _page_to_return_to(request)
                logout(request)
                if request.path_info == STATUS_PATH:
                    return self.get_response(request)  # it answers 0 seconds for a logged-out user
                query = urlencode({"verlopen": 1, **({"next": back} if back else {})})
                login = f"{reverse('two_factor:login')}?{query}"
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login
                    return response
                return redirect(login)
            if not asking and (
                request.method not in ("GET", "HEAD")
                or last_seen is None
                or now - last_seen >= LAST_SEEN_EVERY
            ):
                request.session[self.key] = now
        return self.get_response(request)


def _page_to_return_to(request) -> str:
    """The page to log back in to: the one asked for, or for a form posted after the time-out (or
    a fragment htmx asked for) the page it came from (its address without a query, when it is one
    of ours)."""
    if request.path_info.startswith(OPEN_PREFIXES):
        return ""
    htmx = request.headers.get("HX-Request") == "true"
    if request.method in ("GET", "HEAD") and not htmx:
        return request.get_full_path()
    came_from = request.headers.get("HX-Current-URL" if htmx else "Referer", "")
    if not came_from or not url_has_allowed_host_and_scheme(
        came_from, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    path = urlsplit(came_from).path
    return "" if path.startswith(OPEN_PREFIXES) else path


class RequireTwoFactorMiddleware:
    """Every portal page needs a user who logged in with password *and* TOTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(OPEN_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                # Encoded: a path holding "&next=…" (written %26 in the link) adds no parameter.
                return redirect(
                    f"{reverse('two_factor:login')}?{urlencode({'next': path}, safe='/')}"
                )
            if not user.is_verified():
                return redirect("two_factor:setup")
            if user.must_change_password and path != reverse("portal:password_change"):
                return redirect("portal:password_change")
        return self.get_response(request)


class TooManyRefusalsMiddleware:
    """A portal page whose id look-up was refused once too often (:class:`~vroegsignaal.
    organisations.scoping.TooManyRefusals`): ``429.html`` with ``Retry-After``, not a 500. The
    API answers the same exception itself (DRF's ``Throttled``, ``intake.errors``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from vroegsignaal.organisations.scoping import TooManyRefusals

        if not isinstance(exception, TooManyRefusals):
            return None
        minutes = max(1, -(-int(exception.wait or 60) // 60))
        response = render(request, "429.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(int(exception.wait or 60))
        return response
