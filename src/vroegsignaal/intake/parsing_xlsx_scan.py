"""An XLSX sheet measured in one streaming pass before a reader holds it (spec 1.3, 1.6).

fastexcel (calamine) holds a sheet as one rectangle from its first to its last cell, a slot
of about 50 bytes per cell, before it hands over a single value, and when that does not fit
it aborts the process: no Python exception, the worker, the web worker or the command is
gone. One cell at XFD1048576 asks for 512 GiB. openpyxl pads every row to the width the
sheet states. And a shared text is copied into every cell that refers to it: a file of
120 KB whose million cells all point to one text of 10,000 characters asks for 10 GB.

So the sheet is read once, as a stream of 4 MiB pieces (a thread unpacks the next while this
one is measured), before either reader sees it (:func:`scan_sheet`): how far its cells reach
(the cells' and rows' ``r``, cells and rows without one counted on as both readers count
them, the ``<dimension>``), how many cells refer to a shared text, and where its number cells
with decimals and its error cells are (spec 1.3: a number cell is a number, not text whose
separator is to be guessed). A piece in which every ``<c>`` and ``<row>`` has a plain ``r``
within column AF and row 1,048,576 is looked at by one regular expression in Polars (Rust):
such pieces stay within the limits whatever they hold. A piece with plain references beyond
that is measured from its references; only a piece with anything else (cells without ``r``,
references written otherwise) is followed tag by tag, still in Polars. The benchmark's
million-row sheet of 895 MB takes about two seconds.

Limits (:data:`MAX_COLUMNS`, :data:`MAX_CELLS`; rows are Excel's 1,048,576) are what a real
delivery needs many times over: the contract has 25 fields. What is beyond is refused as
``BESTAND_TE_GROOT`` with a message that names the farthest cell.
"""

from __future__ import annotations

import contextlib
import html
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

from vroegsignaal.formats import thousands

from .codes import Code
from .refusals import DeliveryRefused, _human_size, _unreadable

# Excel's own limit: no sheet it writes has more rows.
MAX_ROWS = 1_048_576
# Columns read at most: the old Excel format's limit (IV); the contract has 25 fields.
MAX_COLUMNS = 256
# Cells (rows times columns of the rectangle the reader allocates) read at most: every row
# Excel allows with 32 columns, about 1.7 GB in the reader before a single value.
MAX_CELLS = 32 * MAX_ROWS
# The sheet read, the shared texts and the copies of them in the cells may unpack to at most
# this many times the size limit (MAX_DELIVERY_BYTES); the whole package to PACKAGE_RATIO times.
SHEET_RATIO = 2
PACKAGE_RATIO = 4

_CHUNK = 4 << 20
# No sheet goes this far without a "<": such a part is refused rather than held.
_MAX_CARRY = 64 << 20
# The fewest bytes a cell that refers to a shared text takes: <c t="s"><v>0</v></c>.
_SHARED_CELL_BYTES = 21

_PREFIX = r"(?:[A-Za-z_][\w.\-]*:)?"


