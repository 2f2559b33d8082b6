"""The privacy app's public face: audit, encryption, blind indexes, key rotation (of the encryption
keys and of the blind-index key), retention, backups,
and the inzageverzoek (AVG art. 15, :mod:`.subject_access`).

Other apps import from here (or from :mod:`.fields` for model fields).
"""

from __future__ import annotations

from .audit import (
    VerifyResult,
    client_ip,
    organisation_label,
    recent_refusals,
    record,
    verify_chain,
)
from .backup import BackupError, BackupReport, make_backup
from .crypto import (
    DecryptionError,
    blind_index,
    blind_index_many,
    current_key_id,
    decrypt,
    decrypt_many,
    encrypt,
    encrypt_many,
)
from .files import open_private
from .keys import BlindIndexKeyMismatch, RotationReport, require_blind_index_key, rotate_keys
from .models import AuditAction, AuditEvent
from .purposes import LABELS as PURPOSE_LABELS
from .purposes import purpose_label
from .reindex import IndexRotation, RotationRefused, rotate_blind_index_key
from .retention import PurgeReport, policy_for, purge

__all__ = [
    "AuditAction",
    "AuditEvent",
    "PURPOSE_LABELS",
    "BackupError",
    "BackupReport",
    "BlindIndexKeyMismatch",
    "DecryptionError",
    "IndexRotation",
    "PurgeReport",
    "RotationRefused",
    "RotationReport",
    "VerifyResult",
    "blind_index",
    "blind_index_many",
    "client_ip",
    "current_key_id",
    "decrypt",
    "decrypt_many",
    "encrypt",
    "encrypt_many",
    "make_backup",
    "open_private",
    "organisation_label",
    "policy_for",
    "purge",
    "purpose_label",
    "recent_refusals",
    "record",
    "rotate_blind_index_key",
    "require_blind_index_key",
    "rotate_keys",
    "subject_access_document",
    "subject_access_export",
    "subject_access_search",
    "verify_chain",
]


# The inzageverzoek reads the households, signals, cases and feedback apps, which import this
# module: imported when called, not here.


def subject_access_search(user, query, *, request=None):
    """Look a person up for an inzageverzoek (:func:`.subject_access.search`); audited."""
    from . import subject_access

    return subject_access.search(user, query, request=request)


def subject_access_document(user, query, person_ids=(), *, request=None) -> dict:
    """The inzageverzoek as a page to print for the requester (:func:`.subject_access.document`); audited."""
    from . import subject_access

    return subject_access.document(user, query, person_ids, request=request)


def subject_access_export(user, query, person_ids=(), *, request=None) -> tuple[str, bytes]:
    """The inzageverzoek as a JSON file (:func:`.subject_access.export`); audited."""
    from . import subject_access

    return subject_access.export(user, query, person_ids, request=request)
