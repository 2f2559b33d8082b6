"""Linking rows to persons (:func:`_link_persons`): a stored person of the household, or a new one.

See :mod:`.matching` for when two records are one person. Stored persons are found by
their blind indexes; only the few that a delivered record resembles without being exactly
equal to are decrypted (:func:`_match_existing`). New persons get their ids at once; their
fields are encrypted in a child process while the arrears are written (:mod:`.background`),
and they are inserted last (:class:`_PendingInsert`). A person's contact details come from
all their rows of a delivery; an empty value does not erase a known one
(:func:`_update_person_details`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.db import connection

from vroegsignaal.privacy.services import blind_index_many, decrypt_many, encrypt_many

from . import background, bulk, frames, matching
from .frames import (
    BIRTH_DATE_CONTEXT,
    BSN_CONTEXT,
    DETAILS_CONTEXT,
    HOUSEHOLD_TABLE,
    IDENTITY_CONTEXT,
    LINK_DIGEST,
    NEW_PERSONS_SCHEMA,
    PERSON_TABLE,
    POS,
    SURNAME_CONTEXT,
    _Clock,
)

DETAIL_FIELDS = ("voornamen", "geslacht", "telefoonnummer", "email", "bsn")
PERSON_EXISTING_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "birth_date_index": pl.String,
    "identity_index": pl.String,
    "bsn_index": pl.String,
    "details_digest": pl.String,
}


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

    def insert() -> None:
        for start, tokens in job.slices():
            bulk.insert_frame(
                PERSON_TABLE,
                plain.slice(start, job.slice_rows).with_columns(**tokens),
                constants={"created_at": stamp, "updated_at": stamp},
            )

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

    run: Callable[[], None]
    cancel: Callable[[], None]
    # household_id, birth_date of the persons to insert
    persons: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NEW_PERSONS_SCHEMA))


_NOTHING_PENDING = _PendingInsert(lambda: None, lambda: None)


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
