"""Staged delivery files encrypted at rest (names, BSN and birth dates of up to a million people).

A staged file is sealed with AES-256-GCM under a fresh random key of its own
(the *file key*); the file key is wrapped with the project's current field
key (``VROEGSIGNAAL_ENCRYPTION_KEYS``, :func:`vroegsignaal.privacy.crypto.keyring`),
whose id is written in the file's header. So a key rotation between staging
and processing changes nothing: the file names the key that opens it, and
every configured key decrypts (keep an old key until the deliveries staged
under it are processed, as for the field values).

Layout::

    MAGIC | len(kid) [1 byte] | kid | wrap nonce [12] | wrapped file key [32 + 16 tag]
    then chunks: len(sealed) [4 bytes, big-endian] | sealed chunk (≤ 1 MiB + 16 tag)

Each chunk is sealed under the file key with the nonce ``index [11 bytes] |
last [1 byte]`` and the header as associated data (the STREAM construction):
chunks cannot be reordered, dropped, cut off at the end or moved to another
file without failing to decrypt. The file key is used for this one file only,
so counter nonces never repeat.

Plaintext never touches disk: :class:`SealedWriter` encrypts while the upload
is copied, :func:`read_plaintext` decrypts into memory for the parser.
A file without the header is one staged before sealing existed and is read
as it is.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vroegsignaal.privacy import crypto

# A NUL first: no CSV, XLSX (PK…) or JSON ({…) the intake accepts starts with one.
MAGIC = b"\x00VSLEVERING1\n"
CHUNK = 1 << 20
TAG = 16
_WRAP_CONTEXT = b"vroegsignaal:staged-file-key:"
_LENGTH = struct.Struct(">I")


class SealedFileError(crypto.DecryptionError):
    """The staged file cannot be opened; the message says why, never what it holds."""


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Write plaintext in pieces of any size; sealed chunks go to ``out``. Call :meth:`close`."""

    def __init__(self, out: IO[bytes]):
        ring = crypto.keyring()
        kid = ring.current_id.encode("ascii")
        file_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = os.urandom(crypto.NONCE_BYTES)
        wrapped = ring.ciphers[ring.current_id].encrypt(wrap_nonce, file_key, _WRAP_CONTEXT + kid)
        self.header = MAGIC + bytes([len(kid)]) + kid + wrap_nonce + wrapped
        self._out = out
        self._cipher = AESGCM(file_key)
        self._pending = bytearray()
        self._index = 0
        out.write(self.header)

    def _emit(self, plain: bytes, last: bool) -> None:
        sealed = self._cipher.encrypt(_nonce(self._index, last), plain, self.header)
        self._out.write(_LENGTH.pack(len(sealed)))
        self._out.write(sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._pending += data
        # Keep at least one byte back: the last chunk is only known at close().
        while len(self._pending) > CHUNK:
            self._emit(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]

    def close(self) -> None:
        self._emit(bytes(self._pending), last=True)
        self._pending = bytearray()


def _open_header(handle: IO[bytes], path_name: str) -> tuple[bytes, AESGCM]:
    fixed = handle.read(len(MAGIC) + 1)
    kid_length = fixed[-1]
    kid = handle.read(kid_length)
    wrap_nonce = handle.read(crypto.NONCE_BYTES)
    wrapped = handle.read(crypto.KEY_BYTES + TAG)
    if len(kid) != kid_length or len(wrapped) != crypto.KEY_BYTES + TAG:
        raise SealedFileError(f"Het tijdelijke bestand {path_name} is beschadigd (kop te kort).")
    kid_text = kid.decode("ascii", errors="replace")
    cipher = crypto.keyring().ciphers.get(kid_text)
    if cipher is None:
        raise SealedFileError(
            f"Het tijdelijke bestand {path_name} is versleuteld met sleutel-id '{kid_text}', die niet in "
            "VROEGSIGNAAL_ENCRYPTION_KEYS staat. Zet de oude sleutel terug (achteraan)."
        )
    try:
        file_key = cipher.decrypt(wrap_nonce, wrapped, _WRAP_CONTEXT + kid)
    except InvalidTag:
        raise SealedFileError(
            f"De sleutel van het tijdelijke bestand {path_name} past niet bij sleutel-id '{kid_text}'."
        )
    return fixed + kid + wrap_nonce + wrapped, AESGCM(file_key)


def file_key_id(path: Path) -> str | None:
    """The id of the field key a staged file's key is wrapped with; ``None`` for an unsealed file."""
    with open(path, "rb") as handle:
        fixed = handle.read(len(MAGIC) + 1)
        if len(fixed) <= len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
            return None
        return handle.read(fixed[-1]).decode("ascii", errors="replace")


def check_file_key(path: Path) -> str:
    """Unwrap a staged file's key (nothing of its contents is read); its key id, or :class:`SealedFileError`."""
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise SealedFileError(f"Het tijdelijke bestand {path.name} is niet verzegeld.")
        handle.seek(0)
        header, _ = _open_header(handle, path.name)
    return header[len(MAGIC) + 1 : len(MAGIC) + 1 + header[len(MAGIC)]].decode("ascii")


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def iter_plaintext(path: Path, *, limit: int | None = None) -> Iterator[bytes]:
    """The file's plaintext in chunks (≤ 1 MiB), authenticated chunk by chunk.

    With ``limit`` it stops once that many bytes were given (the preview's
    head); without it, a file cut short or with bytes after its last chunk
    raises :class:`SealedFileError`.
    """
    name = path.name
    given = 0
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:  # staged before sealing existed
            handle.seek(0)
            while chunk := handle.read(CHUNK):
                yield chunk
                given += len(chunk)
                if limit is not None and given >= limit:
                    return
            return
        handle.seek(0)
        header, cipher = _open_header(handle, name)
        index = 0
        while True:
            length = handle.read(_LENGTH.size)
            if len(length) != _LENGTH.size:
                raise SealedFileError(f"Het tijdelijke bestand {name} is afgebroken.")
            (size,) = _LENGTH.unpack(length)
            if size < TAG or size > CHUNK + TAG:
                raise SealedFileError(f"Het tijdelijke bestand {name} is beschadigd.")
            sealed = handle.read(size)
            if len(sealed) != size:
                raise SealedFileError(f"Het tijdelijke bestand {name} is afgebroken.")
            for last in (False, True):
                try:
                    plain = cipher.decrypt(_nonce(index, last), sealed, header)
                    break
                except InvalidTag:
                    continue
            else:
                raise SealedFileError(f"Het tijdelijke bestand {name} is gewijzigd of beschadigd.")
            yield plain
            given += len(plain)
            index += 1
            if limit is not None and given >= limit:
                return
            if last:
                if handle.read(1):
                    raise SealedFileError(
                        f"Het tijdelijke bestand {name} heeft gegevens na het einde."
                    )
                return


def read_plaintext(path: Path, *, limit: int | None = None) -> bytes:
    """The file's plaintext in memory (at most about ``limit`` bytes when given).

    Written into one growing buffer whose bytes are handed over without a
    copy, so a 134 MiB file costs about 134 MiB, not twice that.
    """
    buffer = io.BytesIO()
    for chunk in iter_plaintext(path, limit=limit):
        buffer.write(chunk)
    data = buffer.getvalue()
    buffer.close()
    return data if limit is None else data[:limit]


class StagedPlaintext:
    """A staged file as a source for :func:`.staging.stage_file` (which seals it again)."""

    def __init__(self, path: Path):
        self.path = path

    def chunks(self) -> Iterator[bytes]:
        return iter_plaintext(self.path)
