"""Reading a JSON delivery: the body's members, and ``achterstanden`` as a stream of rows.

``json.loads`` of a million rows would hold every row as a dict at once;
this reads the rows into string columns :data:`JSON_CHUNK_ROWS` at a time,
with ``json.loads``'s meaning (numbers kept as the text they were written as),
except that a name twice in one object is refused where ``json.loads`` keeps the
last value without a word.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from .fields import Soort, field_for_header, match_headers
from .parsing_bytes import _Bytes
from .parsing_table import AMOUNT, ROW_NUMBER, ParsedDelivery, _finish, amounts_as_numbers
from .refusals import DeliveryRefused, _empty, _unreadable

# Rows turned into columns at a time: a million Python dicts at once would take 1.3 GB.
JSON_CHUNK_ROWS = 50_000
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
_NOT_AN_OBJECT = (
    'de JSON moet een object zijn met "peildatum", "soort" en een lijst "achterstanden"'
)
_TOO_DEEP = (
    'de JSON is te diep genest. Een levering is één object met "peildatum", "soort" en '
    '"achterstanden": een lijst van objecten, één per achterstand, met per veld een tekst, '
    "getal of ja/nee-waarde"
)
# The members of the body that a message may name (any other name may be data).
_BODY_NAMES = frozenset({"peildatum", "soort", "achterstanden"})


class _Number(str):
    """A JSON number with a fraction or an exponent, as written (``12.5``, ``1E-3``): text
    equal to what ``json.loads(parse_float=str)`` gives, that still knows it was a number."""

    __slots__ = ()


class _DuplicateName(ValueError):
    """An object names the same member twice (``json.loads`` would keep the last)."""

    def __init__(self, key: object, positions: tuple[int, int]):
        super().__init__("duplicate name")
        self.key = key
        self.positions = positions


def _object(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook``: the object as ``json.loads`` builds it, or :class:`_DuplicateName`."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: dict[str, int] = {}
        for position, (key, _value) in enumerate(pairs, 1):
            if key in seen:
                raise _DuplicateName(key, (seen[key], position))
            seen[key] = position
    return result


def _json_column(
    values: Sequence, key: object, first: int = 1, items: Sequence[dict] = ()
) -> pl.Series:
    """One key's values as text: numbers as written, booleans as words, null as null.

    ``first`` is the number of the first value's achterstand, ``items`` the achterstanden
    themselves (for the message).
    """
    kinds = {str if kind is _Number else kind for kind in map(type, values)}
    if kinds <= {str, type(None)}:
        return pl.Series(values, dtype=pl.String)
    if not kinds <= {str, type(None), bool}:
        number = next(
            i for i, v in enumerate(values, first) if not isinstance(v, str | bool | None)
        )
        raise _unreadable(
            f"{_key_text(key, items[number - first] if items else {})} van "
            f"achterstand {number} is geen tekst, getal of ja/nee-waarde"
        )
    words = {True: "true", False: "false"}
    return pl.Series([words.get(v, v) if type(v) is bool else v for v in values], dtype=pl.String)


def _key_text(key: object, item: dict) -> str:
    """How a message names a key of an achterstand: by its name when that is a field's, else
    by its place in the achterstand. An object or list under a key that is no field's name is
    most often a body keyed by klantnummer (``{"K-1": {...}}``): the key is a person's data."""
    if field_for_header(key) is not None:
        return f"het veld {str(key)!r}"
    position = next((i for i, k in enumerate(item, 1) if k == key), None)
    return f"veld {position}" if position else "een veld"


