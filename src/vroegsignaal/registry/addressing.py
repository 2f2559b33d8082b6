"""Dutch address parts: one normal form, shared by the register and intake.

The register and the deliveries must agree exactly on how ``12-a``, ``12 hs``
or a BAG ``toevoeging`` of ``A1`` are written, or routing silently fails. The
scalar functions are the reference; the Polars expressions do the same work on
whole columns and are tested against them (``tests/test_addressing.py``, with
Hypothesis on arbitrary text).

Normal form: postcode ``1234AB``; huisnummer an int 1–99999; huisletter one
upper-case letter or ``""``; huisnummertoevoeging up to four upper-case
letters/digits without separators, or ``""``.

Python's ``re`` and the Rust regex engine behind Polars differ on what ``\\s``
and ``\\d`` match beyond ASCII (and ``$`` before a final newline), so the
patterns below spell out their character classes and anchors instead.
"""

from __future__ import annotations

import re

import polars as pl

# Postcodes: four digits, the first not 0, then two letters, never SA, SD or SS
# (PostNL does not issue those combinations).
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}\Z")
FORBIDDEN_POSTCODE_LETTERS = ("SA", "SD", "SS")
MAX_HOUSE_NUMBER = 99999

# What counts as white space: ASCII's, and the no-break and thin spaces that
# spreadsheets and web forms put into postcodes ("1234\u00a0AB").
WHITESPACE = " \t\n\r\f\v\u00a0\u2007\u2009\u202f\ufeff"
_WS = f"[{WHITESPACE}]"
_SEPARATOR_CLASS = f"[{WHITESPACE}\\-_/.,]"

_POSTCODE_NOISE = re.compile(f"[{WHITESPACE}\\-]")
_SEPARATORS = re.compile(f"{_SEPARATOR_CLASS}+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LETTER = re.compile(r"[A-Z]")
_LETTER_DIGITS = re.compile(r"([A-Z])([0-9]+)")
# A number cell read as text: "12.0".
_SPREADSHEET_NUMBER = re.compile(f"{_WS}*([0-9]+)\\.0+{_WS}*")
# A house number with whatever is written after it: "12", "12A", "12-a", "12 hs",
# "12bis", "12 II", "12-1". Leading zeros are ignored; the number must be 1–99999.
_HOUSE_RE = re.compile(f"{_WS}*([0-9]+)(.*)", re.DOTALL)


def normalise_postcode(value: str | None) -> str | None:
    """``'1234 ab'`` → ``'1234AB'``; ``None`` when it is not a valid Dutch postcode."""
    if value is None:
        return None
    compact = _POSTCODE_NOISE.sub("", str(value)).upper()
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
    parts = [p for p in _SEPARATORS.split(str(value).upper()) if p]
    if not parts:
        return "", ""
    first = parts[0]
    if len(parts) == 1:
        if _LETTER.fullmatch(first):
            return first, ""
        m = _LETTER_DIGITS.fullmatch(first)
        if m:
            return m.group(1), m.group(2)[:4]
        return "", _clean_toevoeging(first)
    if _LETTER.fullmatch(first):
        return first, _clean_toevoeging("".join(parts[1:]))
    return "", _clean_toevoeging("".join(parts))


def _clean_toevoeging(value: str) -> str:
    return _NOT_ALNUM.sub("", value.upper())[:4]


def parse_house_number(value: object) -> tuple[int, str, str] | None:
    """``'12-a'`` → ``(12, 'A', '')``; ``'12 hs'`` → ``(12, '', 'HS')``; ``None`` if no number 1–99999."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or 12.5
            return None
        value = int(value)
    text = str(value)
    spreadsheet = _SPREADSHEET_NUMBER.fullmatch(text)
    if spreadsheet:
        text = spreadsheet.group(1)
    m = _HOUSE_RE.fullmatch(text)
    if not m:
        return None
    digits = m.group(1).lstrip("0")
    if not digits or len(digits) > len(str(MAX_HOUSE_NUMBER)):
        return None
    number = int(digits)
    if not 1 <= number <= MAX_HOUSE_NUMBER:
        return None
    letter, addition = split_addition(m.group(2))
    return number, letter, addition


# --- the same rules for whole columns ---------------------------------------


def postcode_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of :func:`normalise_postcode` (null when invalid)."""
    compact = column.cast(pl.Utf8).str.replace_all(f"[{WHITESPACE}\\-]", "").str.to_uppercase()
    valid = compact.str.contains(r"^[1-9][0-9]{3}[A-Z]{2}$") & ~compact.str.slice(4, 2).is_in(
        list(FORBIDDEN_POSTCODE_LETTERS)
    )
    return pl.when(valid).then(compact).otherwise(None)


def addition_exprs(column: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Polars version of :func:`split_addition`: (huisletter, toevoeging) expressions."""
    text = column.cast(pl.Utf8).fill_null("").str.to_uppercase()
    # Separator runs become one space, so the tokens are the space-separated words.
    tokens = text.str.replace_all(f"{_SEPARATOR_CLASS}+", " ").str.strip_chars(" ")
    first = tokens.str.extract(r"^([^ ]+)", 1).fill_null("")
    several = tokens.str.contains(" ", literal=True)
    rest = tokens.str.extract(r"^[^ ]+ (.*)$", 1).fill_null("").str.replace_all(r"[^A-Z0-9]", "")
    single_letter = first.str.contains(r"^[A-Z]$")
    letter_digits = ~several & first.str.contains(r"^[A-Z][0-9]+$")
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
    text = column.cast(pl.Utf8)
    # Numbers read from a spreadsheet cell arrive as "12.0".
    text = text.str.replace(f"^{_WS}*([0-9]+)\\.0+{_WS}*$", "$1")
    parts = text.str.extract_groups(f"(?s)^{_WS}*([0-9]+)(.*)$")
    digits = parts.struct.field("1").str.strip_chars_start("0")
    number = (
        pl.when(digits.str.len_chars().is_between(1, len(str(MAX_HOUSE_NUMBER))))
        .then(digits)
        .otherwise(None)
        .cast(pl.Int64, strict=False)
    )
    number = pl.when((number >= 1) & (number <= MAX_HOUSE_NUMBER)).then(number).otherwise(None)
    letter, addition = addition_exprs(parts.struct.field("2"))
    letter = pl.when(number.is_null()).then(pl.lit("")).otherwise(letter)
    addition = pl.when(number.is_null()).then(pl.lit("")).otherwise(addition)
    return number, letter, addition
