"""gunicorn's configuration for the portal:

    gunicorn -c python:vroegsignaal.conf.gunicorn vroegsignaal.conf.wsgi:application --bind …

* The settings are loaded in gunicorn's master, before a worker boots: a
  missing or malformed setting stops gunicorn with one line on stderr naming
  the setting (exit status 2), as ``vroegsignaal`` does, instead of every
  worker failing with a traceback until gunicorn gives up.
* Loading them also sets the process's time zone to ``TIME_ZONE``
  (Europe/Amsterdam), so the master's lines are in the same local time as the
  workers' (it logged in UTC, they in Amsterdam time).
* Before the first worker boots, the master asks whether the keys open the
  stored personal data (``privacy.keys.start_problem``: the newest value of
  each encrypted column, and the blind index of the first and the newest
  person). After a restore with other keys it stops with one line naming the
  columns or the setting (exit status 2) instead of serving a 500 on every
  page with personal data. A database that cannot be read yet (not migrated,
  not reachable) does not stop it: the pages and ``/health/`` say so.
* Every gunicorn line has the project's format (``conf/logformat.py``: the time
  with its UTC offset, the level, the logger), on stderr like Django's; the
  access log (``gunicorn.access``) is on, without a second timestamp of its own.
  An exception's text stays out, as for Django's loggers (``conf/logsafety.py``).

* No control socket (``gunicornc``), where gunicorn opens one in ``~/.gunicorn`` by default.

``--bind``, ``--workers`` and the like stay on the command line (``scripts/run.sh``,
``docs/operations.md``).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from vroegsignaal.conf.logformat import LOG_FORMAT  # noqa: E402

try:
    settings.TIME_ZONE  # noqa: B018 - loads the settings (and sets TZ); their errors are the operator's
except ImproperlyConfigured as error:
    sys.stderr.write(f"vroegsignaal: {error}\n")
    raise SystemExit(2) from None


def on_starting(server) -> None:
    """gunicorn's hook in the master, before any worker: refuse keys that do not open the data."""
    import django
    from django.db import DatabaseError, connections

    django.setup()
    from vroegsignaal.privacy.keys import start_problem

    try:
        problem = start_problem()
    except DatabaseError:
        problem = None  # not migrated or not reachable: not this check's business
    finally:
        connections.close_all()  # the workers are forked from here: no shared connection
    if problem:
        sys.stderr.write(f"vroegsignaal: {problem}\n")
        raise SystemExit(2)


# No control socket (gunicorn 25+ opens one in ~/.gunicorn by default): nothing uses gunicornc,
# and a socket that can reconfigure the server is one more door to guard.
control_socket_disable = True

# Client address, request, status, bytes, duration and user agent; the line's time comes from the format.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"class": "vroegsignaal.conf.logformat.LocalTimeFormatter", "format": LOG_FORMAT}
    },
    "filters": {"exception_class_only": {"()": "vroegsignaal.conf.logsafety.ExceptionClassOnly"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["exception_class_only"],
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        # No level: gunicorn's --log-level (default info) stays in force.
        "gunicorn.error": {"handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
