"""Reading an XLSX delivery: its sheet as text, Excel serial dates as dates (spec 1.3).

The fast reader (fastexcel) holds the whole sheet; openpyxl reads a row at a
time, for the preview of a file's head and whenever the fast reader fails.
Parts with a document type are refused before either reader parses them, and
so is a ZIP that unpacks to more than ten times the size limit.
"""

from __future__ import annotations

import ctypes
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from .codes import Code, message
from .fields import DATE_FIELDS
from .parsing_bytes import _UTF8_BOM, _Bytes
from .parsing_table import (
    HEADER_SEARCH_ROWS,
    ROW_NUMBER,
    ParsedDelivery,
    _finish,
    _refuse_if_header_lower,
)
from .refusals import DeliveryRefused, _empty, _human_size, _unreadable

# An XLSX may unpack to at most this many times the size limit (zip bombs).
MAX_UNPACK_RATIO = 10

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
    table, sources, unknown, duplicates, ignored = _finish(
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
        reported_columns=ignored.labels,
        mappable_columns=ignored.mappable,
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
