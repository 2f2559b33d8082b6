"""Model fields that store personal data encrypted (see :mod:`.crypto`).

The column holds ``v1:<kid>:…`` tokens in a text column; Python code sees the
plain value. Encryption happens in ``get_prep_value`` (so ``save``,
``bulk_create``, ``update()`` and ``bulk_update`` all encrypt) and decryption
in ``from_db_value`` (so instances, ``.values()`` and ``.values_list()`` all
decrypt).

The fields cannot be filtered, ordered or made unique on in SQL: every token
has a fresh random nonce, so equal values never compare equal. Only
``__isnull`` is allowed; any other lookup raises ``FieldError`` instead of
silently matching nothing. To find rows by value, store a
:func:`~.crypto.blind_index` of the normalised value in a separate indexed
column.

Serialisation writes the decrypted value: the project's ``dumpdata``
(``privacy/management/commands/dumpdata.py``) refuses the models with these
fields; treat any other serialisation as personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from . import crypto

_ALLOWED_LOOKUPS = frozenset({"isnull"})


class _EncryptedMixin:
    """Allow only ``isnull``: equality on random-nonce ciphertext never matches."""

    def get_lookup(self, lookup_name: str):
        if lookup_name not in _ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str):
        return None


class EncryptedTextField(_EncryptedMixin, models.TextField):
    """Text encrypted at rest. ``None`` stays NULL and ``""`` stays ``""``
    (an empty value reveals nothing and keeps "is it filled in" queryable)."""

    description = "Text encrypted with AES-256-GCM"

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)


class EncryptedDateField(_EncryptedMixin, models.DateField):
    """A ``datetime.date`` stored as an encrypted ISO date (``YYYY-MM-DD``) in
    a text column. Validation, forms and serialisation behave as DateField."""

    description = "Date encrypted with AES-256-GCM"

    def get_internal_type(self) -> str:
        return "TextField"

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)  # to_python: str/datetime -> date
        if value is None:
            return None
        return crypto.encrypt(value.isoformat())

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> str | None:
        # DateField would hand the token to the backend's date adapter.
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value: str | None, expression, connection) -> dt.date | None:
        if value is None or value == "":
            return None
        return dt.date.fromisoformat(crypto.decrypt(value))


ENCRYPTED_FIELD_TYPES: tuple[type[models.Field], ...] = (EncryptedTextField, EncryptedDateField)