def column_number(letters: str) -> int:
    """``A`` → 1, ``AF`` → 32, ``XFD`` → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """1 → ``A``, 16384 → ``XFD``."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _above(limit: int) -> str:
    """A regular expression for the numbers above ``limit`` written without a leading zero."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, digit in enumerate(digits):
        if digit != "9":
            parts.append(f"{digits[:i]}[{int(digit) + 1}-9][0-9]{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join(parts) + ")"


# A piece is plain when every cell and row reference stays within these; the rectangle of
# such a sheet is at most _PLAIN_COLUMNS × MAX_ROWS = MAX_CELLS cells.
_PLAIN_COLUMNS = MAX_CELLS // MAX_ROWS
assert column_letters(_PLAIN_COLUMNS) == "AF"
_BEYOND_AF = r"[A-Z]{3,}|A[G-Z]|[B-Z][A-Z]"
_ODD_REFERENCE_VALUE = "|".join(
    [
        r'[^"]*[^A-Z0-9"][^"]*',  # lower case, "$", an entity, a space
        r"[A-Z]*",  # no row (or empty)
        r'[A-Z]*[0-9]+[A-Z][^"]*',
        rf'(?:{_BEYOND_AF})[^"]*',
        r"[A-Z]*0[0-9]*",
        rf"[A-Z]*{_above(MAX_ROWS)}",
    ]
)
_NOT_R = r"""\s+(?:[^\s=>/r][^\s=>/]*|r[^\s=>/]+)\s*=\s*(?:"[^"]*"|'[^']*')"""
# An ``r`` that is not plain: looked for without the space before it (twice as fast), so that
# an attribute whose name ends in r (``header="0.3"`` of the page margins) is confirmed in
# Python (_ODD_R) when it is odd; a reference written plainly (capitals, digits) beyond AF or
# row 1,048,576 is "wide": measured exactly from the references (_read_references), not tag
# by tag.
_ODD_R_VALUE = rf"""r\s*=\s*(?:'[^']*'|"(?:{_ODD_REFERENCE_VALUE})")"""
_WIDE_R = r'^r="[A-Z]{0,3}[1-9][0-9]{0,6}"$'
_STRICTLY_ODD_VALUE = "|".join(
    [
        r'[^"]*[^A-Z0-9"][^"]*',
        r"[A-Z]*",
        r'[A-Z]*[0-9]+[A-Z][^"]*',
        r'[A-Z]{4,}[^"]*',
        r"[A-Z]*0[0-9]*",
        r"[A-Z]*[0-9]{8,}",
    ]
)
_ODD_R = re.compile(rf"""\sr\s*=\s*(?:'[^']*'|"(?:{_STRICTLY_ODD_VALUE})")""".encode())
# A formula before a cell's cached value (<f>SUM(A1:A3)</f>, or a shared one's <f t="shared" si="0"/>):
# the value is what Excel computed and showed, read as any other.
_FORMULA = rf"(?:<{_PREFIX}f(?:\s[^>]*)?(?:/>|>[^<]*</{_PREFIX}f>)\s*)?"
_PLAIN_REFERENCE = r'\sr\s*=\s*"[A-Z]{0,3}[0-9]{1,7}"'
_SCAN = "|".join(
    [
        # a number cell with a decimal point or an exponent, written as every writer does
        rf'<{_PREFIX}c r="[A-Z]{{1,3}}[0-9]{{1,7}}"(?: s="[0-9]+")?(?: t="n")?>\s*{_FORMULA}'
        rf"<{_PREFIX}v>[-+]?[0-9]*[.eE]",
        # a cell that holds an Excel error (#DIV/0!, #N/A, …), which both readers read as empty
        rf'<{_PREFIX}c r="[A-Z]{{1,3}}[0-9]{{1,7}}"(?: s="[0-9]+")? t="e">\s*{_FORMULA}'
        rf"<{_PREFIX}v>[^<]*",
        rf"<{_PREFIX}dimension\s[^>]*>",
        rf"<{_PREFIX}(?:c|row)(?:{_NOT_R})*\s*/?>",  # a cell or row without r
        _ODD_R_VALUE,
    ]
)
_CELL_MATCH = (
    rf'^<{_PREFIX}c r="([A-Z]{{1,3}})([0-9]{{1,7}})"(?: s="[0-9]+")?( t="e")?[^>]*>\s*'
    rf"{_FORMULA}<{_PREFIX}v>([^<]*)"
)
_DIMENSION_MATCH = rf"^<{_PREFIX}dimension"
# A cell that refers to a shared text, however its type is written (counted generously).
_SHARED_TYPE = r"""t\s*=\s*["']\s*s\s*["']"""
_SHARED_INDEX = r't="s"><v>[0-9]+'

_TAG = (
    rf"<(/?){_PREFIX}(row|c|dimension)"
    r"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
    rf"(?:\s*<{_PREFIX}v(?:\s[^>]*)?>([^<]*))?"
)
_ROW_START = re.compile(rf"<{_PREFIX}row[\s/>]".encode())
_SHARED_ITEM = re.compile(rf"<{_PREFIX}si[\s/>]".encode())
_LETTER = {"@": 0, **{chr(65 + i): i + 1 for i in range(26)}}
# Beyond every limit: a reference of more than three letters or eighteen digits.
_FAR = 10**12


