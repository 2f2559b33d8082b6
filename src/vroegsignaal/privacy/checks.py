"""System checks: a malformed key fails at deploy (``check --deploy``, start-up), not at the first save."""

from __future__ import annotations

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from . import crypto


@register("security")
def check_encryption_keys(app_configs, **kwargs) -> list[Error]:
    errors = []
    for check_id, setting, parse in (
        ("privacy.E001", "ENCRYPTION_KEYS", crypto.keyring),
        ("privacy.E002", "BLIND_INDEX_KEY", crypto._blind_index_key),
    ):
        try:
            parse()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id=check_id, obj=setting))
    return errors
