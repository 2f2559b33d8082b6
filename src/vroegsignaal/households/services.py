"""The households app's public face: applying a delivery's routed rows.

:func:`apply_rows` links each row to its :class:`~.models.Household` and to a
:class:`~.models.Person` in it (see :mod:`.matching` for when two records are
one person), and brings the creditor's :class:`~.models.Arrear` timeline up to
date. It is set-based: the state it needs is read once into Polars frames, the
diff is computed there, and the result is written in bulk (:mod:`.bulk`). It
never decrypts a stored person except the few that a delivered record resembles
without being exactly equal to. The fields of new persons are encrypted in a
child process while the arrears are written (:mod:`.background`).

Households: one per register address (created when first needed); a row that
intake could route by postcode only gets a household keyed by its delivered
address, which the register address adopts once a later delivery routes it
exactly. A household whose address moved to another municipality (a
herindeling: the routed rows say so) moves there with its arrears.

Timeline rules (key: creditor, klantnummer, contractnummer):

* a key without an open arrear opens one (event ``opened``; ``reopened`` with
  ``previous`` set when the key had an arrear before, which stays closed);
* an open arrear whose amount, start date, crisis flag or crisis reason
  changed is updated (event ``changed``). Other details (person, number of
  instalments, warm transfer, the creditor's signal id) are updated quietly;
* an open arrear delivered at another household (the customer moved) is
  closed as ``moved`` (event ``moved``) and continued by a new arrear at the
  new household (event ``reopened``); it counts as changed;
* a ``stand`` clears every open arrear of the creditor that it lacks, except
  those whose rows intake rejected (``rejected_keys``): a row that could not
  be read is not evidence that the arrear was paid;
* a ``mutatie`` clears the rows with status ``afgemeld``; ``nieuw`` and
  ``gewijzigd`` rows are both handled as "this is the arrear now";
* every open arrear in the delivery gets ``last_seen_on`` and ``last_delivery``;
  a ``mutatie`` delivers changes only, so the creditor's other open arrears (in
  the municipalities it speaks for: ``municipality_ids``) are still there on
  its peildatum and get ``last_seen_on`` too (one ``UPDATE``; never backwards).

Repeated rows (a monthly ``stand`` repeats most of the previous one): every
arrear stores ``link_digest``, a keyed digest (:func:`_link_digests`) of all
that linking reads in its row — the routed address and municipality, the
identity, the contact details. In a ``stand`` (``LINK_SHORTCUT``), a row whose
open arrear has the same digest keeps that arrear's household and person: it
is not linked, blind-indexed, compared with stored persons, nor used to update
contact details (:func:`_repeated_rows`). That gives the same outcome as
linking it because linking a row depends only on the row and on the persons of
its household (never on the other rows of the delivery), and a digest is kept
only while those cannot have changed:

* it is written only when linking the row again, against the persons as the
  delivery leaves them, picks the same person at the first step: the
  lowest-numbered person of the household with exactly the row's identity and
  no other BSN (:func:`_relinks`); rows matched by BSN or by similarity, or
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
  :func:`forget_link_digests`).

Retention deletes persons only when they have no arrears, and households only
when empty, so an open arrear's person and household exist (the check above
covers a violation); deleting another person of the household never changes
which person is first with an identity. Nothing merges persons: an operation
that did would have to null the digests of the households involved.

Speed (a first ``stand`` of a million rows): on SQLite the apply runs with a
larger page cache (``bulk.bulk_cache``, set by intake) and a load into empty
tables builds their non-unique indexes afterwards (``bulk.deferred_indexes``);
the persons are inserted last, once a child process has encrypted their fields,
and the caller's ``while_persons_encrypt`` (intake: signal evaluation) runs
meanwhile.

Concurrency: on PostgreSQL the whole apply runs under one transaction-level
advisory lock, so two deliveries never create the same household or person
twice; on SQLite the database write lock does the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from vroegsignaal.privacy.services import (
    blind_index,
    blind_index_many,
    decrypt_many,
    encrypt_many,
    require_blind_index_key,
)

from . import background, bulk, matching
from .models import (
    ANONYMOUS_PREFIX,
    Arrear,
    ArrearEvent,
    ArrearEventKind,
    ArrearStatus,
    Household,
    Person,
)

__all__ = [
    "INPUT_SCHEMA",
    "ApplyCounts",
    "apply_rows",
    "count_cleared_by_stand",
    "open_arrear_count",
]

Kind = Literal["stand", "mutatie"]
STAND, MUTATIE = "stand", "mutatie"
AFGEMELD = "afgemeld"

# (SQL below joins staging tables as "FROM stage CROSS JOIN table WHERE …": SQLite then
# loops over the small staging table and searches the big one by index; PostgreSQL
# reads CROSS JOIN + WHERE as an ordinary join and plans it freely.)

# Blind-index contexts (privacy.crypto): changing one invalidates every stored index.
BIRTH_DATE_CONTEXT = "birth_date"
SURNAME_CONTEXT = "surname"
BSN_CONTEXT = "bsn"
IDENTITY_CONTEXT = "person.identity"
DETAILS_CONTEXT = "person.details"
# The key of the arrears' link digests is derived from the blind-index key under this context.
LINK_CONTEXT = "arrear.link"

# Repeated rows of a ``stand`` keep their arrear's person and household without linking
# (see "Repeated rows" in the module docstring). Not a setting: the tests switch it off
# to prove that the outcome is the same without it. Digests are written either way.
LINK_SHORTCUT = True

# One advisory lock (PostgreSQL) for every apply; the number is arbitrary but fixed.
APPLY_LOCK = 0x56534849  # "VSHI"

# The routed rows intake hands over (intake.normalise.OUTPUT_SCHEMA plus routing).
INPUT_SCHEMA: dict[str, pl.DataType] = {
    "klantnummer": pl.String(),
    "contractnummer": pl.String(),
    "voorletters": pl.String(),
    "voornamen": pl.String(),
    "tussenvoegsel": pl.String(),
    "achternaam": pl.String(),
    "geboortedatum": pl.Date(),
    "geslacht": pl.String(),
    "huisnummer": pl.Int64(),
    "huisletter": pl.String(),
    "huisnummertoevoeging": pl.String(),
    "postcode": pl.String(),
    "bedrag_cents": pl.Int64(),
    "ontstaansdatum": pl.Date(),
    "aantal_termijnen": pl.Int64(),
    "crisissignaal": pl.Boolean(),
    "crisis_reden": pl.String(),
    "warme_overdracht": pl.Boolean(),
    "telefoonnummer": pl.String(),
    "email": pl.String(),
    "bsn": pl.String(),
    "signaal_id": pl.String(),
    "status": pl.String(),
    "address_id": pl.Int64(),
    "municipality_id": pl.Int64(),
}
REQUIRED_COLUMNS = (
    "klantnummer",
    "achternaam",
    "geboortedatum",
    "bedrag_cents",
    "ontstaansdatum",
    "municipality_id",
)
KEY = ("klantnummer", "contractnummer")
POS = "_pos"  # a row's place in key order: makes every choice independent of row order

HOUSEHOLD_TABLE = Household._meta.db_table
PERSON_TABLE = Person._meta.db_table
ARREAR_TABLE = Arrear._meta.db_table
EVENT_TABLE = ArrearEvent._meta.db_table


NEW_PERSONS_SCHEMA = {"household_id": pl.Int64, "birth_date": pl.Date}


@dataclass(frozen=True)
class ApplyCounts:
    """What :func:`apply_rows` did. ``new + changed + unchanged`` are the live rows;
    ``cleared`` are arrears closed; ``ignored`` are ``afgemeld`` rows without an open arrear."""

    new: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0
    ignored: int = 0
    households_created: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    # Households whose arrears this delivery opened, changed, moved or cleared (for
    # moves: both households): what signal evaluation has to look at again.
    touched_household_ids: pl.Series = field(
        default_factory=lambda: pl.Series("household_id", [], dtype=pl.Int64),
        compare=False,
        repr=False,
    )
    # Municipalities in which the creditor has open arrears after this delivery (or had
    # arrears it touched): each needs an evaluation on the peildatum even when none of
    # its households was touched, so that its signals are signalled on it.
    municipality_ids: tuple[int, ...] = field(default=(), compare=False)
    # Persons created by this delivery (household_id, birth_date): with
    # ``while_persons_encrypt`` they are not in the database yet.
    new_persons: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=NEW_PERSONS_SCHEMA),
        compare=False,
        repr=False,
    )
    # Seconds per step, for benchmarks and the delivery report's "where the time went".
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    cpu_timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)


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


# ---------------------------------------------------------------------------
# Reads for intake's safety check
# ---------------------------------------------------------------------------


def open_arrear_count(creditor) -> int:
    """How many arrears of ``creditor`` are open."""
    return Arrear.objects.filter(creditor_id=_id(creditor), status=ArrearStatus.OPEN).count()


def count_cleared_by_stand(
    creditor, rows: pl.DataFrame, *, rejected_keys: pl.DataFrame | None = None
) -> int:
    """How many open arrears of ``creditor`` a ``stand`` with ``rows`` would clear. Changes nothing.

    ``rows`` needs ``klantnummer`` and ``contractnummer`` (null = ``''``);
    ``rejected_keys`` the same columns for the delivery's rejected rows.
    """
    open_keys = _open_keys(_id(creditor))
    present = _keys(rows)
    if rejected_keys is not None:
        present = pl.concat([present, _keys(rejected_keys)])
    return open_keys.join(present, on=list(KEY), how="anti").height


def _keys(rows: pl.DataFrame) -> pl.DataFrame:
    contract = (
        pl.col("contractnummer") if "contractnummer" in rows.columns else pl.lit(None, pl.String)
    )
    return rows.select(
        pl.col("klantnummer").cast(pl.String),
        contract.cast(pl.String).fill_null("").alias("contractnummer"),
    ).unique()


def _open_keys(creditor_id: int) -> pl.DataFrame:
    return bulk.read_frame(
        f"SELECT klantnummer, contractnummer FROM {ARREAR_TABLE} WHERE creditor_id = %s AND status = %s",  # noqa: S608
        [creditor_id, ArrearStatus.OPEN.value],
        {"klantnummer": pl.String, "contractnummer": pl.String},
    )


# ---------------------------------------------------------------------------
# apply_rows
# ---------------------------------------------------------------------------


def apply_rows(
    delivery,
    rows: pl.DataFrame,
    *,
    kind: Kind,
    creditor,
    reference_date: dt.date,
    rejected_keys: pl.DataFrame | None = None,
    municipality_ids: Iterable[int] | None = None,
    while_persons_encrypt: Callable[[ApplyCounts], object] | None = None,
) -> ApplyCounts:
    """Apply a delivery's accepted, routed rows; see the module docstring for the rules.

    ``delivery`` and ``creditor`` are instances or ids. ``rows`` has the
    columns of :data:`INPUT_SCHEMA` (missing optional ones count as empty);
    (klantnummer, contractnummer) must be unique. ``municipality_ids`` are the
    municipalities the delivery speaks for (intake: the creditor's covenants
    active on the peildatum; ``None``: all): a ``mutatie`` marks the creditor's
    untouched open arrears there as seen on its peildatum. Runs in a transaction of its
    own (a savepoint inside the caller's); on any error nothing is changed.

    ``while_persons_encrypt(counts)`` runs inside that transaction once the
    households and arrears are written, while the new persons' fields are still
    being encrypted on the other core, and before those persons are inserted:
    intake evaluates the signals then. ``counts.new_persons`` gives their
    ``household_id`` and ``birth_date`` (what evaluation reads of persons).
    """
    if kind not in (STAND, MUTATIE):
        raise ValueError(f"kind must be 'stand' or 'mutatie', not {kind!r}")
    clock = _Clock()
    frame = _prepare(rows, kind)
    delivery_id, creditor_id = _id(delivery), _id(creditor)
    now = timezone.now()
    height = frame.height
    with (
        transaction.atomic(),
        # Persons are written last (their ciphertext is computed meanwhile); the other
        # tables get their indexes back before ``while_persons_encrypt`` reads them.
        bulk.deferred_indexes(PERSON_TABLE, rows=height),
    ):
        with bulk.deferred_indexes(HOUSEHOLD_TABLE, ARREAR_TABLE, EVENT_TABLE, rows=height):
            _lock()
            # Persons are found by their blind indexes: with another key than the stored
            # indexes' every person of the delivery would be made again.
            require_blind_index_key()
            if kind == MUTATIE:
                closing = frame.filter(pl.col("status") == AFGEMELD)
                live = frame.filter(pl.col("status") != AFGEMELD)
            else:
                closing, live = frame.clear(), frame
            del frame
            clock.lap("prepare")
            state = _read_open_arrears(creditor_id)
            clock.lap("arrears: read")
            live = live.with_columns(_link_digests(live))
            clock.lap("link digests")
            repeated = None  # rows that keep their arrear's household and person
            if kind == STAND and LINK_SHORTCUT:
                kept_links = _repeated_rows(live, state, creditor_id)
                if kept_links.height:
                    repeated = live.join(kept_links, on=POS, how="inner", maintain_order="left")
                    live = live.join(kept_links, on=POS, how="anti", maintain_order="left")
                del kept_links
            clock.lap("repeated rows")
            live, households_created, moves = _link_households(live, now, repeated)
            state = _follow_moves(state, moves)
            clock.lap("households")
            live, persons_created, persons_updated, pending, disturbed = _link_persons(
                live, now, clock, repeated
            )
            try:
                live = _with_link_digest_to_store(live, repeated, disturbed, kind)
                counts = _apply_arrears(
                    live,
                    closing,
                    state,
                    kind=kind,
                    creditor_id=creditor_id,
                    delivery_id=delivery_id,
                    reference_date=reference_date,
                    rejected_keys=rejected_keys,
                    municipality_ids=municipality_ids,
                    clock=clock,
                )
                if kind == MUTATIE:
                    disturbed = pl.concat(
                        [
                            disturbed,
                            live.get_column("household_id"),
                            counts["touched_household_ids"],
                        ]
                    )
                _forget_link_digests(
                    disturbed, delivery_id=delivery_id, keep_this_delivery=kind == STAND
                )
                clock.lap("arrears: link digests")
            except BaseException:
                pending.cancel()
                raise
            del live, closing, state, repeated
        clock.lap("indexes")
        result = ApplyCounts(
            **counts,
            households_created=households_created,
            persons_created=persons_created,
            persons_updated=persons_updated,
            new_persons=pending.persons,
            timings=clock.laps,
            cpu_timings=clock.cpu,
        )
        try:
            if while_persons_encrypt is not None:
                while_persons_encrypt(result)
                clock.lap("while persons encrypt")
            pending.run()
            clock.lap("persons: insert")
        except BaseException:
            pending.cancel()
            raise
    clock.lap("indexes and commit")
    return result


def _lock() -> None:
    if bulk.is_postgresql():
        bulk.execute("SELECT pg_advisory_xact_lock(%s)", [APPLY_LOCK])


def _prepare(rows: pl.DataFrame, kind: str) -> pl.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.columns]
    if kind == MUTATIE and "status" not in rows.columns:
        missing.append("status")
    if "address_id" not in rows.columns and not {"postcode", "huisnummer"} <= set(rows.columns):
        missing.append("address_id")
    if missing:
        raise ValueError(f"rows lack column(s): {', '.join(missing)}")
    frame = rows.select(
        [
            (pl.col(name) if name in rows.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in INPUT_SCHEMA.items()
        ]
    ).with_columns(pl.col("contractnummer").fill_null(""))
    if frame.select(pl.struct(KEY).is_duplicated().any()).item():
        raise ValueError(
            "rows repeat a (klantnummer, contractnummer); intake rejects those as DUBBEL_IN_LEVERING"
        )
    if kind == MUTATIE and frame.get_column("status").is_null().any():
        raise ValueError("a mutatie row lacks its status")
    return frame.sort(list(KEY)).with_row_index(POS).with_columns(pl.col(POS).cast(pl.Int64))


# --- repeated rows ----------------------------------------------------------

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
LINK_DIGEST = "_link_digest"
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
    household may adopt a register address later, see :func:`_link_households`),
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
            pl.Series(LINK_DIGEST, digests, dtype=pl.Binary).bin.reinterpret(dtype=pl.Int64, endianness="little")
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
    if not bulk.is_postgresql() and wanted.height >= FULL_SCAN_FROM:
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


def _with_link_digest_to_store(
    live: pl.DataFrame, repeated: pl.DataFrame | None, disturbed: pl.Series, kind: str
) -> pl.DataFrame:
    """All live rows, linked, in key order, with the ``link_digest`` their arrears store.

    A linked row stores its digest only when linking it again, against the persons
    as this delivery leaves them, would pick the same person by its exact identity
    (``_relinks``). A repeated row keeps its digest unless persons of its household
    were updated now (``disturbed``). A ``mutatie`` stores none (see
    :func:`_apply_arrears`).
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


# --- households -------------------------------------------------------------


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


# --- persons ----------------------------------------------------------------

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


# SQLite reads all persons at once when a delivery's households are at least 1/FULL_SCAN_SHARE
# of all households (and at least FULL_SCAN_FROM of them).
FULL_SCAN_SHARE = 4
FULL_SCAN_FROM = 50_000


def _existing_persons(live: pl.DataFrame) -> pl.DataFrame:
    """The stored persons of the rows' households (households made just now have none)."""
    households = live.filter(~pl.col("_new_household")).select(pl.col("household_id").unique())
    if not households.height:
        return pl.DataFrame(schema=PERSON_EXISTING_SCHEMA)
    columns = "id, household_id, birth_date_index, identity_index, bsn_index, details_digest"
    if not bulk.is_postgresql() and households.height >= FULL_SCAN_FROM:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {HOUSEHOLD_TABLE}")  # noqa: S608
            total = cursor.fetchone()[0]
        if households.height * FULL_SCAN_SHARE >= total:
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


# --- arrears ----------------------------------------------------------------

ARREAR_STATE_SCHEMA = {
    "arrear_id": pl.Int64,
    "klantnummer": pl.String,
    "contractnummer": pl.String,
    "household_id_old": pl.Int64,
    "person_id_old": pl.Int64,
    "municipality_id_old": pl.Int64,
    "amount_cents_old": pl.Int64,
    "start_date_old": pl.Date,
    "crisis_old": pl.Boolean,
    "crisis_reason_old": pl.String,
    "warm_transfer_old": pl.Boolean,
    "instalments_old": pl.Int64,
    "signal_reference_old": pl.String,
    "link_digest_old": pl.Int64,
}
# Changes that make a 'changed' event; the other attributes are updated quietly.
MATERIAL = ("amount_cents", "start_date", "crisis", "crisis_reason")
DETAILS = (
    "person_id",
    "municipality_id",
    "warm_transfer",
    "instalments",
    "signal_reference",
    "link_digest",
)


def _read_open_arrears(creditor_id: int) -> pl.DataFrame:
    return bulk.read_frame(
        "SELECT id, klantnummer, contractnummer, household_id, person_id, municipality_id, amount_cents, "  # noqa: S608
        "start_date, crisis, crisis_reason, warm_transfer, instalments, signal_reference, link_digest "
        f"FROM {ARREAR_TABLE} WHERE creditor_id = %s AND status = %s",
        [creditor_id, ArrearStatus.OPEN.value],
        ARREAR_STATE_SCHEMA,
    )


def _arrear_values(live: pl.DataFrame) -> pl.DataFrame:
    """The arrear attributes of the delivered rows, as stored."""
    c = pl.col
    return live.select(
        POS,
        "klantnummer",
        "contractnummer",
        "household_id",
        "person_id",
        "municipality_id",
        c("bedrag_cents").alias("amount_cents"),
        c("ontstaansdatum").alias("start_date"),
        c("crisissignaal").fill_null(False).alias("crisis"),
        c("crisis_reden").fill_null("").alias("crisis_reason"),
        c("warme_overdracht").fill_null(False).alias("warm_transfer"),
        c("aantal_termijnen").alias("instalments"),
        c("signaal_id").fill_null("").alias("signal_reference"),
        "link_digest",
    )


def _differs(names: tuple[str, ...]) -> pl.Expr:
    return pl.any_horizontal([pl.col(n).ne_missing(pl.col(f"{n}_old")) for n in names])


def _apply_arrears(
    live: pl.DataFrame,
    closing: pl.DataFrame,
    state: pl.DataFrame,
    *,
    kind: str,
    creditor_id: int,
    delivery_id: int,
    reference_date: dt.date,
    rejected_keys: pl.DataFrame | None,
    municipality_ids: Iterable[int] | None,
    clock: _Clock,
) -> dict[str, object]:
    values = _arrear_values(live).join(state, on=list(KEY), how="left", maintain_order="left")
    if kind == MUTATIE:
        # A mutatie stores no digests: the ones of its households are nulled afterwards
        # (apply_rows), so leaving them as they are here spares updating them twice.
        values = values.with_columns(pl.col("link_digest_old").alias("link_digest"))
    is_open = pl.col("arrear_id").is_not_null()
    moved_expr = is_open & (pl.col("household_id") != pl.col("household_id_old"))
    values = values.with_columns(
        moved_expr.alias("_moved"),
        (is_open & ~moved_expr & _differs(MATERIAL)).alias("_material"),
        (is_open & ~moved_expr & _differs(DETAILS)).alias("_details"),
    )
    moved = values.filter(pl.col("_moved"))
    updated = values.filter(pl.col("_material") | pl.col("_details"))
    unchanged = values.filter(
        is_open & ~pl.col("_moved") & ~pl.col("_material") & ~pl.col("_details")
    )
    opening = values.filter(~is_open | pl.col("_moved"))

    # Arrears that this delivery closes.
    kept = state.clear()
    if kind == STAND:
        present = _keys(live)
        if rejected_keys is not None:
            kept = state.join(_keys(rejected_keys), on=list(KEY), how="semi").join(
                present, on=list(KEY), how="anti"
            )
            present = pl.concat([present, _keys(rejected_keys)])
        cleared = state.join(present, on=list(KEY), how="anti")
        ignored = 0
    else:
        closing_keys = closing.select(list(KEY))
        cleared = state.join(closing_keys, on=list(KEY), how="semi")
        ignored = closing_keys.height - cleared.height
    cleared = cleared.sort("arrear_id")
    clock.lap("arrears: diff")

    # Close first: the continuation of a moved arrear has the same key, and only one may be open.
    _close(cleared.get_column("arrear_id"), ArrearStatus.CLEARED, delivery_id, reference_date)
    _close(moved.get_column("arrear_id").sort(), ArrearStatus.MOVED, delivery_id, reference_date)
    _mark_seen(unchanged, updated, kept, kind, creditor_id, delivery_id, reference_date)
    if kept.height:
        # Kept open for a rejected row: not delivered now, so its person's details came
        # from the other rows only. Linked again when it is delivered again.
        where, params = bulk.id_list("id", kept.get_column("arrear_id").sort())
        bulk.execute(f"UPDATE {ARREAR_TABLE} SET link_digest = NULL WHERE {where}", params)  # noqa: S608
    spoken_for = None if municipality_ids is None else sorted({int(i) for i in municipality_ids})
    if kind == MUTATIE:
        _mark_still_open(creditor_id, spoken_for, reference_date)
    _update_attributes(updated, delivery_id, reference_date)
    clock.lap("arrears: update")
    opened = _open(opening, creditor_id, delivery_id, reference_date)
    clock.lap("arrears: insert")

    events = pl.concat(
        [
            cleared.select(
                "arrear_id",
                pl.lit(ArrearEventKind.CLEARED.value).alias("kind"),
                pl.col("amount_cents_old").alias("amount_cents"),
                pl.col("crisis_old").alias("crisis"),
            ),
            moved.select(
                "arrear_id",
                pl.lit(ArrearEventKind.MOVED.value).alias("kind"),
                pl.col("amount_cents_old").alias("amount_cents"),
                pl.col("crisis_old").alias("crisis"),
            ),
            updated.filter(pl.col("_material")).select(
                "arrear_id",
                pl.lit(ArrearEventKind.CHANGED.value).alias("kind"),
                "amount_cents",
                "crisis",
            ),
            opened.select(
                pl.col("id").alias("arrear_id"),
                pl.col("_event").alias("kind"),
                "amount_cents",
                "crisis",
            ),
        ]
    ).sort("arrear_id", "kind")
    bulk.insert_frame(
        EVENT_TABLE,
        events.select("arrear_id", "kind", "amount_cents", "crisis"),
        constants={"delivery_id": delivery_id, "reference_date": reference_date},
    )
    clock.lap("arrears: events")
    new = opening.height - moved.height
    touched = pl.concat(
        [
            cleared.get_column("household_id_old"),
            moved.get_column("household_id_old"),
            updated.filter(pl.col("_material")).get_column("household_id"),
            opened.get_column("household_id"),
        ]
    )
    # Where the creditor's open arrears are now (a stand's rows, a mutatie's too and every
    # open arrear it spoke for), and where it closed or moved some.
    still_open = state.join(cleared.select("arrear_id"), on="arrear_id", how="anti").join(
        moved.select("arrear_id"), on="arrear_id", how="anti"
    )
    if kind == STAND:
        still_open = kept
    elif spoken_for is not None:
        still_open = still_open.filter(pl.col("municipality_id_old").is_in(spoken_for))
    seen_in = pl.concat(
        [
            live.get_column("municipality_id"),
            still_open.get_column("municipality_id_old"),
            cleared.get_column("municipality_id_old"),
            moved.get_column("municipality_id_old"),
        ]
    )
    return {
        "municipality_ids": tuple(int(i) for i in seen_in.drop_nulls().unique().sort()),
        "touched_household_ids": touched.unique().sort().alias("household_id"),
        "new": new,
        "changed": moved.height + updated.filter(pl.col("_material")).height,
        "cleared": cleared.height,
        "unchanged": unchanged.height + updated.filter(~pl.col("_material")).height,
        "ignored": ignored,
    }


def _mark_seen(
    unchanged: pl.DataFrame,
    updated: pl.DataFrame,
    kept: pl.DataFrame,
    kind: str,
    creditor_id: int,
    delivery_id: int,
    reference_date: dt.date,
) -> None:
    """Set ``last_seen_on`` and ``last_delivery`` of the open arrears delivered again."""
    expected = unchanged.height + updated.height
    if kind == STAND:
        if not expected:
            return
        # Once the absent and moved arrears are closed, the creditor's open arrears
        # are exactly the ones delivered again (and those kept open for rejected
        # rows): one pass over the table instead of a million lookups by id.
        sql = (
            f"UPDATE {ARREAR_TABLE} SET last_seen_on = %s, last_delivery_id = %s "  # noqa: S608
            "WHERE creditor_id = %s AND status = 'open'"
        )
        params: list = [reference_date, delivery_id, creditor_id]
        if kept.height:
            where, extra = bulk.id_list("id", kept.get_column("arrear_id").sort())
            sql += f" AND NOT ({where})"
            params += extra
    else:
        if unchanged.is_empty():
            return
        expected = unchanged.height  # (updated ones get last_seen_on with their attributes)
        where, extra = bulk.id_list("id", unchanged.get_column("arrear_id").sort())
        sql = f"UPDATE {ARREAR_TABLE} SET last_seen_on = %s, last_delivery_id = %s WHERE {where}"  # noqa: S608
        params = [reference_date, delivery_id, *extra]
    written = bulk.execute(sql, params)
    if written != expected:
        raise RuntimeError(
            f"{written} arrears marked as seen, expected {expected}: the open arrears "
            "changed while this delivery was applied"
        )


def _mark_still_open(
    creditor_id: int, municipality_ids: list[int] | None, reference_date: dt.date
) -> None:
    """A ``mutatie`` delivers changes only: the creditor's open arrears it does not
    mention (in the municipalities it speaks for) are still open on its peildatum.

    One statement; ``last_seen_on`` never moves back (a late mutatie with an older
    peildatum). ``last_delivery`` stays the delivery that last delivered the arrear.
    """
    sql = (
        f"UPDATE {ARREAR_TABLE} SET last_seen_on = %s "  # noqa: S608
        "WHERE creditor_id = %s AND status = 'open' AND last_seen_on < %s"
    )
    params: list = [reference_date, creditor_id, reference_date]
    if municipality_ids is not None:
        if not municipality_ids:
            return
        where, extra = bulk.id_list("municipality_id", municipality_ids)
        sql += f" AND {where}"
        params += extra
    bulk.execute(sql, params)


def _close(ids: pl.Series, status: ArrearStatus, delivery_id: int, reference_date: dt.date) -> None:
    if not len(ids):
        return
    where, params = bulk.id_list("id", ids)
    bulk.execute(
        f"UPDATE {ARREAR_TABLE} SET status = %s, cleared_on = %s, cleared_by_delivery_id = %s, "  # noqa: S608
        f"link_digest = NULL WHERE {where}",
        [status.value, reference_date, delivery_id, *params],
    )


def _update_attributes(updated: pl.DataFrame, delivery_id: int, reference_date: dt.date) -> None:
    if updated.is_empty():
        return
    columns = (*MATERIAL, *DETAILS)
    stage = bulk.stage(
        "households_stage_arrear",
        updated.sort("arrear_id").select(pl.col("arrear_id").alias("id"), *columns),
    )
    sets = ", ".join(f"{c} = s.{c}" for c in columns)
    bulk.execute(
        f"UPDATE {ARREAR_TABLE} SET {sets}, last_seen_on = %s, last_delivery_id = %s "  # noqa: S608
        f"FROM {stage} s WHERE {ARREAR_TABLE}.id = s.id",
        [reference_date, delivery_id],
    )
    bulk.drop("households_stage_arrear")


def _open(
    opening: pl.DataFrame, creditor_id: int, delivery_id: int, reference_date: dt.date
) -> pl.DataFrame:
    """Insert new arrears for these rows; returns them with ``id`` and their first event's ``_event``."""
    if opening.is_empty():
        return pl.DataFrame(
            schema={
                "id": pl.Int64,
                "household_id": pl.Int64,
                "_event": pl.String,
                "amount_cents": pl.Int64,
                "crisis": pl.Boolean,
            }
        )
    opening = opening.sort(POS)
    # A moved arrear continues the one it closed; a key seen before continues its latest arrear.
    previous = _previous_arrears(opening.filter(~pl.col("_moved")).select(list(KEY)), creditor_id)
    opening = opening.join(previous, on=list(KEY), how="left", maintain_order="left").with_columns(
        pl.when(pl.col("_moved"))
        .then(pl.col("arrear_id"))
        .otherwise(pl.col("_previous"))
        .alias("previous_id")
    )
    opening = opening.with_columns(
        bulk.reserve_ids(ARREAR_TABLE, opening.height).alias("id"),
        pl.when(pl.col("previous_id").is_null())
        .then(pl.lit(ArrearEventKind.OPENED.value))
        .otherwise(pl.lit(ArrearEventKind.REOPENED.value))
        .alias("_event"),
    )
    bulk.insert_frame(
        ARREAR_TABLE,
        opening.select(
            "id",
            "household_id",
            "person_id",
            "municipality_id",
            "klantnummer",
            "contractnummer",
            "amount_cents",
            "start_date",
            "crisis",
            "crisis_reason",
            "warm_transfer",
            "signal_reference",
            "instalments",
            "previous_id",
            "link_digest",
        ),
        constants={
            "creditor_id": creditor_id,
            "status": ArrearStatus.OPEN.value,
            "opened_on": reference_date,
            "last_seen_on": reference_date,
            "opened_by_delivery_id": delivery_id,
            "last_delivery_id": delivery_id,
        },
    )
    return opening


def _previous_arrears(keys: pl.DataFrame, creditor_id: int) -> pl.DataFrame:
    """``klantnummer, contractnummer, _previous``: the latest closed arrear of each key, if any."""
    schema = {"klantnummer": pl.String, "contractnummer": pl.String, "_previous": pl.Int64}
    if keys.is_empty():
        return pl.DataFrame(schema=schema)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {ARREAR_TABLE} WHERE creditor_id = %s AND status <> %s LIMIT 1",  # noqa: S608
            [creditor_id, ArrearStatus.OPEN.value],
        )
        if cursor.fetchone() is None:
            return pl.DataFrame(schema=schema)
    stage = bulk.stage("households_stage_keys", keys)
    previous = bulk.read_frame(
        f"SELECT a.klantnummer, a.contractnummer, max(a.id) FROM {stage} s CROSS JOIN {ARREAR_TABLE} a "  # noqa: S608
        "WHERE a.creditor_id = %s AND a.klantnummer = s.klantnummer AND a.contractnummer = s.contractnummer "
        "AND NOT (a.status = 'open') GROUP BY a.klantnummer, a.contractnummer",
        [creditor_id],
        schema,
    )
    bulk.drop("households_stage_keys")
    return previous


