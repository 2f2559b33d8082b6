"""The ``vroegsignaal`` console script: Django's management commands with our settings.

An operator's mistake is said in one line on stderr, never as a traceback: a
setting that is missing or malformed (exit 2, before any command runs) and a
database that cannot be reached (exit 1). ``--traceback`` keeps Django's own
behaviour for the second.
"""

from __future__ import annotations

import os
import sys

EXIT_DATABASE = 1
EXIT_SETTINGS = 2


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    args = argv if argv is not None else sys.argv[1:]
    try:
        settings.SECRET_KEY  # noqa: B018 — load the settings here: their errors are the operator's
    except ImproperlyConfigured as error:
        sys.stderr.write(f"vroegsignaal: {error}\n")
        raise SystemExit(EXIT_SETTINGS) from None
    try:
        execute_from_command_line(["vroegsignaal", *args])
    except OperationalError as error:
        if "--traceback" in args:
            raise
        sys.stderr.write(f"vroegsignaal: {database_problem(error)}\n")
        raise SystemExit(EXIT_DATABASE) from None


def database_problem(error: Exception) -> str:
    """One line about a database that cannot be used: the driver's first line (host, port, user; no password)."""
    from django.db import connection

    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else type(error).__name__
    if connection.vendor == "sqlite":
        where = f"de SQLite-database {connection.settings_dict['NAME']}"
    else:
        where = f"de database '{connection.settings_dict['NAME']}' (DATABASE_URL)"
    return f"{where} is niet bruikbaar: {reason}"


if __name__ == "__main__":
    main()
