"""Reading a creditor delivery (CSV, XLSX, JSON) into one raw table of strings.

Spec: ``shared/spec/aanleverformaat.md`` 1.3 and 1.4. :func:`parse_delivery`
returns a :class:`ParsedDelivery` whose ``table`` has a ``rij`` column and one
``String`` column per recognised field (named as in the contract), or raises
:class:`DeliveryRefused` with the code and Dutch message of a refusal of the
whole delivery. Nothing here touches the database; normalising and checking
the values is :mod:`.normalise`'s work.

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
  digits are more likely a year or an error than a date). A ZIP whose content
  unpacks to more than ten times the size limit is refused as too big.
* JSON: numbers keep the text they were written as (``1234.50`` stays
  ``1234.50``), ``true``/``false`` become the words; an object or list as a
  value, or an entry that is not an object, is refused as
  ``BESTAND_ONLEESBAAR`` naming the entry and key (a position and a key name,
  no value). ``peildatum`` and ``soort`` of the body
  are returned as delivered, for the caller to check.
* A header-only file, or one whose rows are all empty, is ``BESTAND_LEEG``
  even when columns are also missing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import ctypes
import gc
import hashlib
import io
import itertools
import json
import mmap
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal
from xml.etree import ElementTree

import polars as pl

from .codes import Code, message
from .fields import (
    DATE_FIELDS,
    FIELD_NAMES,
    Soort,
    dutch_list,
    match_headers,
    missing_columns,
    missing_columns_message,
)

# Spec 1.6: BESTAND_TE_GROOT, "configurable, default 1 GiB".
DEFAULT_MAX_BYTES = 1 << 30
# An XLSX may unpack to at most this many times the size limit (zip bombs).
MAX_UNPACK_RATIO = 10
DELIMITERS = (";", ",", "\t", "|")
ROW_NUMBER = "rij"

Format = Literal["csv", "xlsx", "json"]
Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]

_CHUNK = 16 << 20
_SAMPLE = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_UTF8_BOM = codecs.BOM_UTF8


class DeliveryRefused(Exception):
    """A whole delivery is refused (spec 1.6); nothing of it may be applied.

    ``code`` is a :class:`~vroegsignaal.intake.codes.Code`, ``message`` its
    Dutch text without personal data; ``missing_columns`` is filled for
    ``KOLOM_ONTBREEKT``.
    """

    def __init__(self, code: Code, message_text: str, *, missing_columns: tuple[str, ...] = ()):
        super().__init__(message_text)
        self.code = Code(code)
        self.message = message_text
        self.missing_columns = missing_columns

    def __repr__(self) -> str:
        return f"DeliveryRefused({self.code!s}, {self.message!r})"


def _unreadable(reason: str) -> DeliveryRefused:
    return DeliveryRefused(
        Code.BESTAND_ONLEESBAAR, message(Code.BESTAND_ONLEESBAAR, variant="reden", reden=reason)
    )


def _empty() -> DeliveryRefused:
    return DeliveryRefused(Code.BESTAND_LEEG, message(Code.BESTAND_LEEG))


@dataclass(frozen=True)
class ParsedDelivery:
    """A delivery read into one table of strings.

    ``table``: ``rij`` (Int64) and one String column per recognised field, in
    contract order. ``columns`` maps each field to the header the file used;
    ``unknown_columns`` and ``duplicate_columns`` list the ignored headers.
    """

    table: pl.DataFrame
    format: Format
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
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

    @property
    def row_count(self) -> int:
        return self.table.height


# ---------------------------------------------------------------------------
# Getting the bytes
# ---------------------------------------------------------------------------


class _Bytes:
    """The delivery's bytes, memory-mapped when it is a file on disk."""

    def __init__(self, source: Source, max_bytes: int):
        self.path: Path | None = None
        self._mmap: mmap.mmap | None = None
        self._file = None
        if isinstance(source, str | os.PathLike):
            self.path = Path(source)
            self.size = self.path.stat().st_size
            _check_size(self.size, max_bytes)
            self.data: bytes | mmap.mmap = b""
            if self.size:
                self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
                self._mmap = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                self.data = self._mmap
        elif isinstance(source, bytes | bytearray | memoryview):
            self.data = bytes(source)
            self.size = len(self.data)
            _check_size(self.size, max_bytes)
        else:
            self.data = source.read(max_bytes + 1)
            self.size = len(self.data)
            _check_size(self.size, max_bytes)

    def head(self, n: int = _SAMPLE) -> bytes:
        return bytes(self.data[:n])

    def chunks(self):
        for start in range(0, self.size, _CHUNK):
            yield self.data[start : start + _CHUNK]

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def close(self) -> None:
        if self._mmap is not None:
            self._mmap.close()
        if self._file is not None:
            self._file.close()


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DeliveryRefused(
            Code.BESTAND_TE_GROOT,
            message(Code.BESTAND_TE_GROOT, maximum=_human_size(max_bytes)),
        )