def _attribute(attributes: pl.Expr, name: str) -> pl.Expr:
    """The value of the attribute ``name`` (not a prefixed one) in a tag's attribute text."""
    pattern = rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
    return pl.coalesce(attributes.str.extract(pattern, 1), attributes.str.extract(pattern, 2))


def _unescaped(values: pl.Series) -> pl.Series:
    """Attribute values with their character references read (``&#88;`` is ``X``)."""
    escaped = values.str.contains("&").fill_null(False)
    if not escaped.any():
        return values
    where = escaped.arg_true()
    return values.scatter(where, [html.unescape(v) for v in values.gather(where).to_list()])


def _column_number_expr(letters: pl.Expr) -> pl.Expr:
    """``A`` → 1 … ``XFD`` → 16384 for up to three letters; more is :data:`_FAR`."""
    padded = letters.str.pad_start(3, "@")
    digit = [padded.str.slice(i, 1).replace_strict(_LETTER, default=None) for i in range(3)]
    number = digit[0] * 676 + digit[1] * 26 + digit[2]
    return pl.when(letters.str.len_bytes() > 3).then(_FAR).otherwise(number).cast(pl.Int64)


class _Odd(Exception):
    """A reference neither reader can read: the sheet is damaged."""


@dataclass
class SheetScan:
    """What :func:`scan_sheet` found. ``rows``/``columns``: the farthest row and column
    referenced (when a piece was plain, only its bounds are known: see ``plain``)."""

    rows: int = 0
    columns: int = 0
    plain: bool = False  # some piece was plain (within AF and row 1,048,576)
    shared_cells: int = 0
    shared_indexes: list[pl.Series] = field(default_factory=list)
    # Number cells with a decimal point or an exponent: ``kolom`` (1 = A) and ``rij``.
    numbers: list[pl.DataFrame] = field(default_factory=list)
    # Cells that hold an Excel error: ``kolom``, ``rij`` and ``fout`` (``#DIV/0!``).
    errors: list[pl.DataFrame] = field(default_factory=list)
    # The reader's position after the last piece (calamine's: 0-based row, next column), and
    # the last plain piece's last row, from where that position is found when it is needed.
    row_index: int = 0
    column_index: int = 0
    tail: bytes = b""

    def number_rows(self, column: int) -> pl.Series:
        """The sheet rows of the number cells with decimals in ``column`` (1 = A)."""
        found = [f.filter(pl.col("kolom") == column).get_column("rij") for f in self.numbers]
        return pl.concat(found) if found else pl.Series("rij", [], dtype=pl.Int64)

    def error_cells(self) -> dict[int, dict[int, str]]:
        """Per column (1 = A), the rows of the cells that hold an Excel error, and the error."""
        found: dict[int, dict[int, str]] = {}
        for frame in self.errors:
            for column, row, error in frame.iter_rows():
                found.setdefault(column, {})[row] = error
        return found


def _chunks(part) -> Iterator[bytes]:
    """The part in pieces that end after a cell's "</c>" (else before a "<"), so that no tag,
    no character and no cell is cut: a cell's value read apart from its ``<c r=…>`` would not
    be known as a number (or an error) of that column."""
    carry = b""
    while True:
        block = part.read(_CHUNK)
        if not block:
            if carry:
                yield carry
            return
        data = carry + block
        cut = _last_cell_end(data)
        if cut <= 0:
            if len(data) > _MAX_CARRY:
                raise _unreadable("het XLSX-bestand is beschadigd")
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]


_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?c>")
_CELL_END_WINDOW = 1 << 16  # a cell is far smaller; a longer one is cut before a "<"


def _last_cell_end(data: bytes) -> int:
    """Where ``data`` is cut: after its last "</c>" near the end, else at its last "<"."""
    window = max(0, len(data) - _CELL_END_WINDOW)
    ends = [m.end() for m in _CELL_END.finditer(data, window)]
    return ends[-1] if ends else data.rfind(b"<")


