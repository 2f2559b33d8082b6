"""What a new blind-index key needs of the households app (``privacy.reindex`` calls these,
through :mod:`.services`).

The persons' blind indexes are made again by the very functions that make them for a
delivery (:mod:`.person_indexes`, :mod:`.person_details`), the arrears' link digests are
forgotten (their key is derived from the blind-index key), and no delivery is applied
meanwhile.
"""

from __future__ import annotations

import polars as pl

from . import bulk
from .frames import PERSON_TABLE, _lock
from .models import Arrear
from .person_details import DETAIL_FIELDS, _with_details
from .person_indexes import _person_features

# What a stored person's blind indexes are made of, named as in a delivered row; null
# where the person's field is empty.
PERSON_INDEX_INPUT: dict[str, pl.DataType] = {
    "achternaam": pl.String(),
    "voorletters": pl.String(),
    "voornamen": pl.String(),
    "geboortedatum": pl.Date(),
    "geslacht": pl.String(),
    "telefoonnummer": pl.String(),
    "email": pl.String(),
    "bsn": pl.String(),
}
PERSON_INDEXES = (
    "birth_date_index",
    "surname_index",
    "identity_index",
    "bsn_index",
    "details_digest",
)


def person_indexes(persons: pl.DataFrame) -> pl.DataFrame:
    """The :data:`PERSON_INDEXES` of stored persons, row for row, under the blind-index key in
    use, made by the functions that make them for a delivery
    (:func:`.person_indexes._person_features`, :func:`.person_details._with_details`).

    ``persons`` has the columns of :data:`PERSON_INDEX_INPUT`: each person's stored surname,
    initials, first names, birth date and contact details. A person keeps the surname,
    initials and birth date of the row that made them, so the first four are the indexes
    intake stored. ``details_digest`` is of the contact details as stored; the stored digest
    is of those last delivered, which are the stored ones with the fields emptied that the
    delivery left empty (an empty value does not erase a known one:
    :func:`.person_details._update_person_details`).
    """
    live = persons.select(list(PERSON_INDEX_INPUT)).cast(PERSON_INDEX_INPUT)
    live = _person_features(live.with_columns(_new_household=pl.lit(False)))
    return _with_details(live).select(PERSON_INDEXES)


def store_person_indexes(indexes: pl.DataFrame) -> None:
    """Write the :data:`PERSON_INDEXES` of persons (``id`` and those columns): one ``UPDATE``
    from a staging table."""
    stage = bulk.stage("households_stage_indexes", indexes.select("id", *PERSON_INDEXES))
    sets = ", ".join(f"{c} = s.{c}" for c in PERSON_INDEXES)
    bulk.execute(
        f"UPDATE {PERSON_TABLE} SET {sets} FROM {stage} s WHERE {PERSON_TABLE}.id = s.id"  # noqa: S608
    )
    bulk.drop("households_stage_indexes")


def details_digests(details: pl.DataFrame) -> pl.Series:
    """The ``details_digest`` of contact details (the :data:`DETAIL_FIELDS`, null or ``''`` where
    empty), row for row, under the blind-index key in use, as
    :func:`.person_details._with_details` makes it."""
    frame = details.select(DETAIL_FIELDS).with_columns(bsn_index=pl.lit(None, pl.String))
    return _with_details(frame).get_column("details_digest")


def forget_link_digests(*, dry_run: bool = False) -> int:
    """Null every arrear's link digest; returns how many there were (``dry_run``: only counts).

    For a new blind-index key: the digests' key is derived from it, and a digest can only be
    made from a delivered row. A row of the next ``stand`` whose arrear has no digest is linked
    like any other ("Repeated rows" in :mod:`.digests`) and stores a digest under the new key again.
    """
    stored = Arrear._base_manager.filter(link_digest__isnull=False)
    return stored.count() if dry_run else stored.update(link_digest=None)


def lock_out_applies() -> None:
    """Until the caller's transaction ends, no delivery is applied: on PostgreSQL the advisory
    lock :func:`.services.apply_rows` takes (it waits for an apply that holds it); SQLite has one writer."""
    _lock()
