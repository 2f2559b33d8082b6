"""Log lines: one format with the UTC offset, and an exception's text only where it is safe by construction."""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import sys
import zoneinfo

from django.conf import settings
from django.db import IntegrityError

from vroegsignaal.conf.logformat import LOG_FORMAT, LocalTimeFormatter
from vroegsignaal.conf.logsafety import ExceptionClassOnly
from vroegsignaal.privacy.crypto import DecryptionError


def record_of(
    exc: BaseException, message: str = "Internal Server Error: /zaken/1/"
) -> logging.LogRecord:
    try:
        raise exc
    except type(exc):
        return logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, message, (), sys.exc_info()
        )


def test_a_decryption_error_keeps_its_message_naming_the_missing_key():
    error = DecryptionError(
        "Versleutelde waarde gebruikt sleutel-id 'k2026', die niet in VROEGSIGNAAL_ENCRYPTION_KEYS staat."
    )
    record = record_of(error)
    ExceptionClassOnly().filter(record)
    assert record.getMessage() == (
        "Internal Server Error: /zaken/1/ exception=vroegsignaal.privacy.crypto.DecryptionError: "
        "Versleutelde waarde gebruikt sleutel-id 'k2026', die niet in VROEGSIGNAAL_ENCRYPTION_KEYS staat."
    )
    assert record.exc_info is None


def test_another_exception_still_loses_its_text():
    record = record_of(
        IntegrityError("duplicate key value: Key (klantnummer)=(K-123) already exists")
    )
    ExceptionClassOnly().filter(record)
    assert (
        record.getMessage()
        == "Internal Server Error: /zaken/1/ exception=django.db.utils.IntegrityError"
    )


def test_log_lines_carry_local_time_with_its_utc_offset():
    record = logging.LogRecord("vroegsignaal", logging.INFO, __file__, 1, "purge 0999", (), None)
    record.created = dt.datetime(2026, 7, 1, 10, 0, 0, 250000, tzinfo=dt.UTC).timestamp()
    record.msecs = 250
    line = LocalTimeFormatter(LOG_FORMAT).format(record)
    local = dt.datetime.fromtimestamp(record.created).astimezone()
    assert line == f"{local.isoformat(timespec='milliseconds')} INFO vroegsignaal: purge 0999"


def test_django_sets_the_process_to_amsterdam_time_so_summer_and_winter_offsets_show():
    assert settings.TIME_ZONE == "Europe/Amsterdam"
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    formatter = LocalTimeFormatter(LOG_FORMAT)
    for moment, offset in (
        (dt.datetime(2026, 7, 1, 12), "+02:00"),
        (dt.datetime(2026, 12, 1, 12), "+01:00"),
    ):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
        record.created = moment.replace(tzinfo=amsterdam).timestamp()
        assert formatter.formatTime(record).endswith(offset)


def test_django_logging_uses_the_offset_formatter():
    formatter = settings.LOGGING["formatters"]["plain"]
    assert formatter == {
        "class": "vroegsignaal.conf.logformat.LocalTimeFormatter",
        "format": LOG_FORMAT,
    }


def test_no_logger_mails_an_error_even_with_admins_set(settings, mailoutbox):
    """Django's default logging gives the ``django`` logger a mail_admins handler: a server
    error's request and traceback variables (personal data) would be mailed once ADMINS is set."""
    from django.utils.log import AdminEmailHandler

    settings.ADMINS = [("Beheer", "beheer@example.org")]
    settings.DEBUG = False
    loggers = [logging.root] + [
        x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger)
    ]
    mailing = [
        (logger.name, type(handler).__name__)
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, (AdminEmailHandler, logging.handlers.SMTPHandler))
    ]
    assert mailing == []
    logging.getLogger("django.request").error("Internal Server Error: /zaken/1/")
    assert mailoutbox == []
