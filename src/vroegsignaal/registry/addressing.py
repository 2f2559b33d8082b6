"""Dutch address parts: one normal form, shared by the register and intake.

The register and the deliveries must agree exactly on how ``12-a``, ``12 hs``
or a BAG ``toevoeging`` of ``A1`` are written, or routing silently fails. The
scalar functions are the reference; the Polars expressions do the same work on
whole columns and are tested against them.

Normal form: postcode ``1234AB``; huisnummer an int 1–99999; huisletter one
upper-case letter or ``""``; huisnummertoevoeging up to four upper-case
letters/digits without separators, or ``""``.
"""

from __future__ import annotations

import re

import polars as pl

# Postcodes: four digits, the first not 0, then two letters, never SA, SD or SS
# (PostNL does not issue those combinations).
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
FORBIDDEN_POSTCODE_LETTERS = ("SA", "SD", "SS")
MAX_HOUSE_NUMBER = 99999

_SEPARATORS = re.compile(r"[\s\-_/.,]+")
# A house number with whatever is written after it: "12", "12A", "12-a", "12 hs", "12bis", "12 II", "12-1".
_SPREADSHEET_NUMBER = re.compile(r"^\s*(\d+)\.0+\s*$")  # a number cell read as "12.0"
_HOUSE_RE = re.compile(r"^\s*0*(\d{1,5})(?!\d)\s*[-/_.,]?\s*(.*?)\s*$")


def normalise_postcode(value: str | None) -> str | None:
    """``'1234 ab'`` → ``'1234AB'``; ``None`` when it is not a valid Dutch postcode."""
    if value is None:
        return None
    compact = re.sub(r"[\s\-]", "", str(value)).upper()
    if not POSTCODE_RE.match(compact) or compact[4:] in FORBIDDEN_POSTCODE_LETTERS:
        return None
    return compact


def split_addition(value: str | None) -> tuple[str, str]:
    """Split what follows a house number into (huisletter, huisnummertoevoeging).

    A single letter is a huisletter (``A``); a letter followed by digits or by a
    separator and more is huisletter plus toevoeging (``A1``, ``A-2``); anything
    else (``HS``, ``BIS``, ``II``, ``1``) is a toevoeging. The toevoeging keeps
    at most four letters/digits, upper case, without separators.
    """
    if value is None:
        return "", ""
    text = str(value).strip().upper()
    if not text:
        return "", ""
    parts = [p for p in _SEPARATORS.split(text) if p]
    if not parts:
        return "", ""
    first = parts[0]
    if len(parts) == 1:
        if len(first) == 1 and first.isalpha():
            return first, ""
        m = re.match(r"^([A-Z])(\d+)$", first)
        if m:
            return m.group(1), m.group(2)[:4]
        return "", _clean_toevoeging(first)
    if len(first) == 1 and first.isalpha():
        return first, _clean_toevoeging("".join(parts[1:]))
    return "", _clean_toevoeging("".join(parts))


def _clean_toevoeging(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())[:4]


def parse_house_number(value: object) -> tuple[int, str, str] | None:
    """``'12-a'`` → ``(12, 'A', '')``; ``'12 hs'`` → ``(12, '', 'HS')``; ``None`` if no number 1–99999."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or 12.5
            return None
        value = int(value)
    m = _HOUSE_RE.match(_SPREADSHEET_NUMBER.sub(r"\1", str(value)))
    if not m:
        return None
    number = int(m.group(1))
    if not 1 <= number <= MAX_HOUSE_NUMBER:
        return None
    letter, addition = split_addition(m.group(2))
    return number, letter, addition


# --- the same rules for whole columns ---------------------------------------


def postcode_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of :func:`normalise_postcode` (null when invalid)."""
    compact = column.cast(pl.Utf8).str.replace_all(r"[\s\-]", "").str.to_uppercase()
    valid = compact.str.contains(r"^[1-9][0-9]{3}[A-Z]{2}$") & ~compact.str.slice(4, 2).is_in(
        list(FORBIDDEN_POSTCODE_LETTERS)
    )
    return pl.when(valid).then(compact).otherwise(None)


def addition_exprs(column: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Polars version of :func:`split_addition`: (huisletter, toevoeging) expressions."""
    text = column.cast(pl.Utf8).fill_null("").str.strip_chars().str.to_uppercase()
    tokens = text.str.replace_all(r"[\s\-_/.,]+", " ").str.strip_chars()
    first = tokens.str.extract(r"^(\S+)", 1).fill_null("")
    rest = tokens.str.extract(r"^\S+\s+(.*)$", 1).fill_null("").str.replace_all(r"[^A-Z0-9]", "")
    single_letter = first.str.contains(r"^[A-Z]$")
    letter_digits = (rest == "") & first.str.contains(r"^[A-Z]\d+$")
    letter = (
        pl.when(single_letter)
        .then(first)
        .when(letter_digits)
        .then(first.str.slice(0, 1))
        .otherwise(pl.lit(""))
    )
    all_clean = tokens.str.replace_all(r"[^A-Z0-9]", "")
    addition = (
        pl.when(single_letter)
        .then(rest)
        .when(letter_digits)
        .then(first.str.slice(1))
        .otherwise(all_clean)
        .str.slice(0, 4)
    )
    return letter, addition


def house_number_exprs(column: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Polars version of :func:`parse_house_number`: (number, huisletter, toevoeging).

    ``number`` is null where no number 1–99999 can be read.
    """
    text = column.cast(pl.Utf8).fill_null("")
    # Numbers read from a spreadsheet cell arrive as "12.0".
    text = text.str.replace(r"^\s*(\d+)\.0+\s*$", "$1")
    parts = text.str.extract_groups(r"^\s*0*(\d{1,5})(?:[^\d]|$)\s*[-/_.,]?\s*(.*?)\s*$")
    digits = parts.struct.field("1")
    number = digits.cast(pl.Int64, strict=False)
    number = pl.when((number >= 1) & (number <= MAX_HOUSE_NUMBER)).then(number).otherwise(None)
    # Re-take what follows the digits (the pattern above consumed one character).
    after = text.str.extract(r"^\s*0*\d{1,5}(.*)$", 1).fill_null("")
    after = after.str.replace(r"^\s*[-/_.,]?\s*", "")
    letter, addition = addition_exprs(after)
    letter = pl.when(number.is_null()).then(pl.lit("")).otherwise(letter)
    addition = pl.when(number.is_null()).then(pl.lit("")).otherwise(addition)
    return number, letter, addition
