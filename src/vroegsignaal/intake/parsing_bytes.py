"""The bytes of a delivery, memory-mapped when it is a file on disk.

Every reader gets them as :class:`_Bytes`: the size limit
(``BESTAND_TE_GROOT``) is checked before anything is read, and the hash and
the encoding checks go through a large file a chunk at a time.
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
import os
from pathlib import Path
from typing import IO

from .codes import Code, message
from .refusals import DeliveryRefused, _human_size

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]

_CHUNK = 16 << 20
_SAMPLE = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8


class _Bytes:
    """The delivery's bytes, memory-mapped when it is a file on disk."""

    def __init__(self, source: Source, max_bytes: int):
        self.path: Path | None = None
        self._mmap: mmap.mmap | None = None
        self._file = None
        if isinstance(source, str | os.PathLike):
            self.path = Path(source)
            self.size = self.path.stat().st_size
            _check_size(self.size, max_bytes)
            self.data: bytes | mmap.mmap = b""
            if self.size:
                self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
                self._mmap = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                self.data = self._mmap
        elif isinstance(source, bytes | bytearray | memoryview):
            self.data = bytes(source)
            self.size = len(self.data)
            _check_size(self.size, max_bytes)
        else:
            self.data = source.read(max_bytes + 1)
            self.size = len(self.data)
            _check_size(self.size, max_bytes)

    def head(self, n: int = _SAMPLE) -> bytes:
        return bytes(self.data[:n])

    def chunks(self):
        for start in range(0, self.size, _CHUNK):
            yield self.data[start : start + _CHUNK]

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def close(self) -> None:
        if self._mmap is not None:
            self._mmap.close()
        if self._file is not None:
            self._file.close()


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DeliveryRefused(
            Code.BESTAND_TE_GROOT,
            message(Code.BESTAND_TE_GROOT, maximum=_human_size(max_bytes)),
        )
