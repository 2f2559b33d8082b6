"""Moving whole Polars frames in and out of the database, fast, on SQLite and PostgreSQL.

Rows go first into a temporary staging table (SQLite: ``executemany``;
PostgreSQL: ``COPY … FROM STDIN``), and one set-based statement applies them
(``INSERT … SELECT … ON CONFLICT … DO UPDATE``, ``UPDATE … FROM``). Large reads
come back as a frame (PostgreSQL: ``COPY … TO STDOUT``). Callers run these
inside ``transaction.atomic()``; nothing here commits.

SQL text is assembled from model metadata only (table and column names);
values travel as parameters or through COPY, never inside the statement.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
from django.db import connection

from .models import Address

BATCH_ROWS = 50_000
COPY_CHUNK_BYTES = 8 * 1024 * 1024

# Staging columns for addresses: name → (SQLite type, PostgreSQL type)
ADDRESS_STAGE = {
    "postcode": ("TEXT NOT NULL", "text NOT NULL"),
    "huisnummer": ("INTEGER NOT NULL", "integer NOT NULL"),
    "huisletter": ("TEXT NOT NULL", "text NOT NULL"),
    "toevoeging": ("TEXT NOT NULL", "text NOT NULL"),
    "straatnaam": ("TEXT NOT NULL", "text NOT NULL"),
    "woonplaats": ("TEXT NOT NULL", "text NOT NULL"),
    "municipality_id": ("INTEGER NOT NULL", "bigint NOT NULL"),
    "buurt_id": ("INTEGER", "bigint"),
    "buurtcode": ("TEXT NOT NULL", "text NOT NULL"),
    "latitude": ("REAL", "double precision"),
    "longitude": ("REAL", "double precision"),
}
ADDRESS_KEY = ("postcode", "huisnummer", "huisletter", "toevoeging")
BUURT_STAGE = {"id": ("INTEGER NOT NULL", "bigint NOT NULL"), "buurt_id": ("INTEGER", "bigint")}


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _create_stage(cursor, table: str, columns: dict[str, tuple[str, str]]) -> None:
    which = 1 if is_postgresql() else 0
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    body = ", ".join(f"{_qn(name)} {types[which]}" for name, types in columns.items())
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({body})")


def _fill_stage(cursor, table: str, frame: pl.DataFrame) -> None:
    """Write ``frame`` (columns in the staging table's order) into the staging table."""
    names = frame.columns
    if is_postgresql():
        text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
        # In CSV, an unquoted empty field is NULL; FORCE_NOT_NULL reads it as '' for text.
        options = "FORMAT csv"
        if text_columns:
            options += f", FORCE_NOT_NULL ({', '.join(_qn(n) for n in text_columns)})"
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False)
        data = buffer.getbuffer()
        with cursor.cursor.copy(
            f"COPY {table} ({', '.join(_qn(n) for n in names)}) FROM STDIN WITH ({options})"
        ) as copy:
            for start in range(0, len(data), COPY_CHUNK_BYTES):
                copy.write(data[start : start + COPY_CHUNK_BYTES])
        return
    raw = connection.connection  # the sqlite3 connection, in the same transaction
    sql = f"INSERT INTO {table} ({', '.join(_qn(n) for n in names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
    for part in frame.iter_slices(BATCH_ROWS):
        raw.executemany(sql, part.rows())


def upsert_addresses(frame: pl.DataFrame) -> tuple[int, int]:
    """Insert new addresses and update changed ones, keyed on the normal form.

    ``frame`` holds the columns of :data:`ADDRESS_STAGE` (unique on the key).
    Returns (created, updated); rows that did not change are not touched.
    """
    if frame.is_empty():
        return 0, 0
    frame = frame.select(list(ADDRESS_STAGE))
    table = Address._meta.db_table
    stage = "registry_address_stage"
    columns = list(ADDRESS_STAGE)
    key = ", ".join(_qn(c) for c in ADDRESS_KEY)
    other = [c for c in columns if c not in ADDRESS_KEY]
    differs = "IS DISTINCT FROM" if is_postgresql() else "IS NOT"
    update = ", ".join(f"{_qn(c)} = excluded.{_qn(c)}" for c in other)
    changed = " OR ".join(f"{table}.{_qn(c)} {differs} excluded.{_qn(c)}" for c in other)
    column_list = ", ".join(_qn(c) for c in columns)
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of a join.
    insert = (
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} WHERE true "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {update} WHERE {changed}"
    )
    connection.ensure_connection()
    with connection.cursor() as cursor:
        _create_stage(cursor, stage, ADDRESS_STAGE)
        _fill_stage(cursor, stage, frame)
        if is_postgresql():
            cursor.execute(
                f"WITH written AS ({insert} RETURNING (xmax = 0) AS inserted) "  # noqa: S608
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
            )
            created, updated = cursor.fetchone()
            cursor.execute(f"ANALYZE {table}")
        else:
            # SQLite's write lock is held for the whole transaction, so counting around is exact.
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            before = cursor.fetchone()[0]
            cursor.execute(insert)
            written = cursor.rowcount
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            created = cursor.fetchone()[0] - before
            updated = written - created
        cursor.execute(f"DROP TABLE {stage}")
    return created, updated


def set_buurten(changes: pl.DataFrame) -> int:
    """Set ``buurt_id`` of the addresses in ``changes`` (columns id, buurt_id); returns the count."""
    if changes.is_empty():
        return 0
    table = Address._meta.db_table
    stage = "registry_address_buurt_stage"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        _create_stage(cursor, stage, BUURT_STAGE)
        _fill_stage(
            cursor,
            stage,
            changes.select(pl.col("id").cast(pl.Int64), pl.col("buurt_id").cast(pl.Int64)),
        )
        if is_postgresql():
            cursor.execute(
                f"UPDATE {table} AS a SET buurt_id = s.buurt_id FROM {stage} AS s WHERE a.id = s.id"  # noqa: S608
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET buurt_id = s.buurt_id FROM {stage} AS s WHERE {table}.id = s.id"  # noqa: S608
            )
        count = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    return count


def read_frame(sql: str, params: Sequence, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a SELECT (``%s`` placeholders) and return its rows as a frame with ``schema``."""
    connection.ensure_connection()
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
            # PostgreSQL writes NULL as an empty field and empty text as "" (quoted).
            return pl.read_csv(buffer, has_header=False, schema=schema)
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")
