"""One line format for every log of the project: Django's, the worker's and gunicorn's.

Each line starts with its time in ISO 8601 with the UTC offset
(``2026-11-27T13:04:31.507+01:00``), so that lines of processes that run in
different time zones, or across the change to summer time, still sort and
compare. Django sets the process's time zone to ``TIME_ZONE``
(Europe/Amsterdam) when it loads the settings; gunicorn's master loads them too
(``conf/gunicorn.py``), so it writes the same local time as its workers.
"""

from __future__ import annotations

import datetime as dt
import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LocalTimeFormatter(logging.Formatter):
    """``%(asctime)s`` as local ISO 8601 time with milliseconds and the UTC offset."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        moment = dt.datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")
