"""A stored person's contact details (:data:`DETAIL_FIELDS`): they come from all the person's
rows of a delivery, and an empty value does not erase a known one
(:func:`_update_person_details`); whether they changed is told by a keyed digest
(:func:`_with_details`), so nothing is decrypted to compare them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from vroegsignaal.privacy.services import encrypt_many

from . import bulk
from .frames import BSN_CONTEXT, DETAILS_CONTEXT, PERSON_TABLE, POS
from .person_indexes import _with_blind_index

DETAIL_FIELDS = ("voornamen", "geslacht", "telefoonnummer", "email", "bsn")


def _with_details(persons: pl.DataFrame) -> pl.DataFrame:
    """Add ``details_digest`` (keyed hash of the contact fields) and ``bsn_index`` (unless
    there: the blind index of ``bsn``)."""
    persons = persons.with_columns(
        pl.concat_str([pl.col(f).fill_null("") for f in DETAIL_FIELDS], separator="\x1f").alias(
            "_details_key"
        )
    )
    persons = _with_blind_index(persons, "_details_key", "details_digest", DETAILS_CONTEXT)
    if "bsn_index" not in persons.columns:
        persons = _with_blind_index(persons, "bsn", "bsn_index", BSN_CONTEXT)
    return persons.drop("_details_key")


CHANGED_PERSONS_SCHEMA = {"person_id": pl.Int64, "household_id": pl.Int64, "bsn_index": pl.String}


def _update_person_details(
    live: pl.DataFrame,
    existing: pl.DataFrame,
    now: dt.datetime,
    repeated: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Write the delivered contact details of matched persons whose details changed.

    A person's details come from all their rows in the delivery (the first value
    in key order), so ``repeated`` rows of these persons count as well. Returns
    the persons updated: ``person_id, household_id, bsn_index`` (the delivered one).
    """
    if existing.is_empty():
        return pl.DataFrame(schema=CHANGED_PERSONS_SCHEMA)
    known = existing.select(
        "person_id", "household_id", pl.col("details_digest").alias("_stored_digest")
    )
    rows = live.select(POS, "person_id", *DETAIL_FIELDS, "bsn_index")
    if repeated is not None:
        theirs = repeated.join(known, on="person_id", how="semi").select(
            POS, "person_id", *DETAIL_FIELDS
        )
        if theirs.height:
            rows = pl.concat([rows, _with_blind_index(theirs, "bsn", "bsn_index", BSN_CONTEXT)])
    delivered = (
        rows.join(known, on="person_id", how="inner")
        .sort(POS)
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("household_id").first(),
            pl.col("_stored_digest").first(),
            *[pl.col(f).drop_nulls().first() for f in DETAIL_FIELDS],
            # the rows' own blind index of that bsn (null exactly where bsn is)
            pl.col("bsn_index").drop_nulls().first(),
        )
    )
    delivered = _with_details(delivered)
    changed = delivered.filter(pl.col("details_digest") != pl.col("_stored_digest")).sort(
        "person_id"
    )
    if changed.is_empty():
        return pl.DataFrame(schema=CHANGED_PERSONS_SCHEMA)

    def token_or_null(name: str) -> pl.Series:
        values = changed.get_column(name)
        return _encrypt(values).zip_with(
            values.is_not_null() & (values != ""), pl.Series([None] * len(values), dtype=pl.String)
        )

    stage_frame = pl.DataFrame(
        {
            "id": changed.get_column("person_id"),
            "first_names": token_or_null("voornamen"),
            "gender": token_or_null("geslacht"),
            "phone": token_or_null("telefoonnummer"),
            "email": token_or_null("email"),
            "bsn": token_or_null("bsn"),
            "bsn_index": changed.get_column("bsn_index"),
            "details_digest": changed.get_column("details_digest"),
        }
    )
    stage = bulk.stage("households_stage_person", stage_frame)
    sets = ", ".join(
        f"{c} = COALESCE(s.{c}, {PERSON_TABLE}.{c})"
        for c in ("first_names", "gender", "phone", "email", "bsn", "bsn_index")
    )
    bulk.execute(
        f"UPDATE {PERSON_TABLE} SET {sets}, details_digest = s.details_digest, updated_at = %s "  # noqa: S608
        f"FROM {stage} s WHERE {PERSON_TABLE}.id = s.id",
        [bulk.db_datetime(now)],
    )
    bulk.drop("households_stage_person")
    return changed.select(*CHANGED_PERSONS_SCHEMA).cast(CHANGED_PERSONS_SCHEMA)


def _encrypt(values: pl.Series) -> pl.Series:
    """Encrypt each non-empty value; empty and null become ``''`` (as EncryptedTextField stores them)."""
    filled = values.fill_null("")
    present = filled != ""
    positions = present.arg_true()
    out = pl.Series(values.name, [""] * len(values), dtype=pl.String)
    if len(positions):
        tokens = encrypt_many(filled.filter(present).to_list())
        out.scatter(positions, pl.Series(tokens, dtype=pl.String))
    return out