def _chunks_ahead(part) -> Iterator[bytes]:
    """:func:`_chunks`, unpacked by a thread one piece ahead: unpacking (zlib) and measuring
    (Polars) both let go of the interpreter, so that the two take little more than the longer."""
    pieces: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    def unpack() -> None:
        try:
            for data in _chunks(part):
                while not stop.is_set():
                    try:
                        pieces.put(data, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item: object = done
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            item = error
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=unpack, name="xlsx-unpack", daemon=True)
    worker.start()
    try:
        while True:
            item = pieces.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _text(data: bytes) -> pl.Series:
    """A piece as one Polars string: UTF-8 as it is, anything else read byte for byte (the
    markup is ASCII either way)."""
    try:
        return pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        return pl.Series([data.decode("latin-1")], dtype=pl.String)


def _read_tags(scan: SheetScan, text: pl.Series, *, shared: bool, count: bool = True) -> None:
    """Follow the piece tag by tag, as calamine does (and openpyxl, where it counts further):
    a row or cell without ``r`` is the one after the last, a row's end starts the columns
    again. In Polars, a column per property of each tag, so that a sheet of millions of cells
    without ``r`` takes seconds, not minutes."""
    found = text.str.extract_all(_TAG).explode().drop_nulls()
    if not found.len():
        return
    tags = (
        pl.DataFrame({"tag": found})
        .select(
            pl.col("tag")
            .str.extract_groups(_TAG)
            .struct.rename_fields(["closing", "name", "attributes", "empty", "value"])
        )
        .unnest("tag")
    )
    attributes = pl.col("attributes")
    tags = tags.with_columns(
        _attribute(attributes, "r").alias("r"),
        _attribute(attributes, "t").alias("t"),
        _attribute(attributes, "ref").alias("ref"),
    )
    r = _unescaped(tags.get_column("r")).str.strip_chars().str.replace_all("$", "", literal=True)
    ref = (
        _unescaped(tags.get_column("ref"))
        .str.replace(r"^.*:", "")
        .str.replace_all("$", "", literal=True)
    )
    tags = tags.with_columns(
        r.str.to_uppercase().alias("r"),
        ref.str.strip_chars().str.to_uppercase().alias("ref"),
        _unescaped(tags.get_column("t")).str.strip_chars().alias("t"),
    )
    reference = pl.col("r").str.extract_groups(r"^([A-Z]*)([0-9]+)$")
    tags = tags.with_columns(
        reference.struct.field("1").alias("letters"),
        reference.struct.field("2").alias("digits"),
        pl.col("ref").str.extract_groups(r"^([A-Z]+)([0-9]+)$").alias("dim"),
    )
    cell = (pl.col("name") == "c") & (pl.col("closing") == "")
    row = (pl.col("name") == "row") & (pl.col("closing") == "")
    odd = (
        (pl.col("r").is_not_null() & pl.col("digits").is_null())
        | (row & (pl.col("letters").str.len_bytes() > 0).fill_null(False))
        | (pl.col("digits").str.strip_chars_start("0") == "").fill_null(False)
    )
    if tags.select(odd.any()).item():
        raise _Odd
    number = pl.col("digits").cast(pl.Int64, strict=False)
    tags = tags.with_columns(
        pl.when(pl.col("digits").is_null())
        .then(None)
        .otherwise(pl.coalesce(number, pl.lit(_FAR)))
        .alias("r_row"),
        pl.when(pl.col("letters").is_null() | (pl.col("letters") == ""))
        .then(None)
        .otherwise(_column_number_expr(pl.col("letters")))
        .alias("r_column"),
    )
    # Rows: calamine's row index (0-based) before each tag.
    ends = (pl.col("name") == "row") & ((pl.col("closing") == "/") | (pl.col("empty") == "/"))
    sets = pl.when(row & pl.col("r_row").is_not_null()).then(pl.col("r_row") - 1)
    tags = tags.with_columns(ends.cast(pl.Int64).alias("inc"), sets.alias("set"))
    tags = tags.with_columns((pl.col("inc").cum_sum() - pl.col("inc")).alias("before"))
    tags = tags.with_columns(
        pl.col("set").forward_fill().alias("last_set"),
        pl.when(pl.col("set").is_not_null()).then(pl.col("before")).forward_fill().alias("set_at"),
    )
    tags = tags.with_columns(
        pl.when(pl.col("last_set").is_not_null())
        .then(pl.col("last_set") + pl.col("before") - pl.col("set_at"))
        .otherwise(scan.row_index + pl.col("before"))
        .alias("row_index")
    )
    # Columns: a cell without r is the one after the previous cell since the last row end.
    tags = tags.with_columns((pl.col("inc").cum_sum() - pl.col("inc")).alias("segment"))
    cells = tags.filter(cell).with_columns(
        pl.int_range(1, pl.len() + 1).over("segment").alias("ordinal")
    )
    cells = cells.with_columns(
        pl.when(pl.col("r_column").is_not_null())
        .then(pl.col("ordinal"))
        .forward_fill()
        .over("segment")
        .alias("at"),
        pl.col("r_column").forward_fill().over("segment").alias("base"),
    )
    start = pl.when(pl.col("segment") == 0).then(scan.column_index).otherwise(0)
    cells = cells.with_columns(
        pl.when(pl.col("base").is_not_null())
        .then(pl.col("base") + pl.col("ordinal") - pl.col("at"))
        .otherwise(start + pl.col("ordinal"))
        .alias("column"),
        pl.coalesce(pl.col("r_row"), pl.col("row_index") + 1).alias("row"),
    )
    rows = tags.filter(row).select(pl.coalesce(pl.col("r_row"), pl.col("row_index") + 1))
    dims = tags.filter((pl.col("name") == "dimension") & pl.col("dim").is_not_null()).select(
        pl.col("dim").struct.field("2").cast(pl.Int64, strict=False).fill_null(_FAR).alias("row"),
        _column_number_expr(pl.col("dim").struct.field("1")).alias("column"),
    )
    highest = [
        cells.select(pl.col("row").max(), pl.col("column").max()).row(0),
        (rows.to_series().max(), None),
        dims.select(pl.col("row").max(), pl.col("column").max()).row(0),
    ]
    scan.rows = max([scan.rows, *(int(h[0]) for h in highest if h[0] is not None)])
    scan.columns = max([scan.columns, *(int(h[1]) for h in highest if h[1] is not None)])
    # Where the reader stands after the piece.
    last = tags.tail(1).row(0, named=True)
    scan.row_index = int(last["row_index"]) + int(last["inc"])
    last_segment = int(last["segment"]) + int(last["inc"])
    in_last = cells.filter(pl.col("segment") == last_segment)
    if in_last.height:
        scan.column_index = int(in_last.get_column("column").item(-1))
    elif last_segment > 0:
        scan.column_index = 0
    if not count:
        return
    filled = cells.filter(pl.col("empty") == "")
    kind = pl.col("t").fill_null("n")
    shared_cells = filled.filter(kind == "s")
    scan.shared_cells += shared_cells.height
    if shared and shared_cells.height:
        scan.shared_indexes.append(
            shared_cells.get_column("value")
            .str.strip_chars()
            .cast(pl.Int64, strict=False)
            .drop_nulls()
        )
    errors = filled.filter((kind == "e") & pl.col("value").is_not_null())
    if errors.height:
        scan.errors.append(
            errors.select(
                pl.col("column").alias("kolom"),
                pl.col("row").alias("rij"),
                pl.col("value").str.strip_chars().alias("fout"),
            )
        )
    numbers = filled.filter((kind == "n") & pl.col("value").str.contains("[.eE]").fill_null(False))
    if numbers.height:
        scan.numbers.append(
            numbers.select(pl.col("column").alias("kolom"), "row").rename({"row": "rij"})
        )


