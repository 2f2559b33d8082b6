"""A consistent copy of the whole database while the system runs (``vroegsignaal backup``).

Copying the SQLite file of a running system can give a torn copy (pages in the
WAL not yet in the file, a write halfway); SQLite's online backup copies a
consistent snapshot page by page instead, and the copy is checked with
``PRAGMA integrity_check`` before it takes the asked-for name. On PostgreSQL
the field's tool does it: ``pg_dump --format=custom`` (one snapshot
transaction), checked by ``pg_restore --list``.

The copy holds all personal data, encrypted where the fields are, so it is
written with mode 0600 and recorded in the audit log like any export. It is of
no use without ``VROEGSIGNAAL_ENCRYPTION_KEYS`` and
``VROEGSIGNAAL_BLIND_INDEX_KEY``: keep those apart from the copies.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from vroegsignaal.conf.logsafety import SQLITE_BUSY, SQLITE_FULL, SQLITE_LOCKED
from vroegsignaal.paths import SQLITE_SIDECARS, atomic_file, cannot_write, output_problem, shown

from .audit import record
from .models import AuditAction


class BackupError(Exception):
    """The copy could not be made; the message says why, in Dutch, without personal data."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database: str  # "SQLite" or "PostgreSQL"
    size: int  # bytes
    seconds: float
    tables: int  # tables in the copy


def make_backup(path: str | Path, *, overwrite: bool = False) -> BackupReport:
    """Write a checked copy of the database to ``path``; nothing is left behind on failure.

    Written to a temporary file beside it (:func:`vroegsignaal.paths.atomic_file`: ``.<name>.
    <random>.tmp``, mode 0600), recorded in the audit log, synced to disk and renamed: ``path``
    is the earlier file or the whole new copy, never part of one, also when two backups to it run
    at once. The event is written before the rename: when it cannot be, there is no copy (the
    log may name a copy whose rename failed after it, never a copy without its event).

    Refused: the database itself or one of its files (``-wal``, ``-shm``, ``-journal``), even with
    ``overwrite`` (the copy would take the live database's place), a folder of the system's own,
    and an existing file without ``overwrite`` (:func:`vroegsignaal.paths.output_problem`).
    """
    target = Path(path)
    problem = output_problem(target, overwrite=overwrite)
    if problem:
        raise BackupError(problem)
    started = time.perf_counter()
    try:
        # A temporary file of its own (mode 0600, a new random name: a second backup to the same
        # file at the same time writes its own), synced to disk, then renamed; removed on failure.
        with atomic_file(target, overwrite=overwrite) as partial:
            if connection.vendor == "sqlite":
                database, tables = "SQLite", _sqlite_copy(partial)
            elif connection.vendor == "postgresql":
                database, tables = "PostgreSQL", _postgresql_copy(partial)
            else:
                raise BackupError(
                    f"Reservekopieën van {connection.vendor} worden niet ondersteund."
                )
            size = partial.stat().st_size
            # In the audit log before the copy takes its name: no copy of all personal data
            # without its event. When the event cannot be written the copy is removed.
            record(
                None,
                AuditAction.EXPORT,
                object_type="database",
                purpose="reservekopie",
                details={"database": database, "bytes": size, "tabellen": tables},
            )
    except OSError as error:  # the folder is not writable, the disk is full, the name too long, …
        raise BackupError(f"{cannot_write(target, error)}; er is geen kopie gemaakt.") from None
    except sqlite3.Error as error:  # SQLite writing the copy: its disk is full, mostly
        raise BackupError(f"{_sqlite_problem(target, error)}; er is geen kopie gemaakt.") from None
    return BackupReport(target, database, size, time.perf_counter() - started, tables)


def _sqlite_copy(partial: Path) -> int:
    """Copy the database into ``partial`` (there, empty, mode 0600); SQLite writes it in place.

    When the copy fails (a full disk, an interrupt) the files SQLite made beside it (its rollback
    journal, ``-wal``, ``-shm``) go too; ``partial`` itself is removed by ``atomic_file``."""
    connection.ensure_connection()
    copy = sqlite3.connect(partial)
    try:
        # In steps, so that the system's own writers are not held off for the whole copy.
        connection.connection.backup(copy, pages=4096, sleep=0.005)
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError("De kopie is niet in orde (integrity_check); probeer het opnieuw.")
        return copy.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except BaseException:
        copy.close()
        for suffix in SQLITE_SIDECARS:
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        copy.close()  # closing twice is allowed


def _sqlite_problem(target: Path, error: sqlite3.Error) -> str:
    """Why SQLite could not make the copy, without its text: a full disk (naming the folder), the
    database busy, else SQLite's code (``SQLITE_IOERR_WRITE``)."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == SQLITE_FULL:
        return cannot_write(target, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return (
            f"Kan {shown(target)} niet schrijven: de database is bezet door een ander proces; "
            "probeer het straks opnieuw"
        )
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    return f"Kan {shown(target)} niet schrijven: SQLite meldt {name}"


def _postgresql_copy(partial: Path) -> int:
    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not dump or not restore:
        raise BackupError(
            "pg_dump of pg_restore niet gevonden: installeer de PostgreSQL-client "
            "(dezelfde hoofdversie als de server)."
        )
    params = connection.get_connection_params()
    env = {**os.environ, "PGDATABASE": params.get("dbname") or connection.settings_dict["NAME"]}
    for key, variable in (
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),  # in the environment, never on the command line
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("sslmode", "PGSSLMODE"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    done = subprocess.run(  # pg_dump writes the file that is there (mode 0600) in place
        [dump, "--format=custom", "--no-password", f"--file={partial}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        said = _tool_said(done.stderr, env.get("PGPASSWORD", ""))
        raise BackupError(f"pg_dump is mislukt: {said}")
    listed = subprocess.run(
        [restore, "--list", str(partial)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        said = _tool_said(listed.stderr, env.get("PGPASSWORD", ""))
        raise BackupError(f"De kopie is niet leesbaar voor pg_restore: {said}")
    return sum(1 for line in listed.stdout.splitlines() if " TABLE DATA " in line)


TOOL_LINES = 5  # of a PostgreSQL tool's stderr, the last this many non-empty lines are shown


def _tool_said(stderr: str, password: str) -> str:
    """What pg_dump or pg_restore said, on one line: its last :data:`TOOL_LINES` non-empty lines,
    joined by `` | ``, the password blotted out.

    Its last line alone is often the least of it: ``pg_dump: detail: Query was: LOCK TABLE …``
    after the error, ``aborting because of server version mismatch`` after the two versions.
    """
    from vroegsignaal.conf.logsafety import without_password

    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "geen melding"
    return without_password(" | ".join(lines[-TOOL_LINES:]), password)
