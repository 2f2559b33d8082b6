"""The small enumerations: geslacht, the ja/nee fields, crisis_reden, status, aantal_termijnen.

None of them has a code of its own: an unreadable value becomes null and the
row is kept (an empty ja/nee field is ``False``). Whether a ``status`` is
required is the caller's (only in a ``mutatie`` delivery).
"""

from __future__ import annotations

import re

import polars as pl

from .fields import CrisisReden, MutatieStatus
from .normalise_text import clean_text

GENDERS = {"m": "M", "man": "M", "v": "V", "vrouw": "V", "x": "X", "o": "O", "onbekend": "O"}
TRUE_WORDS = ("ja", "j", "true", "1", "x")
FALSE_WORDS = ("nee", "n", "false", "0")


def normalise_gender(value: object) -> str | None:
    text = clean_text(value)
    return GENDERS.get(text.lower()) if text else None


def normalise_bool(value: object) -> bool | None:
    """ja/nee, j/n, true/false, 1/0, x (spec 1.5). Empty is ``False``, anything else ``None``."""
    text = clean_text(value)
    if text is None:
        return False
    text = text.lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _enum_key(value: str) -> str:
    key = value.lower().replace("\u00eb", "e")
    return re.sub("[ -]+", "_", key)


def normalise_crisis_reason(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    key = _enum_key(text)
    return key if key in CrisisReden.values else None


def normalise_status(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    return key if key in MutatieStatus.values else None


def normalise_count(value: object) -> int | None:
    """``aantal_termijnen``: a whole number ≥ 0 (``3`` or a number cell ``3.0``)."""
    text = clean_text(value)
    if text is None or not re.search(r"^[0-9]{1,9}(?:\.0+)?$", text):
        return None
    return int(text.partition(".")[0])


def gender_expr(cleaned: pl.Expr) -> pl.Expr:
    return cleaned.str.to_lowercase().replace_strict(GENDERS, default=None, return_dtype=pl.String)


def bool_expr(cleaned: pl.Expr) -> pl.Expr:
    lower = cleaned.str.to_lowercase()
    return (
        pl.when(cleaned.is_null())
        .then(False)
        .when(lower.is_in(TRUE_WORDS))
        .then(True)
        .when(lower.is_in(FALSE_WORDS))
        .then(False)
    )


def crisis_reason_expr(cleaned: pl.Expr) -> pl.Expr:
    key = cleaned.str.to_lowercase().str.replace_all("\u00eb", "e").str.replace_all("[ -]+", "_")
    return pl.when(key.is_in(CrisisReden.values)).then(key)


def status_expr(cleaned: pl.Expr) -> pl.Expr:
    key = cleaned.str.to_lowercase()
    return pl.when(key.is_in(MutatieStatus.values)).then(key)


def count_expr(cleaned: pl.Expr) -> pl.Expr:
    ok = cleaned.str.contains(r"^[0-9]{1,9}(?:\.0+)?$")
    return pl.when(ok).then(cleaned.str.extract(r"^([0-9]+)", 1).cast(pl.Int64))
