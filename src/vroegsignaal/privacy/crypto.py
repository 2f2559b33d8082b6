"""Encryption of personal data at rest, and blind indexes to match on it.

Values are encrypted with AES-256-GCM (authenticated: a changed token fails to
decrypt rather than decrypting to garbage). Keys come from
``settings.ENCRYPTION_KEYS`` as ``"kid:base64key,kid2:base64key"``: the first
key encrypts, every listed key decrypts, so a key is rotated by putting a new
one in front and running ``vroegsignaal rotate_keys``.

Stored token format (text, ASCII)::

    v1:<kid>:<base64(nonce[12] | ciphertext | tag[16])>

No associated data is bound into the tag. Binding the table/column/row would
stop a token being copied to another row, but it would also make every bulk
path (COPY, SQL updates, Polars pipelines, ``rotate_keys`` over raw values)
need to know the row's identity; we keep tokens position-independent and rely
on the database's access control against row swapping.

Nonces are random (96 bits). NIST SP 800-38D limits one key to about 2**32
random-nonce encryptions; rotate the key well before that (yearly is ample at
national scale).

A blind index is ``HMAC-SHA256(BLIND_INDEX_KEY, context || 0x00 || value)``,
hex, truncated to 32 characters (128 bits). The context (e.g. ``"person.bsn"``)
keeps indexes of different fields unlinkable. Callers normalise the value
(case, spaces, diacritics) before indexing; this module indexes exactly what it
is given. ``vroegsignaal rotate_blind_index_key`` replaces the key: it makes
every stored index again from the decrypted values (:mod:`.reindex`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

TOKEN_VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
BLIND_INDEX_LENGTH = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# How an operator makes a key: in every message about a missing or malformed one (never the key itself).
MAKE_KEY = (
    "Maak een sleutel van 32 willekeurige bytes met: "
    "python3 -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'"
)


class DecryptionError(ValueError):
    """A stored token cannot be decrypted; the message says why, never what."""

    # The message names a key id and what is wrong, never a value: the log keeps it
    # (conf.logsafety.ExceptionClassOnly), so an operator reads which key is missing.
    text_is_safe = True


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    ciphers: dict[str, AESGCM]
    prefixes: dict[str, str]  # kid -> "v1:<kid>:"
    current_key: bytes = b""  # handed to the encryption child (background.py) through a pipe


_keyring: KeyRing | None = None
_blind_key: bytes | None = None
# A key that replaces the configured blind-index key in one thread (:func:`blind_index_key_in_use`).
_blind_key_override = threading.local()


@receiver(setting_changed)
def _reset_key_cache(*, setting: str, **kwargs) -> None:
    """Tests (and override_settings) change keys; forget the parsed ones."""
    global _keyring, _blind_key
    if setting == "ENCRYPTION_KEYS":
        _keyring = None
    elif setting == "BLIND_INDEX_KEY":
        _blind_key = None


def _decode_key(b64: str, what: str) -> bytes:
    try:
        return base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what} is geen geldige base64.")


def parse_encryption_keys(raw: str | Sequence[str] | None) -> KeyRing:
    """Parse ``"kid:base64key,…"`` into a key ring; fail loudly on any flaw."""
    if not raw:
        raise ImproperlyConfigured(
            "VROEGSIGNAAL_ENCRYPTION_KEYS ontbreekt: geef ten minste één sleutel als 'id:base64sleutel', "
            f"bijvoorbeeld k2026:<sleutel>. {MAKE_KEY}"
        )
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    ciphers: dict[str, AESGCM] = {}
    current_id = ""
    current_key = b""
    for item in (i.strip() for i in items):
        if not item:
            continue
        kid, sep, b64 = item.partition(":")
        kid = kid.strip()
        if not sep or not _KEY_ID.match(kid):
            raise ImproperlyConfigured(
                "VROEGSIGNAAL_ENCRYPTION_KEYS moet de vorm 'id:base64sleutel,id2:base64sleutel' hebben; "
                "een id bestaat uit 1–32 letters, cijfers, '-' of '_'."
            )
        if kid.lower() in {known.lower() for known in ciphers}:  # SQLite LIKE ignores case
            raise ImproperlyConfigured(
                f"VROEGSIGNAAL_ENCRYPTION_KEYS noemt sleutel-id '{kid}' twee keer."
            )
        key = _decode_key(b64, f"Sleutel '{kid}' in VROEGSIGNAAL_ENCRYPTION_KEYS")
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"Sleutel '{kid}' in VROEGSIGNAAL_ENCRYPTION_KEYS is {len(key)} bytes; AES-256 vraagt precies "
                f"{KEY_BYTES} bytes. {MAKE_KEY}"
            )
        ciphers[kid] = AESGCM(key)
        if not current_id:
            current_id, current_key = kid, key
    if not ciphers:
        raise ImproperlyConfigured("VROEGSIGNAAL_ENCRYPTION_KEYS bevat geen sleutels.")
    return KeyRing(
        current_id, ciphers, {kid: f"{TOKEN_VERSION}:{kid}:" for kid in ciphers}, current_key
    )


def keyring() -> KeyRing:
    global _keyring
    if _keyring is None:
        _keyring = parse_encryption_keys(getattr(settings, "ENCRYPTION_KEYS", None))
    return _keyring


def current_key_id() -> str:
    """The id of the key new values are encrypted with."""
    return keyring().current_id


def encrypt(text: str) -> str:
    """Encrypt ``text`` with the current key into a ``v1:<kid>:…`` token."""
    if not isinstance(text, str):
        raise TypeError(f"encrypt() takes str, not {type(text).__name__}")
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, text.encode("utf-8"), None)
    return ring.prefixes[ring.current_id] + base64.b64encode(nonce + sealed).decode("ascii")


def encrypt_many(values: Iterable[str | None]) -> list[str | None]:
    """Encrypt a batch (bulk intake, raw SQL/COPY paths); ``None`` stays ``None``.

    Same tokens as :func:`encrypt`, but the key lookup, the nonce generation
    (one ``urandom`` call) and attribute lookups happen once per batch.
    """
    ring = keyring()
    return seal_many(ring.ciphers[ring.current_id], ring.prefixes[ring.current_id], values)


def seal_many(cipher: AESGCM, prefix: str, values: Iterable[str | None]) -> list[str | None]:
    """:func:`encrypt_many` with the key given: the encryption child has no settings."""
    values = values if isinstance(values, list) else list(values)
    seal = cipher.encrypt
    b64 = base64.b64encode
    nonces = os.urandom(NONCE_BYTES * len(values))
    out: list[str | None] = []
    append = out.append
    for i, value in enumerate(values):
        if value is None:
            append(None)
            continue
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        append(prefix + b64(nonce + seal(nonce, value.encode("utf-8"), None)).decode("ascii"))
    return out


def key_id_of(token: str) -> str:
    """The key id a token was encrypted with (without decrypting it)."""
    version, sep, rest = token.partition(":")
    kid, sep2, _ = rest.partition(":")
    # A key id has the form of one (never a piece of a value), so that the error may name it.
    if version != TOKEN_VERSION or not sep or not sep2 or not _KEY_ID.match(kid):
        raise DecryptionError("Geen versleutelde waarde: verwacht 'v1:<sleutel-id>:<gegevens>'.")
    return kid


def decrypt(token: str) -> str:
    """Decrypt a token made by :func:`encrypt` with any configured key."""
    kid = key_id_of(token)
    cipher = keyring().ciphers.get(kid)
    if cipher is None:
        raise DecryptionError(
            f"Versleutelde waarde gebruikt sleutel-id '{kid}', die niet in VROEGSIGNAAL_ENCRYPTION_KEYS staat. "
            "Zet de oude sleutel terug (achteraan) tot 'rotate_keys' klaar is."
        )
    try:
        blob = base64.b64decode(token[len(TOKEN_VERSION) + len(kid) + 2 :], validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError(
            f"Versleutelde waarde met sleutel-id '{kid}' is beschadigd (geen base64)."
        )
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionError(
            f"Versleutelde waarde met sleutel-id '{kid}' is beschadigd (te kort)."
        )
    try:
        plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
    except InvalidTag:
        raise DecryptionError(
            f"Versleutelde waarde met sleutel-id '{kid}' is gewijzigd of hoort bij een andere sleutel met dat id."
        )
    return plain.decode("utf-8")


def decrypt_many(tokens: Iterable[str | None]) -> list[str | None]:
    """Decrypt a batch (exports); ``None`` stays ``None``."""
    return [None if token is None else decrypt(token) for token in tokens]


def reencrypt(token: str) -> str:
    """Return ``token`` under the current key (unchanged if it already is)."""
    if key_id_of(token) == current_key_id():
        return token
    return encrypt(decrypt(token))


# --- blind index -------------------------------------------------------------


def blind_index_key() -> bytes:
    """The blind-index key (for the encryption child, which has no settings)."""
    return _blind_index_key()


def parse_blind_index_key(raw: str | None, name: str = "VROEGSIGNAAL_BLIND_INDEX_KEY") -> bytes:
    """Decode the base64 blind-index key; fail loudly (never showing it) when it is missing or weak.

    ``name`` is the variable the messages name (the rotation reads a new key from another one).
    """
    if not raw:
        raise ImproperlyConfigured(f"{name} ontbreekt. {MAKE_KEY}")
    key = _decode_key(raw, name)
    if len(key) < KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} is {len(key)} bytes; gebruik ten minste {KEY_BYTES} "
            f"willekeurige bytes. {MAKE_KEY}"
        )
    return key


def _blind_index_key() -> bytes:
    global _blind_key
    override = getattr(_blind_key_override, "key", None)
    if override is not None:
        return override
    if _blind_key is None:
        _blind_key = parse_blind_index_key(getattr(settings, "BLIND_INDEX_KEY", None))
    return _blind_key


@contextlib.contextmanager
def blind_index_key_in_use(key: bytes) -> Iterator[None]:
    """Within the block, this thread makes every blind index with ``key`` instead of
    ``VROEGSIGNAAL_BLIND_INDEX_KEY``.

    For ``rotate_blind_index_key`` only: it makes the new indexes with the very
    functions intake makes them with. Other threads keep the configured key.
    """
    previous = getattr(_blind_key_override, "key", None)
    _blind_key_override.key = key
    try:
        yield
    finally:
        _blind_key_override.key = previous


def _check_context(context: str) -> bytes:
    if not context or "\x00" in context:
        raise ValueError(
            "A blind-index context is a non-empty name without NUL, e.g. 'person.bsn'."
        )
    return context.encode("utf-8") + b"\x00"


def blind_index(value: str, *, context: str) -> str:
    """Deterministic keyed hash of a (normalised) value for equality lookups."""
    return hash_many(_blind_index_key(), [value], context=context)[0]  # type: ignore[return-value]


def blind_index_many(values: Iterable[str | None], *, context: str) -> list[str | None]:
    """:func:`blind_index` over a batch; ``None`` stays ``None``."""
    return hash_many(_blind_index_key(), values, context=context)


def hash_many(key: bytes, values: Iterable[str | None], *, context: str) -> list[str | None]:
    """:func:`blind_index_many` with the key given: the encryption child has no settings.

    HMAC-SHA256 (what ``hmac.new`` computes; a test holds it to that), written out as
    RFC 2104 defines it on two ``hashlib`` states prepared once: per value two
    C-level copies instead of an ``HMAC`` object's Python methods, 40 % less
    time for the two million indexes of a national creditor's first delivery.
    """
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\x00")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
    inner.update(_check_context(context))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        h = inner.copy()
        h.update(value.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        append(o.hexdigest()[:BLIND_INDEX_LENGTH])
    return out