def _human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            text = f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{n} bytes"


# ---------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------


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
    required column (for JSON the body's ``soort`` is used when ``soort`` is
    not given). ``column_mapping`` is the creditor's saved
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
        raise _unreadable("het is geen geldig XLSX-bestand")
    if declared is not None:
        return declared  # type: ignore[return-value]
    text = head.removeprefix(_UTF8_BOM).lstrip()
    return "json" if text.startswith(b"{") else "csv"


def _finish(
    frame: pl.DataFrame,
    headers: list[object],
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
    *,
    empty_columns: set[int] | None = None,
) -> tuple[pl.DataFrame, dict[str, str], list[str], list[str]]:
    """Map headers, drop empty rows and check the required columns.

    ``frame`` has ``rij`` and positional columns ``c0``, ``c1``, … (all
    strings); returns the table with field names.
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
    if missing:
        raise DeliveryRefused(
            Code.KOLOM_ONTBREEKT,
            missing_columns_message(missing, [*match.unknown, *match.duplicates]),
            missing_columns=tuple(missing),
        )
    order = [ROW_NUMBER, *[name for name in FIELD_NAMES if name in match.columns]]
    return selected.select(order), match.sources, match.unknown, match.duplicates


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
    raise DeliveryRefused(
        Code.KOLOM_ONTBREEKT,
        message(
            Code.KOLOM_ONTBREEKT,
            variant="kopregel_lager",
            rij=row,
            regels="regel" if above == 1 else f"{above} regels",
        ),
        missing_columns=tuple(missing),
    )


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def detect_encoding(raw: _Bytes) -> str:
    head = raw.head(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise _unreadable("UTF-16 en UTF-32 worden niet ondersteund; lever UTF-8 of Windows-1252")
    if raw.data.find(b"\x00") != -1:
        raise _unreadable(
            "het bestand bevat binaire gegevens (of is UTF-16); lever een CSV in UTF-8 "
            "of Windows-1252"
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in raw.chunks():
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        for chunk in raw.chunks():
            codecs.decode(chunk, "cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


# A character of two to four bytes in valid UTF-8 (not ASCII): text written as UTF-8.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def mixed_encoding_row(raw: _Bytes) -> int | None:
    """The row of the first byte that is not UTF-8 in a file that holds UTF-8 characters
    before it; ``None`` for a plain Windows-1252 (or UTF-8) file.

    Such a file is read as Windows-1252 like any that is not UTF-8 (spec 1.3), so every
    accented letter of its UTF-8 rows is stored wrong (``MÃ¼ller``): most likely rows
    pasted from another export. A Windows-1252 file fails at its first non-ASCII letter,
    with no UTF-8 character before it. (Text such as ``Ã©`` in Windows-1252 looks the
    same: the delivery report says so, the file is not refused for it.)
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        for chunk in raw.chunks():
            decoder.decode(chunk)
            offset += len(chunk)
        return None
    except UnicodeDecodeError as error:
        position = max(0, min(raw.size, offset + error.start))
    if not _UTF8_MULTIBYTE.search(raw.data, 0, position):  # no copy of a memory-mapped file
        return None
    return 1 + sum(
        raw.data[i : min(i + _CHUNK, position)].count(b"\n") for i in range(0, position, _CHUNK)
    )