def _keep_tail(scan: SheetScan, data: bytes) -> None:
    """Keep the piece from its last row's start, where the reader's position is known again
    (a piece without one continues the last row: it is kept with what came before)."""
    at = max(data.rfind(b"<row"), data.rfind(b":row"))
    if at >= 0 and data[at] != 0x3C:  # "<x:row"
        at = data.rfind(b"<", 0, at)
    if at < 0 or not _ROW_START.match(data, at):
        starts = [m.start() for m in _ROW_START.finditer(data)]
        at = starts[-1] if starts else -1
    if at >= 0:
        scan.tail = data[at:]
    else:
        scan.tail += data
        if len(scan.tail) > 4 * _CHUNK:
            _position(scan)


def _position(scan: SheetScan) -> None:
    """Where the reader stands after the plain pieces: from the last one's last row."""
    if scan.tail:
        _read_tags(scan, _text(scan.tail), shared=False, count=False)
        scan.tail = b""


_TAG_PART = 2 << 20


def _read_tags_in_parts(scan: SheetScan, data: bytes, *, shared: bool) -> None:
    """:func:`_read_tags` on a piece in parts of about 2 MiB (a column per property of each
    tag: for 16 MiB of bare cells that would be half a gigabyte at once)."""
    _position(scan)
    start = 0
    while start < len(data):
        end = (
            len(data)
            if len(data) - start <= _TAG_PART
            else data.rfind(b"<", start + 1, start + _TAG_PART)
        )
        if end <= start:
            end = data.find(b"<", start + _TAG_PART)
            end = len(data) if end < 0 else end
        _read_tags(scan, _text(data[start:end]), shared=shared)
        start = end


