"""Reading an XLSX delivery: its sheet as text, Excel serial dates as dates (spec 1.3).

The fast reader (fastexcel) holds the whole sheet; openpyxl reads a row at a
time, for the preview of a file's head and whenever the fast reader fails.
Parts with a document type are refused before either reader parses them, and so
is a package or a sheet that unpacks to too much or reaches too far
(:mod:`.parsing_xlsx_scan`, which measures the sheet in one streaming pass first).
"""

from __future__ import annotations

import ctypes
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from .codes import Code
from .fields import DATE_FIELDS, match_headers
from .parsing_bytes import _UTF8_BOM, _Bytes
from .parsing_table import (
    AMOUNT,
    HEADER_SEARCH_ROWS,
    ROW_NUMBER,
    ParsedDelivery,
    _finish,
    _refuse_if_header_lower,
    amounts_as_numbers,
)
from .parsing_xlsx_scan import (
    SheetScan,
    check_extent,
    check_package,
    check_sheet_size,
    column_number,
    has_values,
    scan_sheet,
)
from .refusals import DeliveryRefused, _empty, _unreadable

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
    # calamine holds the whole sheet (1.5 GB for a million rows) where openpyxl
    # streams; but openpyxl reads a sheet through once to learn its size when the
    # sheet does not state it (Excel and LibreOffice always do).
    scan: SheetScan | None = None
    try:
        with zipfile.ZipFile(payload if isinstance(payload, Path) else io.BytesIO(payload)) as zf:
            check_package(zf, max_bytes)
            sheet_files = _sheet_files(zf)
            heads: dict[str, bytes] = {}
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        heads[info.filename] = part.read(_PROLOG_BYTES)
                    _no_dtd_in_prolog(heads[info.filename])
            stream = head_rows is not None and all(
                _DIMENSION.search(heads.get(path, b"")) for path in sheet_files.values()
            )
            if sheet_files:
                names = list(sheet_files)
                name = names[_choose_sheet(names)]
                if stream:
                    # The head of a sheet that states its size: openpyxl pads each row it reads
                    # to that size, and reads no further than the head (but all shared texts).
                    _check_dimension(name, heads.get(sheet_files[name], b""))
                    check_sheet_size(zf, name, sheet_files[name], max_bytes)
                else:
                    # Before either reader holds the sheet: how far it reaches, how much text.
                    scan = scan_sheet(zf, name, sheet_files[name], max_bytes)
                    _return_freed_memory()
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        ElementTree.ParseError,
        EOFError,
        zlib.error,
    ) as error:
        raise _unreadable("het is geen geldig XLSX-bestand") from error

    absolute: list[int] = []  # the sheet column (0 = A) of each column of the frame
    # openpyxl: per sheet column (0 = A) the rows of its number cells, and of its error cells
    numbers: dict[int, set[int]] = {}
    errors: dict[int, dict[int, str]] = {}
    try:
        if stream:
            frame, sheet = _read_xlsx_openpyxl(payload, head_rows, numbers, errors)
        else:
            frame, sheet = _read_xlsx_fastexcel(payload, sheet_files, absolute)
    except DeliveryRefused:
        raise
    except Exception:  # noqa: BLE001 - any failure of the fast reader: try the careful one
        try:
            numbers.clear()
            absolute.clear()
            frame, sheet = _read_xlsx_openpyxl(payload, head_rows, numbers, errors)
        except DeliveryRefused:
            raise
        except Exception as error:  # noqa: BLE001
            raise _unreadable("het XLSX-bestand is beschadigd") from error

    # The first non-empty row is the header.
    columns = [c for c in frame.columns if c != ROW_NUMBER]
    header_index = None
    if columns and frame.height:
        non_empty = pl.any_horizontal(
            [pl.col(c).str.strip_chars().str.len_bytes().fill_null(0) > 0 for c in columns]
        )
        header_index = frame.select(non_empty.arg_true().first()).item()
    if header_index is None:
        raise _empty_sheet(payload, sheet_files, sheet)
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
    positions = match_headers(headers, column_mapping, empty_columns=empty_columns).columns

    def sheet_column(position: int) -> int:  # 0 = A
        return absolute[position] if absolute else position

    # What the fast reader read is measured by the scan; what openpyxl read, by openpyxl.
    measured = scan is not None and bool(absolute)
    amount = positions.get(AMOUNT)
    if amount is not None:
        column = sheet_column(amount)
        rows = (
            scan.number_rows(column + 1)
            if measured
            else pl.Series("rij", sorted(numbers.get(column, ())), dtype=pl.Int64)
        )
        table = amounts_as_numbers(table, rows)
    if measured:
        errors = {column - 1: cells for column, cells in scan.error_cells().items()}
    excel_errors: tuple[tuple[int, str, str], ...] = ()
    if errors:
        read = set(table.get_column(ROW_NUMBER).to_list())
        excel_errors = tuple(
            sorted(
                (row, name, error)
                for name, position in positions.items()
                for row, error in errors.get(sheet_column(position), {}).items()
                if row in read
            )
        )
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
        excel_errors=excel_errors,
    )


