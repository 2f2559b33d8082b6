"""An exception's text stays out of the log and out of stored task results.

The message of a database error can carry personal data: PostgreSQL's
unique-violation ``DETAIL`` names the key's values (``Key
(klantnummer)=(…)``), other errors quote a row. Two places would keep it:

* django-tasks logs every failed task with ``logger.exception`` (the
  traceback, message included, on the worker's console):
  :class:`ExceptionClassOnly`, a filter on the ``django_tasks`` and
  ``django_tasks_db`` loggers (``LOGGING`` in ``settings.py``), keeps the
  record and the exception's class and drops the rest;
* django-tasks-db stores the traceback in its result table (``traceback``):
  :func:`without_exception_text` wraps each task function of the project, so
  that what fails there is a :class:`TaskFailed` that names only the task,
  its id arguments and the original exception's class.

The original traceback is not kept anywhere; for a delivery,
``vroegsignaal deliver --opnieuw ID --traceback`` shows it on the terminal.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def class_path(exc_type: type[BaseException]) -> str:
    """``django.db.utils.IntegrityError``: the class, as django-tasks names it, never the message."""
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


class TaskFailed(Exception):
    """A task of the project broke off; its text holds only the task, ints and a class name."""

    text_is_safe = True  # see ExceptionClassOnly


def text_is_safe(exc: BaseException | None) -> bool:
    """An exception whose message is written never to hold personal data or a secret.

    Such a class says so with a class attribute ``text_is_safe = True``
    (:class:`TaskFailed`; ``privacy.crypto.DecryptionError``, whose message
    names the key id that is missing, which is what an operator needs to read).
    """
    return getattr(type(exc), "text_is_safe", False) is True


def _ids(args: tuple, kwargs: dict) -> str:
    shown = [str(value) for value in args if isinstance(value, int)]
    shown += [f"{name}={value}" for name, value in kwargs.items() if isinstance(value, int)]
    return ", ".join(shown)


def without_exception_text(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a task function (under ``@task()``): an exception becomes a :class:`TaskFailed`.

    The new exception is raised outside the ``except`` block, so it has no
    ``__context__``: the original exception (and its message) is neither in
    the stored traceback nor reachable from the result. Only ``int``
    arguments (ids, counts) are named.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - replaced by a text-free one below
            failure = TaskFailed(
                f"{func.__name__}({_ids(args, kwargs)}) afgebroken door {class_path(type(error))}"
            )
        raise failure

    return wrapper


class ExceptionClassOnly(logging.Filter):
    """Keep a record that carries an exception, with its class appended, but not its text or traceback.

    ``Task id=… path=… state=FAILED`` becomes ``… state=FAILED
    exception=django.db.utils.IntegrityError``; a :class:`TaskFailed` is
    named by its own (text-free) message, and an exception that declares its
    text safe (:func:`text_is_safe`) keeps its message after its class. ``exc_info``, ``exc_text`` and
    ``stack_info`` are dropped, so no handler formats a traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc_type, exc, _ = record.exc_info
            if exc_type is not None:
                if isinstance(exc, TaskFailed):
                    name = str(exc)
                elif text_is_safe(exc):
                    name = f"{class_path(exc_type)}: {exc}"
                else:
                    name = class_path(exc_type)
                record.msg = f"{_message(record)} exception={name}"
                record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def _message(record: logging.LogRecord) -> Any:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format must not break the caller (logging would report it)
        return record.msg


# -- what a failure means for the operator ------------------------------------------------------

# SQLite's primary result codes (https://sqlite.org/rescode.html); an extended code carries one in
# its low byte (SQLITE_IOERR_WRITE is 778 = 3 << 8 | 10).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_FULL, SQLITE_CANTOPEN = 13, 14
# PostgreSQL's SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
PG_UNDEFINED_TABLE = "42P01"
PG_DISK_FULL = "53100"
PG_NO_PRIVILEGE = "42501"  # insufficient_privilege: "permission denied for table …"
PG_LOCKED = ("40P01", "55P03")  # deadlock_detected, lock_not_available
PG_GONE = ("57P01", "57P02", "57P03")  # admin_shutdown, crash_shutdown, cannot_connect_now