def _read_piece(scan: SheetScan, data: bytes, *, shared: bool | None, exact: bool) -> None:
    """Measure one piece: in a few regular expressions when every cell and row has a plain
    ``r`` (only bounded, when they all stay within AF; else exactly), tag by tag when not."""
    text = _text(data)
    found = text.str.extract_all(_SCAN).explode().drop_nulls()
    cells = None
    wide = False
    if found.len():
        matches = pl.DataFrame({"m": found})
        is_dimension = pl.col("m").str.contains(_DIMENSION_MATCH)
        is_r = pl.col("m").str.starts_with("r")
        parts = matches.select(
            pl.col("m").str.extract_groups(_CELL_MATCH).alias("g"),
            is_dimension.alias("dimension"),
            is_r.alias("r"),
            pl.col("m").str.contains(_WIDE_R).alias("wide"),
        ).unnest("g")
        cells = parts.filter(pl.col("1").is_not_null()).select(
            pl.col("1").alias("kolom"),
            pl.col("2").alias("rij"),
            pl.col("3").is_not_null().alias("fout"),
            pl.col("4").alias("waarde"),
        )
        others = parts.filter(pl.col("1").is_null() & ~pl.col("dimension"))
        odd_r = others.filter(pl.col("r") & ~pl.col("wide"))
        odd = others.filter(~pl.col("r")).height > 0 or (
            odd_r.height > 0 and _ODD_R.search(data) is not None
        )
        if odd:
            _read_tags_in_parts(scan, data, shared=bool(shared))
            return
        wide = others.get_column("wide").any() or (
            cells.filter(
                (pl.col("kolom").str.len_bytes() > 2)
                | ((pl.col("kolom").str.len_bytes() == 2) & (pl.col("kolom") > "AF"))
                | (pl.col("rij").cast(pl.Int64) > MAX_ROWS)
            ).height
            > 0
        )
        dimensions = matches.filter(is_dimension).get_column("m")
        if dimensions.len():
            _read_tags(scan, dimensions, shared=False, count=False)
    if wide or exact:
        _read_references(scan, text)
    else:
        scan.plain = True
    if shared is not None:
        counted = int(text.str.count_matches(_SHARED_TYPE).item())
        if shared:
            indexes = text.str.extract_all(_SHARED_INDEX).explode().drop_nulls()
            if indexes.len() != counted:
                # A cell written otherwise (its type before other attributes): tag by tag.
                _read_tags_in_parts(scan, data, shared=True)
                return
            scan.shared_indexes.append(indexes.str.slice(9).cast(pl.Int64))
        scan.shared_cells += counted
    if cells is not None and cells.height:
        cells = cells.with_columns(
            _column_number_expr(pl.col("kolom")).alias("kolom"), pl.col("rij").cast(pl.Int64)
        )
        numbers = cells.filter(~pl.col("fout")).select("kolom", "rij")
        if numbers.height:
            scan.numbers.append(numbers)
        errors = cells.filter(pl.col("fout"))
        if errors.height:
            scan.errors.append(
                errors.select("kolom", "rij", pl.col("waarde").str.strip_chars().alias("fout"))
            )
    _keep_tail(scan, data)


