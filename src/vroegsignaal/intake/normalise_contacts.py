"""Contact details: a telefoonnummer in E.164 and an e-mail address in lower case.

Both are optional: a value that is not a phone number or an e-mail address
is a warning (``TELEFOON_ONGELDIG``, ``EMAIL_ONGELDIG``) and the row is kept.
"""

from __future__ import annotations

import re

import polars as pl

from .fields import FIELDS_BY_NAME
from .normalise_steps import Steps, _tmp
from .normalise_text import clean_text

_PHONE_CHARS = r"^\+?[0-9 ().\-/]+$"


def normalise_phone(value: object) -> str | None:
    """A phone number in E.164 (``'06-12345678'`` → ``'+31612345678'``), or ``None``.

    Dutch numbers: ten digits with the leading 0, nine without it (a number
    cell drops the 0), ``+31``/``0031`` with or without ``(0)``. Other
    countries: ``+`` or ``00`` and 8 to 15 digits.
    """
    text = clean_text(value)
    if text is None or not re.search(_PHONE_CHARS, text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = "31" + digits[1:] if len(digits) == 10 else ""
    else:
        number = "31" + digits if len(digits) == 9 else ""
    if number.startswith("310"):
        number = "31" + number[3:]
    if number.startswith("31"):
        ok = len(number) == 11 and number[2] != "0"
    else:
        ok = 8 <= len(number) <= 15 and not number.startswith("0")
    return "+" + number if ok else None


def phone_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_phone` on the cleaned column ``src``."""
    col = pl.col
    cleaned = col(src)
    digits = col(_tmp(out, "digits"))
    n = digits.str.len_bytes()
    number = (
        pl.when(cleaned.str.starts_with("+"))
        .then(digits)
        .when(digits.str.starts_with("00"))
        .then(digits.str.slice(2))
        .when(digits.str.starts_with("0"))
        .then(pl.when(n == 10).then(pl.lit("31") + digits.str.slice(1)).otherwise(pl.lit("")))
        .otherwise(pl.when(n == 9).then(pl.lit("31") + digits).otherwise(pl.lit("")))
    )
    first = col(_tmp(out, "n1"))
    fixed = (
        pl.when(first.str.starts_with("310"))
        .then(pl.lit("31") + first.str.slice(3))
        .otherwise(first)
    )
    final = col(_tmp(out, "n2"))
    length = final.str.len_bytes()
    ok = (
        pl.when(final.str.starts_with("31"))
        .then((length == 11) & (final.str.slice(2, 1) != "0"))
        .otherwise((length >= 8) & (length <= 15) & ~final.str.starts_with("0"))
    )
    return [
        [
            cleaned.str.replace_all(r"[^0-9]", "").alias(_tmp(out, "digits")),
            cleaned.str.contains(_PHONE_CHARS).alias(_tmp(out, "chars")),
        ],
        [number.alias(_tmp(out, "n1"))],
        [fixed.alias(_tmp(out, "n2"))],
        [pl.when(col(_tmp(out, "chars")) & ok).then(pl.lit("+") + final).alias(out)],
    ]


EMAIL_PATTERN = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
EMAIL_MAX_LENGTH = FIELDS_BY_NAME["email"].max_length


def normalise_email(value: object) -> str | None:
    """An e-mail address in lower case, or ``None`` when it is not one (ASCII only, ≤ 254)."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    if len(text) > EMAIL_MAX_LENGTH or not re.search(EMAIL_PATTERN, text):
        return None
    return text


def email_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_email` on the cleaned column ``src``."""
    lower = pl.col(_tmp(out, "lower"))
    text = pl.col(_tmp(out, "text"))
    ok = (text.str.len_chars() <= EMAIL_MAX_LENGTH) & text.str.contains(EMAIL_PATTERN)
    return [
        [pl.col(src).str.to_lowercase().alias(_tmp(out, "lower"))],
        [
            pl.when(lower.str.starts_with("mailto:"))
            .then(lower.str.slice(7))
            .otherwise(lower)
            .alias(_tmp(out, "text"))
        ],
        [pl.when(ok).then(text).alias(out)],
    ]
