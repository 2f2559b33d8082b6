"""What every reader ends with: :class:`ParsedDelivery`, and the checks of the header.

Each format reads its rows into positional string columns; :func:`_finish`
maps the headers to the contract's fields, drops empty rows and refuses a
delivery that misses required columns, and :func:`_refuse_if_header_lower`
says where the column names are when they stand a few rows lower.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

import polars as pl

from .codes import Code, message
from .fields import FIELD_NAMES, match_headers, missing_columns, missing_columns_message
from .normalise_amounts import amount_evidence
from .normalise_text import clean_text_expr
from .refusals import DeliveryRefused, _empty
from .unknown_columns import IgnoredColumns, ignored_columns

ROW_NUMBER = "rij"
AMOUNT = "bedrag_achterstand"
Format = Literal["csv", "xlsx", "json"]


@dataclass(frozen=True)
class ParsedDelivery:
    """A delivery read into one table of strings.

    ``table``: ``rij`` (Int64) and one String column per recognised field, in
    contract order. ``columns`` maps each field to the header the file used;
    ``unknown_columns`` and ``duplicate_columns`` list the ignored headers as
    the file wrote them, which may be a person's data (a file without column
    names, a JSON body keyed by klantnummer): they stay in memory.
    ``reported_columns`` names them as the report, the pages and the API may
    (:mod:`.unknown_columns`); ``mappable_columns`` are those a creditor may map.
    """

    table: pl.DataFrame
    format: Format
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
    reported_columns: list[str] = field(default_factory=list)
    mappable_columns: list[str] = field(default_factory=list)
    # The ``rij`` of the header (0 for JSON): ``rij - header_row`` numbers the
    # data rows from 1, as they follow the header.
    header_row: int = 0
    size: int = 0
    sha256: str = ""
    encoding: str | None = None
    # CSV read as Windows-1252 that holds UTF-8 characters before this row (mixed_encoding_row).
    mixed_encoding_row: int | None = None
    delimiter: str | None = None
    sheet: str | None = None
    peildatum: str | None = None
    soort: str | None = None
    # XLSX cells of a recognised field that hold an Excel error (``#DIV/0!``, ``#N/A``): both
    # readers give them as empty, so the row's check would say the field is empty. As
    # (rij, field, error) in row order, for normalising to say what the cell holds.
    excel_errors: tuple[tuple[int, str, str], ...] = ()

    @property
    def row_count(self) -> int:
        return self.table.height


def _finish(
    frame: pl.DataFrame,
    headers: list[object],
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
    *,
    empty_columns: set[int] | None = None,
    json: bool = False,
) -> tuple[pl.DataFrame, dict[str, str], list[str], list[str], IgnoredColumns]:
    """Map headers, drop empty rows and check the required columns.

    ``frame`` has ``rij`` and positional columns ``c0``, ``c1``, … (all
    strings); returns the table with field names, the recognised headers, the
    unknown and duplicate ones as written, and the ignored ones as they may be
    named (:func:`.unknown_columns.ignored_columns`).
    """
    match = match_headers(headers, column_mapping, empty_columns=empty_columns or ())
    selected = frame.select(
        pl.col(ROW_NUMBER).cast(pl.Int64),
        *[pl.col(f"c{pos}").cast(pl.String).alias(name) for name, pos in match.columns.items()],
    )
    fields = [c for c in selected.columns if c != ROW_NUMBER]
    if fields:
        non_empty = pl.any_horizontal(
            [pl.col(c).str.strip_chars().str.len_bytes().fill_null(0) > 0 for c in fields]
        )
        selected = selected.filter(non_empty)
    # Without any recognised column the rows cannot be told apart from blank
    # ones: a file with rows under unknown headers is missing columns.
    if selected.height == 0:
        raise _empty()
    missing = missing_columns(match.columns, soort)
    ignored = ignored_columns(
        headers, match, missing=bool(missing), json=json, saved_mapping=column_mapping
    )
    if missing:
        refused = DeliveryRefused(
            Code.KOLOM_ONTBREEKT,
            missing_columns_message(
                missing,
                ignored.labels,
                json=json,
                first_line_is_data=ignored.first_line_is_data,
                unknown_positions=ignored.positions,
            ),
            missing_columns=tuple(missing),
        )
        refused.columns = dict(match.sources)
        refused.unknown_columns = list(ignored.labels)
        refused.mappable_columns = list(ignored.mappable)
        refused.mapping_can_help = not ignored.first_line_is_data
        raise refused
    order = [ROW_NUMBER, *[name for name in FIELD_NAMES if name in match.columns]]
    return selected.select(order), match.sources, match.unknown, match.duplicates, ignored


# A title above the column names is looked for this many rows down.
HEADER_SEARCH_ROWS = 10


def header_further_down(
    candidates: Iterable[tuple[int, list[object]]],
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
) -> int | None:
    """The row number of the first candidate row that has every required column, if any.

    A file whose first row misses the required columns often has them a row or
    two lower, under a title or an export date (a spreadsheet saved as it looks).
    The contract keeps the first non-empty row as the header, so such a file is
    still refused; this only lets the message say where the names are.
    """
    for row, headers in itertools.islice(candidates, HEADER_SEARCH_ROWS):
        cells = [h.strip() or None if isinstance(h, str) else h for h in headers]
        if any(cells) and not missing_columns(match_headers(cells, column_mapping).columns, soort):
            return row
    return None


def _refuse_if_header_lower(
    header_row: int,
    headers: list[object],
    below: Iterable[tuple[int, list[object]]],
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
) -> None:
    """Refuse as ``KOLOM_ONTBREEKT`` saying where the column names are, when the header
    misses required columns that one of the rows ``below`` it has."""
    missing = missing_columns(match_headers(headers, column_mapping).columns, soort)
    if not missing:
        return
    row = header_further_down(below, column_mapping, soort)
    if row is None:
        return
    above = row - header_row
    refused = DeliveryRefused(
        Code.KOLOM_ONTBREEKT,
        message(
            Code.KOLOM_ONTBREEKT,
            variant="kopregel_lager",
            rij=row,
            regels="regel" if above == 1 else f"{above} regels",
        ),
        missing_columns=tuple(missing),
    )
    refused.mapping_can_help = False  # the rows above the names are to go, not to be mapped
    raise refused


# A number written with a dot and one or two decimals: in a column of decimal commas it is
# written with a comma as it stands.
_TWO_DECIMALS = r"^[-+]?[0-9]+\.[0-9]{1,2}$"
# What a column of decimal points would read as thousands (``12.345``), or a number written
# with an exponent (``1E-3``): rounded to cents first.
_ROUND_FIRST = r"^[-+]?[0-9]{1,3}\.[0-9]{3}$|[eE]"
_CENT = Decimal("0.01")


def amounts_as_numbers(table: pl.DataFrame, number_rows: pl.Series) -> pl.DataFrame:
    """Write the amounts that were numbers (an XLSX number cell, a JSON number; their rows in
    ``number_rows``) so that the amount column is read with them as the numbers they are.

    Spec 1.3 and 1.5 accept a number cell as it is; only text has a decimal separator to be
    decided per column (1.5). So the column's separator is decided from its text alone, and
    a number is written in it: with a decimal comma in a column of decimal commas (``12.5``
    → ``12,5``, ``1234.567`` → ``1234,57``), and where a column of decimal points would read
    thousands (``12.345``, ``0.001``) or an exponent (``1E-3``) rounded to cents
    (``12.35``, ``0.00``), half up as every amount is. A number is never evidence for the
    separator. In a column whose text mixes both separators (reported as such) the numbers
    stay as they are.
    """
    if AMOUNT not in table.columns or not number_rows.len():
        return table
    is_number = pl.col(ROW_NUMBER).is_in(number_rows.implode())
    texts = table.filter(~is_number).select(clean_text_expr(pl.col(AMOUNT)).alias(AMOUNT))
    separator = amount_evidence(texts, AMOUNT) if texts.height else "."
    if separator == "gemengd":
        return table
    value = pl.col(AMOUNT).str.strip_chars()
    if separator == ",":
        simple = value.str.contains(_TWO_DECIMALS)
        rounded = ~simple & value.str.contains(r"[.eE]")
    else:
        simple = pl.lit(False)
        rounded = value.str.contains(_ROUND_FIRST)
    flags = table.select(
        (is_number & simple).alias("simple"), (is_number & rounded).alias("rounded")
    )
    column = table.get_column(AMOUNT)
    with_comma = flags.get_column("simple")
    if with_comma.any():
        where = with_comma.arg_true()
        written = column.gather(where).str.strip_chars().str.replace(".", ",", literal=True)
        column = column.scatter(where, written)
    to_round = flags.get_column("rounded")
    if to_round.any():
        where = to_round.arg_true()
        column = column.scatter(
            where, [_in_cents(text, separator) for text in column.gather(where).to_list()]
        )
    return table.with_columns(column)


def _in_cents(text: str, separator: str) -> str:
    """A number rounded half up to cents, with ``separator`` as its decimal mark."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    if number.adjusted() > 20:
        # Far beyond the largest amount (13 digits): its whole part says so without a
        # separator, and nothing so large is written out.
        whole = re.match(r"[-+]?[0-9]+", text.strip())
        return whole.group(0) if whole and "e" not in text.lower() else text
    return f"{number.quantize(_CENT, rounding=ROUND_HALF_UP):f}".replace(".", separator)
