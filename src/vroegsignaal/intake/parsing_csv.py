"""Reading a CSV delivery: its encoding, delimiter, header line and field counts (spec 1.3).

The decisions where the contract is silent are listed in :mod:`.parsing`.
The address register reads its CSV files with the same encoding and
delimiter detection.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl

from .fields import dutch_list, match_headers
from .parsing_bytes import _CHUNK, _SAMPLE, _Bytes
from .parsing_table import (
    HEADER_SEARCH_ROWS,
    ROW_NUMBER,
    ParsedDelivery,
    _finish,
    _refuse_if_header_lower,
)
from .refusals import _empty, _unreadable

DELIMITERS = (";", ",", "\t", "|")


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
    table, sources, unknown, duplicates, ignored = _finish(
        body, headers, column_mapping, soort, empty_columns=set(unnamed)
    )
    return ParsedDelivery(
        table=table,
        format="csv",
        header_row=skip + 1,
        columns=sources,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        reported_columns=ignored.labels,
        mappable_columns=ignored.mappable,
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
