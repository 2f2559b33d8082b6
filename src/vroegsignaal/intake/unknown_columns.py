"""How the report, a refusal and the upload page name the headers of a file that were ignored.

Spec 1.3 and 1.7: unknown columns are ignored and listed in the delivery report. That list
is shown on the delivery page, returned by the API and the command, kept in the database and
seen in the admin, and ``KOLOM_ONTBREEKT``'s message names the same headers. A header is
usually the creditor's own text, but not always:

* a file exported without column names has a row of data as its header: a klantnummer, a
  name, a birth date, a postcode, an IBAN, a BSN;
* a JSON body whose achterstanden are keyed by a klantnummer (or another value) has data as
  its keys.

So a header that may be a value is named by its position, never by what it holds:
:func:`looks_like_data` for one cell (an ``@``, a ``€``, three digits or more, or digits for
half of its letters and digits: a BSN, klantnummer, date, postcode, IBAN, amount, house
number, e-mail address); and when required columns are missing and the header as a whole
looks like a row of data (:func:`first_line_is_data`), none of its cells is named and the
refusal says that the first line looks like data rather than column names. The other
headers are named without control characters and cut at 40 characters
(:func:`.fields.shown_header`); the report lists at most :data:`REPORTED_COLUMNS`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .fields import (
    _ALIAS_INDEX,
    _NAME_INDEX,
    FIELDS,
    HeaderMatch,
    header_key,
    shown_header,
)

# The report names at most this many ignored columns; the rest are counted.
REPORTED_COLUMNS = 50

# A cell that is a value as a whole: a number or amount (a BSN too), a date, a postcode, an
# e-mail address, an IBAN, a klantnummer-like code (letters, then three digits or more).
_VALUE = re.compile(
    r"[-+€]?\s*\d[\d.,\s]*"
    r"|\d{1,4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,4}([T\s][\d:.]+)?"
    r"|\d{4}\s*-?\s*[A-Za-z]{2}"
    r"|[^@\s]+@[^@\s]+"
    r"|[A-Za-z]{2}\d{2}\s*(?:[A-Za-z0-9]{4}\s*){2,8}[A-Za-z0-9]{0,4}"
    r"|[A-Za-z]{1,4}\s*[-_/.]?\s*\d{3,}[A-Za-z]?"
)
# How close a cell must be to a field's name or alias to count as an attempt at one.
_NAME_LIKENESS = 0.75


def looks_like_data(header: object) -> bool:
    """Whether one header cell may be a value rather than a column's name.

    An ``@`` or a ``€``; three digits or more (a BSN, klantnummer, date, postcode, IBAN,
    amount, telephone number); or digits for at least half of its letters and digits (a
    house number such as ``12`` or ``3a``). ``Adres 2`` and ``Telefoon2`` are names.
    """
    text = "" if header is None else str(header).strip()
    if not text:
        return False
    if "@" in text or "€" in text:
        return True
    digits = sum(c.isdigit() for c in text)
    if digits >= 3:
        return True
    alphanumeric = sum(c.isalnum() for c in text)
    return digits > 0 and 2 * digits >= alphanumeric


def is_a_value(header: object) -> bool:
    """Whether a header cell is, as a whole, a value (:data:`_VALUE`): a date, a number or an
    amount, a postcode, an e-mail address, an IBAN or a code such as ``K-1234``."""
    return bool(_VALUE.fullmatch("" if header is None else str(header).strip()))


def resembles_a_column_name(
    header: object, saved_mapping: Mapping[str, str | None] | None = None
) -> bool:
    """Whether a header cell is (an attempt at) a column's name: a field's name or alias, or a
    header of the creditor's saved mapping, or one of them inside it, it inside one of them, or
    one of them misspelt (``Postcd``, ``Geboorte datum``, ``Klantnummer oud``)."""
    key = header_key(header)
    if not key:
        return False
    known = {*_NAME_INDEX, *_ALIAS_INDEX, *(header_key(h) for h in (saved_mapping or {}))}
    if key in known:
        return True
    for name in known:
        if len(name) >= 4 and (name in key or (len(key) >= 4 and key in name)):
            return True
        if difflib.SequenceMatcher(None, key, name).ratio() >= _NAME_LIKENESS:
            return True
    return False


def first_line_is_data(
    headers: Sequence[object],
    match: HeaderMatch,
    *,
    json: bool = False,
    saved_mapping: Mapping[str, str | None] | None = None,
) -> bool:
    """Whether a header that misses required columns is a row of data: the file has no column
    names (or a JSON body is keyed by its values).

    Yes when one of its unrecognised cells is a value as a whole (:func:`is_a_value`), or
    two of them look like data (:func:`looks_like_data`); when none of its cells is a field
    and most of them are not like any column's name (a row of names and places); and for a
    JSON body, when its rows have more unrecognised keys than there are fields twice over
    (every row keyed by its own value).
    """
    cells = [_text(headers[p]) for p in [*match.unknown_positions, *match.duplicate_positions]]
    cells = [c for c in cells if c]
    if any(is_a_value(c) for c in cells):
        return True
    if sum(looks_like_data(c) for c in cells) >= 2:
        return True
    if json and len(cells) > 2 * len(FIELDS):
        return True
    if not match.columns and len(cells) >= 2:
        unlike = sum(not resembles_a_column_name(c, saved_mapping) for c in cells)
        return 2 * unlike > len(cells)
    return False


def data_column_label(position: int) -> str:
    """How a column whose header may be a value is named: by its position (from 0)."""
    return f"(kolom {position + 1}: naam lijkt een gegeven, niet getoond)"


def data_keys_label(count: int) -> str:
    """How a JSON body's keys that may be values are named: by their number."""
    if count == 1:
        return "(1 veldnaam die op een gegeven lijkt, niet getoond)"
    return f"({count} veldnamen die op gegevens lijken, niet getoond)"


