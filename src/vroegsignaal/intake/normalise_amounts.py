"""Amounts: ``bedrag_achterstand`` read into cents with its column's decimal separator.

Creditors write ``1.234,56`` and ``1234.56`` alike, so the separator is
decided once per column from its values (:func:`amount_column_separator`) and
every value is read with it (:func:`normalise_amount`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import polars as pl

from vroegsignaal.formats import thousands

from .normalise_steps import Steps, _tmp
from .normalise_text import clean_text

AmountSeparator = Literal[",", ".", "gemengd"]

_AMOUNT_NOISE = "€|euro|eur| "
_INT = r"^[0-9]+$"
# ends in a comma and one or two digits (or the Dutch ",-" for whole euros)
_COMMA_DECIMAL = r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),(?:[0-9]{1,2}|-{1,2})$"
_DOTS_GROUP_INT = r"^[0-9]{1,3}(?:\.[0-9]{3})+$"
# a dot with one or two digits, or four or more (a number cell), or commas grouping before it
_DOT_DECIMAL = (
    r"^(?:[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+|[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})|[0-9]{4,}\.[0-9]{3})$"
)
_COMMAS_GROUP_INT = r"^[0-9]{1,3}(?:,[0-9]{3})+$"
_HAS_SEPARATOR = r"[.,]"
# The largest amount read: 13 digits of whole euros (€ 9.999.999.999.999,99). An arrear is
# stored in cents in a 64-bit integer (households.Arrear.amount_cents, at most 2**63 - 1
# cents, about € 92 biljard) and the amounts of a household are added up in its signal's
# total: this leaves room for more than 9000 of the largest amounts in one sum, and is far
# above any real arrear. A larger amount is rejected (BEDRAG_ONGELDIG, variant "te_groot").
MAX_EURO_DIGITS = 13
MAX_AMOUNT_CENTS = 10 ** (MAX_EURO_DIGITS + 2) - 1


def euros_text(cents: int) -> str:
    """``cents`` as Dutch euros for a message: ``€ 9.999.999.999.999,99``."""
    euros, rest = divmod(cents, 100)
    return f"€ {thousands(euros)},{rest:02d}"


def _amount_body(value: object) -> tuple[bool, str] | None:
    text = clean_text(value)
    if text is None:
        return None
    compact = re.sub(_AMOUNT_NOISE, "", text.lower())
    negative = compact.startswith("-")
    if compact.startswith(("-", "+")):
        compact = compact[1:]
    return negative, compact


def amount_column_separator(values: Iterable[object]) -> AmountSeparator:
    """Decide a column's decimal separator (spec 1.5).

    Where values end in a comma and one or two digits the comma is the decimal
    separator (dots group thousands); otherwise the dot is. A column with both
    comma decimals and dot decimals fits neither: ``'gemengd'``.
    """
    comma = dot = False
    for value in values:
        body = _amount_body(value)
        if body is None:
            continue
        comma = comma or re.search(_COMMA_DECIMAL, body[1]) is not None
        dot = dot or re.search(_DOT_DECIMAL, body[1]) is not None
    if comma and dot:
        return "gemengd"
    return "," if comma else "."


def _cents(euros: str, fraction: str) -> int | None:
    """The amount in cents; ``None`` when it is above :data:`MAX_AMOUNT_CENTS`."""
    euros = euros.lstrip("0")
    if len(euros) > MAX_EURO_DIGITS:
        return None
    cents = int(euros or "0") * 100 + int((fraction[:2] + "00")[:2])
    if fraction[2:3] >= "5":
        cents += 1  # number cells may carry more decimals: round half up to a cent
    return cents if cents <= MAX_AMOUNT_CENTS else None


def _euros_and_fraction(text: str, separator: AmountSeparator) -> tuple[str, str] | None:
    """The whole euros and the decimals of an unsigned amount, when its form can be read."""
    if re.search(_INT, text):
        return text, ""
    if separator == ",":
        if re.search(_COMMA_DECIMAL, text) or re.search(_DOTS_GROUP_INT, text):
            euros, _, fraction = text.replace(".", "").partition(",")
            return euros, fraction.replace("-", "0")
    elif separator == "." and (re.search(_DOT_DECIMAL, text) or re.search(_COMMAS_GROUP_INT, text)):
        euros, _, fraction = text.replace(",", "").partition(".")
        return euros, fraction
    return None


def normalise_amount(value: object, separator: AmountSeparator = ".") -> int | None:
    """The amount in cents read with the column's ``separator``; ``None`` when unreadable.

    Accepts ``1234.56``, ``1.234,56``, ``€ 1.234,56``, ``1234,5``, ``50,-`` and
    number cells (``1234.5600000001`` is rounded to a cent). In a dot column a
    dot followed by exactly three digits (``1.234``) is ambiguous and not read;
    in a mixed column only whole numbers are read. Zero and negative amounts
    are returned as such (the check "≤ 0" is the caller's).
    """
    body = _amount_body(value)
    if body is None:
        return None
    negative, text = body
    parts = _euros_and_fraction(text, separator)
    cents = _cents(*parts) if parts else None
    if cents is None:
        return None
    return -cents if negative else cents


def amount_problem(value: object, separator: AmountSeparator) -> str | None:
    """Why a non-empty amount is not read: the message variant of ``BEDRAG_ONGELDIG``."""
    body = _amount_body(value)
    if body is None:
        return None
    text = body[1]
    if separator == "gemengd" and re.search(_HAS_SEPARATOR, text) and not re.search(_INT, text):
        return "kolom_gemengd"
    if separator == "." and re.search(_DOTS_GROUP_INT, text):
        return "dubbelzinnig"
    parts = _euros_and_fraction(text, separator)
    if parts and not body[0] and _cents(*parts) is None:
        return "te_groot"  # a positive amount above MAX_AMOUNT_CENTS
    return None


def _amount_body_steps(src: str, out: str) -> Steps:
    compact = pl.col(src).str.to_lowercase().str.replace_all(_AMOUNT_NOISE, "")
    c = pl.col(_tmp(out, "c"))
    return [
        [compact.alias(_tmp(out, "c"))],
        [
            c.str.starts_with("-").alias(_tmp(out, "neg")),
            pl.when(c.str.contains("^[-+]"))
            .then(c.str.slice(1))
            .otherwise(c)
            .alias(_tmp(out, "b")),
        ],
    ]


def amount_evidence(frame: pl.DataFrame | pl.LazyFrame, src: str) -> AmountSeparator:
    """Polars version of :func:`amount_column_separator` for the cleaned column ``src``."""
    lf = frame.lazy().select(src)
    for step in _amount_body_steps(src, "evidence"):
        lf = lf.with_columns(step)
    body = pl.col(_tmp("evidence", "b"))
    comma, dot = (
        lf.select(
            body.str.contains(_COMMA_DECIMAL).any().alias("comma"),
            body.str.contains(_DOT_DECIMAL).any().alias("dot"),
        )
        .collect()
        .row(0)
    )
    if comma and dot:
        return "gemengd"
    return "," if comma else "."


def _cents_steps(euros: pl.Expr, fraction: pl.Expr, out: str) -> Steps:
    e, f = pl.col(_tmp(out, "e")), pl.col(_tmp(out, "f"))
    whole = pl.when(e.str.len_bytes() > 0).then(e).otherwise(pl.lit("0"))
    two = (f + pl.lit("00")).str.slice(0, 2).cast(pl.Int64, strict=False)
    round_up = (f.str.slice(2, 1) >= "5").fill_null(False).cast(pl.Int64)
    cents = whole.cast(pl.Int64, strict=False) * 100 + two + round_up
    # Beyond 13 digits the cast could overflow: the length is looked at first.
    fits = (e.str.len_bytes() <= MAX_EURO_DIGITS) & (cents <= MAX_AMOUNT_CENTS)
    return [
        [
            euros.str.strip_chars_start("0").alias(_tmp(out, "e")),
            fraction.alias(_tmp(out, "f")),
        ],
        [
            pl.when(fits).then(cents).alias(_tmp(out, "cents")),
            fits.not_().alias(_tmp(out, "big")),
        ],
    ]


def amount_steps(
    src: str, out: str, separator: AmountSeparator, problem: str | None = None
) -> Steps:
    """Polars version of :func:`normalise_amount` (and, into ``problem``, :func:`amount_problem`)."""
    col = pl.col
    body = col(_tmp(out, "b"))
    steps = _amount_body_steps(src, out)
    plain = col(_tmp(out, "plain"))
    is_int = col(_tmp(out, "int"))
    if separator == ",":
        fits = body.str.contains(_COMMA_DECIMAL) | body.str.contains(_DOTS_GROUP_INT)
        stripped = body.str.replace_all(".", "", literal=True)
        fraction = plain.str.extract(r",(.*)$", 1).fill_null("").str.replace_all("-", "0")
    elif separator == ".":
        fits = body.str.contains(_DOT_DECIMAL) | body.str.contains(_COMMAS_GROUP_INT)
        stripped = body.str.replace_all(",", "", literal=True)
        fraction = plain.str.extract(r"\.(.*)$", 1).fill_null("")
    else:
        fits = pl.lit(False)
        stripped = body
        fraction = pl.lit("")
    if problem is None:
        problem_expr = []
    elif separator == "gemengd":
        mixed = body.str.contains(_HAS_SEPARATOR) & ~body.str.contains(_INT)
        problem_expr = [pl.when(mixed).then(pl.lit("kolom_gemengd")).alias(problem)]
    elif separator == ".":
        ambiguous = body.str.contains(_DOTS_GROUP_INT)
        problem_expr = [pl.when(ambiguous).then(pl.lit("dubbelzinnig")).alias(problem)]
    else:
        problem_expr = [pl.lit(None, dtype=pl.String).alias(problem)]
    steps.append(
        [
            body.str.contains(_INT).alias(_tmp(out, "int")),
            fits.alias(_tmp(out, "fits")),
            stripped.alias(_tmp(out, "plain")),
            *problem_expr,
        ]
    )
    euros = pl.when(is_int).then(body).otherwise(plain.str.extract(r"^([0-9]*)", 1))
    fraction = pl.when(is_int).then(pl.lit("")).otherwise(fraction)
    steps += _cents_steps(euros, fraction, out)
    cents = col(_tmp(out, "cents"))
    readable = is_int | col(_tmp(out, "fits"))
    signed = pl.when(col(_tmp(out, "neg"))).then(-cents).otherwise(cents)
    steps.append([pl.when(readable).then(signed).alias(out)])
    if problem is not None:
        too_big = readable & ~col(_tmp(out, "neg")) & col(_tmp(out, "big"))
        steps.append(
            [
                pl.when(col(problem).is_null() & too_big)
                .then(pl.lit("te_groot"))
                .otherwise(col(problem))
                .alias(problem)
            ]
        )
    return steps
