"""Reading an address register file (spec section 2) into one normalised frame.

Pure: bytes and the known municipalities in, a Polars frame out, or a
:class:`RegistryImportError` naming the lines that are wrong. No database.

Two forms are accepted, told apart by their header:

- the common BAG CSV export (``straat, huisnummer, toevoeging, postcode,
  gemeente, woonplaats, …, latitude, longitude, …``), where ``toevoeging`` is
  huisletter and huisnummertoevoeging written together and ``gemeente`` is a
  municipality's name;
- explicit columns (``postcode, huisnummer, huisletter, huisnummertoevoeging,
  straatnaam, woonplaats, gemeentecode`` and optionally ``buurtcode``,
  ``latitude``, ``longitude``).

Headers are matched case-insensitively, ignoring spaces, ``_``, ``-`` and
``.``; other columns are ignored. Line numbers in messages are the file's own
(the header is line 1), also when quoted fields span lines.

Encodings and delimiters are those of a delivery (spec 1.3), told apart by
intake's own code (:mod:`vroegsignaal.intake.parsing`): UTF-8 with or without
BOM, else Windows-1252, else ISO-8859-1; ``,`` ``;`` tab or ``|``; fields may
be quoted; CRLF or LF. UTF-16/32 and files with NUL bytes are refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

# Intake's CSV sniffing, so that the register reads what a delivery may be (spec 1.3).
from vroegsignaal.intake.parsing_bytes import _Bytes
from vroegsignaal.intake.parsing_csv import detect_encoding, sniff_delimiter, to_utf8
from vroegsignaal.intake.refusals import DeliveryRefused

from .addressing import WHITESPACE, addition_exprs, house_number_exprs, postcode_expr
from .exceptions import RegistryImportError

MAX_TEXT_LENGTH = 200  # straatnaam and woonplaats columns
MAX_SHOWN_VALUE = 40  # characters of a wrong value quoted in a message
BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 1 << 20  # the head of the file the delimiter is told from

# canonical name → accepted header spellings (already lower case, without separators)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": ("postcode", "pc", "postcodenl"),
    "huisnummer": ("huisnummer", "huisnr", "nummer"),
    "huisletter": ("huisletter",),
    "huisnummertoevoeging": ("huisnummertoevoeging", "huistoevoeging"),
    "toevoeging": ("toevoeging", "toev"),
    "straatnaam": ("straatnaam", "straat", "openbareruimte", "openbareruimtenaam"),
    "woonplaats": ("woonplaats", "woonplaatsnaam", "plaats", "plaatsnaam"),
    "gemeentecode": ("gemeentecode", "gmcode"),
    "gemeente": ("gemeente", "gemeentenaam", "gmnaam"),
    "buurtcode": ("buurtcode", "bucode"),
    "latitude": ("latitude", "lat", "breedtegraad"),
    "longitude": ("longitude", "lon", "lng", "lengtegraad"),
}
REQUIRED_COLUMNS = ("postcode", "huisnummer", "straatnaam", "woonplaats")

# The frame handed to the writer, in this order.
ADDRESS_COLUMNS = (
    "postcode",
    "huisnummer",
    "huisletter",
    "toevoeging",
    "straatnaam",
    "woonplaats",
    "municipality_id",
    "buurtcode",
    "latitude",
    "longitude",
)
KEY_COLUMNS = ("postcode", "huisnummer", "huisletter", "toevoeging")

_ROW = "__row"


@dataclass(frozen=True)
class Problem:
    """One kind of wrong row: its message and how to spot it, as Polars expressions."""

    template: str  # %-format with line, value and other
    mask: pl.Expr
    value: pl.Expr
    other: pl.Expr | None = None


# Messages, in Dutch and never translated: they leave the system as the import commands'
# output (%-templates, filled in by raise_problems).
MSG = {
    "postcode_missing": "Regel %(line)d: postcode ontbreekt.",
    "postcode_invalid": "Regel %(line)d: postcode '%(value)s' is ongeldig.",
    "house_missing": "Regel %(line)d: huisnummer ontbreekt.",
    "house_invalid": "Regel %(line)d: huisnummer '%(value)s' is ongeldig.",
    "letter_invalid": "Regel %(line)d: huisletter '%(value)s' is ongeldig.",
    "addition_invalid": "Regel %(line)d: huisnummertoevoeging '%(value)s' is ongeldig (ten hoogste vier letters of cijfers).",
    "street_too_long": "Regel %(line)d: straatnaam is langer dan %(other)s tekens.",
    "place_too_long": "Regel %(line)d: woonplaats is langer dan %(other)s tekens.",
    "municipality_missing": "Regel %(line)d: gemeente ontbreekt.",
    "municipality_unknown": "Regel %(line)d: gemeente '%(value)s' is onbekend.",
    "municipality_ambiguous": "Regel %(line)d: gemeente '%(value)s' is niet eenduidig; gebruik een kolom gemeentecode.",
    "code_missing": "Regel %(line)d: gemeentecode ontbreekt.",
    "code_invalid": "Regel %(line)d: gemeentecode '%(value)s' is ongeldig.",
    "code_unknown": "Regel %(line)d: gemeentecode '%(value)s' is onbekend.",
    "buurtcode_invalid": "Regel %(line)d: buurtcode '%(value)s' is ongeldig.",
    "buurtcode_elsewhere": "Regel %(line)d: buurtcode '%(value)s' hoort niet bij gemeente %(other)s.",
    "buurtcode_unknown": "Regel %(line)d: buurtcode '%(value)s' is onbekend.",
    "coordinates_invalid": "Regel %(line)d: coördinaten '%(value)s', '%(other)s' zijn ongeldig.",
}


@dataclass(frozen=True)
class ParsedAddresses:
    frame: pl.DataFrame  # ADDRESS_COLUMNS plus __row, one row per address, sorted by key
    rows: int  # data rows in the file (blank lines not counted)
    duplicates: int  # rows dropped because the same address came earlier in the file


def header_key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.strip().lower())


def parse_address_file(
    data: bytes, municipalities: pl.DataFrame, buurten: pl.DataFrame | None = None
) -> ParsedAddresses:
    """Read, check and normalise an address file.

    ``municipalities`` has columns ``id``, ``code`` and ``name``: the ones known
    to the system. ``buurten`` (columns ``code``, ``municipality_id``) are the
    buurten already imported: once a municipality has buurten, a ``buurtcode``
    must be one of them. Raises :class:`RegistryImportError` for anything
    wrong; the message names the line.
    """
    source = CsvSource(data)
    columns = resolve_columns(source.header)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if "gemeentecode" not in columns and "gemeente" not in columns:
        missing.append("gemeente")
    if ("latitude" in columns) != ("longitude" in columns):
        missing.append("longitude" if "latitude" in columns else "latitude")
    if missing:
        raise RegistryImportError(_missing_columns_message(missing))

    # Only the columns we use are read; a BAG export has many more.
    raw = source.read(list(columns.values()))
    frame = raw.select(
        pl.col(_ROW),
        *[_text(pl.col(actual)).alias(f"raw_{name}") for name, actual in columns.items()],
    )
    del raw
    # Blank lines (or lines of only separators) are skipped, not refused.
    raw_names = [c for c in frame.columns if c.startswith("raw_")]
    frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in raw_names]))
    rows = frame.height
    if not rows:
        raise RegistryImportError("Het bestand bevat geen adressen.")

    # One lazy plan, collected once: only the normalised columns and a flag are kept.
    plan, problems = _normalise(frame.lazy(), columns, municipalities)
    if buurten is not None and "buurtcode" in columns:
        problems.append(_unknown_buurtcode(buurten))
    bad = pl.any_horizontal([problem.mask.fill_null(False) for problem in problems])
    checked = plan.select(_ROW, *ADDRESS_COLUMNS, bad.alias("__bad")).collect()
    if checked.get_column("__bad").any():
        raise_problems(plan, problems, source.lines)
    del frame, plan

    frame = checked.drop("__bad").sort([*KEY_COLUMNS, _ROW])
    unique = frame.unique(subset=list(KEY_COLUMNS), keep="first", maintain_order=True)
    return ParsedAddresses(frame=unique, rows=rows, duplicates=frame.height - unique.height)


# --- reading ---------------------------------------------------------------------


class CsvSource:
    """A CSV file in memory, as UTF-8: its encoding and delimiter detected, its header read."""

    def __init__(self, data: bytes):
        raw = _Bytes(data, max_bytes=len(data))  # the same bytes object, not a copy
        try:
            self.encoding = detect_encoding(raw)
        except DeliveryRefused as refused:  # UTF-16/32, or NUL bytes: none of the encodings
            raise RegistryImportError(refused.message)
        data = to_utf8(raw, self.encoding)  # the original when it is UTF-8 already
        if data.startswith(BOM):
            data = data[len(BOM) :]
        if not data or data.isspace():
            raise RegistryImportError("Het bestand is leeg.")
        self.data = data
        self.delimiter = sniff_delimiter(data[:SAMPLE_BYTES].decode("utf-8", errors="ignore"))
        self.header = self._read(n_rows=0).columns

    def _read(self, **options) -> pl.DataFrame:
        try:
            return pl.read_csv(
                io.BytesIO(self.data),
                separator=self.delimiter,
                has_header=True,
                infer_schema=False,
                quote_char='"',
                raise_if_empty=False,
                **options,
            )
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
            raise RegistryImportError(
                _unreadable_message(self.data.decode("utf-8"), self.delimiter, exc)
            )

    def read(self, names: list[str]) -> pl.DataFrame:
        """These columns as text, plus ``__row``: each record's position (0 = first after the header)."""
        wanted = sorted({self.header.index(name) for name in names})
        return self._read(columns=wanted).with_row_index(_ROW)

    def lines(self, rows: list[int]) -> dict[int, int]:
        """The file line each of these records starts on (the header is line 1).

        Without quotes no field can hold a line break, and record *n* is on line
        *n* + 2; otherwise the line breaks inside fields are counted.
        """
        if b'"' not in self.data:
            return {row: row + 2 for row in rows}
        frame = self._read()
        newlines = pl.sum_horizontal(
            [pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in frame.columns]
        )
        spans = frame.select((newlines + 1).alias("span")).to_series()
        starts = (spans.cum_sum().shift(1, fill_value=0) + 2).to_list()
        return {row: starts[row] for row in rows}