def operator_reason(error: BaseException, *, folders=()) -> str | None:
    """What ``error`` means for the operator, in Dutch, or ``None`` when it is none of these:

    * a full disk (``ENOSPC``, ``EDQUOT``; SQLite's ``SQLITE_FULL``, PostgreSQL's ``disk_full``),
      naming the folder: the error's file's, else ``folders`` (where the caller writes);
    * another refusal of the operating system that :data:`vroegsignaal.paths.REASONS` knows;
    * a database locked by another process, one that cannot be opened, or one without (all) its
      tables (:func:`database_reason`), or one that cannot be reached (:func:`unreachable`);
    * keys that do not open the data (``privacy.crypto.DecryptionError``, whose text is safe).

    Never the error's own text where that might quote data: only its kind and what the
    settings name (the database, its folder, the host).
    """
    from vroegsignaal.paths import REASONS, reason, shown

    if isinstance(error, OSError) and error.errno in REASONS:
        where = [Path(name).parent for name in (error.filename, error.filename2) if name]
        if not where and error.errno in (errno.ENOSPC, errno.EDQUOT):
            where = [Path(folder) for folder in folders]  # written without a name: where it writes
        named = " of ".join(dict.fromkeys(shown(folder) for folder in _distinct_disks(where)))
        return f"{reason(error)} (map {named})" if named else reason(error)
    from vroegsignaal.privacy.crypto import DecryptionError

    if isinstance(error, DecryptionError):  # its text names a key id, never a value
        said = str(error).strip()
        said = f"{said}{'' if said.endswith('.') else '.'} " if said else ""
        return (
            "de sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS openen de versleutelde gegevens niet. "
            f"{said}Controleer de sleutels met 'vroegsignaal check_keys'"
        )
    return database_reason(error) or unreachable(error)


def _distinct_disks(folders: list[Path]) -> list[Path]:
    """``folders`` less those on the same file system as one before them (one disk, named once)."""
    seen, kept = set(), []
    for folder in folders:
        try:
            device = os.stat(folder).st_dev
        except OSError:
            device = folder
        if device not in seen:
            seen.add(device)
            kept.append(folder)
    return kept


def _driver_error(error: BaseException) -> BaseException:
    """The driver's error behind Django's (its ``__cause__``), or ``error`` itself."""
    return error.__cause__ if error.__cause__ is not None else error


def sqlite_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite refusing because another connection holds the database
    ("database is locked", "database table is locked": SQLITE_BUSY, SQLITE_LOCKED)."""
    driver = _driver_error(error)
    if type(driver).__module__.split(".")[0] != "sqlite3":
        return False
    code = getattr(driver, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    return primary in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in str(driver)


def database_reason(error: BaseException) -> str | None:
    """What a database error means for the operator (see :func:`operator_reason`), or ``None``.

    Django's ``OperationalError`` and the like carry the driver's error as their ``__cause__``;
    SQLite's raw ``sqlite3`` errors (``vroegsignaal backup``'s copy) come as they are.
    """
    driver = _driver_error(error)
    text = str(driver).strip().splitlines()[0] if str(driver).strip() else ""
    module = type(driver).__module__.split(".")[0]
    if module == "sqlite3":
        code = getattr(driver, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        database = _database()
        where = f"de SQLite-database {database}"
        if sqlite_busy(error):
            return (
                f"{where} is bezet: een ander proces (een andere opdracht, de worker of de "
                "webserver) houdt haar vast; probeer het opnieuw als dat klaar is"
            )
        if primary == SQLITE_FULL:
            return f"de schijf van {where} is vol (map {Path(database).parent})"
        if text.startswith("no such table"):
            return no_tables(where)
        if primary == SQLITE_CANTOPEN:
            return f"{where} kan niet worden geopend (bestaat haar map, en mag deze gebruiker erin schrijven?)"
        if primary == SQLITE_READONLY:
            return f"{where} is alleen-lezen (bestandsrechten van het bestand of de map)"
        if primary == SQLITE_IOERR:
            return f"lees- of schrijffout op de schijf van {where}"
        return None
    if module in ("psycopg", "psycopg2"):
        state = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
        where = database_named()
        if state == PG_UNDEFINED_TABLE:
            return no_tables(where)
        if state == PG_DISK_FULL:
            return f"de schijf van de databaseserver van {where} is vol"
        if state == PG_NO_PRIVILEGE:  # the text names a table or schema, never a stored value
            return (
                f"{where} weigert deze gebruiker: {text} (de gebruiker moet eigenaar zijn van de "
                "database en haar tabellen: docs/operations.md, 'The database')"
            )
        if state in PG_LOCKED:
            return f"{where} is bezet: een ander proces houdt een vergrendeling vast; probeer het opnieuw"
    return None


def unreachable(error: BaseException) -> str | None:
    """PostgreSQL that cannot be reached (stopped, another host or port, a connection cut off, a
    database that does not exist), naming the database and its user (:func:`database_named`),
    with the driver's first line (host and port), never the password."""
    driver = error.__cause__ if error.__cause__ is not None else error
    if type(driver).__module__.split(".")[0] not in ("psycopg", "psycopg2"):
        return None
    state = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    operational = any(cls.__name__ == "OperationalError" for cls in type(driver).__mro__)
    if not operational or not (state is None or state.startswith("08") or state in PG_GONE):
        return None
    text = without_password(str(driver).strip().splitlines()[0] if str(driver).strip() else "")
    where = database_named()
    return f"{where} is niet bereikbaar: {text}" if text else f"{where} is niet bereikbaar"


