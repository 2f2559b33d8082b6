"""The privacy app's public face: audit, encryption, blind indexes, key rotation, retention, backups.

Other apps import from here (or from :mod:`.fields` for model fields).
"""

from __future__ import annotations

from .audit import VerifyResult, client_ip, record, verify_chain
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
from .keys import RotationReport, rotate_keys
from .models import AuditAction, AuditEvent
from .retention import PurgeReport, policy_for, purge

__all__ = [
    "AuditAction",
    "AuditEvent",
    "BackupError",
    "BackupReport",
    "DecryptionError",
    "PurgeReport",
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
    "policy_for",
    "purge",
    "record",
    "rotate_keys",
    "verify_chain",
]
