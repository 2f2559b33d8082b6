"""The blind indexes of delivered persons, computed once per distinct value: what linking
rows to stored persons compares (:func:`_person_features`), and the helper that adds one
index column to a frame (:func:`_with_blind_index`). Nothing is decrypted.
"""

from __future__ import annotations

import polars as pl

from vroegsignaal.privacy.services import blind_index_many

from . import matching
from .frames import BIRTH_DATE_CONTEXT, BSN_CONTEXT, IDENTITY_CONTEXT, SURNAME_CONTEXT


def _with_blind_index(frame: pl.DataFrame, source: str, target: str, context: str) -> pl.DataFrame:
    """Add ``target`` = blind index of ``source``, hashing each distinct value once."""
    values = frame.get_column(source).drop_nulls().unique()
    mapping = pl.DataFrame(
        {
            source: values,
            target: pl.Series(blind_index_many(values.to_list(), context=context), dtype=pl.String),
        }
    )
    return frame.join(mapping, on=source, how="left", maintain_order="left")


def _person_features(live: pl.DataFrame) -> pl.DataFrame:
    c = pl.col
    live = live.with_columns(
        c("geboortedatum").dt.strftime("%Y-%m-%d").alias("_birth_iso"),
        matching.normalise_surname_expr(c("achternaam")).alias("_surname_norm"),
        matching.initials_letters_expr(c("voorletters"), c("voornamen")).alias("_initials"),
        # Intake derives voorletters from voornamen when absent; do it here too for other callers.
        pl.coalesce(
            c("voorletters"),
            matching.initials_letters_expr(pl.lit(None, pl.String), c("voornamen")).str.replace_all(
                "(.)", "${1}."
            ),
        ).alias("voorletters"),
    )
    live = live.with_columns(
        pl.concat_str(c("_birth_iso"), c("_surname_norm"), c("_initials"), separator="|").alias(
            "_identity_key"
        ),
    )
    live = _with_blind_index(live, "_birth_iso", "birth_date_index", BIRTH_DATE_CONTEXT)
    live = _with_blind_index(live, "_surname_norm", "surname_index", SURNAME_CONTEXT)
    live = _with_blind_index(live, "bsn", "bsn_index", BSN_CONTEXT)
    # The identity index is needed now only to recognise stored persons, so only in
    # households that existed before this delivery; new persons get theirs with
    # their ciphertext, in the background.
    known = live.filter(~c("_new_household")).select("_identity_key")
    identities = _with_blind_index(
        known.unique(), "_identity_key", "identity_index", IDENTITY_CONTEXT
    )
    live = live.join(identities, on="_identity_key", how="left", maintain_order="left")
    return live.drop("_birth_iso")
