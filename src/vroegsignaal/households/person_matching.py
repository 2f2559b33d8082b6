"""Finding the stored persons a delivery's rows are (:func:`_match_existing`): the persons of
the rows' households are read by their blind indexes (:func:`_existing_persons`); only those
a row resembles without being exactly equal to are decrypted (:func:`_stored_identities`).
See :mod:`.matching` for when two records are one person.
"""

from __future__ import annotations

import polars as pl
from django.db import connection

from vroegsignaal.privacy.services import decrypt_many

from . import bulk, frames, matching
from .frames import HOUSEHOLD_TABLE, PERSON_TABLE, POS

PERSON_EXISTING_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "birth_date_index": pl.String,
    "identity_index": pl.String,
    "bsn_index": pl.String,
    "details_digest": pl.String,
}


def _existing_persons(live: pl.DataFrame) -> pl.DataFrame:
    """The stored persons of the rows' households (households made just now have none)."""
    households = live.filter(~pl.col("_new_household")).select(pl.col("household_id").unique())
    if not households.height:
        return pl.DataFrame(schema=PERSON_EXISTING_SCHEMA)
    columns = "id, household_id, birth_date_index, identity_index, bsn_index, details_digest"
    if not bulk.is_postgresql() and households.height >= frames.FULL_SCAN_FROM:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {HOUSEHOLD_TABLE}")  # noqa: S608
            total = cursor.fetchone()[0]
        if households.height * frames.FULL_SCAN_SHARE >= total:
            # Most households: one pass over the table beats a lookup per household
            # (SQLite would fetch each person's row from a random page).
            everyone = bulk.read_frame(
                f"SELECT {columns} FROM {PERSON_TABLE}",  # noqa: S608
                [],
                PERSON_EXISTING_SCHEMA,
            )
            return everyone.join(households, on="household_id", how="semi")
    stage = bulk.stage("households_stage_household", households)
    existing = bulk.read_frame(
        f"SELECT p.id, p.household_id, p.birth_date_index, p.identity_index, p.bsn_index, p.details_digest "  # noqa: S608
        f"FROM {stage} s CROSS JOIN {PERSON_TABLE} p WHERE p.household_id = s.household_id",
        [],
        PERSON_EXISTING_SCHEMA,
    )
    bulk.drop("households_stage_household")
    return existing


def _match_existing(live: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """``POS, person_id`` for the rows that are a person already stored."""
    schema = {POS: pl.Int64, "person_id": pl.Int64}
    if existing.is_empty():
        return pl.DataFrame(schema=schema)
    rows = live.select(
        POS,
        "household_id",
        "birth_date_index",
        "identity_index",
        "bsn_index",
        "_surname_norm",
        "_initials",
    )
    no_bsn_conflict = (
        pl.col("bsn_index").is_null()
        | pl.col("bsn_index_p").is_null()
        | (pl.col("bsn_index") == pl.col("bsn_index_p"))
    )
    persons = existing.select(
        "person_id",
        "household_id",
        "birth_date_index",
        "identity_index",
        pl.col("bsn_index").alias("bsn_index_p"),
    )

    # 1. Exactly the identity (birth date, surname, initials) of a stored person.
    exact = (
        rows.join(
            persons.drop("birth_date_index"), on=["household_id", "identity_index"], how="inner"
        )
        .filter(no_bsn_conflict)
        .group_by(POS)
        .agg(pl.col("person_id").min())
    )
    rest = rows.join(exact, on=POS, how="anti")

    # 2. The same BSN in the same household.
    by_bsn = (
        rest.filter(pl.col("bsn_index").is_not_null())
        .join(
            persons.filter(pl.col("bsn_index_p").is_not_null()).select(
                "household_id", "person_id", "bsn_index_p"
            ),
            left_on=["household_id", "bsn_index"],
            right_on=["household_id", "bsn_index_p"],
            how="inner",
        )
        .group_by(POS)
        .agg(pl.col("person_id").min())
    )
    rest = rest.join(by_bsn, on=POS, how="anti")

    # 3. Same household and birth date, surname and initials alike: decrypt just those persons.
    pairs = rest.join(
        persons.drop("identity_index"), on=["household_id", "birth_date_index"], how="inner"
    ).filter(no_bsn_conflict)
    fuzzy = pl.DataFrame(schema=schema)
    if pairs.height:
        stored = _stored_identities(pairs.get_column("person_id").unique().to_list())
        units = pairs.unique(["identity_index", "bsn_index", "person_id", "household_id"]).sort(
            "person_id"
        )
        decisions: dict[tuple, tuple[float, int]] = {}
        for identity_index, bsn_index, surname, initials, person_id, household_id in units.select(
            "identity_index", "bsn_index", "_surname_norm", "_initials", "person_id", "household_id"
        ).iter_rows():
            score = matching.match_score(
                matching.Identity(surname, initials, bsn_index), stored[person_id]
            )
            unit = (household_id, identity_index, bsn_index)
            if score is not None and (unit not in decisions or score > decisions[unit][0]):
                decisions[unit] = (score, person_id)
        if decisions:
            chosen = pl.DataFrame(
                [(*unit, person_id) for unit, (_, person_id) in decisions.items()],
                schema={
                    "household_id": pl.Int64,
                    "identity_index": pl.String,
                    "bsn_index": pl.String,
                    "person_id": pl.Int64,
                },
                orient="row",
            )
            fuzzy = rest.join(
                chosen,
                on=["household_id", "identity_index", "bsn_index"],
                how="inner",
                nulls_equal=True,
            ).select(POS, "person_id")
    return pl.concat([exact, by_bsn, fuzzy]).cast(schema)  # type: ignore[arg-type]


def _stored_identities(person_ids: list[int]) -> dict[int, matching.Identity]:
    """Decrypt surname and initials of these persons only, for fuzzy comparison."""
    where, params = bulk.id_list("id", person_ids)
    frame = bulk.read_frame(
        f"SELECT id, surname, initials, bsn_index FROM {PERSON_TABLE} WHERE {where}",  # noqa: S608
        params,
        {"id": pl.Int64, "surname": pl.String, "initials": pl.String, "bsn_index": pl.String},
    )
    surnames = decrypt_many(frame.get_column("surname").to_list())
    initials = decrypt_many(frame.get_column("initials").to_list())
    return {
        pid: matching.Identity(
            matching.normalise_surname(surname), matching.initials_letters(letters), bsn_index
        )
        for pid, surname, letters, bsn_index in zip(
            frame.get_column("id").to_list(),
            surnames,
            initials,
            frame.get_column("bsn_index").to_list(),
            strict=True,
        )
    }
