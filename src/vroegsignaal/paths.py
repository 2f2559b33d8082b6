"""A file or folder the operator names on the command line: what is wrong with it, in Dutch.

The operating system says it in English (``No such file or directory``); the commands say it in
Dutch, naming the path, and never show a traceback for it. A file of personal data is written
whole or not at all (:func:`atomic_output`, :func:`atomic_file`, :func:`write_atomically`), and
a ``SIGTERM`` while it is written removes what was begun (:func:`sigterm_unwinds`). Pure Python:
the world generator, which runs without Django, uses it too (only :func:`system_places` reads
Django's settings, when it is called).
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# What the operating system's errors mean for the operator (errno → the reason, in Dutch).
REASONS = {
    errno.ENOENT: "bestaat niet",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EISDIR: "is een map",
    errno.EACCES: "geen toegang (bestandsrechten)",
    errno.EPERM: "geen toegang (bestandsrechten)",
    errno.ENAMETOOLONG: "de naam is te lang",
    errno.ELOOP: "te veel symbolische koppelingen",
    errno.EEXIST: "bestaat al",
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "het schijfquotum is op",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.EBUSY: "is in gebruik",
    errno.ETXTBSY: "is in gebruik",
    errno.EINVAL: "is geen geldige naam",
}
SHOWN_LENGTH = 120  # a path longer than this is shortened in a message


def reason(error: OSError) -> str:
    """Why the operating system refused, in Dutch (the error's code when it is an unusual one)."""
    if error.errno in REASONS:
        return REASONS[error.errno]
    code = errno.errorcode.get(error.errno) if error.errno is not None else None
    return f"systeemfout {code or type(error).__name__}"


def cannot_write(path: str | Path, error: OSError) -> str:
    """``Kan <path> niet schrijven: <why>`` (no full stop: the caller ends the sentence). A full
    disk (or quota) names the folder that has no room left: ``de schijf is vol (map /srv/x)``."""
    text = f"Kan {shown(path)} niet schrijven: {reason(error)}"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        text += f" (map {shown(Path(path).absolute().parent)})"
    return text


def shown(path: str | Path) -> str:
    """A path (or another value typed) as a message names it: shortened in the middle when very long."""
    text = str(path)
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[: SHOWN_LENGTH // 2]}…{text[-SHOWN_LENGTH // 3 :]} ({len(text)} tekens)"


def input_problem(path: str | Path, *, what: str = "het bestand") -> str | None:
    """Why ``path`` cannot be read as the file to work on, or ``None``: it is a readable regular file.

    Not a device or a pipe either (``/dev/zero``): a command would read it without end. ``what``
    names the file the command wants, for a folder given instead ("geef het YAML-bestand zelf op").
    """
    path = Path(path)
    if str(path) in ("", "."):
        return "Geef een bestand op."
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"Het bestand {shown(path)} bestaat niet."
        return f"Het bestand {shown(path)} kan niet worden gelezen: {reason(error)}."
    if stat.S_ISDIR(mode):
        return f"{shown(path)} is een map; geef {what} zelf op."
    if not stat.S_ISREG(mode):
        return f"{shown(path)} is geen gewoon bestand (maar bijvoorbeeld een apparaat of een pijp); geef een bestand op."
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        return f"Het bestand {shown(path)} kan niet worden gelezen: {reason(error)}."
    return None


def output_problem(path: str | Path, *, overwrite: bool = False) -> str | None:
    """Why a file cannot be written at ``path``, or ``None``: its folder is there, it is none of the
    system's own files or folders (:func:`system_problem`), and it does not exist yet unless
    ``overwrite`` (the command's ``--overschrijven``). Whether the writing itself succeeds shows
    when it is done: :func:`reason` says why not."""
    path = Path(path)
    if str(path) in ("", "."):
        return "Geef de naam van het bestand op."
    try:
        if path.is_dir():
            return f"{shown(path)} is een map; geef de naam van het bestand op."
        if not path.parent.is_dir():
            if path.parent.exists():
                return f"{shown(path.parent)} is geen map."
            return f"De map {shown(path.parent)} bestaat niet."
        problem = system_problem(path)
        if problem:
            return problem
        if not os.access(
            path.parent, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids
        ):
            return f"Kan {shown(path)} niet schrijven: geen toegang tot de map (bestandsrechten)."
        if os.path.lexists(path) and not overwrite:
            return f"{shown(path)} bestaat al; kies een andere naam of gebruik --overschrijven."
    except OSError as error:
        return f"Kan {shown(path)} niet schrijven: {reason(error)}."
    return None


def put_in_place(finished: str | Path, target: str | Path, *, overwrite: bool) -> None:
    """Give the finished temporary file ``finished`` the name ``target``, whole or not at all.

    Without ``overwrite`` a file that appeared at ``target`` since :func:`output_problem` looked
    is kept: a hard link fails with ``FileExistsError`` ("bestaat al") where a rename would replace
    it. A file system without hard links gets the rename after a last look."""
    if overwrite:
        os.replace(finished, target)
        return
    try:
        os.link(finished, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(finished, target)
        return
    os.unlink(finished)


@contextmanager
def _temporary_beside(path: Path, overwrite: bool) -> Iterator[tuple[IO[bytes], Path]]:
    """The temporary file of :func:`atomic_output` and :func:`atomic_file`: its stream and its name."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream, Path(temporary)
            stream.flush()
            os.fsync(stream.fileno())  # the file's data, whichever descriptor wrote it
        put_in_place(temporary, path, overwrite=overwrite)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_output(path: str | Path, *, overwrite: bool = True) -> Iterator[IO[bytes]]:
    """A binary stream to a new temporary file beside ``path`` that takes its name when the block ends.

    The temporary file (``.<name>.<random>.tmp``, in the same folder so that the rename stays on
    one file system) is created with mode 0600 (``mkstemp``): the file holds personal data from
    its first byte. Its name is new for each call: two writers of the same ``path`` at once each
    write their own and the last one to finish gives the name (or, without ``overwrite``, the
    second is refused). What is written goes to it as it is written; when the block ends without an
    exception it is flushed, synced to disk and put in place (:func:`put_in_place`, ``overwrite``
    as there). When the block raises (anything, an interrupt too) the temporary file is removed
    and ``path`` is as it was: absent, or the earlier file unchanged. Only a process that dies
    without unwinding (``SIGKILL``, a ``SIGTERM`` nothing handles — see
    :func:`sigterm_unwinds` —, a power cut) leaves the hidden temporary file behind; never a
    partial file under the asked-for name.
    """
    with _temporary_beside(Path(path), overwrite) as (stream, _name):
        yield stream


@contextmanager
def atomic_file(path: str | Path, *, overwrite: bool = True) -> Iterator[Path]:
    """:func:`atomic_output` for a writer that wants a file name (SQLite's online backup,
    ``pg_dump --file``) instead of a stream: the block gets the name of the temporary file,
    which exists (empty, mode 0600). The writer must write that file in place, not replace it
    (a file it creates has its own mode). When the block ends the file is synced and takes the
    name of ``path``; when it raises it is removed, as :func:`atomic_output` does."""
    with _temporary_beside(Path(path), overwrite) as (_stream, name):
        yield name


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While the block runs, ``SIGTERM`` (``kill``, ``systemctl stop``) unwinds it as
    ``SystemExit(143)`` instead of ending the process on the spot, so that :func:`atomic_output`
    removes its temporary file. A command that writes a file wraps its writing in it. The
    handler runs between Python's steps: one long call into C (SQLite's online backup, its
    integrity check) ends first; a wait for a child (``subprocess.run``) is cut short and the
    child killed. Only in the main thread (the only one a signal handler can be set in;
    elsewhere the block runs as it is); the earlier handler comes back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_atomically(data: bytes, path: str | Path, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`: ``path`` is whole or absent
    (and, without ``overwrite``, a file that appeared there meanwhile is kept: FileExistsError)."""
    with atomic_output(path, overwrite=overwrite) as stream:
        stream.write(data)


# SQLite's files beside the database: the write-ahead log, its index, the rollback journal. A file
# of that name that is no SQLite file is read as one at the next connection (or recovery).
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def system_places() -> tuple[list[Path], list[Path], Path | None]:
    """What no export or copy may replace or be written into, from Django's settings.

    * files: each SQLite database (``DATABASES``) and its sidecars (:data:`SQLITE_SIDECARS`);
    * folders: the staged deliveries (``VROEGSIGNAAL_INCOMING_DIR``, else ``DATA_DIR/incoming``),
      ``STATIC_ROOT`` (the web server publishes it), ``MEDIA_ROOT`` and the file cache's folder;
    * the data folder (``VROEGSIGNAAL_DATA_DIR``): its folders are the system's; a file in the data
      folder itself is allowed (mode 0700, only this system's user reads it).

    Empty without Django's settings (the world generator).
    """
    try:
        from django.conf import settings

        if not settings.configured:
            return [], [], None
        databases = dict(settings.DATABASES)
    except ImportError:
        return [], [], None
    files: list[Path] = []
    for database in databases.values():
        name = str(database.get("NAME") or "")
        if "sqlite" not in str(database.get("ENGINE", "")) or _in_memory(name):
            continue
        if name.startswith("file:"):  # a URI: file:/path/db.sqlite3?mode=rw
            name = name[len("file:") :].split("?", 1)[0]
        files += [Path(name + suffix) for suffix in ("", *SQLITE_SIDECARS)]
    data_dir = getattr(settings, "DATA_DIR", None)
    folders = [
        getattr(settings, "INCOMING_DIR", "") or (Path(data_dir) / "incoming" if data_dir else ""),
        getattr(settings, "STATIC_ROOT", ""),
        getattr(settings, "MEDIA_ROOT", ""),
        *(
            cache.get("LOCATION", "")
            for cache in getattr(settings, "CACHES", {}).values()
            if cache.get("BACKEND", "").endswith("FileBasedCache")
        ),
    ]
    return files, [Path(f) for f in folders if f], Path(data_dir) if data_dir else None


def _in_memory(name: str) -> bool:
    return name in ("", ":memory:") or "mode=memory" in name


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def system_problem(path: str | Path) -> str | None:
    """Why ``path`` is the system's own (:func:`system_places`), or ``None``.

    Looked at both as written (a link is replaced, not followed: how the commands write) and
    followed to where it points (how ``dumpdata`` writes), and by identity (a hard link to the
    database is the database).
    """
    path = Path(path)
    files, folders, data_dir = system_places()
    # The file itself (its folder's links followed) and what a link there points to.
    places = {_real(path.parent) / path.name, _real(path)}
    for protected in files:
        real = _real(protected)
        same = real in places
        if not same and os.path.exists(path) and os.path.exists(protected):
            same = os.path.samefile(path, protected)
        if same:
            return (
                f"{shown(path)} is de database van Vroegsignaal (of een bestand dat erbij hoort); "
                "kies een ander bestand. Een kopie van de database maakt u met 'vroegsignaal backup'."
            )
    for place in places:
        folder = place.parent
        for protected in folders:
            if _inside(folder, _real(protected)):
                return (
                    f"{shown(path)} ligt in {shown(protected)}, een map van het systeem zelf; "
                    "kies een andere map."
                )
        if data_dir is not None:
            data = _real(data_dir)
            if folder != data and _inside(folder, data):
                return (
                    f"{shown(path)} ligt in een map binnen de datamap {shown(data_dir)} "
                    "(VROEGSIGNAAL_DATA_DIR), die van het systeem zelf is; kies een andere map."
                )
    return None