# --- retention (privacy.retention calls these) -------------------------------

def anonymous_household_key(municipality) -> str:
    return f"{ANONYMOUS_PREFIX}{municipality.code}"


def anonymous_household(municipality) -> Household:
    """The municipality's anonymous household: it has no address, persons or arrears."""
    household, _ = Household.objects.get_or_create(
        unregistered_address=anonymous_household_key(municipality),
        defaults={"municipality": municipality},
    )
    return household


def purge_unsignalled_arrears(
    municipality, *, open_started_before: dt.date, closed_cleared_before: dt.date, counts=None
) -> int:
    """Delete arrears that are in no signal and can no longer count, with their history; set-based.

    Open ones that started before ``open_started_before`` (out of the age
    window), closed ones (cleared or moved) that closed before
    ``closed_cleared_before``.
    """
    from django.db.models import Exists, OuterRef, Q

    from vroegsignaal.privacy.retention import delete_set
    from vroegsignaal.signals.models import SignalArrear

    expired = (
        Arrear.objects.filter(municipality=municipality)
        .filter(
            Q(status=ArrearStatus.OPEN, start_date__lt=open_started_before)
            | (~Q(status=ArrearStatus.OPEN) & Q(cleared_on__lt=closed_cleared_before))
        )
        .filter(~Exists(SignalArrear.objects.filter(arrear_id=OuterRef("pk"))))
    )
    # The persons of these arrears take their contact details from all their rows: the
    # arrears left in those households are linked again at their next stand.
    Arrear.objects.filter(
        household_id__in=expired.values("household_id"), link_digest__isnull=False
    ).update(link_digest=None)
    return delete_set(expired, counts=counts)


