"""Reading a creditor delivery (CSV, XLSX, JSON) into one raw table of strings.

Spec: ``shared/spec/aanleverformaat.md`` 1.3 and 1.4. :func:`parse_delivery`
returns a :class:`ParsedDelivery` whose ``table`` has a ``rij`` column and one
``String`` column per recognised field (named as in the contract), or raises
:class:`DeliveryRefused` with the code and Dutch message of a refusal of the
whole delivery. Nothing here touches the database; normalising and checking
the values is :mod:`.normalise`'s work.

The readers are one module per format (:mod:`.parsing_csv`,
:mod:`.parsing_xlsx`, :mod:`.parsing_json`); what they share is in
:mod:`.parsing_bytes`, :mod:`.parsing_table` and :mod:`.refusals`. This
module is the entry point and chooses the format.

Row numbers (``rij``) are the rows as the creditor sees them:

* CSV: the number of the record in the file, the header counting as row 1
  (plus any blank lines before it). Blank lines inside the file count, as a
  spreadsheet shows them; a quoted value spanning several lines is one row.
  Without such values this is the line number in a text editor.
* XLSX: the row number in the sheet.
* JSON: the position in ``achterstanden``, counting from 1.

Decisions where the contract is silent:

* Encoding: a UTF-16/32 file (BOM or NUL bytes) is refused as
  ``BESTAND_ONLEESBAAR``; so is anything with NUL bytes. Valid UTF-8 is read as
  UTF-8; anything else as Windows-1252, or ISO-8859-1 when it has bytes
  Windows-1252 leaves undefined. (Every byte string is valid ISO-8859-1, so
  "undecodable" text is only ever the binary case.) A file that holds UTF-8
  characters before its first byte that is not UTF-8 is two encodings mixed:
  it is read as Windows-1252 all the same, and ``mixed_encoding_row`` names
  the row for the delivery report, since its UTF-8 rows' accented letters are
  read wrong.
* CSV structure: every record must have as many fields as the header (blank
  lines and lines of only delimiters are skipped). A file where some do not
  (a truncated last line, a value with an unquoted delimiter, a lost field) is
  refused as ``BESTAND_ONLEESBAAR`` naming the first such rows: its values
  would land in the wrong columns, and a truncated ``stand`` would clear every
  arrear after the cut. An unclosed quote is refused the same way, naming the
  row where the value it opens begins (a cut-off file: the last row), and so is
  a quote inside a quoted value that is not doubled, naming its row.
* Leading lines that are blank or hold only delimiters are skipped; an Excel
  ``sep=;`` first line sets the delimiter.
* Rows that are empty in every recognised column are dropped (not counted).
* XLSX: cells are read as text; date cells arrive as ``YYYY-MM-DD HH:MM:SS``
  and numbers as plain decimals (``1234.56``, ``12``). A whole number of five
  digits in a date column is read as an Excel serial date (1927–2173; fewer
  digits are more likely a year or an error than a date). A sheet that reaches
  beyond 256 columns, Excel's 1,048,576 rows or 33,554,432 cells, or unpacks
  (with the shared texts its cells show) to more than twice the size limit, or a
  package to more than four times, is refused as too big before a reader holds
  it (:mod:`.parsing_xlsx_scan`). An empty sheet is refused as empty, naming it
  and a sheet that does hold data. A number cell with decimals in the amount
  column is a number, not text whose separator is to be decided
  (:func:`.parsing_table.amounts_as_numbers`); so is a JSON number.
* A file named ``.xlsx`` that is no ZIP is refused saying it is a CSV or JSON
  text when it is one.
* JSON: numbers keep the text they were written as (``1234.50`` stays
  ``1234.50``), ``true``/``false`` become the words; an object or list as a
  value, or an entry that is not an object, is refused as
  ``BESTAND_ONLEESBAAR`` naming the entry and the key (a position, and the
  key's name when it is a field's, else its place in the entry: a body keyed
  by klantnummer has data as its keys; no value). ``peildatum`` and ``soort`` of the body
  are returned as delivered, for the caller to check. A member named twice in one
  object is refused (``json.loads`` would keep the last), and so is nesting too deep,
  saying so.
* A header-only file, or one whose rows are all empty, is ``BESTAND_LEEG``
  even when columns are also missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .parsing_bytes import _UTF8_BOM, Source, _Bytes
from .parsing_csv import _read_csv
from .parsing_json import _read_json
from .parsing_table import Format, ParsedDelivery
from .parsing_xlsx import _read_xlsx
from .refusals import DeliveryRefused, _empty, _unreadable

# Spec 1.6: BESTAND_TE_GROOT, "configurable, default 1 GiB".
DEFAULT_MAX_BYTES = 1 << 30

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def parse_delivery(
    source: Source,
    *,
    filename: str | None = None,
    format: Format | None = None,  # noqa: A002 - the word of the domain
    soort: str | None = None,
    column_mapping: Mapping[str, str | None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    head_rows: int | None = None,
) -> ParsedDelivery:
    """Read a delivery into a :class:`ParsedDelivery` or raise :class:`DeliveryRefused`.

    ``source`` is the file's bytes, a path, or a binary file object.
    ``format`` (``csv``/``xlsx``/``json``) is taken from ``filename``'s
    extension when not given, and the content decides when neither does (a
    ZIP is XLSX, ``{`` is JSON). ``soort`` decides whether ``status`` is a
    required column (for JSON the body's own ``soort`` when it names one: a
    ``soort`` given that differs is the caller's to refuse). ``column_mapping`` is the creditor's saved
    ``{their header: field or None}``, which takes precedence over names and
    aliases. ``head_rows``: read only that many rows after the header of a JSON
    body or an XLSX sheet and nothing after them (the upload page's preview of
    a file's head).
    """
    raw = _Bytes(source, max_bytes)
    try:
        if raw.size == 0:
            raise _empty()
        head = raw.head()
        if not head.strip(b" \t\r\n\x0b\x0c"):
            raise _empty()
        kind = _choose_format(head, format, filename)
        if kind == "xlsx":
            parsed = _read_xlsx(raw, column_mapping, soort, max_bytes, head_rows)
        elif kind == "json":
            parsed = _read_json(raw, column_mapping, soort, head_rows)
        else:
            parsed = _read_csv(raw, column_mapping, soort)
        return _with(parsed, size=raw.size, sha256=raw.sha256())
    finally:
        raw.close()


def _with(parsed: ParsedDelivery, **changes) -> ParsedDelivery:
    values = {f: getattr(parsed, f) for f in parsed.__dataclass_fields__}
    values.update(changes)
    return ParsedDelivery(**values)


def detected_format(head: bytes, filename: str | None = None) -> Format | None:
    """The format a delivery will be read as (``csv``, ``xlsx`` or ``json``, spec 1.3), from its
    name and first bytes, as :func:`parse_delivery` chooses it; ``None`` when it will be read as
    none of them (nothing but white space, the old Excel format, a ``.xlsx`` that is no ZIP).

    Taken at receipt, so that a delivery refused before or while it is read keeps its format."""
    if not head.strip(b" \t\r\n\x0b\x0c"):
        return None
    try:
        return _choose_format(head, None, filename)
    except DeliveryRefused:
        return None


# The delimiters of spec 1.3, as bytes.
_DELIMITERS = (b";", b",", b"\t", b"|")
# Bytes that text does not hold (control characters other than tab, CR, LF, form feed).
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")


def _not_xlsx(head: bytes, filename: str | None) -> str:
    """Why a file named .xlsx (or .xls) that is no ZIP cannot be read: most often it is a CSV
    or JSON file saved under that name, which can be delivered as such."""
    text = head.removeprefix(_UTF8_BOM)
    suffix = Path(filename or "").suffix.lower()
    named = (
        f"het bestand heet {suffix}"
        if suffix in (".xlsx", ".xls")
        else "het is als XLSX aangeleverd"
    )
    if not _NOT_TEXT.search(text):
        stripped = text.lstrip()
        if stripped.startswith(b"{"):
            return f"{named}, maar is JSON-tekst en geen Excel-werkmap; lever het aan als .json"
        first = stripped.split(b"\n", 1)[0]
        if any(d in first for d in _DELIMITERS):
            return (
                f"{named}, maar is tekst met scheidingstekens (een CSV-bestand) en geen "
                "Excel-werkmap; lever het aan als .csv, of open het in Excel en sla het op als "
                "Excel-werkmap (.xlsx)"
            )
    return "het is geen geldig XLSX-bestand"


def _choose_format(head: bytes, declared: str | None, filename: str | None) -> Format:
    if declared is None and filename:
        ext = Path(filename).suffix.lower().lstrip(".")
        declared = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "json": "json"}.get(
            ext
        )
        if ext == "xls":
            declared = "xlsx"
    if declared not in (None, "csv", "xlsx", "json"):
        raise ValueError(f"unknown format {declared!r}")
    if head.startswith(_OLE_MAGIC):
        raise _unreadable(
            "dit is het oude Excel-formaat (.xls); sla het bestand op als .xlsx of als CSV"
        )
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if declared == "xlsx":
        raise _unreadable(_not_xlsx(head, filename))
    if declared is not None:
        return declared  # type: ignore[return-value]
    text = head.removeprefix(_UTF8_BOM).lstrip()
    return "json" if text.startswith(b"{") else "csv"
