"""Uploaded delivery files are sealed as they arrive, never written to disk in plain text.

Django keeps an upload up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` in memory and
writes a larger one, as it is, to a file in the system's temporary folder until
the request ends; that file (and the disk blocks it leaves behind) would hold
the names, BSNs and birth dates of a creditor's customers in the clear. This
handler takes the place of Django's temporary-file handler: it seals the
chunks as they arrive (:mod:`.sealing`, a file of its own in the incoming
folder, mode 0600), and the uploaded file it hands the view gives the
plaintext back chunk by chunk. The file goes when the request closes its
uploads; one left by a crashed request is removed by ``clean_incoming``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from vroegsignaal.privacy.services import open_private

from . import sealing

UPLOAD_PREFIX = "upload-"


class SealedUploadedFile(UploadedFile):
    """An upload held sealed on disk; :meth:`chunks` decrypts, :meth:`close` removes it."""

    def __init__(self, path: Path, name, content_type, size, charset, content_type_extra=None):
        super().__init__(open(path, "rb"), name, content_type, size, charset, content_type_extra)  # noqa: SIM115
        self.sealed_path = path

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return sealing.iter_plaintext(self.sealed_path)

    def __iter__(self):
        raise TypeError("A sealed upload is read with chunks().")

    def read(self, size: int | None = -1) -> bytes:
        if size not in (None, -1):
            raise TypeError("A sealed upload is read whole or with chunks().")
        return b"".join(self.chunks())

    def close(self) -> None:
        try:
            self.file.close()
        finally:
            self.sealed_path.unlink(missing_ok=True)


class SealedFileUploadHandler(FileUploadHandler):
    """Django's ``TemporaryFileUploadHandler``, with every chunk sealed before it is written."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        from .services import incoming_dir

        self.path = incoming_dir() / f"{UPLOAD_PREFIX}{secrets.token_hex(16)}"
        self.out = open_private(self.path)
        self.writer = sealing.SealedWriter(self.out)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.writer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> SealedUploadedFile:
        self.writer.close()
        self.out.close()
        return SealedUploadedFile(
            self.path,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )

    def upload_interrupted(self) -> None:
        if hasattr(self, "out"):
            self.out.close()
            self.path.unlink(missing_ok=True)
