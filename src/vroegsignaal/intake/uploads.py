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

Django parses the body of every multipart POST before any view runs (the CSRF
check reads ``request.POST``), so the handler is also the gate: see
:class:`SealedFileUploadHandler`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve

from vroegsignaal.privacy.services import open_private

from . import sealing

UPLOAD_PREFIX = "upload-"
# Room for the multipart envelope around a file of the largest allowed size (as api.MULTIPART_OVERHEAD).
MULTIPART_OVERHEAD = 1024 * 1024
TOO_BIG_ATTRIBUTE = "vroegsignaal_upload_too_big"

PORTAL = "portaal"
API = "api"
# The only views a delivery file may be sent to: more than fits in memory is refused anywhere else.
UPLOAD_VIEWS = {"intake:upload": PORTAL, "intake_api:delivery-list": API}


def upload_route(request) -> str | None:
    """``PORTAL`` or ``API`` when ``request`` may bring a delivery file to disk, else ``None``.

    The page: a POST to the upload page by an active creditor user who logged in
    with both factors (what ``views.creditor_required`` and the two-factor
    middleware ask). The API: a POST to the deliveries collection by the user an
    API key acts as (DRF authenticates before it parses the body).
    """
    if request is None or request.method != "POST":
        return None
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    route = UPLOAD_VIEWS.get(match.view_name)
    if route is None:
        return None
    from vroegsignaal.organisations.models import Role

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role != Role.SCHULDEISER or not user.creditor_id:
        return None
    if route == API:
        return API if getattr(user, "api_key", None) is not None else None
    is_verified = getattr(user, "is_verified", None)
    return PORTAL if is_verified is not None and is_verified() else None


def refused_as_too_big(request) -> bool:
    """Whether the handler stopped this request's upload at ``MAX_DELIVERY_BYTES``."""
    return bool(getattr(request, TOO_BIG_ATTRIBUTE, False))


def _max_request_bytes() -> int:
    return settings.MAX_DELIVERY_BYTES + MULTIPART_OVERHEAD


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
    """Django's ``TemporaryFileUploadHandler``, with every chunk sealed before it is written.

    Only a delivery reaches the disk: a file larger than the memory handler keeps
    (``FILE_UPLOAD_MAX_MEMORY_SIZE``) is taken only on the upload page from a
    creditor's verified user, or on ``POST /api/v1/deliveries/`` from an API key
    (DRF authenticates before it parses the body), and only up to
    ``MAX_DELIVERY_BYTES``. Everything else is refused before a byte is written:
    Django's CSRF check parses the body of every POST, so without this gate
    anyone could fill the incoming folder through the log-in page.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.request_length = 0  # the request's Content-Length
        self.received = 0  # bytes of files received so far, over all files of the request
        self.route: str | None = None
        self.out = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        self.request_length = content_length or 0
        return None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.route = upload_route(self.request)
        if self.route is None:
            # Not a delivery: stop reading at once; the view gets the fields read so far, no file.
            raise StopUpload(connection_reset=True)
        if self.request_length > _max_request_bytes():
            # The page answers BESTAND_TE_GROOT (it checks Content-Length too): the rest is read, not kept.
            self._refuse_too_big(reset=self.route != PORTAL)
        from .services import incoming_dir

        self.path = incoming_dir() / f"{UPLOAD_PREFIX}{secrets.token_hex(16)}"
        self.out = open_private(self.path)
        self.writer = sealing.SealedWriter(self.out)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > settings.MAX_DELIVERY_BYTES:
            self._refuse_too_big(reset=False)  # at most the 1 MiB envelope is left to read
        self.writer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> SealedUploadedFile:
        self.writer.close()
        self.out.close()
        self.out = None
        return SealedUploadedFile(
            self.path,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )

    def upload_interrupted(self) -> None:
        self._discard()

    def upload_complete(self) -> None:
        self._discard()  # a file cut short by StopUpload or SkipFile (a completed one is the view's)

    def _discard(self) -> None:
        """Close and remove the file being written, if any."""
        out, self.out = getattr(self, "out", None), None
        if out is not None:
            try:
                out.close()
            finally:
                self.path.unlink(missing_ok=True)

    def _refuse_too_big(self, *, reset: bool):
        """Remove what was written, mark the request and stop: ``BESTAND_TE_GROOT``."""
        self._discard()
        if self.request is not None:
            setattr(self.request, TOO_BIG_ATTRIBUTE, True)
        if self.route == API:
            # The same answer as a Content-Length beyond the limit (api._check_request_size).
            from .api import RequestTooLarge, _too_large_body

            raise RequestTooLarge(_too_large_body())
        raise StopUpload(connection_reset=reset)
