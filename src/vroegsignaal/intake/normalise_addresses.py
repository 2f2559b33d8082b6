"""Postcode and house number in the address register's normal form.

The rules are :mod:`vroegsignaal.registry.addressing`'s, shared with the
register so that a delivered address finds its match there; this module
applies them to delivered text, with the separate ``huisletter`` and
``huisnummertoevoeging`` fields.
"""

from __future__ import annotations

import re

import polars as pl

from vroegsignaal.registry import addressing

from .normalise_steps import Steps, _tmp
from .normalise_text import clean_text

_NON_ASCII = r"[^\x00-\x7F]"


def normalise_postcode(value: object) -> str | None:
    """``'1234 ab'`` → ``'1234AB'`` (see :mod:`vroegsignaal.registry.addressing`)."""
    text = clean_text(value)
    if text is None or re.search(_NON_ASCII, text):
        return None
    return addressing.normalise_postcode(text)


def postcode_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_postcode` on the cleaned column ``src``."""
    cleaned = pl.col(src)
    return [
        [
            pl.when(~cleaned.str.contains(_NON_ASCII))
            .then(addressing.postcode_expr(cleaned))
            .alias(out)
        ]
    ]


def _ascii(text: str | None) -> str | None:
    return re.sub(_NON_ASCII, "", text) if text is not None else None


def normalise_house_number(
    huisnummer: object, huisletter: object = None, toevoeging: object = None
) -> tuple[int, str, str] | None:
    """(number, huisletter, toevoeging) from the house number and the optional separate fields.

    A letter or addition written in the huisnummer (``12-a``, ``12 hs``) is
    used unless the separate ``huisletter`` or ``huisnummertoevoeging`` is
    filled; a filled separate field wins for its own part. Characters outside
    ASCII are dropped first (the register's normal form is ASCII). ``None``
    when no number 1–99999 can be read.
    """
    parsed = addressing.parse_house_number(_ascii(clean_text(huisnummer)))
    if parsed is None:
        return None
    number, letter, addition = parsed
    given_letter = _ascii(clean_text(huisletter))
    given_addition = _ascii(clean_text(toevoeging))
    if given_letter:
        letter, extra = addressing.split_addition(given_letter)
        if extra and not given_addition:
            addition = extra
    if given_addition:
        addition = re.sub(r"[^A-Z0-9]", "", given_addition.upper())[:4]
    return number, letter, addition


def house_number_steps(
    huisnummer: str, huisletter: str, toevoeging: str, out: tuple[str, str, str]
) -> Steps:
    """Polars version of :func:`normalise_house_number` on cleaned columns.

    ``out`` names the (number, huisletter, toevoeging) columns.
    """
    col = pl.col
    out_number, out_letter, out_addition = out

    def t(part: str) -> str:
        return _tmp(out_number, part)

    number, letter, addition = addressing.house_number_exprs(col(t("nr")))
    split_letter, split_extra = addressing.addition_exprs(col(t("hl")))
    has_letter = col(t("hl")).str.len_bytes().fill_null(0) > 0
    given_addition = col(t("tv"))
    has_addition = given_addition.str.len_bytes().fill_null(0) > 0
    final_letter = pl.when(has_letter).then(col(t("split_letter"))).otherwise(col(t("letter")))
    final_addition = (
        pl.when(has_addition)
        .then(given_addition.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").str.slice(0, 4))
        .when(has_letter & (col(t("split_extra")).str.len_bytes() > 0))
        .then(col(t("split_extra")))
        .otherwise(col(t("addition")))
    )
    valid = col(out_number).is_not_null()
    return [
        [
            col(huisnummer).str.replace_all(_NON_ASCII, "").alias(t("nr")),
            col(huisletter).str.replace_all(_NON_ASCII, "").alias(t("hl")),
            col(toevoeging).str.replace_all(_NON_ASCII, "").alias(t("tv")),
        ],
        [
            number.alias(out_number),
            letter.alias(t("letter")),
            addition.alias(t("addition")),
            split_letter.alias(t("split_letter")),
            split_extra.alias(t("split_extra")),
        ],
        [final_letter.alias(t("l2")), final_addition.alias(t("a2"))],
        [
            pl.when(valid).then(col(t("l2"))).alias(out_letter),
            pl.when(valid).then(col(t("a2"))).alias(out_addition),
        ],
    ]
