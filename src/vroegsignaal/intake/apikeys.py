"""API keys of a creditor's system: made, revoked, and checked on every API request.

Only a key's prefix and the SHA-256 of its secret are stored, so the text is shown
once; a check compares hashes in constant time (:func:`authenticate_api_key`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from vroegsignaal.organisations.models import Creditor
from vroegsignaal.privacy import services as privacy

from .models import ApiKey

# last_used_at of an API key is written at most this often.
API_KEY_TOUCH_INTERVAL = dt.timedelta(minutes=1)

API_KEY_PREFIX_BYTES = 6  # 12 hex characters
API_KEY_SECRET_BYTES = 32  # 256 bits


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyNameTaken(ValueError):
    """An active key of the creditor has the name already; ``args[0]`` is that key."""


def _key_name(name: str | None) -> str:
    return (name or "").strip()[:100] or "API-sleutel"


def active_key_named(creditor: Creditor, name: str | None) -> ApiKey | None:
    """The creditor's active (not revoked) key of this name, capitals aside, or ``None``.

    Two active keys of one name differ in the list and on the revoke page by their prefix only;
    a revoked key's name may be given again.
    """
    return ApiKey.objects.active().filter(creditor=creditor, name__iexact=_key_name(name)).first()


def create_api_key(
    creditor: Creditor, name: str, user=None, *, unique_name: bool = False
) -> tuple[ApiKey, str]:
    """A new key for a creditor system; returns the key and its text ``<prefix>.<secret>``, shown once.

    With ``unique_name`` a name an active key of the creditor has (:func:`active_key_named`) is
    refused with :class:`ApiKeyNameTaken`, checked with the creditor's row locked, so that two
    requests at once (a double click) do not both make one.
    """
    name = _key_name(name)
    secret = secrets.token_urlsafe(API_KEY_SECRET_BYTES)
    with transaction.atomic():
        if unique_name:
            Creditor.objects.select_for_update().filter(pk=creditor.pk).first()
            if (taken := active_key_named(creditor, name)) is not None:
                raise ApiKeyNameTaken(taken)
        for _attempt in range(5):
            prefix = secrets.token_hex(API_KEY_PREFIX_BYTES)
            try:
                with transaction.atomic():
                    key = ApiKey.objects.create(
                        creditor=creditor,
                        name=name,
                        prefix=prefix,
                        secret_hash=_hash_secret(secret),
                        created_by=user if getattr(user, "pk", None) else None,
                    )
                    privacy.record(
                        user,
                        privacy.AuditAction.CREATE,
                        key,
                        purpose="API-sleutel aangemaakt",
                        details={"schuldeiser": creditor.code, "voorvoegsel": prefix},
                    )
                return key, f"{prefix}.{secret}"
            except IntegrityError:  # a prefix collision: 1 in 2**48
                continue
    raise RuntimeError("Kon geen unieke API-sleutel maken.")


def revoke_api_key(api_key: ApiKey, user=None) -> ApiKey:
    """Revoke a key; it is refused from then on. Revoking twice changes nothing."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            privacy.record(
                user,
                privacy.AuditAction.UPDATE,
                key,
                purpose="API-sleutel ingetrokken",
                details={"schuldeiser": key.creditor.code, "voorvoegsel": key.prefix},
            )
    return key


def authenticate_api_key(text: str) -> ApiKey | None:
    """The active key ``<prefix>.<secret>`` names, or ``None``; compares hashes in constant time."""
    prefix, dot, secret = (text or "").strip().partition(".")
    if not dot or not prefix or not secret or len(prefix) > 16 or len(secret) > 200:
        return None
    key = ApiKey.objects.select_related("creditor").filter(prefix=prefix).first()
    # Hash even when there is no key, so timing does not tell whether a prefix exists.
    candidate = _hash_secret(secret)
    expected = key.secret_hash if key is not None else "0" * 64
    if not hmac.compare_digest(candidate, expected) or key is None or key.revoked_at is not None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_user_for(key: ApiKey):
    """The (unsaved) creditor user an API key acts as, so the scoping layer applies unchanged."""
    from vroegsignaal.organisations.models import Role, User

    user = User(
        username=f"api-{key.prefix}", role=Role.SCHULDEISER, creditor=key.creditor, is_active=True
    )
    user.api_key = key
    return user
