"""Cleaning a cell's text: the first step of every normaliser (spec 1.5).

Control and format characters (zero-width, bidi overrides, soft hyphen, BOM)
are removed, every kind of white space becomes one space, the ends are
trimmed, the result is NFC; an empty result is a missing value. The scalar
:func:`clean_text` and the Polars :func:`clean_text_expr` remove exactly the
same characters: the character classes are built here from this Python's
Unicode tables, written so that Python's ``re`` and Rust's ``regex`` read
them alike.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable

import polars as pl


def _class_from_codepoints(codepoints: Iterable[int]) -> str:
    """A regex character class body of ranges, escaped the same way for both engines."""

    def esc(cp: int) -> str:
        return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"

    ranges: list[str] = []
    start = prev = None
    for cp in sorted(set(codepoints)):
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append(esc(start) if start == prev else f"{esc(start)}-{esc(prev)}")
            start = prev = cp
    if start is not None:
        ranges.append(esc(start) if start == prev else f"{esc(start)}-{esc(prev)}")
    return "".join(ranges)


_WHITESPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B)]
_WHITESPACE += [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
# Control characters (Cc) that are not white space, and format characters (Cf:
# zero-width space and joiners, bidi overrides, soft hyphen, BOM, …). The Cf set
# is taken from this Python's Unicode tables and handed to Polars literally, so
# both engines remove exactly the same characters.
_DROP = [cp for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if cp not in _WHITESPACE]
_DROP += [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"]

WHITESPACE_CLASS = f"[{_class_from_codepoints(_WHITESPACE)}]"
DROP_CLASS = f"[{_class_from_codepoints(_DROP)}]"
_WHITESPACE_RUN_RE = re.compile(WHITESPACE_CLASS + "+")
_DROP_RE = re.compile(DROP_CLASS)
# A column needs the full cleaning only if some value has a character outside
# printable ASCII, a double space or a space at either end.
_NEEDS_CLEANING = r"[^\x20-\x7E]|  |^ | $"


def clean_text(value: object, max_length: int | None = None) -> str | None:
    """Scalar: the cleaned text of a cell (see the module docstring), ``None`` if empty."""
    if value is None:
        return None
    text = _DROP_RE.sub("", str(value))
    text = _WHITESPACE_RUN_RE.sub(" ", text).strip(" ")
    text = unicodedata.normalize("NFC", text)
    if max_length is not None:
        text = text[:max_length].rstrip(" ")
    return text or None


def clean_text_expr(
    column: pl.Expr, max_length: int | None = None, *, full: bool = True
) -> pl.Expr:
    """Polars version of :func:`clean_text` (one linear chain, safe to use as is).

    ``full=False`` skips the character work for a column known to be plain
    printable ASCII without double or outer spaces (see :func:`needs_cleaning_expr`).
    """
    text = column.cast(pl.String)
    if full:
        text = (
            text.str.replace_all(DROP_CLASS, "")
            .str.replace_all(WHITESPACE_CLASS + "+", " ")
            .str.strip_chars(" ")
            .str.normalize("NFC")
        )
    if max_length is not None:
        text = text.str.slice(0, max_length).str.strip_chars_end(" ")
    return text.replace("", None)


def needs_cleaning_expr(column: pl.Expr) -> pl.Expr:
    """True when any value of the column needs :func:`clean_text`'s character work."""
    return column.cast(pl.String).str.contains(_NEEDS_CLEANING).any()