def _read_references(scan: SheetScan, text: pl.Series) -> None:
    """The farthest row and column of a piece whose every cell and row has a plain ``r``
    (capitals and digits, in double quotes), from those references alone."""
    references = text.str.extract_all(_PLAIN_REFERENCE).explode().drop_nulls()
    if not references.len():
        return
    parts = references.str.extract_groups(r'"([A-Z]*)([0-9]+)"').struct.unnest()
    highest = parts.get_column("2").cast(pl.Int64).max()
    letters = [x for x in parts.get_column("1").unique().to_list() if x]
    scan.rows = max(scan.rows, int(highest or 0))
    scan.columns = max([scan.columns, *(column_number(x) for x in letters)])


def _sheet_pass(
    zf: zipfile.ZipFile, sheet: str, path: str, *, shared: bool | None, exact: bool
) -> SheetScan:
    """One pass over the sheet; ``shared``: None to leave the shared texts uncounted, False
    to count the cells that refer to one, True to keep their indexes too."""
    scan = SheetScan()
    with zf.open(path) as part, contextlib.closing(_chunks_ahead(part)) as pieces:
        for data in pieces:
            _read_piece(scan, data, shared=shared, exact=exact)
            # What was counted so far is no more than there is: too far is too far already.
            check_extent(sheet, scan.rows, scan.columns)
    _position(scan)
    check_extent(sheet, scan.rows, scan.columns)
    if exact:
        scan.plain = False
    return scan


def _shared_sizes(zf: zipfile.ZipFile, path: str | None) -> pl.Series:
    """The size in bytes of each shared text's ``<si>`` as written (at least its text's size)."""
    if not path:
        return pl.Series([], dtype=pl.Int64)
    starts: list[int] = []
    offset = 0
    total = 0
    with zf.open(path) as part:
        for data in _chunks(part):
            starts += [offset + m.start() for m in _SHARED_ITEM.finditer(data)]
            offset += len(data)
        total = offset
    ends = [*starts[1:], total]
    return pl.Series([end - start for start, end in zip(starts, ends, strict=True)], dtype=pl.Int64)


def shared_strings_path(zf: zipfile.ZipFile) -> str | None:
    """The package's shared texts (``xl/sharedStrings.xml`` as every writer names it)."""
    names = {info.filename for info in zf.infolist()}
    for name in ("xl/sharedStrings.xml", "xl/sharedstrings.xml"):
        if name in names:
            return name
    return next((n for n in names if n.lower().endswith("sharedstrings.xml")), None)


def _too_far(sheet: str, rows: int, columns: int) -> DeliveryRefused:
    return DeliveryRefused(
        Code.BESTAND_TE_GROOT,
        f'Het werkblad "{sheet}" is te groot om te lezen: het gebruikt cellen tot '
        f"{column_letters(columns)}{rows} ({thousands(columns)} kolommen en {thousands(rows)} rijen), "
        f"en er worden ten hoogste {thousands(MAX_COLUMNS)} kolommen en {thousands(MAX_CELLS)} "
        "cellen (rijen maal kolommen) gelezen. Verwijder lege opmaak en losse cellen buiten de "
        "tabel, of kopieer de gegevens naar een nieuw werkblad.",
    )


def _too_much_text(sheet: str, size: int, limit: int) -> DeliveryRefused:
    return DeliveryRefused(
        Code.BESTAND_TE_GROOT,
        f'Het werkblad "{sheet}" is uitgepakt {_human_size(size)} groot (met de teksten die '
        f"het gebruikt), meer dan de {_human_size(limit)} die wordt gelezen (twee keer de "
        "toegestane bestandsgrootte). Lever de gegevens als CSV of in delen aan.",
    )


def check_extent(sheet: str, rows: int, columns: int) -> None:
    """Refuse a sheet whose rectangle is beyond the limits."""
    if columns > MAX_COLUMNS or rows > MAX_ROWS or rows * columns > MAX_CELLS:
        raise _too_far(sheet, rows, columns)


