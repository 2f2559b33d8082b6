"""Repeated rows: the link digests that let a ``stand``'s unchanged rows keep their links.

Repeated rows (a monthly ``stand`` repeats most of the previous one): every
arrear stores ``link_digest``, a keyed digest (:func:`_link_digests`) of all
that linking reads in its row — the routed address and municipality, the
identity, the contact details. In a ``stand`` (``services.LINK_SHORTCUT``), a row whose
open arrear has the same digest keeps that arrear's household and person: it
is not linked, blind-indexed, compared with stored persons, nor used to update
contact details (:func:`_repeated_rows`). That gives the same outcome as
linking it because linking a row depends only on the row and on the persons of
its household (never on the other rows of the delivery), and a digest is kept
only while those cannot have changed:

* it is written only when linking the row again, against the persons as the
  delivery leaves them, picks the same person at the first step: the
  lowest-numbered person of the household with exactly the row's identity and
  no other BSN (:func:`.persons._relinks`); rows matched by BSN or by similarity, or
  routed by postcode only (their household may adopt an address later), get
  none and are always linked;
* persons updated (contact details, BSN) in a household null the digests of
  all open arrears there, of every creditor, except the rows the same
  ``stand`` checked against the new state. New persons do not: their ids are
  higher than every stored person's, so they never precede a row's person; a ``mutatie`` stores no digests
  and nulls those of the households it touches; closing an arrear, keeping it
  open for a rejected row, and retention deleting arrears null them too;
* a person's contact details come from all their rows of a delivery, so a
  row only keeps its links when every open arrear of its person at this
  creditor is delivered again with its digest; when a linked row matches that
  person, the repeated rows count in the details as they would without the
  shortcut;
* before relying on it, the person must still exist in that household, the
  household must still have the row's address and municipality, and the
  arrear the row's municipality (SQLite: one pass over the persons'
  household index and the households; PostgreSQL: one join on the server);
* the digest's key is derived from the blind-index key: with another key every
  digest differs and every row is linked again, as the stored blind indexes
  need then anyway (``rotate_blind_index_key`` clears the digests:
  :func:`.rekeying.forget_link_digests`).

Retention deletes persons only when they have no arrears, and households only
when empty, so an open arrear's person and household exist (the check above
covers a violation); deleting another person of the household never changes
which person is first with an identity. Nothing merges persons: an operation
that did would have to null the digests of the households involved.
"""

from __future__ import annotations

import hashlib

import polars as pl
from django.db import connection

from vroegsignaal.privacy.services import blind_index

from . import bulk, frames
from .frames import (
    ARREAR_TABLE,
    HOUSEHOLD_TABLE,
    KEY,
    LINK_CONTEXT,
    LINK_DIGEST,
    MUTATIE,
    PERSON_TABLE,
    POS,
)
from .persons import ARREAR_INPUT

# Everything of a row that linking reads (the routed address, the identity, the contact
# details a person takes over): rows with equal values link alike.
LINK_COLUMNS = (
    "address_id",
    "municipality_id",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "achternaam",
    "tussenvoegsel",
    "voorletters",
    "voornamen",
    "geboortedatum",
    "geslacht",
    "telefoonnummer",
    "email",
    "bsn",
)


_SEPARATOR, _NULL_MARK = "\x1f", "\x1e"
REPEATED_SCHEMA = {POS: pl.Int64, "household_id": pl.Int64, "person_id": pl.Int64}


DIGEST_SLICE_ROWS = 65_536


