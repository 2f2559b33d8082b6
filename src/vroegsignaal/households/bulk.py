"""Moving Polars frames in and out of the database in bulk, on SQLite and PostgreSQL.

Writes go straight into the target table (SQLite: ``executemany`` on the raw
connection; PostgreSQL: ``COPY … FROM STDIN``) or, for updates, into a
temporary staging table followed by one ``UPDATE … FROM``. Reads of many rows
come back as a frame (PostgreSQL: ``COPY … TO STDOUT``). New rows get ids
reserved up front (:func:`reserve_ids`) so that rows referring to them can be
built in Polars before anything is written. Nothing here commits: callers run
inside ``transaction.atomic()``.

Column values follow Django's storage on each backend: dates as ISO text on
SQLite, booleans as 0/1, datetimes as Django's own text form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Sequence

import polars as pl
from django.db import connection

BATCH_ROWS = 50_000
COPY_SLICE_ROWS = 100_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# SQLite's page cache while a large delivery is applied (KiB). The default (2 MiB)
# makes every insert into an index in random key order read its page from the
# file again; a million-row delivery touches a few hundred MiB of index pages.
SQLITE_BULK_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def bulk_cache() -> Iterator[None]:
    """A larger page cache for this connection while bulk work runs (SQLite; a no-op on
    PostgreSQL). Only memory changes: the transaction and its atomicity stay as they are."""
    if is_postgresql():
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(SQLITE_BULK_CACHE_KIB)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def db_datetime(value: dt.datetime) -> str:
    """A datetime as Django stores it in this database (text on SQLite, ISO with zone on PostgreSQL)."""
    if is_postgresql():
        return value.isoformat()
    return str(connection.ops.adapt_datetimefield_value(value))


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates to ISO text and booleans to 0/1, as Django stores them on SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(casts) if casts else frame


def _literal(value: object) -> str:
    """An SQL literal for one of our own constants (ids, dates, codes), never for user input."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def insert_frame(
    table: str, frame: pl.DataFrame, constants: dict[str, object] | None = None
) -> None:
    """Insert every row of ``frame`` into ``table``; the frame's columns are the table's.

    ``constants`` are columns with one value for every row (ids, dates, codes):
    on SQLite they go into the statement as literals instead of being bound
    once per row, which saves a third of the time for a table like arrears.
    """
    constants = constants or {}
    if frame.is_empty():
        return
    connection.ensure_connection()
    if is_postgresql():
        if constants:
            frame = frame.with_columns(pl.lit(v).alias(k) for k, v in constants.items())
        column_list = ", ".join(qn(n) for n in frame.columns)
        statement = f"COPY {qn(table)} ({column_list}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            # In slices, so the CSV text never holds the whole frame at once.
            for part in frame.iter_slices(COPY_SLICE_ROWS):
                copy.write(part.write_csv(include_header=False, date_format="%Y-%m-%d"))
        return
    names = [*frame.columns, *constants]
    values = ["?"] * frame.width + [_literal(v) for v in constants.values()]
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(n) for n in names)}) VALUES ({', '.join(values)})"  # noqa: S608
    )
    raw = connection.connection  # the sqlite3 connection, inside Django's transaction
    for part in _for_sqlite(frame).iter_slices(BATCH_ROWS):
        raw.executemany(sql, _row_tuples(part))


def _row_tuples(frame: pl.DataFrame) -> Iterator[tuple]:
    """The rows of ``frame`` as tuples, as ``frame.rows()`` gives them but lazily and
    column by column: ``zip`` over each column's list costs a third of ``rows()``,
    which was an eighth of the time SQLite spends inserting a million-row delivery."""
    return zip(*(column.to_list() for column in frame.iter_columns()), strict=True)


# From this many rows on, a load into an empty table builds its indexes afterwards.
DEFER_INDEXES_FROM = 50_000


@contextlib.contextmanager
def deferred_indexes(*tables: str, rows: int) -> Iterator[None]:
    """Load ``rows`` into ``tables`` without maintaining their non-unique indexes (SQLite).

    For each of ``tables`` that is empty, its non-unique indexes are dropped and
    built again, from their own definitions, when the block ends: building an
    index over a million rows at once costs a fraction of inserting them one by
    one in random key order. Use it inside the transaction that loads the rows
    (DDL is transactional in SQLite: if the block fails, the rollback brings the
    indexes back). Unique indexes stay, so every constraint holds throughout.
    A no-op on PostgreSQL (``DROP INDEX`` would lock the table for readers; COPY
    maintains indexes cheaply) and below :data:`DEFER_INDEXES_FROM` rows.
    """
    if is_postgresql() or rows < DEFER_INDEXES_FROM:
        yield
        return
    connection.ensure_connection()
    dropped: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                continue
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [table],
            )
            for name, sql in cursor.fetchall():
                if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                    continue
                cursor.execute(f"DROP INDEX {qn(name)}")
                dropped.append(sql)
    yield
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)


_STAGE_TYPES = {
    pl.Int64: ("INTEGER", "bigint"),
    pl.Int32: ("INTEGER", "integer"),
    pl.Int8: ("INTEGER", "smallint"),
    pl.String: ("TEXT", "text"),
    pl.Date: ("TEXT", "date"),
    pl.Boolean: ("INTEGER", "boolean"),
}


def stage(name: str, frame: pl.DataFrame) -> str:
    """Create temporary table ``name`` holding ``frame``; returns its quoted name. Drop with :func:`drop`."""
    which = 1 if is_postgresql() else 0
    columns = ", ".join(f"{qn(c)} {_STAGE_TYPES[type(t)][which]}" for c, t in frame.schema.items())
    table = qn(name)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
    insert_frame(name, frame)
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return table


def drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")


def execute(sql: str, params: Sequence = ()) -> int:
    """Run one statement; returns the row count."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def execute_returning_ids(sql: str, params: Sequence = ()) -> pl.Series:
    """Run one statement ending in ``RETURNING <id>``; the ids it returned, as ``Int64``.

    For an ``UPDATE`` whose ``WHERE`` re-checks a status: the ids tell which rows
    it really changed, where a concurrent transaction changed the others first.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return pl.Series("id", [row[0] for row in cursor.fetchall()], dtype=pl.Int64)


def read_frame(sql: str, params: Sequence, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a SELECT (``%s`` placeholders); its columns, in order, become ``schema``.

    Select plain date and boolean columns (not expressions over them): they come
    back as ``pl.Date`` and ``pl.Boolean`` on both backends. A date column may
    also be selected as :func:`date_text` of it, which SQLite hands over as text
    instead of through Django's converter (a Python call per value) and which is
    turned into ``pl.Date`` here at once: for reads of a million dates.
    """
    connection.ensure_connection()
    text_schema = {
        name: (pl.String if dtype in (pl.Date, pl.Boolean) else dtype)
        for name, dtype in schema.items()
    }
    with connection.cursor() as cursor:
        if is_postgresql():
            buffer = io.BytesIO()
            with cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params or None
            ) as copy:
                for block in copy:
                    buffer.write(block)
            if not buffer.tell():
                return pl.DataFrame(schema=schema)
            buffer.seek(0)
            frame = pl.read_csv(buffer, has_header=False, schema=text_schema)
            return frame.with_columns(
                [
                    (pl.col(n) == "t") if dtype == pl.Boolean else pl.col(n).str.to_date("%Y-%m-%d")
                    for n, dtype in schema.items()
                    if dtype in (pl.Date, pl.Boolean)
                ]
            )
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    # Django's SQLite backend converts columns declared date/bool to date/bool objects;
    # a date selected as date_text() comes as ISO text.
    as_text = {
        name
        for i, (name, dtype) in enumerate(schema.items())
        if dtype == pl.Date
        and isinstance(next((row[i] for row in rows if row[i] is not None), None), str)
    }
    if not as_text:
        return pl.DataFrame(rows, schema=schema, orient="row")
    frame = pl.DataFrame(
        rows,
        schema={name: (pl.String if name in as_text else dtype) for name, dtype in schema.items()},
        orient="row",
    )
    return frame.with_columns(pl.col(name).str.to_date("%Y-%m-%d") for name in as_text)


def date_text(column: str) -> str:
    """SQL for date ``column`` as ISO text, to select for :func:`read_frame` (both backends)."""
    return f"CAST({column} AS TEXT)"


def id_list(column: str, ids: Iterable[int]) -> tuple[str, list]:
    """``column IN (ids)`` as one parameter however many ids: ``(sql, params)``."""
    values = [int(i) for i in ids]
    if is_postgresql():
        return f"{column} = ANY(%s::bigint[])", [values]
    # SQLite's JSON1 unpacks the list; no limit on the number of variables.
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]  # noqa: S608


# From this many ids on, PostgreSQL reserves them as one block of the sequence
# (a million nextval calls take seconds; a block takes three statements).
BLOCK_FROM = 10_000


def _reserve_block(table: str, count: int) -> pl.Series | None:
    """``count`` consecutive ids from ``table``'s sequence, in the caller's transaction.

    ``ALTER SEQUENCE`` locks the sequence until the transaction ends, so no other
    session draws a value (``nextval`` waits) while the block is taken and used;
    the rows that need those waits are bulk applies, which run one at a time
    anyway. ``None`` where this role may not alter the sequence.
    """
    from django.db import DatabaseError, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.seqrelid::regclass::text, s.seqincrement FROM pg_sequence s "
            "WHERE s.seqrelid = pg_get_serial_sequence(%s, 'id')::regclass",
            [table],
        )
        sequence, increment = cursor.fetchone()
        if increment != 1:
            return None
        try:
            with transaction.atomic():
                # Changes nothing, but holds the sequence's lock until the transaction ends.
                cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
        except DatabaseError:
            return None
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last, called = cursor.fetchone()
        start = int(last) + 1 if called else int(last)
        cursor.execute("SELECT setval(%s, %s, true)", [sequence, start + count - 1])
    return pl.int_range(start, start + count, dtype=pl.Int64, eager=True).alias("id")


def reserve_ids(table: str, count: int) -> pl.Series:
    """``count`` fresh primary keys for ``table``, ascending, never used before.

    PostgreSQL: drawn from the table's identity sequence (safe with concurrent
    writers); ``BLOCK_FROM`` or more at once as one block (see :func:`_reserve_block`). SQLite: after both the highest id and ``sqlite_sequence`` (the
    AUTOINCREMENT high-water mark, so ids of deleted rows are not reused); the
    transaction's write lock keeps others out until commit, and inserting the
    ids moves ``sqlite_sequence`` on.
    """
    if count <= 0:
        return pl.Series("id", [], dtype=pl.Int64)
    if is_postgresql():
        if count >= BLOCK_FROM and connection.in_atomic_block:
            block = _reserve_block(table, count)
            if block is not None:
                return block
        frame = read_frame(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
            {"id": pl.Int64},
        )
        return frame.get_column("id").sort()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"coalesce((SELECT max(id) FROM {qn(table)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return pl.int_range(start, start + count, dtype=pl.Int64, eager=True).alias("id")
