"""A database busy with a large delivery: 503 with ``Retry-After``, not "Er ging iets mis".

On SQLite the worker holds the database's write lock while it applies a delivery (about 15 s for
500,000 rows, 37 s for 1,000,000 on 2 cores). Nearly every request writes something (the
session's last-seen time on every page of a signed-in user, an audit event, the log-in wizard's
session, an API key's first use): it waits for the lock up to the connection's ``timeout`` (30 s,
``DATABASES`` in the settings) and then fails with "database is locked". What it wrote is rolled
back with its transaction, so nothing of it was saved. The user is told so, and to go back and
try again in a minute (``503.html``; under ``/api/`` the API's ``{"melding": …}``), with
``Retry-After``; the operator gets one warning with :mod:`~vroegsignaal.conf.logsafety`'s reason
and the path (no query string, nothing of the user).

Such a failure reaches Django in two ways, and both are answered here:

* raised by a view (a form saved, an audit event, the API's key check):
  :class:`DatabaseBusyMiddleware`'s ``process_exception``;
* raised by a middleware after the view, above all ``SessionMiddleware`` saving the session:
  Django's database session store turns the failed save into ``UpdateError``, which the
  middleware raises as ``SessionInterrupted`` (answered 400, "Ongeldig verzoek", with a warning
  that the user "may have logged out"); a new session's (the log-in page's) fails with the
  ``OperationalError`` itself (500). Django turns the exception of each middleware into a
  response right around that middleware (``convert_exception_to_response``), so no middleware
  further out ever sees it, wherever it stands in ``MIDDLEWARE``: it reaches the project's
  ``handler400`` and ``handler500`` (``intake/errors.py``), which ask :func:`busy_response`
  first.

Only SQLite refusing because another connection holds the lock is answered so
(:func:`busy_reason`); every other error keeps its answer, a PostgreSQL lock time-out included.

``/health/`` says ``"database": "bezet"`` meanwhile (:func:`write_lock_held_elsewhere`), so that
the operator's monitor sees it before the users do.
"""

from __future__ import annotations

import logging
import sqlite3

from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response

from vroegsignaal.conf.logsafety import database_reason, sqlite_busy
from vroegsignaal.intake.errors import is_api_request, service_unavailable

from .middleware import chosen_language

logger = logging.getLogger(__name__)

# Seconds after which to try again: a delivery of a million rows holds the lock for about 37 s.
RETRY_AFTER = 60


def busy_reason(error: BaseException | None) -> str | None:
    """The operator's reason (logsafety's, in Dutch) when ``error`` is a SQLite database held by
    another connection ("database is locked", "database table is locked"), or a session that
    could not be saved because of one; else ``None``.

    Which errors those are is :func:`~vroegsignaal.conf.logsafety.sqlite_busy`'s to say; the
    reason is :func:`~vroegsignaal.conf.logsafety.database_reason`'s.
    """
    if error is None:
        return None
    if isinstance(error, SessionInterrupted):
        # Raised while handling the session store's UpdateError, itself raised while handling
        # the database's error: that is in the exceptions' context.
        return next(filter(None, map(_sqlite_busy, _chain(error.__context__))), None)
    return _sqlite_busy(error)


def _sqlite_busy(error: BaseException) -> str | None:
    return database_reason(error) if sqlite_busy(error) else None


def _chain(error: BaseException | None):
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ if error.__cause__ is not None else error.__context__


def busy_response(request, error: BaseException | None) -> HttpResponse | None:
    """The 503 for ``error`` when it is a busy database (:func:`busy_reason`), logged once; else
    ``None`` (the caller answers as it would)."""
    reason = busy_reason(error)
    if reason is None:
        return None
    if is_api_request(request):
        response = service_unavailable(RETRY_AFTER)
    else:
        response = _page(request)
        response["Retry-After"] = str(RETRY_AFTER)
    # One line, and marked as logged: Django logs no second one ("Service Unavailable: /…").
    log_response(
        "Verzoek %s %s niet uitgevoerd (503, opnieuw na %s s): %s",
        request.method,
        request.path,
        RETRY_AFTER,
        reason,
        response=response,
        request=request,
        logger=logger,
        level="warning",
    )
    return response


def _page(request) -> HttpResponse:
    """``503.html``, rendered without the request (no context processors, so no database), in the
    user's language: when the session's save failed, the language middleware is already done."""
    language = chosen_language(request)
    with translation.override(language):
        response = HttpResponse(render_to_string("503.html"), status=503)
    response.headers.setdefault("Content-Language", language)
    patch_vary_headers(response, ("Cookie",))
    # Answered for a failed session save, the page passes no middleware inside SessionMiddleware
    # (clickjacking, CSP): it says so itself. It needs nothing but the stylesheets.
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
    )
    return response


# Seconds the health check waits for SQLite's write lock: an ordinary write holds it for
# milliseconds, the apply of a large delivery for tens of seconds. Far below the time-out of a
# load balancer's probe (often 1 s), so that the check itself never fails for waiting.
WRITE_LOCK_PROBE_TIMEOUT = 0.1


def write_lock_held_elsewhere(timeout: float = WRITE_LOCK_PROBE_TIMEOUT) -> bool:
    """Whether another connection holds SQLite's write lock (a delivery being applied), so that
    a request that writes now would wait and may be answered 503; ``False`` on PostgreSQL, where
    writers do not wait for each other's transactions as a whole.

    For ``/health/``: it asks for the lock (``BEGIN IMMEDIATE``) on a connection of its own, with
    ``timeout``, and gives it back at once (``ROLLBACK``); it changes nothing. Never while this
    request's own connection is in a transaction: that one holds the lock itself (the settings'
    ``transaction_mode`` is ``IMMEDIATE``), and would be taken for another.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return False
    name = connection.settings_dict["NAME"]
    probe = sqlite3.connect(name, timeout=timeout, isolation_level=None, uri=True)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if sqlite_busy(error):
            return True
        raise
    else:
        probe.execute("ROLLBACK")
    finally:
        probe.close()
    return False


class DatabaseBusyMiddleware:
    """Answer a view's busy database with 503 (:func:`busy_response`); any other failure goes on
    to Django as before. A failure of a middleware (the session's save) is answered by the
    project's ``handler400``/``handler500`` with the same function (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return busy_response(request, exception)