def _link_digests(live: pl.DataFrame) -> pl.Series:
    """``_link_digest`` of every row: keyed BLAKE2b (a MAC, like HMAC) of its
    :data:`LINK_COLUMNS`, 64 bits as a signed integer.

    The key is derived from the blind-index key (an HMAC of :data:`LINK_CONTEXT`),
    so the digest is no plain hash of personal data and a new blind-index key
    makes every stored digest differ. The values are joined with a control
    character and a null is written as another one; intake removes control
    characters from delivered text, so no two different rows give the same
    text. Null for rows without ``address_id`` (routed by postcode only: their
    household may adopt a register address later, see :func:`.addresses._link_households`),
    which are always linked.
    """
    parts = [
        (pl.col(name).cast(pl.Int32) if name == "geboortedatum" else pl.col(name))
        .cast(pl.String)
        .fill_null(_NULL_MARK)
        for name in LINK_COLUMNS
    ]
    text = pl.when(pl.col("address_id").is_not_null()).then(
        pl.concat_str(parts, separator=_SEPARATOR)
    )
    values = live.select(text.cast(pl.Binary).alias(LINK_DIGEST)).get_column(LINK_DIGEST)
    if values.null_count() == len(values):
        return pl.Series(LINK_DIGEST, [None] * len(values), dtype=pl.Int64)
    key = bytes.fromhex(blind_index(LINK_CONTEXT, context=LINK_CONTEXT))
    copy = hashlib.blake2b(key=key, digest_size=8).copy

    def digest(value: bytes) -> bytes:
        h = copy()
        h.update(value)
        return h.digest()

    # In slices: a million Python bytes objects at once would stay behind as freed but
    # resident heap for the rest of the apply.
    parts = []
    for start in range(0, len(values), DIGEST_SLICE_ROWS):
        chunk = values.slice(start, DIGEST_SLICE_ROWS).to_list()
        digests = [None if value is None else digest(value) for value in chunk]
        parts.append(
            pl.Series(LINK_DIGEST, digests, dtype=pl.Binary).bin.reinterpret(
                dtype=pl.Int64, endianness="little"
            )
        )
    return pl.concat(parts) if parts else pl.Series(LINK_DIGEST, [], dtype=pl.Int64)


def _repeated_rows(live: pl.DataFrame, state: pl.DataFrame, creditor_id: int) -> pl.DataFrame:
    """``POS, household_id, person_id`` of the rows that keep their open arrear's links.

    A row qualifies when its open arrear (same key) stored the same digest, in
    the same municipality; when that arrear's person still exists in that
    household and the household still has the row's address; and when every
    open arrear of that person at this creditor qualifies too (otherwise the
    person's contact details, which come from all their rows, are recomputed:
    all their rows are linked).
    """
    digests = state.filter(pl.col("link_digest_old").is_not_null())
    if digests.is_empty():
        return pl.DataFrame(schema=REPEATED_SCHEMA)
    candidates = (
        live.select(POS, *KEY, "address_id", "municipality_id", LINK_DIGEST)
        .filter(pl.col(LINK_DIGEST).is_not_null())
        .join(
            digests.select(
                *KEY, "household_id_old", "person_id_old", "municipality_id_old", "link_digest_old"
            ),
            on=list(KEY),
            how="inner",
        )
        .filter(
            (pl.col(LINK_DIGEST) == pl.col("link_digest_old"))
            & (pl.col("municipality_id") == pl.col("municipality_id_old"))
        )
    )
    if candidates.is_empty():
        return pl.DataFrame(schema=REPEATED_SCHEMA)
    if bulk.is_postgresql():
        # The server joins the creditor's arrears to their persons and households.
        present = bulk.read_frame(
            f"SELECT a.klantnummer, a.contractnummer, h.address_id, h.municipality_id "  # noqa: S608
            f"FROM {ARREAR_TABLE} a JOIN {PERSON_TABLE} p "
            "ON p.id = a.person_id AND p.household_id = a.household_id "
            f"JOIN {HOUSEHOLD_TABLE} h ON h.id = a.household_id "
            "WHERE a.creditor_id = %s AND a.status = 'open' AND a.link_digest IS NOT NULL",
            [creditor_id],
            {
                "klantnummer": pl.String,
                "contractnummer": pl.String,
                "address_id": pl.Int64,
                "municipality_id": pl.Int64,
            },
        )
        candidates = candidates.join(
            present, on=[*KEY, "address_id", "municipality_id"], how="semi"
        )
    else:
        persons = _rows_by_id(PERSON_TABLE, ("id", "household_id"), candidates["person_id_old"])
        households = _rows_by_id(
            HOUSEHOLD_TABLE, ("id", "address_id", "municipality_id"), candidates["household_id_old"]
        )
        candidates = candidates.join(
            persons,
            left_on=["person_id_old", "household_id_old"],
            right_on=["id", "household_id"],
            how="semi",
        ).join(
            households,
            left_on=["household_id_old", "address_id", "municipality_id"],
            right_on=["id", "address_id", "municipality_id"],
            how="semi",
        )
    complete = (
        candidates.group_by("person_id_old")
        .agg(pl.len().alias("_repeated"))
        .join(
            state.group_by("person_id_old").agg(pl.len().alias("_open")),
            on="person_id_old",
            how="inner",
        )
        .filter(pl.col("_repeated") == pl.col("_open"))
        .select("person_id_old")
    )
    return (
        candidates.join(complete, on="person_id_old", how="semi")
        .select(
            POS,
            pl.col("household_id_old").alias("household_id"),
            pl.col("person_id_old").alias("person_id"),
        )
        .sort(POS)
    )