def to_utf8(raw: _Bytes, encoding: str) -> bytes | mmap.mmap:
    """The content as UTF-8 bytes (the original when it already is)."""
    if encoding == "utf-8":
        data = raw.data
    else:
        out = io.BytesIO()
        for chunk in raw.chunks():
            out.write(codecs.decode(chunk, encoding).encode("utf-8"))
        data = out.getvalue()
    if data.find(b"\n") == -1 and data.find(b"\r") != -1:
        data = bytes(data).replace(b"\r", b"\n")  # old Mac line ends
    return data


_SEP_LINE = re.compile(r"^sep=(.)\s*$")


def _header_position(sample: str) -> tuple[int, str | None]:
    """(lines before the header, delimiter from a ``sep=`` line or None)."""
    skipped = 0
    forced: str | None = None
    for line in sample.split("\n"):  # lines as Polars counts them (not str.splitlines)
        stripped = line.strip().strip('"')
        m = _SEP_LINE.match(stripped)
        if skipped == 0 and forced is None and m:
            forced = m.group(1)
            skipped += 1
            continue
        if stripped.strip("".join(DELIMITERS) + ' "'):
            return skipped, forced
        skipped += 1
    return skipped, forced


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the header and the next records most consistently."""
    best: tuple[tuple[int, float, int], str] | None = None
    for delimiter in DELIMITERS:
        records = list(_sample_records(sample, delimiter))
        if not records:
            continue
        width = len(records[0])
        body = [r for r in records[1:] if any(v.strip() for v in r)]
        consistency = sum(len(r) == width for r in body) / len(body) if body else 1.0
        score = (int(width > 1), consistency, width)
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best else ";"


def _sample_records(sample: str, delimiter: str, limit: int = 200):
    """The first ``limit`` records of the sample (fewer if it cannot be read further)."""
    if not sample.endswith("\n") and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]  # the sample may cut the last line
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for i, record in enumerate(reader):
            if i >= limit:
                break
            yield record
    except csv.Error:
        return


def _csv_rows_below(
    body_sample: str, forced: str | None, header_row: int
) -> Iterator[tuple[int, list[object]]]:
    """The first record of each line under the header, with its row number (the header's
    is ``header_row``), each read with its own delimiter: a title above the column names
    makes the delimiter sniffed from the title wrong."""
    lines = body_sample.split("\n")
    for k in range(1, min(len(lines), HEADER_SEARCH_ROWS + 1)):
        text = "\n".join(lines[k:])
        if not lines[k].strip():
            continue
        record = next(_sample_records(text, forced or sniff_delimiter(text), limit=1), None)
        if record:
            yield header_row + k, list(record)


def _polars_error_reason(error: Exception) -> str:
    text = str(error)
    if "more fields" in text or "malformed" in text.lower():
        return "niet alle regels hebben evenveel kolommen als de kopregel"
    return "de CSV-opmaak klopt niet (bijvoorbeeld een aanhalingsteken dat niet wordt gesloten)"


def _read_csv(
    raw: _Bytes, column_mapping: Mapping[str, str | None] | None, soort: str | None
) -> ParsedDelivery:
    encoding = detect_encoding(raw)
    data = to_utf8(raw, encoding)
    sample = bytes(data[:_SAMPLE]).decode("utf-8", errors="ignore").removeprefix("\ufeff")
    skip, forced = _header_position(sample)
    body_sample = "\n".join(sample.split("\n")[skip:])
    if not body_sample.strip():
        raise _empty()
    delimiter = forced or sniff_delimiter(body_sample)
    source = raw.path if (raw.path is not None and data is raw.data) else data
    records = list(_sample_records(body_sample, delimiter, limit=1))
    if not records:
        raise _empty()
    if not records[0]:
        raise _unreadable("de kopregel kan niet worden gelezen")
    headers: list[object] = [h.strip() or None for h in records[0]]
    _refuse_if_header_lower(
        skip + 1, headers, _csv_rows_below(body_sample, forced, skip + 1), column_mapping, soort
    )
    match = match_headers(headers, column_mapping)
    positions = sorted(match.columns.values())

    _check_field_counts(source, delimiter, skip, len(headers))
    try:
        body = (
            pl.scan_csv(
                _polars_source(source),
                has_header=True,
                new_columns=[f"c{i}" for i in range(len(headers))],
                skip_lines=skip,
                separator=delimiter,
                quote_char='"',
                infer_schema=False,
                raise_if_empty=False,
            )
            .with_row_index(ROW_NUMBER, offset=skip + 2)
            .select(ROW_NUMBER, *[f"c{p}" for p in positions])
            .collect()
        )
    except pl.exceptions.PolarsError as error:
        raise _unreadable(_polars_error_reason(error)) from error
    # Columns without a name but with data are listed as unknown.
    unnamed = [i for i, h in enumerate(headers) if h is None or not str(h).strip()]
    table, sources, unknown, duplicates = _finish(
        body, headers, column_mapping, soort, empty_columns=set(unnamed)
    )
    return ParsedDelivery(
        table=table,
        format="csv",
        header_row=skip + 1,
        columns=sources,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        encoding=encoding,
        mixed_encoding_row=None if encoding == "utf-8" else mixed_encoding_row(raw),
        delimiter=delimiter,
    )


def _polars_source(source):
    if isinstance(source, Path):
        return source
    if isinstance(source, mmap.mmap):
        return io.BytesIO(source)  # pragma: no cover - mmap is only kept with a path
    return source


def _check_field_counts(source, delimiter: str, skip: int, width: int) -> None:
    """Refuse the file when a record's number of fields differs from the header's.

    Fast path: per physical line, count the delimiters outside quoted parts.
    When quoted values span lines (odd quote counts) the records are counted
    exactly with Python's csv module instead.
    """
    lines = pl.scan_csv(
        _polars_source(source),
        has_header=False,
        separator="\x00",
        quote_char=None,
        infer_schema=False,
        skip_lines=skip,
        new_columns=["line"],
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    line = pl.col("line").fill_null("")
    sep = re.escape(delimiter)
    blank = line.str.contains(f"^[{sep} ]*$")
    counted = line.str.replace_all('"[^"]*"', "").str.count_matches(delimiter, literal=True) + 1
    try:
        summary = (
            lines.with_row_index("i")
            .select(
                (line.str.count_matches('"', literal=True) % 2 == 1).any().alias("odd"),
                pl.col("i").filter(~blank & (counted != width)).head(5).implode().alias("bad"),
            )
            .collect(engine="streaming")
        )
    except pl.exceptions.PolarsError as error:
        raise _unreadable(_polars_error_reason(error)) from error
    odd, bad = summary.row(0)
    if odd:
        bad = _exact_bad_records(source, delimiter, skip, width)
    if bad:
        rows = dutch_list([str(skip + 1 + i) for i in bad[:5]])
        raise _unreadable(
            f"niet alle regels hebben evenveel kolommen als de kopregel ({width}); zie rij {rows}"
        )


def _quote_error_reason(error: csv.Error, row: int) -> str:
    """Where and how the quoting of a CSV goes wrong, as the creditor can find it (``row`` as
    a spreadsheet numbers it: where the record that cannot be read begins)."""
    if "end of data" in str(error):
        return (
            f"de CSV-opmaak klopt niet: het aanhalingsteken dat in rij {row} een waarde opent, "
            "wordt niet gesloten (is het bestand afgekapt?)"
        )
    return (
        f"de CSV-opmaak klopt niet in rij {row}: een aanhalingsteken in een waarde tussen "
        'aanhalingstekens moet dubbel worden geschreven ("")'
    )


def _exact_bad_records(source, delimiter: str, skip: int, width: int) -> list[int]:
    if isinstance(source, Path):
        stream = open(source, "rb")  # noqa: SIM115 - closed below
    else:
        stream = io.BytesIO(source)
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)  # a long quoted value is not an error here
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        for _ in range(skip):
            text.readline()
        bad: list[int] = []
        read = 0  # records read; the one that fails is record ``read`` (the header is record 0)
        try:
            for i, record in enumerate(csv.reader(text, delimiter=delimiter, strict=True)):
                read = i + 1
                if any(v.strip() for v in record) and len(record) != width:
                    bad.append(i)
                    if len(bad) >= 5:
                        break
        except csv.Error as error:
            raise _unreadable(_quote_error_reason(error, skip + 1 + read)) from error
        return bad
    finally:
        csv.field_size_limit(limit)
        stream.close()


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------

# Excel's day 0 for serials above 60 (the 1900 leap-year bug makes 1899-12-30 the base).
_EXCEL_EPOCH = pl.date(1899, 12, 30)
_EXCEL_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"


def excel_serial_expr(column: pl.Expr) -> pl.Expr:
    """Turn five-digit Excel serial dates in a text column into ``YYYY-MM-DD``."""
    text = column.cast(pl.String).str.strip_chars()
    days = text.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
    as_date = (_EXCEL_EPOCH + pl.duration(days=days)).dt.strftime("%Y-%m-%d")
    return pl.when(text.str.contains(_EXCEL_SERIAL)).then(as_date).otherwise(column)


def _read_xlsx(
    raw: _Bytes,
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
    max_bytes: int,
    head_rows: int | None = None,
) -> ParsedDelivery:
    payload = raw.path if raw.path is not None else raw.data
    try:
        with zipfile.ZipFile(payload if isinstance(payload, Path) else io.BytesIO(payload)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            if unpacked > MAX_UNPACK_RATIO * max_bytes:
                raise DeliveryRefused(
                    Code.BESTAND_TE_GROOT,
                    message(Code.BESTAND_TE_GROOT, maximum=_human_size(max_bytes)),
                )
            sheet_files = _sheet_files(zf)
            heads: dict[str, bytes] = {}
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        heads[info.filename] = part.read(_PROLOG_BYTES)
                    _no_dtd_in_prolog(heads[info.filename])
    except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError) as error:
        raise _unreadable("het is geen geldig XLSX-bestand") from error

    # calamine holds the whole sheet (1.5 GB for a million rows) where openpyxl
    # streams; but openpyxl reads a sheet through once to learn its size when the
    # sheet does not state it (Excel and LibreOffice always do).
    stream = head_rows is not None and all(
        _DIMENSION.search(heads.get(path, b"")) for path in sheet_files.values()
    )
    try:
        if stream:
            frame, sheet = _read_xlsx_openpyxl(payload, head_rows)
        else:
            frame, sheet = _read_xlsx_fastexcel(payload, sheet_files)
    except DeliveryRefused:
        raise
    except Exception:  # noqa: BLE001 - any failure of the fast reader: try the careful one
        try:
            frame, sheet = _read_xlsx_openpyxl(payload, head_rows)
        except DeliveryRefused:
            raise
        except Exception as error:  # noqa: BLE001
            raise _unreadable("het XLSX-bestand is beschadigd") from error

    # The first non-empty row is the header.
    columns = [c for c in frame.columns if c != ROW_NUMBER]
    non_empty = pl.any_horizontal(
        [pl.col(c).str.strip_chars().str.len_bytes().fill_null(0) > 0 for c in columns]
    )
    header_index = frame.select(non_empty.arg_true().first()).item() if columns else None
    if header_index is None:
        raise _empty()
    header = frame.row(header_index)
    header_row, headers = int(header[0]), list(header[1:])
    below = frame.slice(header_index + 1, HEADER_SEARCH_ROWS).iter_rows()
    _refuse_if_header_lower(
        header_row, headers, ((int(r[0]), list(r[1:])) for r in below), column_mapping, soort
    )
    body = frame.slice(header_index + 1, head_rows)
    empty_columns = {
        i
        for i, c in enumerate(columns)
        if body.height == 0 or body.get_column(c).null_count() == body.height
    }
    table, sources, unknown, duplicates = _finish(
        body, headers, column_mapping, soort, empty_columns=empty_columns
    )
    dates = [f for f in DATE_FIELDS if f in table.columns]
    if dates:
        table = table.with_columns([excel_serial_expr(pl.col(f)).alias(f) for f in dates])
    return ParsedDelivery(
        table=table,
        format="xlsx",
        header_row=header_row,
        columns=sources,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        sheet=sheet,
    )


def _choose_sheet(names: list[str]) -> int:
    for i, name in enumerate(names):
        if name.strip().casefold() == "achterstanden":
            return i
    return 0


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _no_dtd(head: bytes) -> None:
    """Refuse XML with a document type: an XLSX never has one, entity tricks need one.

    With that excluded the standard library parser is safe for these parts.
    """
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _unreadable("het XLSX-bestand bevat niet-toegestane XML")


_PROLOG_BYTES = 65_536
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b")
# What may stand before the root element besides a document type: space,
# the XML declaration and other processing instructions, comments.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _no_dtd_in_prolog(head: bytes) -> None:
    """Refuse a part whose prolog (all before the root element) has a document type.

    Both readers parse every part of the package. A prolog that does not end
    within 64 KiB is refused rather than searched further: no real XLSX has one.
    """
    position = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    while item := _PROLOG_ITEM.match(head, position):
        position = item.end()
    rest = head[position:]
    if not rest and len(head) < _PROLOG_BYTES:
        return  # an empty part: nothing a parser could expand
    if not re.match(rb"<[^!?]", rest):
        raise _unreadable("het XLSX-bestand bevat niet-toegestane XML")


def _xml(data: bytes) -> ElementTree.Element:
    _no_dtd(data)
    return ElementTree.fromstring(data)  # noqa: S314 - no DTD (checked above)


def _sheet_files(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the package."""
    workbook = _xml(zf.read("xl/workbook.xml"))
    rels = _xml(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    files: dict[str, str] = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        files[sheet.get("name", "")] = path
    return files


def _first_used_row(payload, sheet_path: str | None) -> int:
    """The sheet row of the first cell with a value (where fastexcel's rows begin)."""
    if not sheet_path:
        return 1
    try:
        source = payload if isinstance(payload, Path) else io.BytesIO(payload)
        with zipfile.ZipFile(source) as zf:
            with zf.open(sheet_path) as stream:
                _no_dtd(stream.read(4096))
            return _first_row_with_value(zf, sheet_path)
    except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1


def _first_row_with_value(zf: zipfile.ZipFile, sheet_path: str) -> int:
    with zf.open(sheet_path) as stream:
        row = 0
        events = ElementTree.iterparse(stream, events=("start", "end"))  # noqa: S314 - no DTD
        for event, element in events:
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                row = int(element.get("r") or row + 1)
            elif event == "end" and tag == "c":
                if any(child.tag.rsplit("}", 1)[-1] in ("v", "is") for child in element):
                    return row
                element.clear()
            elif event == "end" and tag == "row":
                element.clear()
    return 1


def _read_xlsx_fastexcel(payload, sheet_files: dict[str, str]) -> tuple[pl.DataFrame, str]:
    import fastexcel

    reader = fastexcel.read_excel(str(payload) if isinstance(payload, Path) else bytes(payload))
    names = list(reader.sheet_names)
    if not names:
        raise _empty()
    index = _choose_sheet(names)
    sheet = reader.load_sheet(index, header_row=None, dtypes="string")
    frame = sheet.to_polars()
    del sheet, reader
    _return_freed_memory()
    first_row = _first_used_row(payload, sheet_files.get(names[index]))
    frame = frame.select(
        [pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(frame.columns)]
    ).with_row_index(ROW_NUMBER, offset=first_row)
    return frame.with_columns(pl.col(ROW_NUMBER).cast(pl.Int64)), names[index]


def _return_freed_memory() -> None:
    """Give the heap a sheet's cells left free back to the system.

    The reader holds every cell of the sheet at once (1.5 GB for a million rows);
    glibc keeps most of that heap after it is freed, and the apply that follows
    would then start from it (a 1M-row XLSX delivery peaked at 2.15 GB, 1.8 GB
    with this).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def _cell_text(value: object) -> str | None:
    """A cell value read by openpyxl as the text fastexcel would give."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, dt.time):
        return value.strftime("1899-12-31 %H:%M:%S")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_xlsx_openpyxl(payload, head_rows: int | None = None) -> tuple[pl.DataFrame, str]:
    """The sheet read a row at a time; with ``head_rows``, up to that many rows after the header."""
    import openpyxl

    source = payload if isinstance(payload, Path) else io.BytesIO(bytes(payload))
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        if not names:
            raise _empty()
        name = names[_choose_sheet(names)]
        rows: list[tuple[int, list[str | None]]] = []
        width = 0
        number = 0
        after_header: int | None = None  # rows read after the first non-empty one
        for cells in workbook[name].iter_rows():
            numbers = [c.row for c in cells if getattr(c, "row", None)]
            number = numbers[0] if numbers else number + 1
            texts = [_cell_text(getattr(c, "value", None)) for c in cells]
            if head_rows is not None:
                if after_header is None:
                    if not any(t and t.strip() for t in texts):
                        continue  # before the header: not part of the table
                    after_header = 0
                elif after_header >= head_rows:
                    break
                else:
                    after_header += 1
            width = max(width, len(texts))
            rows.append((number, texts))
    finally:
        workbook.close()
    data: dict[str, list] = {ROW_NUMBER: [n for n, _ in rows]}
    for i in range(width):
        data[f"c{i}"] = [t[i] if i < len(t) else None for _, t in rows]
    schema = {ROW_NUMBER: pl.Int64, **{f"c{i}": pl.String for i in range(width)}}
    return pl.DataFrame(data, schema=schema), name


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


# Rows turned into columns at a time: a million Python dicts at once would take 1.3 GB.
JSON_CHUNK_ROWS = 50_000
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
_NOT_AN_OBJECT = (
    'de JSON moet een object zijn met "peildatum", "soort" en een lijst "achterstanden"'
)


def _json_column(values: Sequence, key: object, first: int = 1) -> pl.Series:
    """One key's values as text: numbers as written, booleans as words, null as null.

    ``first`` is the number of the first value's achterstand (for the message).
    """
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        return pl.Series(values, dtype=pl.String)
    if not kinds <= {str, type(None), bool}:
        number = next(
            i for i, v in enumerate(values, first) if not isinstance(v, str | bool | None)
        )
        raise _unreadable(
            f"het veld {str(key)!r} van achterstand {number} is geen tekst, getal of ja/nee-waarde"
        )
    words = {True: "true", False: "false"}
    return pl.Series([words.get(v, v) if type(v) is bool else v for v in values], dtype=pl.String)


@dataclass
class _JsonRows:
    """The ``achterstanden`` array read a chunk of rows at a time into string columns."""

    keys: dict[str, int] = field(default_factory=dict)  # every key seen, in order → position
    frames: list[pl.DataFrame] = field(default_factory=list)
    count: int = 0

    def add(self, items: list[dict]) -> None:
        present = tuple(dict.fromkeys(itertools.chain.from_iterable(items)))
        for key in present:
            self.keys.setdefault(key, len(self.keys))
        first = self.count + 1
        self.count += len(items)
        try:
            # Polars builds the columns (booleans become "true"/"false", as below) ...
            frame = pl.from_dicts(items, schema=dict.fromkeys(present, pl.String))
        except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - any value it cannot take
            # ... unless a value is an object or a list (Polars raises PolarsError, TypeError, …
            # depending on what is in it): then the careful path below names it.
            frame = pl.DataFrame(
                {
                    key: _json_column([item.get(key) for item in items], key, first)
                    for key in present
                }
            )
        self.frames.append(
            frame.rename({key: f"k{self.keys[key]}" for key in present}).with_columns(
                # The row numbers also keep rows that are empty objects.
                pl.int_range(first, self.count + 1, eager=True, dtype=pl.Int64).alias(ROW_NUMBER)
            )
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _EnoughRows(Exception):
    """``max_rows`` rows are read: the rest of the text is not needed (a preview)."""

    def __init__(self, rows: _JsonRows):
        self.rows = rows


def _scan_json(
    text: str, max_rows: int | None = None
) -> tuple[dict[str, object], _JsonRows | None]:
    """The top-level object's members, with ``achterstanden`` read as a stream of rows.

    ``json.loads`` of a million rows holds every row as a dict at once (2.1 GB
    for a 1M-row file); this walks the top-level object with the standard
    library's decoder and turns the rows into columns a chunk at a time. What
    it accepts and what each value becomes are ``json.loads``'s, numbers kept
    as the text they were written as. Raises ``ValueError`` on malformed JSON.
    With ``max_rows`` it stops after that many rows (the members read so far,
    the rows, and nothing of the rest checked): the preview of a file's head.
    """
    decode = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str).raw_decode
    space = _JSON_SPACE.match

    def skip(i: int) -> int:
        return space(text, i).end()  # type: ignore[union-attr]

    def expect(i: int, char: str) -> int:
        if not text.startswith(char, i):
            raise ValueError(f"expected {char!r} at {i}")
        return skip(i + 1)

    body: dict[str, object] = {}
    rows: _JsonRows | None = None
    i = skip(0)
    if not text.startswith("{", i):
        raise _unreadable(_NOT_AN_OBJECT)
    i = skip(i + 1)
    if text.startswith("}", i):
        i += 1
    else:
        while True:
            key, i = decode(text, i)
            if not isinstance(key, str):
                raise ValueError("a key must be a string")
            i = expect(skip(i), ":")
            if key == "achterstanden" and text.startswith("[", i):
                if rows is not None:
                    raise _unreadable('de JSON noemt "achterstanden" twee keer')
                try:
                    rows, i = _scan_json_rows(text, skip(i + 1), decode, skip, max_rows)
                except _EnoughRows as enough:
                    return body, enough.rows
            else:
                body[key], i = decode(text, i)
            i = skip(i)
            if text.startswith(",", i):
                i = skip(i + 1)
                continue
            i = expect(i, "}")
            break
    if skip(i) != len(text):
        raise ValueError("extra data after the object")
    if rows is not None and "achterstanden" in body:
        raise _unreadable('de JSON noemt "achterstanden" twee keer')
    return body, rows


def _scan_json_rows(
    text: str, i: int, decode, skip, max_rows: int | None = None
) -> tuple[_JsonRows, int]:
    """The rows of the array whose ``[`` is just before ``i``; the index after its ``]``."""
    rows = _JsonRows()
    items: list[dict] = []
    if text.startswith("]", i):
        return rows, i + 1
    comma = _JSON_COMMA.match
    append = items.append
    while True:
        item, i = decode(text, i)
        if type(item) is not dict:
            raise _unreadable(f"achterstand {rows.count + len(items) + 1} is geen object")
        append(item)
        if max_rows is not None and rows.count + len(items) >= max_rows:
            rows.add(items)
            raise _EnoughRows(rows)
        if len(items) == JSON_CHUNK_ROWS:
            rows.add(items)
            items = []
            append = items.append
        found = comma(text, i)
        if found:
            i = found.end()
            continue
        i = skip(i)
        if text.startswith("]", i):
            break
        raise ValueError(f"expected ',' or ']' at {i}")
    if items:
        rows.add(items)
    return rows, i + 1


def _read_json(
    raw: _Bytes,
    column_mapping: Mapping[str, str | None] | None,
    soort: str | None,
    head_rows: int | None = None,
) -> ParsedDelivery:
    try:
        if head_rows is None:
            text = codecs.decode(raw.data, "utf-8-sig")
        else:  # the head of a file: it may end in the middle of a character
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw.data, final=False)
        # The rows are a million short-lived acyclic objects: the cycle collector would
        # only walk them again and again (a second of 8).
        with _collector_paused():
            body, rows = _scan_json(text, max_rows=head_rows)
    except DeliveryRefused:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise _unreadable("het is geen geldige JSON in UTF-8") from error
    finally:
        text = ""
    if rows is None:
        raise _unreadable(_NOT_AN_OBJECT)
    if not rows.count:
        raise _empty()
    headers: list[object] = list(rows.keys)
    match = match_headers(headers, column_mapping)
    table = pl.concat(rows.frames, how="diagonal") if len(rows.frames) > 1 else rows.frames[0]
    rows.frames.clear()
    frame = pl.DataFrame(
        {
            ROW_NUMBER: table.get_column(ROW_NUMBER),
            # Every key is in some chunk, so the diagonal concat has a column for each.
            **{f"c{pos}": table.get_column(f"k{pos}") for pos in match.columns.values()},
        }
    )
    del table
    peildatum, body_soort = body.get("peildatum"), body.get("soort")
    effective = soort or (str(body_soort) if body_soort in Soort.values else None)
    table, sources, unknown, duplicates = _finish(frame, headers, column_mapping, effective)
    return ParsedDelivery(
        table=table,
        format="json",
        columns=sources,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        peildatum=None if peildatum is None else str(peildatum),
        soort=None if body_soort is None else str(body_soort),
    )