def no_tables(where: str) -> str:
    """A database that misses tables: empty (never migrated, or DATABASE_URL names another one)
    or not brought up to date after an upgrade."""
    try:
        from django.db import connection

        migrated = "django_migrations" in connection.introspection.table_names()
    except Exception:  # noqa: BLE001 - the message is the point, not this look
        migrated = False
    if migrated:
        return (
            f"{where} is niet bijgewerkt (er ontbreekt een tabel): voer 'vroegsignaal migrate' uit"
        )
    return (
        f"{where} heeft nog geen tabellen: voer 'vroegsignaal migrate' uit, of verbeter "
        "DATABASE_URL als dit niet de bedoelde database is"
    )


def _database() -> str:
    try:
        from django.db import connection

        return str(connection.settings_dict["NAME"])
    except Exception:  # noqa: BLE001 - without Django's settings: no name to give
        return "?"


def database_named(connection=None) -> str:
    """How a message names the database: ``de SQLite-database /pad/naam.sqlite3``, or
    ``de database 'naam' (gebruiker 'wie', DATABASE_URL)``.

    The user is half of what an operator checks when PostgreSQL refuses or cannot be found (the
    driver's own text names host and port, a user only when the password was refused); never
    the password.
    """
    try:
        if connection is None:
            from django.db import connection
        if connection.vendor == "sqlite":
            return f"de SQLite-database {connection.settings_dict['NAME']}"
        return (
            f"de database '{connection.settings_dict['NAME']}' (gebruiker "
            f"'{_database_user(connection)}', DATABASE_URL)"
        )
    except Exception:  # noqa: BLE001 - without Django's settings: no name to give
        return "de database (DATABASE_URL)"


def _database_password() -> str:
    try:
        from django.db import connection

        return str(connection.settings_dict.get("PASSWORD") or "")
    except Exception:  # noqa: BLE001 - without Django's settings: no password to hide
        return ""


def _database_user(connection) -> str:
    """The user the connection logs in as: DATABASE_URL's, else the one libpq takes (``PGUSER``,
    else the operating system's user, as the service runs)."""
    import pwd

    user = connection.settings_dict.get("USER") or os.environ.get("PGUSER")
    return str(user or pwd.getpwuid(os.geteuid()).pw_name)


def without_password(text: str, *also: str) -> str:
    """``text`` with the database's password (and ``also``) blotted out, should a driver or a
    tool ever quote it: a message goes to a terminal, a log or a cron mail."""
    hidden = [*also, _database_password()]
    for secret in sorted({value for value in hidden if value}, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text