def _rows_by_id(table: str, columns: tuple[str, ...], ids: pl.Series) -> pl.DataFrame:
    """``columns`` (integers, the first ``id``) of the rows of ``table`` with these ids."""
    schema = dict.fromkeys(columns, pl.Int64)
    wanted = ids.unique().alias("id").to_frame()
    if not bulk.is_postgresql() and wanted.height >= frames.FULL_SCAN_FROM:
        # One pass (for persons SQLite reads id and household_id from the household
        # index), each column as one text: a third of the time of a million row tuples.
        # Both aggregates see the rows in the same order; null is read as -1.
        texts = ", ".join(f"group_concat(coalesce({c}, -1), ',')" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {texts} FROM {table}")  # noqa: S608
            values = cursor.fetchone()
        if values[0] is None:
            return pl.DataFrame(schema=schema)
        everything = pl.DataFrame(
            {
                name: pl.Series([text]).str.split(",").explode().cast(pl.Int64)
                for name, text in zip(columns, values, strict=True)
            }
        )
        return everything.join(wanted, on="id", how="semi")
    stage = bulk.stage("households_stage_ids", wanted)
    found = bulk.read_frame(
        f"SELECT {', '.join(f't.{c}' for c in columns)} FROM {stage} s CROSS JOIN {table} t "  # noqa: S608
        "WHERE t.id = s.id",
        [],
        schema,
    )
    bulk.drop("households_stage_ids")
    return found


def _with_link_digest_to_store(
    live: pl.DataFrame, repeated: pl.DataFrame | None, disturbed: pl.Series, kind: str
) -> pl.DataFrame:
    """All live rows, linked, in key order, with the ``link_digest`` their arrears store.

    A linked row stores its digest only when linking it again, against the persons
    as this delivery leaves them, would pick the same person by its exact identity
    (``_relinks``). A repeated row keeps its digest unless persons of its household
    were updated now (``disturbed``). A ``mutatie`` stores none (see
    :func:`.timeline._apply_arrears`).
    """
    columns = [*ARREAR_INPUT, "link_digest"]
    if kind == MUTATIE:
        return live.with_columns(link_digest=pl.lit(None, pl.Int64)).select(columns)
    parts = [
        live.with_columns(
            pl.when(pl.col("_relinks")).then(pl.col(LINK_DIGEST)).alias("link_digest")
        ).select(columns)
    ]
    if repeated is not None:
        touched = disturbed.unique().to_frame("household_id").with_columns(_disturbed=pl.lit(True))
        parts.append(
            repeated.join(touched, on="household_id", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("_disturbed").is_null())
                .then(pl.col(LINK_DIGEST))
                .alias("link_digest")
            )
            .select(columns)
        )
    return pl.concat(parts).sort(POS)


def _forget_link_digests(
    households: pl.Series, *, delivery_id: int, keep_this_delivery: bool
) -> None:
    """Null the link digests of the open arrears in these households (any creditor's).

    Their persons changed (details or BSN updated) or, for a
    ``mutatie``, the creditor's set of rows for them did: linking them again
    could give another answer. ``keep_this_delivery``: not the arrears this
    delivery wrote (a ``stand`` checked those against the new state).
    """
    ids = households.drop_nulls().unique().sort()
    if not len(ids):
        return
    where, params = bulk.id_list("household_id", ids)
    sql = f"UPDATE {ARREAR_TABLE} SET link_digest = NULL WHERE {where} AND link_digest IS NOT NULL"  # noqa: S608
    if keep_this_delivery:
        sql += " AND NOT (last_delivery_id = %s)"
        params.append(delivery_id)
    bulk.execute(sql, params)
