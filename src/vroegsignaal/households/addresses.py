"""Linking rows to their households (:func:`_link_households`), and households that move.

Households: one per register address (created when first needed); a row that
intake could route by postcode only gets a household keyed by its delivered
address, which the register address adopts once a later delivery routes it
exactly. A household whose address moved to another municipality (a
herindeling: the routed rows say so) moves there with its arrears.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import connection

from . import bulk
from .frames import ARREAR_TABLE, HOUSEHOLD_TABLE, POS
from .models import ANONYMOUS_PREFIX


def _address_key_expr() -> pl.Expr:
    """The delivered address in normal form: ``postcode|huisnummer|huisletter|toevoeging``."""
    return pl.concat_str(
        pl.col("postcode").fill_null(""),
        pl.col("huisnummer").cast(pl.String).fill_null(""),
        pl.col("huisletter").fill_null(""),
        pl.col("huisnummertoevoeging").fill_null(""),
        separator="|",
    )


NO_MOVES_SCHEMA = {"household_id": pl.Int64, "municipality_id": pl.Int64}


def _link_households(
    live: pl.DataFrame, now: dt.datetime, repeated: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Add ``household_id`` to every row, creating the households that are missing.

    ``repeated`` rows (with their ``household_id``) are not linked again, but they
    count when a household's municipality is decided. Returns the rows, the number
    of households created, and the households moved to another municipality.
    """
    if live.is_empty():
        return live.with_columns(household_id=pl.lit(None, pl.Int64)), 0, _no_moves()
    live = live.with_columns(_address_key_expr().alias("_address_key"))
    unplaceable = pl.col("address_id").is_null() & (
        pl.col("postcode").is_null() | pl.col("huisnummer").is_null()
    )
    if live.select(unplaceable.any()).item():
        raise ValueError("a row has neither an address_id nor a postcode and huisnummer")

    address_ids = live.select(pl.col("address_id").drop_nulls().unique())
    schema = {
        "id": pl.Int64,
        "address_id": pl.Int64,
        "unregistered_address": pl.String,
        "municipality_id": pl.Int64,
    }
    existing = pl.DataFrame(schema=schema)
    if address_ids.height and _any_household():
        stage = bulk.stage("households_stage_address", address_ids)
        existing = bulk.read_frame(
            f"SELECT h.id, h.address_id, h.unregistered_address, h.municipality_id "  # noqa: S608
            f"FROM {stage} s CROSS JOIN {HOUSEHOLD_TABLE} h WHERE h.address_id = s.address_id",
            [],
            schema,
        )
        bulk.drop("households_stage_address")
    unregistered = pl.DataFrame(schema=schema)
    if _any_unregistered():
        keys = live.select(pl.col("_address_key").unique().alias("address_key"))
        stage = bulk.stage("households_stage_key", keys)
        unregistered = bulk.read_frame(
            f"SELECT h.id, h.address_id, h.unregistered_address, h.municipality_id "  # noqa: S608
            f"FROM {stage} s CROSS JOIN {HOUSEHOLD_TABLE} h "
            "WHERE h.unregistered_address = s.address_key AND NOT (h.unregistered_address = '')",
            [],
            schema,
        )
        bulk.drop("households_stage_key")

    by_address = existing.select(pl.col("address_id"), pl.col("id").alias("_hh_address"))
    by_key = unregistered.select(
        pl.col("unregistered_address").alias("_address_key"), pl.col("id").alias("_hh_key")
    )
    live = live.join(by_address, on="address_id", how="left", maintain_order="left").join(
        by_key, on="_address_key", how="left", maintain_order="left"
    )
    registered = pl.col("address_id").is_not_null()

    # An address now in the register adopts the household made for it while it was not.
    adopt = (
        live.filter(registered & pl.col("_hh_address").is_null() & pl.col("_hh_key").is_not_null())
        .sort(POS)
        .group_by("address_id", maintain_order=True)
        .agg(pl.col("_hh_key").first().alias("id"))
        .sort("address_id")
        .unique("id", keep="first", maintain_order=True)  # one address per household
    )
    if adopt.height:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {HOUSEHOLD_TABLE} SET address_id = %s, unregistered_address = '' WHERE id = %s",  # noqa: S608
                adopt.select("address_id", "id").rows(),
            )
        live = (
            live.join(
                adopt.rename({"id": "_hh_adopted"}),
                on="address_id",
                how="left",
                maintain_order="left",
            )
            .with_columns(pl.coalesce("_hh_address", "_hh_adopted").alias("_hh_address"))
            .drop("_hh_adopted")
        )

    live = live.with_columns(
        pl.when(registered)
        .then(pl.col("_hh_address"))
        .otherwise(pl.col("_hh_key"))
        .alias("household_id")
    )
    moves = _follow_municipality_changes(live, pl.concat([existing, unregistered]), repeated)
    live = live.with_columns(pl.col("household_id").is_null().alias("_new_household"))
    missing = live.filter(pl.col("_new_household"))
    created = 0
    if missing.height:
        new = (
            missing.with_columns(
                pl.when(registered)
                .then(pl.lit(""))
                .otherwise(pl.col("_address_key"))
                .alias("unregistered_address")
            )
            .sort(POS)
            .group_by("address_id", "unregistered_address", maintain_order=True)
            .agg(pl.col("municipality_id").first())
        )
        new = new.with_columns(bulk.reserve_ids(HOUSEHOLD_TABLE, new.height).alias("id"))
        bulk.insert_frame(
            HOUSEHOLD_TABLE,
            new.select("id", "address_id", "unregistered_address", "municipality_id"),
            constants={"created_at": bulk.db_datetime(now)},
        )
        created = new.height
        ids_by_address = new.filter(pl.col("address_id").is_not_null()).select(
            "address_id", pl.col("id").alias("_new_a")
        )
        ids_by_key = new.filter(pl.col("address_id").is_null()).select(
            pl.col("unregistered_address").alias("_address_key"), pl.col("id").alias("_new_k")
        )
        live = (
            live.join(ids_by_address, on="address_id", how="left", maintain_order="left")
            .join(ids_by_key, on="_address_key", how="left", maintain_order="left")
            .with_columns(
                pl.coalesce(
                    "household_id",
                    pl.when(registered).then(pl.col("_new_a")).otherwise(pl.col("_new_k")),
                ).alias("household_id")
            )
            .drop("_new_a", "_new_k")
        )
    # The address has done its work: keep the frame narrow for what follows.
    address_columns = ["postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "address_id"]
    return live.drop("_hh_address", "_hh_key", "_address_key", *address_columns), created, moves


def _no_moves() -> pl.DataFrame:
    return pl.DataFrame(schema=NO_MOVES_SCHEMA)


def _follow_municipality_changes(
    live: pl.DataFrame, stored: pl.DataFrame, repeated: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Move households whose address now lies in another municipality, with their arrears.

    The register is authoritative (a municipal merger, "herindeling", re-homes
    addresses); the routed rows carry its current municipality. Persons and
    events follow through their household and arrear. A household's first row
    (in key order) decides, repeated rows included. Returns the moves.
    """
    if stored.is_empty():
        return _no_moves()
    rows = live.select(POS, "household_id", "municipality_id")
    if repeated is not None:
        rows = pl.concat([rows, repeated.select(POS, "household_id", "municipality_id")])
    moves = (
        rows.filter(pl.col("household_id").is_not_null())
        .sort(POS)
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("municipality_id").first())
        .join(
            stored.select(
                pl.col("id").alias("household_id"), pl.col("municipality_id").alias("_stored")
            ),
            on="household_id",
        )
        .filter(pl.col("municipality_id") != pl.col("_stored"))
    )
    if moves.is_empty():
        return _no_moves()
    pairs = moves.select("municipality_id", "household_id").rows()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {HOUSEHOLD_TABLE} SET municipality_id = %s WHERE id = %s",  # noqa: S608
            pairs,
        )
        cursor.executemany(
            f"UPDATE {ARREAR_TABLE} SET municipality_id = %s WHERE household_id = %s",  # noqa: S608
            pairs,
        )
    return moves.select("household_id", "municipality_id")


def _follow_moves(state: pl.DataFrame, moves: pl.DataFrame) -> pl.DataFrame:
    """The open arrears as read, with the municipalities their households just moved to."""
    if moves.is_empty():
        return state
    moved_to = moves.select(
        pl.col("household_id").alias("household_id_old"), pl.col("municipality_id").alias("_to")
    )
    return (
        state.join(moved_to, on="household_id_old", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_to", "municipality_id_old").alias("municipality_id_old"))
        .drop("_to")
    )


def _any_household() -> bool:
    """Whether any household exists (the very first delivery need not look them up)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {HOUSEHOLD_TABLE} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def _any_unregistered() -> bool:
    # The municipalities' anonymous households (retention) are never matched: skip them.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {HOUSEHOLD_TABLE} WHERE unregistered_address <> '' "  # noqa: S608
            "AND unregistered_address NOT LIKE %s LIMIT 1",
            [f"{ANONYMOUS_PREFIX}%"],
        )
        return cursor.fetchone() is not None
