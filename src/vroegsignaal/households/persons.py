"""Linking rows to persons (:func:`_link_persons`): a stored person of the household, or a new one.

See :mod:`.matching` for when two records are one person. Stored persons are found by
their blind indexes; only the few that a delivered record resembles without being exactly
equal to are decrypted (:func:`_match_existing`). New persons get their ids at once; their
fields are encrypted in a child process while the arrears are written (:mod:`.background`),
and they are inserted last (:class:`_PendingInsert`). A person's contact details come from
all their rows of a delivery; an empty value does not erase a known one
(:func:`_update_person_details`).

The steps live in small modules: :mod:`.person_indexes` (blind indexes),
:mod:`.person_matching` (stored persons), :mod:`.new_persons` and :mod:`.person_details`
(contact details). This module links them together. Tests patch a name where
:func:`_link_persons` reads it: here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .frames import LINK_DIGEST, POS, _Clock
from .new_persons import _NOTHING_PENDING, _create_persons, _PendingInsert
from .person_details import _update_person_details
from .person_indexes import _person_features
from .person_matching import _existing_persons, _match_existing

__all__ = ["ARREAR_INPUT", "_link_persons", "_relinks"]


# What the arrear timeline needs of a linked row.
ARREAR_INPUT = (
    POS,
    "klantnummer",
    "contractnummer",
    "household_id",
    "person_id",
    "municipality_id",
    "bedrag_cents",
    "ontstaansdatum",
    "crisissignaal",
    "crisis_reden",
    "warme_overdracht",
    "aantal_termijnen",
    "signaal_id",
    LINK_DIGEST,
)


def _link_persons(
    live: pl.DataFrame, now: dt.datetime, clock: _Clock, repeated: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, int, int, _PendingInsert, pl.Series]:
    """Add ``person_id`` to every row: an existing person of the household, or a new one.

    New persons get their ids now; their rows are written by the returned
    pending insert, once their fields are encrypted (see ``background``).
    ``repeated`` rows keep their person; they count in the contact details of
    persons that linked rows match. Also returns, per row, ``_relinks`` (see
    :func:`_relinks`) and the households whose persons were updated now.
    """
    if live.is_empty():
        empty = live.with_columns(person_id=pl.lit(None, pl.Int64), _relinks=pl.lit(False)).select(
            *ARREAR_INPUT, "_relinks"
        )
        return empty, 0, 0, _NOTHING_PENDING, pl.Series("household_id", [], dtype=pl.Int64)
    live = _person_features(live)
    clock.lap("persons: blind indexes")
    existing = _existing_persons(live)
    clock.lap("persons: read")

    matched = _match_existing(live, existing)  # POS → person_id
    live = live.join(matched, on=POS, how="left", maintain_order="left")
    clock.lap("persons: match")

    live, created, pending, new_persons = _create_persons(live, now)
    clock.lap("persons: create")
    try:
        changed = _update_person_details(live, existing, now, repeated)
    except BaseException:
        pending.cancel()
        raise
    clock.lap("persons: update")
    live = live.join(
        _relinks(live, existing, new_persons, changed), on=POS, how="left", maintain_order="left"
    ).with_columns(pl.col("_relinks").fill_null(False))
    # (New persons do not disturb: their ids are higher than any stored person's, so
    # they never precede the person a row links to by its exact identity.)
    disturbed = changed.get_column("household_id")
    clock.lap("persons: relink check")
    return live.select(*ARREAR_INPUT, "_relinks"), created, changed.height, pending, disturbed


def _relinks(
    live: pl.DataFrame, existing: pl.DataFrame, new_persons: pl.DataFrame, changed: pl.DataFrame
) -> pl.DataFrame:
    """``POS, _relinks`` (absent: ``False``): whether linking the row again, against the persons of its
    household as this delivery leaves them, picks its person at the first step.

    That step (:func:`_match_existing`) takes the lowest-numbered person of the
    household with exactly the row's identity and no other BSN. Identities are
    compared as blind indexes in households of before (stored persons have
    nothing else) and as plain keys in households made now (all their persons
    are new). Rows matched by BSN or by similarity, and rows whose person another
    person with the same identity precedes, are ``False``: they are linked again.
    """
    token = pl.coalesce(
        pl.col("identity_index"), pl.concat_str(pl.lit("k:"), pl.col("_identity_key"))
    ).alias("_token")
    rows = live.select(POS, "household_id", "person_id", token, "bsn_index")
    stored = existing.join(
        changed.select("person_id", pl.col("bsn_index").alias("_bsn_now")),
        on="person_id",
        how="left",
    ).select(
        "person_id",
        "household_id",
        pl.col("identity_index").alias("_token"),
        pl.coalesce("_bsn_now", "bsn_index").alias("bsn_index"),
    )
    persons = pl.concat(
        [stored, new_persons.select("person_id", "household_id", "_token", "bsn_index")]
    ).rename({"person_id": "_candidate", "bsn_index": "_bsn_p"})
    first_step = (
        rows.join(persons, on=["household_id", "_token"], how="inner")
        .filter(
            pl.col("bsn_index").is_null()
            | pl.col("_bsn_p").is_null()
            | (pl.col("bsn_index") == pl.col("_bsn_p"))
        )
        .group_by(POS)
        .agg(pl.col("_candidate").min(), pl.col("person_id").first())
        .select(POS, (pl.col("_candidate") == pl.col("person_id")).alias("_relinks"))
    )
    return first_step  # (rows without any candidate are not in it)