@dataclass
class _JsonRows:
    """The ``achterstanden`` array read a chunk of rows at a time into string columns."""

    keys: dict[str, int] = field(default_factory=dict)  # every key seen, in order → position
    frames: list[pl.DataFrame] = field(default_factory=list)
    count: int = 0
    # Per key, the rows whose value was a number with a fraction or an exponent (_Number).
    numbers: dict[str, list[int]] = field(default_factory=dict)
    # How many such numbers the decoder made (_scan_json's parse_float), and how many of
    # them the rows already added held: a chunk without any is not looked through.
    numbers_made: list[int] = field(default_factory=lambda: [0])
    numbers_seen: int = 0

    def add(self, items: list[dict]) -> None:
        present = tuple(dict.fromkeys(itertools.chain.from_iterable(items)))
        for key in present:
            self.keys.setdefault(key, len(self.keys))
        first = self.count + 1
        self.count += len(items)
        if self.numbers_made[0] != self.numbers_seen:
            self.numbers_seen = self.numbers_made[0]
            for key in present:
                rows = [n for n, item in enumerate(items, first) if type(item.get(key)) is _Number]
                if rows:
                    self.numbers.setdefault(key, []).extend(rows)
        try:
            # Polars builds the columns (booleans become "true"/"false", as below) ...
            frame = pl.from_dicts(items, schema=dict.fromkeys(present, pl.String))
        except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - any value it cannot take
            # ... unless a value is an object or a list (Polars raises PolarsError, TypeError, …
            # depending on what is in it): then the careful path below names it.
            frame = pl.DataFrame(
                {
                    key: _json_column([item.get(key) for item in items], key, first, items)
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
    text: str, max_rows: int | None = None, *, numbers: bool = False
) -> tuple[dict[str, object], _JsonRows | None]:
    """The top-level object's members, with ``achterstanden`` read as a stream of rows.

    ``json.loads`` of a million rows holds every row as a dict at once (2.1 GB
    for a 1M-row file); this walks the top-level object with the standard
    library's decoder and turns the rows into columns a chunk at a time. What
    it accepts and what each value becomes are ``json.loads``'s, numbers kept
    as the text they were written as. Raises ``ValueError`` on malformed JSON.
    With ``max_rows`` it stops after that many rows (the members read so far,
    the rows, and nothing of the rest checked): the preview of a file's head.
    A name twice in one object is refused (``BESTAND_ONLEESBAAR``, naming it where
    that is no data). With ``numbers``, the rows of numbers with a fraction or an
    exponent are kept per key (:attr:`_JsonRows.numbers`).
    """
    made = [0]

    def number(written: str) -> str:
        made[0] += 1
        return _Number(written)

    decode = json.JSONDecoder(
        parse_float=number if numbers else str,
        parse_int=str,
        parse_constant=str,
        object_pairs_hook=_object,
    ).raw_decode
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
            if key in body or (key == "achterstanden" and rows is not None):
                raise _unreadable(_named_twice(key))
            if key == "achterstanden" and text.startswith("[", i):
                try:
                    rows, i = _scan_json_rows(text, skip(i + 1), decode, skip, max_rows, made)
                except _EnoughRows as enough:
                    return body, enough.rows
            else:
                try:
                    body[key], i = decode(text, i)
                except _DuplicateName as twice:
                    raise _unreadable(
                        f"de JSON noemt {_body_name(twice.key)} twee keer in hetzelfde object "
                        f"(onder {_body_name(key)})"
                    ) from twice
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


def _named_twice(key: str) -> str:
    """The reason for a member named twice in the body, naming it where that is no data."""
    return f"de JSON noemt {_body_name(key)} twee keer"


def _body_name(key: str) -> str:
    if key in _BODY_NAMES or field_for_header(key) is not None:
        return f'"{key}"'
    return "een naam die geen veld van het aanleverformaat is"


def _scan_json_rows(
    text: str, i: int, decode, skip, max_rows: int | None = None, made: list[int] | None = None
) -> tuple[_JsonRows, int]:
    """The rows of the array whose ``[`` is just before ``i``; the index after its ``]``."""
    rows = _JsonRows()
    if made is not None:
        rows.numbers_made = made
    items: list[dict] = []
    if text.startswith("]", i):
        return rows, i + 1
    comma = _JSON_COMMA.match
    append = items.append
    while True:
        try:
            item, i = decode(text, i)
        except _DuplicateName as twice:
            number = rows.count + len(items) + 1
            raise _unreadable(_row_names_twice(number, twice)) from twice
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


def _row_names_twice(number: int, twice: _DuplicateName) -> str:
    """An achterstand (or an object in it) names a member twice: the field by its name, any
    other name by its places (it may be data, as in a body keyed by klantnummer)."""
    if field_for_header(twice.key) is not None:
        return f"achterstand {number} noemt het veld {str(twice.key)!r} twee keer"
    first, second = twice.positions
    return (
        f"achterstand {number} noemt dezelfde naam twee keer (als veld {first} en als "
        f"veld {second})"
    )


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
            body, rows = _scan_json(text, max_rows=head_rows, numbers=True)
    except DeliveryRefused:
        raise
    except RecursionError as error:
        raise _unreadable(_TOO_DEEP) from error
    except (UnicodeDecodeError, ValueError) as error:
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
    # A body that names its soort says which fields its rows need; a soort given with it that
    # differs is refused after reading (shared.settle_json_header), naming both.
    effective = (str(body_soort) if body_soort in Soort.values else None) or soort
    try:
        table, sources, unknown, duplicates, ignored = _finish(
            frame, headers, column_mapping, effective, json=True
        )
    except DeliveryRefused as refused:  # KOLOM_ONTBREEKT: the delivery still shows its header
        refused.peildatum = None if peildatum is None else str(peildatum)
        refused.soort = None if body_soort is None else str(body_soort)
        raise
    amount = match.columns.get(AMOUNT)
    if amount is not None and rows.numbers.get(headers[amount]):
        number_rows = pl.Series(ROW_NUMBER, rows.numbers[headers[amount]], dtype=pl.Int64)
        table = amounts_as_numbers(table, number_rows)
    return ParsedDelivery(
        table=table,
        format="json",
        columns=sources,
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        reported_columns=ignored.labels,
        mappable_columns=ignored.mappable,
        peildatum=None if peildatum is None else str(peildatum),
        soort=None if body_soort is None else str(body_soort),
    )
