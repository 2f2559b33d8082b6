"""How long the portal session has left, for the warning before the idle time-out (WCAG 2.2.1).

A user who types a long note without a request for a quarter of an hour is logged out, and what
was typed is lost on saving. ``session.js`` asks :func:`status` how much time is left — the
question itself is no activity (:class:`.middleware.IdleTimeoutMiddleware` leaves it out) — warns
two minutes before the end, and one press on *Ingelogd blijven* posts here, which is activity.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

# The idle time-out's own record of the last request (kept here: the middleware uses it too).
LAST_SEEN = "vroegsignaal_last_seen"
# Its path: under /account/, where no second-factor redirect answers for it.
STATUS_PATH = "/account/sessie/"


def seconds_left(request: HttpRequest) -> int:
    """Seconds until the idle time-out logs this session out; 0 when it is not logged in.

    A user who has given the password but not yet set up the second factor counts too: the
    time-out logs them out as well, in the middle of enrolling."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    last_seen = request.session.get(LAST_SEEN)
    if last_seen is None:
        return settings.SESSION_IDLE_TIMEOUT
    return max(0, settings.SESSION_IDLE_TIMEOUT - (int(time.time()) - last_seen))


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> JsonResponse:
    """``{"seconden": n}``: GET only asks; POST (with the page's CSRF token) keeps the session."""
    left = seconds_left(request)
    if request.method == "POST" and not left:
        return JsonResponse({"seconden": 0}, status=403)
    return JsonResponse({"seconden": left, "totaal": settings.SESSION_IDLE_TIMEOUT})