@dataclass(frozen=True)
class IgnoredColumns:
    """The ignored headers of a file (unknown, then duplicate) as they may be shown.

    ``labels``: for the report, the refusal's message and the pages (a header that may be a
    value by its position, the others cleaned and cut). ``mappable``: the headers as the file
    wrote them that a creditor may map to a field on the upload page (never one that may be a
    value: a saved mapping is kept in the database). ``positions``: every ignored column's
    position, for the message of a ``first_line_is_data`` header.
    """

    labels: list[str] = field(default_factory=list)
    mappable: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    first_line_is_data: bool = False


def ignored_columns(
    headers: Sequence[object],
    match: HeaderMatch,
    *,
    missing: bool = False,
    json: bool = False,
    saved_mapping: Mapping[str, str | None] | None = None,
) -> IgnoredColumns:
    """The ignored headers of ``match`` as they may be named (:class:`IgnoredColumns`).

    ``missing``: required columns are missing, so the header may be a row of data
    (:func:`first_line_is_data`); then none of its cells is named.
    """
    data_line = missing and first_line_is_data(
        headers, match, json=json, saved_mapping=saved_mapping
    )
    positions = [*match.unknown_positions, *match.duplicate_positions]
    labels: list[str] = []
    mappable: list[str] = []
    data_keys = 0
    for position, named in zip(positions, [*match.unknown, *match.duplicates], strict=True):
        text = _text(headers[position])
        if not text:
            labels.append(named)  # the position's own label: (kolom 3 zonder naam)
        elif data_line or looks_like_data(text):
            if json:
                data_keys += 1
            else:
                labels.append(data_column_label(position))
        else:
            labels.append(shown_header(text))
            mappable.append(text)
    if data_keys:
        labels.append(data_keys_label(data_keys))
    if len(labels) > REPORTED_COLUMNS:
        rest = len(labels) - (REPORTED_COLUMNS - 1)
        labels = [
            *labels[: REPORTED_COLUMNS - 1],
            f"({rest} andere {'velden' if json else 'kolommen'})",
        ]
    return IgnoredColumns(
        labels=labels, mappable=mappable, positions=positions, first_line_is_data=data_line
    )


def _text(header: object) -> str:
    return "" if header is None else str(header).strip()
