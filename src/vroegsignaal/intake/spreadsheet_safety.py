"""Formula safety for exporters: text a spreadsheet would run is written as text.

Intake stores values as delivered, also when they begin with ``=``, ``+``,
``-`` or ``@`` (a phone number ``+31…``, a name ``-``): neutralising them at
intake would corrupt real values. So every export to CSV or XLSX passes its
text through :func:`spreadsheet_safe` / :func:`spreadsheet_safe_expr`, and
:func:`csv_lines` is the one CSV writer behind the downloads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

import polars as pl

# A spreadsheet evaluates a cell that starts with one of these (OWASP "CSV
# injection"); the full-width forms are converted by some spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_RE = "^[=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20]"


def spreadsheet_safe(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate with ``'`` so it stays text.

    For exporters (signal export, rejected rows, team Excel files); values are
    stored as delivered. Non-text values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# A sign followed by digits only: a spreadsheet reads it as a number, never as a formula.
_SIGNED_NUMBER_RE = re.compile(r"[+-][0-9]+")


def identifier_safe(value: object) -> object:
    """:func:`spreadsheet_safe` for a creditor's own identifier (klantnummer, signaal_id).

    A file that is loaded back into the creditor's systems needs the identifier
    exactly as delivered, so only what a spreadsheet could *run* gets the ``'``:
    a value that starts with ``=``, ``@``, a tab, a CR or a full-width trigger,
    or with ``+``/``-`` followed by anything but digits (``-2+3``, ``+A1``).
    ``-123`` and ``+31612345678`` are numbers to a spreadsheet and are written
    as they are. So a system that reads the file can undo the protection
    exactly: remove one leading ``'`` when the character after it is one of
    :data:`FORMULA_TRIGGERS`.
    """
    if isinstance(value, str) and _SIGNED_NUMBER_RE.fullmatch(value):
        return value
    return spreadsheet_safe(value)


class _Line:
    """A file-like sink for :class:`csv.writer` that hands back each line it is given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[object]], *, identifiers: Iterable[str] = ()
) -> Iterator[str]:
    """``;``-separated CSV lines (header first, CRLF) with every cell :func:`spreadsheet_safe`,
    the columns named in ``identifiers`` :func:`identifier_safe`.

    The one writer behind every CSV download (signal export, rejected rows,
    feedback, monitor, audit log), streamed so a large export needs no memory;
    ``None`` is written as an empty cell.
    """
    header = list(header)
    exact = set(identifiers)
    safe = [identifier_safe if name in exact else spreadsheet_safe for name in header]
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [
                "" if v is None else (safe[i] if i < len(safe) else spreadsheet_safe)(str(v))
                for i, v in enumerate(row)
            ]
        )


def spreadsheet_safe_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of :func:`spreadsheet_safe` for a text column."""
    text = column.cast(pl.String)
    return pl.when(text.str.contains(_FORMULA_RE)).then(pl.lit("'") + text).otherwise(text)
