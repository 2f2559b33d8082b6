"""New persons: the rows no stored person matched are grouped into persons
(:func:`_create_persons`), which get their ids at once; their fields are encrypted in a
child process while the arrears are written (:mod:`.background`), and they are inserted
last (:class:`_PendingInsert`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from . import background, bulk, matching
from .frames import (
    BSN_CONTEXT,
    DETAILS_CONTEXT,
    IDENTITY_CONTEXT,
    NEW_PERSONS_SCHEMA,
    PERSON_TABLE,
    POS,
)
from .person_details import DETAIL_FIELDS

# What grouping rows into new persons needs of a row.
NEW_PERSON_INPUT = (
    POS,
    "person_id",
    "household_id",
    "_identity_key",
    "identity_index",
    "bsn_index",
    "birth_date_index",
    "surname_index",
    "_surname_norm",
    "_initials",
    "achternaam",
    "tussenvoegsel",
    "voorletters",
    "geboortedatum",
    *DETAIL_FIELDS,  # (bsn among them)
)


NEW_PERSON_LINKS_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "_token": pl.String,
    "bsn_index": pl.String,
}


def _create_persons(
    live: pl.DataFrame, now: dt.datetime
) -> tuple[pl.DataFrame, int, _PendingInsert, pl.DataFrame]:
    """Group the rows no stored person matched into new persons; their insert is returned pending.

    Also returns the new persons' ``person_id, household_id, _token, bsn_index``
    (``_token``: their identity as :func:`_relinks` compares it).
    """
    unmatched = (
        live.select(NEW_PERSON_INPUT).filter(pl.col("person_id").is_null()).drop("person_id")
    )
    if unmatched.is_empty():
        return live, 0, _NOTHING_PENDING, pl.DataFrame(schema=NEW_PERSON_LINKS_SCHEMA)
    # Rows with one identity in one household are one person; identities of one
    # household and birth date may still be one person (a typo): cluster those.
    # (Different BSNs split an identity: they are never one person.)
    unit_key = ["household_id", "_identity_key", "bsn"]
    units = (
        unmatched.group_by(unit_key)
        .agg(
            pl.col(POS).min().alias("_unit"),
            pl.col("birth_date_index").first(),
            pl.col("_surname_norm").first(),
            pl.col("_initials").first(),
        )
        .sort("_unit")
    )
    units = units.with_columns(pl.len().over("household_id", "birth_date_index").alias("_siblings"))
    lone = units.filter(pl.col("_siblings") == 1).select("_unit", pl.col("_unit").alias("_cluster"))
    crowded = units.filter(pl.col("_siblings") > 1)
    clustered = [lone]
    if crowded.height:
        assignments: list[tuple[int, int]] = []
        groups: dict[tuple, list[tuple[int, matching.Identity]]] = {}
        for household_id, birth, unit, surname, initials, bsn in (
            crowded.sort("_unit")
            .select(
                "household_id", "birth_date_index", "_unit", "_surname_norm", "_initials", "bsn"
            )
            .iter_rows()
        ):
            groups.setdefault((household_id, birth), []).append(
                (unit, matching.Identity(surname, initials, bsn))
            )
        for members in groups.values():
            leaders = matching.cluster([identity for _, identity in members])
            assignments.extend(
                (members[i][0], members[leader][0]) for i, leader in enumerate(leaders)
            )
        clustered.append(
            pl.DataFrame(
                assignments, schema={"_unit": pl.Int64, "_cluster": pl.Int64}, orient="row"
            )
        )
    unit_cluster = pl.concat(clustered)

    unmatched = unmatched.join(
        units.select(*unit_key, "_unit"), on=unit_key, how="left", nulls_equal=True
    ).join(unit_cluster, on="_unit", how="left")
    # One new person per cluster: identity from its first row, contact details
    # from the first row (in key order) that has them.
    first = pl.col
    persons = (
        unmatched.sort(POS)
        .group_by("_cluster", maintain_order=True)
        .agg(
            first("household_id").first(),
            first("achternaam").first(),
            first("tussenvoegsel").first(),
            first("voorletters").first(),
            first("geboortedatum").first(),
            first("birth_date_index").first(),
            first("surname_index").first(),
            first("_identity_key").first(),
            first("identity_index").first(),
            *[first(f).drop_nulls().first() for f in DETAIL_FIELDS],
            first("bsn_index").drop_nulls().first(),
        )
        .sort("_cluster")
    )
    unmatched = unmatched.select(POS, "_cluster")  # all the mapping below needs
    del units, unit_cluster
    persons = persons.with_columns(
        bulk.reserve_ids(PERSON_TABLE, persons.height).alias("person_id"),
        pl.concat_str([pl.col(f).fill_null("") for f in DETAIL_FIELDS], separator="\x1f").alias(
            "_details_key"
        ),
    )
    # The ciphertext is computed on the other core while the caller writes the arrears.
    job = background.start(
        {
            "surname": background.Encrypt(persons.get_column("achternaam")),
            "tussenvoegsel": background.Encrypt(persons.get_column("tussenvoegsel")),
            "initials": background.Encrypt(persons.get_column("voorletters")),
            "first_names": background.Encrypt(persons.get_column("voornamen")),
            "birth_date": background.Encrypt(
                persons.get_column("geboortedatum").dt.strftime("%Y-%m-%d")
            ),
            "gender": background.Encrypt(persons.get_column("geslacht")),
            "phone": background.Encrypt(persons.get_column("telefoonnummer")),
            "email": background.Encrypt(persons.get_column("email")),
            "bsn": background.Encrypt(persons.get_column("bsn")),
            "identity_index": background.BlindIndex(
                persons.get_column("_identity_key"), IDENTITY_CONTEXT
            ),
            "bsn_index": background.BlindIndex(persons.get_column("bsn"), BSN_CONTEXT),
            "details_digest": background.BlindIndex(
                persons.get_column("_details_key"), DETAILS_CONTEXT
            ),
        }
    )
    stamp = bulk.db_datetime(now)
    plain = persons.select(
        pl.col("person_id").alias("id"), "household_id", "birth_date_index", "surname_index"
    )

    def insert(lap: Callable[[str], None]) -> None:
        slices = job.slices()
        while True:
            ready = next(slices, None)
            lap("persons: wait for encryption")  # for the child's slice, and reading it back
            if ready is None:
                return
            start, tokens = ready
            bulk.insert_frame(
                PERSON_TABLE,
                plain.slice(start, job.slice_rows).with_columns(**tokens),
                constants={"created_at": stamp, "updated_at": stamp},
            )
            lap("persons: insert")

    mapping = unmatched.join(
        persons.select("_cluster", "person_id"), on="_cluster", how="left"
    ).select(POS, pl.col("person_id").alias("_new_person"))
    live = (
        live.join(mapping, on=POS, how="left", maintain_order="left")
        .with_columns(pl.coalesce("person_id", "_new_person").alias("person_id"))
        .drop("_new_person")
    )
    born = persons.select("household_id", pl.col("geboortedatum").alias("birth_date"))
    links = persons.select(
        "person_id",
        "household_id",
        pl.coalesce(
            pl.col("identity_index"), pl.concat_str(pl.lit("k:"), pl.col("_identity_key"))
        ).alias("_token"),
        "bsn_index",
    )
    pending_insert = _PendingInsert(insert, job.cancel, born.cast(NEW_PERSONS_SCHEMA))
    return live, persons.height, pending_insert, links.cast(NEW_PERSON_LINKS_SCHEMA)


@dataclass
class _PendingInsert:
    """Rows to insert once their ciphertext is ready; ``cancel`` if the apply fails first."""

    run: Callable[[Callable[[str], None]], None]  # given the clock's lap
    cancel: Callable[[], None]
    # household_id, birth_date of the persons to insert
    persons: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NEW_PERSONS_SCHEMA))


_NOTHING_PENDING = _PendingInsert(lambda lap: None, lambda: None)
