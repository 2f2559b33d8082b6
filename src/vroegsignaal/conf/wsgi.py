"""The WSGI application gunicorn serves (``vroegsignaal.conf.wsgi:application``).

Django answers ``HEAD`` as it answers ``GET``, body and all (only its development server drops
the body). gunicorn drops it too, as RFC 9110 says, but warns on every such request ("WSGI app
sent body bytes on a no-body response"): a load balancer checking ``/health/`` with ``HEAD``
filled the log with it. :func:`without_body_for_head` leaves the body out here; the headers
(``Content-Length`` of the body a ``GET`` would get, too) stay as they are.
"""

import os

from django.core.wsgi import get_wsgi_application


class _NoBody:
    """An empty response body that still closes Django's (``request_finished``: connections)."""

    def __init__(self, body):
        self._body = body

    def __iter__(self):
        return iter(())

    def close(self):
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def without_body_for_head(app):
    """``app`` with the body of each answer to a ``HEAD`` request left out."""

    def application(environ, start_response):
        body = app(environ, start_response)
        if environ.get("REQUEST_METHOD", "").upper() != "HEAD":
            return body
        return _NoBody(body)

    return application


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")
application = without_body_for_head(get_wsgi_application())