def check_package(zf: zipfile.ZipFile, max_bytes: int) -> None:
    """Refuse a package that unpacks to more than :data:`PACKAGE_RATIO` × the size limit."""
    unpacked = sum(info.file_size for info in zf.infolist())
    limit = PACKAGE_RATIO * max_bytes
    if unpacked > limit:
        raise DeliveryRefused(
            Code.BESTAND_TE_GROOT,
            f"Het XLSX-bestand is uitgepakt {_human_size(unpacked)} groot, meer dan de "
            f"{_human_size(limit)} die wordt gelezen (vier keer de toegestane bestandsgrootte). "
            "Lever de gegevens als CSV of in delen aan.",
        )


def check_sheet_size(
    zf: zipfile.ZipFile, sheet: str, path: str, max_bytes: int
) -> tuple[str | None, int, int]:
    """Refuse a sheet that, with the shared texts, unpacks to more than :data:`SHEET_RATIO` ×
    the size limit (what every reader holds at least); the shared texts' part and both sizes."""
    limit = SHEET_RATIO * max_bytes
    shared_path = shared_strings_path(zf)
    sheet_size = zf.getinfo(path).file_size
    shared_size = zf.getinfo(shared_path).file_size if shared_path else 0
    if sheet_size + shared_size > limit:
        raise _too_much_text(sheet, sheet_size + shared_size, limit)
    return shared_path, sheet_size, shared_size


def scan_sheet(zf: zipfile.ZipFile, sheet: str, path: str, max_bytes: int) -> SheetScan:
    """Measure the sheet at ``path`` (named ``sheet`` in messages); refuse it when its cells
    reach beyond the limits or its text unpacks to more than :data:`SHEET_RATIO` × the size
    limit. Raises :class:`DeliveryRefused`."""
    limit = SHEET_RATIO * max_bytes
    shared_path, sheet_size, shared_size = check_sheet_size(zf, sheet, path, max_bytes)
    for part in (path, shared_path):
        if part:
            with zf.open(part) as stream:
                head = stream.read(4)
            if b"\x00" in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise _unreadable("het XLSX-bestand bevat niet-toegestane XML")
    # The copies of shared texts in the cells: at most (cells that may refer to one) × (the
    # largest text). Only when that may be too much are the cells that refer to one counted,
    # and when even that is not enough, their references followed one by one.
    cells_at_most = sheet_size // _SHARED_CELL_BYTES
    sizes = None
    if shared_size and sheet_size + shared_size * (1 + cells_at_most) > limit:
        sizes = _shared_sizes(zf, shared_path)
    largest = int(sizes.max() or 0) if sizes is not None and sizes.len() else 0
    follow = sizes is not None and sheet_size + shared_size + largest * cells_at_most > limit
    shared = None if sizes is None else follow
    try:
        scan = _sheet_pass(zf, sheet, path, shared=shared, exact=False)
        if scan.plain and scan.columns > _PLAIN_COLUMNS:
            # Some pieces were plain (their rows are known only up to 1,048,576) and others
            # wider: the rows of all of them are counted exactly.
            scan = _sheet_pass(zf, sheet, path, shared=shared, exact=True)
    except _Odd as error:
        raise _unreadable(
            "het XLSX-bestand is beschadigd: een cel heeft een ongeldige verwijzing"
        ) from error
    if sizes is not None and scan.shared_cells:
        if follow:
            indexes = (
                pl.concat(scan.shared_indexes)
                if scan.shared_indexes
                else pl.Series([], dtype=pl.Int64)
            )
            copies = int(sizes.gather(indexes.filter(indexes < sizes.len())).sum() or 0)
        else:
            copies = largest * scan.shared_cells
        total = sheet_size + shared_size + copies
        if total > limit:
            raise _too_much_text(sheet, total, limit)
    scan.shared_indexes.clear()
    return scan


_VALUE_ANYWHERE = re.compile(rf"<{_PREFIX}(?:v|t)(?:\s[^>]*)?>\s*[^<\s]".encode())


def has_values(zf: zipfile.ZipFile, path: str) -> bool:
    """Whether the sheet at ``path`` holds a cell with a value (read until the first)."""
    try:
        with zf.open(path) as part:
            return any(_VALUE_ANYWHERE.search(data) for data in _chunks(part))
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error, EOFError, DeliveryRefused):
        return False