def purge_unused_persons_and_households(municipality, *, counts=None) -> tuple[int, int]:
    """Delete persons without arrears in households without signals or cases, then empty households.

    A person is kept while an arrear of theirs is, or while their household has
    a signal or case (its workers may need to reach them). Set-based.
    """
    from django.db.models import Exists, OuterRef

    from vroegsignaal.cases.models import Case
    from vroegsignaal.privacy.retention import delete_set
    from vroegsignaal.signals.models import Signal

    without_signals_or_cases = Household.objects.filter(municipality=municipality).filter(
        ~Exists(Signal.objects.filter(household_id=OuterRef("pk"))),
        ~Exists(Case.objects.filter(household_id=OuterRef("pk"))),
    )
    # Arrears are found through their household (indexed), then the person (not indexed).
    persons = Person.objects.filter(household__in=without_signals_or_cases.values("pk")).filter(
        ~Exists(
            Arrear.objects.filter(household_id=OuterRef("household_id"), person_id=OuterRef("pk"))
        )
    )
    deleted_persons = delete_set(persons, counts=counts)
    empty = without_signals_or_cases.filter(
        ~Exists(Arrear.objects.filter(household_id=OuterRef("pk"))),
        ~Exists(Person.objects.filter(household_id=OuterRef("pk"))),
    )
    return deleted_persons, delete_set(empty, counts=counts)