def _check_dimension(sheet: str, head: bytes) -> None:
    """Refuse a sheet whose stated size (``<dimension ref="A1:XFD1048576"/>``) is beyond the
    limits of :mod:`.parsing_xlsx_scan`."""
    found = _DIMENSION_REF.search(head)
    if not found:
        return
    end = found.group(1).decode("latin-1").rsplit(":", 1)[-1].replace("$", "").upper()
    cell = re.fullmatch(r"([A-Z]+)([0-9]+)", end.strip())
    if cell:
        check_extent(sheet, int(cell.group(2)), column_number(cell.group(1)))


def _empty_sheet(payload, sheet_files: dict[str, str], sheet: str) -> DeliveryRefused:
    """``BESTAND_LEEG`` naming the sheet that was read, and a sheet that does hold data."""
    names = list(sheet_files)
    other = None
    try:
        source = payload if isinstance(payload, Path) else io.BytesIO(payload)
        with zipfile.ZipFile(source) as zf:
            other = next((n for n in names if n != sheet and has_values(zf, sheet_files[n])), None)
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, EOFError):
        other = None
    shown, other_shown = _sheet_name(sheet), _sheet_name(other or "")
    by_name = sheet.strip().casefold() == "achterstanden"
    if other is None:
        text = f'Het werkblad "{shown}" is leeg'
        if len(names) > 1:
            text += "; ook de andere werkbladen bevatten geen gegevens"
        return DeliveryRefused(Code.BESTAND_LEEG, text + ".")
    if by_name:
        text = (
            f'Het werkblad "{shown}" is leeg; het werkblad "{other_shown}" bevat wel gegevens. '
            'Een bestand met een werkblad "achterstanden" wordt van dat werkblad gelezen: zet '
            "de gegevens daar, of verwijder of hernoem het lege werkblad."
        )
    else:
        text = (
            f'Het eerste werkblad ("{shown}") is leeg; het werkblad "{other_shown}" bevat wel '
            'gegevens. Gelezen wordt het werkblad "achterstanden", en zonder zo’n werkblad het '
            "eerste: zet de gegevens op het eerste werkblad, of noem hun werkblad "
            '"achterstanden".'
        )
    return DeliveryRefused(Code.BESTAND_LEEG, text)


def _sheet_name(name: str) -> str:
    """A sheet's name for a message (Excel allows 31 characters; a package may say more)."""
    name = " ".join(name.split())
    return name if len(name) <= 31 else name[:30] + "…"


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
_DIMENSION_REF = re.compile(rb"""<(?:\w+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
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


def _read_xlsx_fastexcel(
    payload, sheet_files: dict[str, str], absolute: list[int] | None = None
) -> tuple[pl.DataFrame, str]:
    """The chosen sheet, every cell as text; ``absolute`` receives the sheet column (0 = A) of
    each column of the frame (the frame begins at the first column that is used)."""
    import fastexcel

    reader = fastexcel.read_excel(str(payload) if isinstance(payload, Path) else bytes(payload))
    names = list(reader.sheet_names)
    if not names:
        raise _empty()
    index = _choose_sheet(names)
    sheet = reader.load_sheet(index, header_row=None, dtypes="string")
    if absolute is not None:
        absolute[:] = [column.absolute_index for column in sheet.available_columns()]
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


def _read_xlsx_openpyxl(
    payload,
    head_rows: int | None = None,
    number_cells: dict[int, set[int]] | None = None,
    error_cells: dict[int, dict[int, str]] | None = None,
) -> tuple[pl.DataFrame, str]:
    """The sheet read a row at a time; with ``head_rows``, up to that many rows after the header.
    ``number_cells`` receives, per sheet column (0 = A), the rows of its number cells with
    decimals; ``error_cells`` the rows and errors of its cells that hold an Excel error, which
    are read as empty (as fastexcel reads them)."""
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
            values = [getattr(c, "value", None) for c in cells]
            for i, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "e" and values[i] is not None:
                    if error_cells is not None:
                        error_cells.setdefault(i, {})[number] = str(values[i]).strip()
                    values[i] = None
            texts = [_cell_text(v) for v in values]
            if number_cells is not None:
                for i, value in enumerate(values):
                    if type(value) is float and not value.is_integer():
                        number_cells.setdefault(i, set()).add(number)
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