def _unreadable_message(text: str, delimiter: str, exc: Exception) -> str:
    """Find the line Polars choked on (usually more fields than the header has)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    start = reader.line_num + 1
    for fields in reader:
        if len(fields) > len(header):
            return f"Regel {start}: {len(fields)} velden, maar de kopregel heeft er {len(header)}."
        start = reader.line_num + 1
    return f"Het bestand is geen leesbaar CSV-bestand ({str(exc).splitlines()[0]})."


def resolve_columns(header: list[str]) -> dict[str, str]:
    """Canonical column name → the file's column name, for the columns we use."""
    by_key: dict[str, str] = {}
    for name in header:
        by_key.setdefault(header_key(name), name)
    found = {}
    for canonical, spellings in COLUMN_ALIASES.items():
        for spelling in spellings:
            if spelling in by_key:
                found[canonical] = by_key[spelling]
                break
    return found


def _missing_columns_message(missing: list[str]) -> str:
    names = ", ".join(f"'{name}'" for name in missing)
    if len(missing) == 1:
        return f"Regel 1: kolom {names} ontbreekt."
    return f"Regel 1: kolommen {names} ontbreken."


# --- normalising -----------------------------------------------------------------


def _text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text, null when empty."""
    stripped = expr.cast(pl.Utf8).str.strip_chars(WHITESPACE)
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _normalise(
    frame: pl.LazyFrame, columns: dict[str, str], municipalities: pl.DataFrame
) -> tuple[pl.LazyFrame, list[Problem]]:
    problems: list[Problem] = []

    # postcode
    frame = frame.with_columns(postcode=postcode_expr(pl.col("raw_postcode")))
    problems += [
        Problem(MSG["postcode_missing"], pl.col("raw_postcode").is_null(), pl.col("raw_postcode")),
        Problem(
            MSG["postcode_invalid"],
            pl.col("raw_postcode").is_not_null() & pl.col("postcode").is_null(),
            pl.col("raw_postcode"),
        ),
    ]

    # huisnummer, huisletter, huisnummertoevoeging
    number, number_letter, number_addition = house_number_exprs(pl.col("raw_huisnummer"))
    frame = frame.with_columns(
        huisnummer=number, number_letter=number_letter, number_addition=number_addition
    )
    problems += [
        Problem(MSG["house_missing"], pl.col("raw_huisnummer").is_null(), pl.col("raw_huisnummer")),
        Problem(
            MSG["house_invalid"],
            pl.col("raw_huisnummer").is_not_null() & pl.col("huisnummer").is_null(),
            pl.col("raw_huisnummer"),
        ),
    ]
    separate = "huisletter" in columns or "huisnummertoevoeging" in columns
    addition_column = (
        "raw_huisnummertoevoeging" if "huisnummertoevoeging" in columns else "raw_toevoeging"
    )
    has_addition = addition_column.removeprefix("raw_") in columns
    if separate:
        # Explicit columns: huisletter one letter, toevoeging up to four letters/digits.
        letter = (
            pl.col("raw_huisletter").str.to_uppercase().fill_null("")
            if "huisletter" in columns
            else pl.lit("")
        )
        addition = (
            pl.col(addition_column)
            .str.to_uppercase()
            .str.replace_all(r"[^A-Z0-9]", "")
            .fill_null("")
            if has_addition
            else pl.lit("")
        )
        frame = frame.with_columns(given_letter=letter, given_addition=addition)
        if "huisletter" in columns:
            problems.append(
                Problem(
                    MSG["letter_invalid"],
                    ~pl.col("given_letter").str.contains(r"^[A-Z]?$"),
                    pl.col("raw_huisletter"),
                )
            )
        if has_addition:
            problems.append(
                Problem(
                    MSG["addition_invalid"],
                    pl.col("given_addition").str.len_chars() > 4,
                    pl.col(addition_column),
                )
            )
    else:
        # BAG export: "toevoeging" is huisletter and toevoeging written together ("A", "A1", "HS", "2").
        if has_addition:
            letter, addition = addition_exprs(pl.col(addition_column))
        else:
            letter, addition = pl.lit(""), pl.lit("")
        frame = frame.with_columns(given_letter=letter, given_addition=addition)
    # What the huisnummer column carried ("12A") fills in what the other columns left empty.
    frame = frame.with_columns(
        huisletter=pl.when(pl.col("given_letter") != "")
        .then(pl.col("given_letter"))
        .otherwise(pl.col("number_letter"))
        .str.slice(0, 1),
        toevoeging=pl.when(pl.col("given_addition") != "")
        .then(pl.col("given_addition"))
        .otherwise(pl.col("number_addition"))
        .str.slice(0, 4),
    )

    # straatnaam, woonplaats: as they are
    frame = frame.with_columns(
        # PostgreSQL text cannot hold NUL characters; nobody means them.
        straatnaam=pl.col("raw_straatnaam").str.replace_all("\x00", "", literal=True).fill_null(""),
        woonplaats=pl.col("raw_woonplaats").str.replace_all("\x00", "", literal=True).fill_null(""),
    )
    limit = pl.lit(str(MAX_TEXT_LENGTH))
    problems += [
        Problem(
            MSG["street_too_long"],
            pl.col("straatnaam").str.len_chars() > MAX_TEXT_LENGTH,
            limit,
            limit,
        ),
        Problem(
            MSG["place_too_long"],
            pl.col("woonplaats").str.len_chars() > MAX_TEXT_LENGTH,
            limit,
            limit,
        ),
    ]

    # municipality
    frame, municipality_problems = _resolve_municipality(frame, columns, municipalities)
    problems += municipality_problems

    # buurtcode (optional)
    if "buurtcode" in columns:
        code = pl.col("raw_buurtcode").str.to_uppercase()
        code = pl.when(code.str.contains(r"^[0-9]{8}$")).then(pl.lit("BU") + code).otherwise(code)
        frame = frame.with_columns(buurtcode=code.fill_null(""))
        problems += [
            Problem(
                MSG["buurtcode_invalid"],
                (pl.col("buurtcode") != "") & ~pl.col("buurtcode").str.contains(r"^BU[0-9]{8}$"),
                pl.col("raw_buurtcode"),
            ),
            Problem(
                MSG["buurtcode_elsewhere"],
                pl.col("buurtcode").str.contains(r"^BU[0-9]{8}$")
                & pl.col("municipality_code").is_not_null()
                & (pl.col("buurtcode").str.slice(2, 4) != pl.col("municipality_code")),
                pl.col("raw_buurtcode"),
                pl.col("municipality_code"),
            ),
        ]
    else:
        frame = frame.with_columns(buurtcode=pl.lit(""))

    # coordinates (optional): decimal point or comma
    if "latitude" in columns:
        frame = frame.with_columns(
            latitude=_coordinate(pl.col("raw_latitude")),
            longitude=_coordinate(pl.col("raw_longitude")),
        )
        given = pl.col("raw_latitude").is_not_null() | pl.col("raw_longitude").is_not_null()
        good = (
            pl.col("latitude").is_between(-90, 90)
            & pl.col("longitude").is_between(-180, 180)
            & pl.col("latitude").is_finite()
            & pl.col("longitude").is_finite()
        ).fill_null(False)
        problems.append(
            Problem(
                MSG["coordinates_invalid"],
                given & ~good,
                pl.col("raw_latitude").fill_null(""),
                pl.col("raw_longitude").fill_null(""),
            )
        )
    else:
        frame = frame.with_columns(
            latitude=pl.lit(None, pl.Float64), longitude=pl.lit(None, pl.Float64)
        )

    frame = frame.with_columns(
        pl.col("huisnummer").cast(pl.Int64),
        pl.col("municipality_id").cast(pl.Int64),
        pl.col("latitude").cast(pl.Float64),
        pl.col("longitude").cast(pl.Float64),
    )
    return frame, problems


def _coordinate(expr: pl.Expr) -> pl.Expr:
    text = expr.str.replace_all(" ", "", literal=True)
    text = (
        pl.when(text.str.contains(".", literal=True))
        .then(text)
        .otherwise(text.str.replace(",", ".", literal=True))
    )
    return text.cast(pl.Float64, strict=False)


def municipality_name_key(expr: pl.Expr) -> pl.Expr:
    """How municipality names are compared: case-insensitive, typographic quotes as plain ones."""
    return (
        expr.str.strip_chars(WHITESPACE)
        .str.to_lowercase()
        .str.replace_all(r"[’‘`´]", "'")
        .str.replace_all(f"[{WHITESPACE}]+", " ")
    )


def _resolve_municipality(
    frame: pl.LazyFrame, columns: dict[str, str], municipalities: pl.DataFrame
) -> tuple[pl.LazyFrame, list[Problem]]:
    known = municipalities.select(
        pl.col("id").cast(pl.Int64).alias("municipality_id"),
        pl.col("code").cast(pl.Utf8).alias("municipality_code"),
        pl.col("name").cast(pl.Utf8),
    )
    if "gemeentecode" in columns:
        raw = pl.col("raw_gemeentecode")
        digits = raw.str.to_uppercase().str.replace(r"^GM", "")
        code = (
            pl.when(digits.str.contains(r"^[0-9]{1,4}$")).then(digits.str.zfill(4)).otherwise(None)
        )
        frame = frame.with_columns(lookup_code=code).join(
            known.select("municipality_id", "municipality_code").lazy(),
            left_on="lookup_code",
            right_on="municipality_code",
            how="left",
            coalesce=False,
        )
        return frame, [
            Problem(MSG["code_missing"], raw.is_null(), raw),
            Problem(MSG["code_invalid"], raw.is_not_null() & pl.col("lookup_code").is_null(), raw),
            Problem(
                MSG["code_unknown"],
                pl.col("lookup_code").is_not_null() & pl.col("municipality_id").is_null(),
                raw,
            ),
        ]

    raw = pl.col("raw_gemeente")
    by_name = known.with_columns(name_key=municipality_name_key(pl.col("name")))
    counts = by_name.group_by("name_key").agg(pl.len().alias("name_count"))
    by_name = (
        by_name.join(counts, on="name_key")
        .filter(pl.col("name_count") == 1)
        .select("name_key", "municipality_id", "municipality_code")
    )
    ambiguous = counts.filter(pl.col("name_count") > 1).get_column("name_key").to_list()
    frame = frame.with_columns(name_key=municipality_name_key(raw)).join(
        by_name.lazy(), on="name_key", how="left"
    )
    return frame, [
        Problem(MSG["municipality_missing"], raw.is_null(), raw),
        Problem(MSG["municipality_ambiguous"], pl.col("name_key").is_in(ambiguous), raw),
        Problem(
            MSG["municipality_unknown"],
            raw.is_not_null()
            & pl.col("municipality_id").is_null()
            & ~pl.col("name_key").is_in(ambiguous),
            raw,
        ),
    ]


# --- reporting problems ------------------------------------------------------------


def raise_problems(
    frame: pl.LazyFrame, problems: list[Problem], lines: Callable[[list[int]], dict[int, int]]
) -> None:
    """Refuse the file if any row has a problem: the first ones by line, and the count.

    ``lines`` maps record positions (``__row``) to line numbers in the file.
    """
    found = []
    total = 0
    for order, problem in enumerate(problems):
        hits = frame.filter(problem.mask.fill_null(False))
        count = hits.select(pl.len()).collect().item()
        if not count:
            continue
        total += count
        found.append(
            hits.select(
                pl.col(_ROW).cast(pl.Int64).alias("row"),
                pl.lit(order).alias("order"),
                problem.value.cast(pl.Utf8).fill_null("").alias("value"),
                (problem.other if problem.other is not None else pl.lit(""))
                .cast(pl.Utf8)
                .fill_null("")
                .alias("other"),
            )
            .sort("row")
            .head(RegistryImportError.MAX_LISTED)
            .collect()
        )
    if not total:
        return
    first = pl.concat(found).sort(["row", "order"]).head(RegistryImportError.MAX_LISTED)
    line_of = lines(first.get_column("row").unique().to_list())
    messages = [
        str(problems[row["order"]].template)
        % {
            "line": line_of[row["row"]],
            "value": _shown(row["value"]),
            "other": _shown(row["other"]),
        }
        for row in first.iter_rows(named=True)
    ]
    raise RegistryImportError(messages, error_count=total)


def _unknown_buurtcode(buurten: pl.DataFrame) -> Problem:
    """Once a municipality's buurten are imported, a buurtcode must name one of them."""
    with_buurten = buurten.get_column("municipality_id").unique().to_list()
    return Problem(
        MSG["buurtcode_unknown"],
        pl.col("buurtcode").str.contains(r"^BU[0-9]{8}$")
        & pl.col("municipality_id").is_in(with_buurten)
        & ~pl.col("buurtcode").is_in(buurten.get_column("code").to_list()),
        pl.col("raw_buurtcode"),
    )


def _shown(value: str) -> str:
    value = value.replace("\n", " ").replace("\r", " ")
    return value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"