# --- a new blind-index key (privacy.reindex calls these) ----------------------

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
    use, made by the functions that make them for a delivery (:func:`_person_features`,
    :func:`_with_details`).

    ``persons`` has the columns of :data:`PERSON_INDEX_INPUT`: each person's stored surname,
    initials, first names, birth date and contact details. A person keeps the surname,
    initials and birth date of the row that made them, so the first four are the indexes
    intake stored. ``details_digest`` is of the contact details as stored; the stored digest
    is of those last delivered, which are the stored ones with the fields emptied that the
    delivery left empty (an empty value does not erase a known one: :func:`_update_person_details`).
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
    empty), row for row, under the blind-index key in use, as :func:`_with_details` makes it."""
    frame = details.select(DETAIL_FIELDS).with_columns(bsn_index=pl.lit(None, pl.String))
    return _with_details(frame).get_column("details_digest")


def forget_link_digests(*, dry_run: bool = False) -> int:
    """Null every arrear's link digest; returns how many there were (``dry_run``: only counts).

    For a new blind-index key: the digests' key is derived from it, and a digest can only be
    made from a delivered row. A row of the next ``stand`` whose arrear has no digest is linked
    like any other ("Repeated rows" above) and stores a digest under the new key again.
    """
    stored = Arrear._base_manager.filter(link_digest__isnull=False)
    return stored.count() if dry_run else stored.update(link_digest=None)


def lock_out_applies() -> None:
    """Until the caller's transaction ends, no delivery is applied: on PostgreSQL the advisory
    lock :func:`apply_rows` takes (it waits for an apply that holds it); SQLite has one writer."""
    _lock()
