"""What the modules of :func:`~.services.apply_rows` share: the row key and a row's place,
the table names, the blind-index contexts, the apply's lock and its clock.

The modules import each other only downward, so there is no cycle: :mod:`.services`
imports them all; :mod:`.digests` imports :mod:`.persons`, :mod:`.rekeying` the person
modules it needs, :mod:`.timeline` imports :mod:`.later`; they and :mod:`.addresses` import this module,
which imports none of them.
"""

from __future__ import annotations

import time
from typing import Literal

import polars as pl

from . import bulk
from .models import Arrear, ArrearEvent, Household, Person

Kind = Literal["stand", "mutatie"]
STAND, MUTATIE = "stand", "mutatie"
AFGEMELD = "afgemeld"

# (SQL in these modules joins staging tables as "FROM stage CROSS JOIN table WHERE …": SQLite
# then loops over the small staging table and searches the big one by index; PostgreSQL
# reads CROSS JOIN + WHERE as an ordinary join and plans it freely.)

# Blind-index contexts (privacy.crypto): changing one invalidates every stored index.
BIRTH_DATE_CONTEXT = "birth_date"
SURNAME_CONTEXT = "surname"
BSN_CONTEXT = "bsn"
IDENTITY_CONTEXT = "person.identity"
DETAILS_CONTEXT = "person.details"
# The key of the arrears' link digests is derived from the blind-index key under this context.
LINK_CONTEXT = "arrear.link"

# One advisory lock (PostgreSQL) for every apply; the number is arbitrary but fixed.
APPLY_LOCK = 0x56534849  # "VSHI"

KEY = ("klantnummer", "contractnummer")
POS = "_pos"  # a row's place in key order: makes every choice independent of row order

HOUSEHOLD_TABLE = Household._meta.db_table
PERSON_TABLE = Person._meta.db_table
ARREAR_TABLE = Arrear._meta.db_table
EVENT_TABLE = ArrearEvent._meta.db_table
# intake's deliveries: their peildata tell which of two deliveries is newer (:mod:`.later`).
DELIVERY_TABLE = Arrear._meta.get_field("last_delivery").related_model._meta.db_table


NEW_PERSONS_SCHEMA = {"household_id": pl.Int64, "birth_date": pl.Date}


# SQLite reads all persons at once when a delivery's households are at least 1/FULL_SCAN_SHARE
# of all households (and at least FULL_SCAN_FROM of them); :mod:`.digests` reads persons and
# households in one pass from FULL_SCAN_FROM ids on. Read as ``frames.FULL_SCAN_FROM`` where
# used, so that a test lowers both with one patch.
FULL_SCAN_SHARE = 4
FULL_SCAN_FROM = 50_000

# The column of a row's link digest (:mod:`.digests`) in the frames the modules pass on.
LINK_DIGEST = "_link_digest"


class _Clock:
    """Wall-clock and CPU seconds per step (CPU time is what a busy machine does not distort)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._last, self._last_cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        now, now_cpu = time.perf_counter(), time.process_time()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 3)
        self.cpu[name] = round(self.cpu.get(name, 0.0) + now_cpu - self._last_cpu, 3)
        self._last, self._last_cpu = now, now_cpu


def _id(obj: object) -> int:
    return int(getattr(obj, "pk", obj))  # type: ignore[arg-type]


def _keys(rows: pl.DataFrame) -> pl.DataFrame:
    contract = (
        pl.col("contractnummer") if "contractnummer" in rows.columns else pl.lit(None, pl.String)
    )
    return rows.select(
        pl.col("klantnummer").cast(pl.String),
        contract.cast(pl.String).fill_null("").alias("contractnummer"),
    ).unique()


def _lock() -> None:
    if bulk.is_postgresql():
        bulk.execute("SELECT pg_advisory_xact_lock(%s)", [APPLY_LOCK])
