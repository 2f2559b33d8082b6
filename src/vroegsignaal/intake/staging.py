"""The staged files of deliveries under ``INCOMING_DIR``: written sealed, read into memory.

A delivery's file is staged before it is evaluated (step 1 of :mod:`.services`), and
kept until its outcome is written; a held ``stand`` keeps its routed rows next to it
(``<name>.rows``, :mod:`.processing`). Why sealed: the web server stages and a worker
processes, on several machines through one shared folder (:mod:`.sealing`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from vroegsignaal.privacy import services as privacy

from . import sealing
from .models import Delivery

# Staged previews and orphaned files older than this are removed.
STAGING_MAX_AGE = dt.timedelta(days=1)


def incoming_dir() -> Path:
    """``INCOMING_DIR`` (``DATA_DIR/incoming``): staged deliveries, this system's user's only.

    The web server stages and a worker processes: on several machines this is one shared
    folder (its files are sealed, see :mod:`.sealing`).
    """
    path = Path(settings.INCOMING_DIR or Path(settings.DATA_DIR) / "incoming")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Staged:
    name: str  # file name under incoming_dir(); "" when nothing was kept
    size: int
    sha256: str
    too_big: bool = False
    head: bytes = b""

    @property
    def path(self) -> Path:
        return incoming_dir() / self.name


def _chunks(source: Any) -> Iterable[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk
        return
    if hasattr(source, "chunks"):  # Django's UploadedFile
        yield from source.chunks()
        return
    while chunk := source.read(1 << 20):
        yield chunk


def stage_file(source: Any, *, suffix: str = "") -> Staged:
    """Copy ``source`` (bytes, a path, an upload or a binary stream) to a private staged file,
    encrypted (:mod:`.sealing`); :func:`read_staged` gives the plaintext back in memory.

    Hashes and measures the plaintext while copying. Beyond ``MAX_DELIVERY_BYTES`` the copy
    stops and nothing is kept (``too_big``).
    """
    limit = settings.MAX_DELIVERY_BYTES
    name = f"{secrets.token_hex(16)}{suffix}"
    path = incoming_dir() / name
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with privacy.open_private(path) as out:
            # Sealed while it is copied: the plaintext never touches disk (see sealing.py).
            sealed = sealing.SealedWriter(out)
            for chunk in _chunks(source):
                size += len(chunk)
                if size > limit:
                    break
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                digest.update(chunk)
                sealed.write(chunk)
            else:
                sealed.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size > limit:
        path.unlink(missing_ok=True)
        return Staged("", size, "", too_big=True, head=head)
    return Staged(name, size, digest.hexdigest(), head=head)


def read_staged(path: Path, *, limit: int | None = None) -> bytes:
    """The plaintext of a staged file, in memory only (let it go as soon as it is parsed)."""
    return sealing.read_plaintext(path, limit=limit)


def staged_source(name: str) -> sealing.StagedPlaintext:
    """A staged file (the upload page's preview) as a source for :func:`receive_delivery`."""
    return sealing.StagedPlaintext(incoming_dir() / name)


def _remove_staged(name: str) -> None:
    if not name:
        return
    for path in (incoming_dir() / name, incoming_dir() / f"{name}.rows"):
        path.unlink(missing_ok=True)


def clean_incoming(max_age: dt.timedelta = STAGING_MAX_AGE) -> int:
    """Remove staged files that no delivery needs any more and that are older than ``max_age``."""
    staged = Delivery.objects.exclude(staged_name="").values_list("staged_name", flat=True)
    keep = {name for s in staged for name in (s, f"{s}.rows")}
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in incoming_dir().iterdir():
        if path.name in keep:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _looks_like_json(head: bytes, filename: str) -> bool:
    if filename.lower().endswith(".json"):
        return True
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
