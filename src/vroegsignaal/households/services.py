"""The households app's public face: applying a delivery's routed rows.

:func:`apply_rows` links each row to its :class:`~.models.Household` and to a
:class:`~.models.Person` in it (see :mod:`.matching` for when two records are
one person), and brings the creditor's :class:`~.models.Arrear` timeline up to
date. It is set-based: the state it needs is read once into Polars frames, the
diff is computed there, and the result is written in bulk (:mod:`.bulk`). It
never decrypts a stored person except the few that a delivered record resembles
without being exactly equal to. The fields of new persons are encrypted in a
child process while the arrears are written (:mod:`.background`).

The rules are documented with the code that applies them, each in its module's docstring:

* :mod:`.addresses`: households (one per register address; a herindeling moves them);
* :mod:`.persons`: persons (found by blind index, new ones encrypted in the background);
* :mod:`.timeline`: the arrear timeline (opened, changed, moved, cleared; its events);
* :mod:`.later`: a late delivery (one applied after another with a later peildatum)
  leaves alone what that one said;
* :mod:`.digests`: repeated rows (link digests: why a ``stand``'s unchanged rows may keep
  their links without being linked again);
* :mod:`.purging`: what retention deletes; :mod:`.rekeying`: what a new blind-index key
  needs; :mod:`.frames`: what they all share.

This module orchestrates :func:`apply_rows` and is the only one of them that other apps
import: what they use of the others is re-exported here (``__all__``). A re-exported name is
a copy, so tests patch a name in the module that reads it: ``LINK_SHORTCUT``,
``require_blind_index_key`` and ``_apply_arrears`` here, ``FULL_SCAN_FROM`` in :mod:`.frames`,
``_person_features`` in :mod:`.persons`, ``_open`` in :mod:`.timeline`.

Speed (a first ``stand`` of a million rows): on SQLite the apply runs with a
larger page cache (``bulk.bulk_cache``, set by intake) and a load into empty
tables builds their non-unique indexes afterwards (``bulk.deferred_indexes``);
the persons are inserted last, once a child process has encrypted their fields,
and the caller's ``while_persons_encrypt`` (intake: signal evaluation) runs
meanwhile.

Concurrency: on PostgreSQL the whole apply runs under one transaction-level
advisory lock, so two deliveries never create the same household or person
twice; on SQLite the database write lock does the same. The retention run
(``privacy.retention``) and a new blind-index key (``privacy.reindex``) take the same
lock first (:func:`lock_out_applies`): a purge never deletes a household, person or
arrear that a delivery is linking rows to or writing to. The apply takes it before the
municipality locks of its signal evaluation, and so must every other holder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from vroegsignaal.privacy.services import require_blind_index_key

from . import bulk
from .addresses import _follow_moves, _link_households
from .digests import (
    _forget_link_digests,
    _link_digests,
    _repeated_rows,
    _with_link_digest_to_store,
)
from .frames import (
    AFGEMELD,
    ARREAR_TABLE,
    BIRTH_DATE_CONTEXT,
    BSN_CONTEXT,
    DETAILS_CONTEXT,
    EVENT_TABLE,
    HOUSEHOLD_TABLE,
    IDENTITY_CONTEXT,
    KEY,
    MUTATIE,
    NEW_PERSONS_SCHEMA,
    PERSON_TABLE,
    POS,
    STAND,
    SURNAME_CONTEXT,
    Kind,
    _Clock,
    _id,
    _keys,
    _lock,
)
from .later import later_information
from .models import Arrear, ArrearStatus
from .person_details import DETAIL_FIELDS
from .persons import _link_persons
from .purging import (
    anonymous_household,
    anonymous_household_key,
    purge_unsignalled_arrears,
    purge_unused_persons_and_households,
)
from .rekeying import (
    PERSON_INDEX_INPUT,
    PERSON_INDEXES,
    details_digests,
    forget_link_digests,
    lock_out_applies,
    person_indexes,
    store_person_indexes,
)
from .timeline import _apply_arrears, _read_open_arrears

__all__ = [
    # applying a delivery
    "INPUT_SCHEMA",
    "LINK_SHORTCUT",
    "ApplyCounts",
    "apply_rows",
    # reads for intake's safety check and audit
    "cleared_per_municipality",
    "count_cleared_by_stand",
    "open_arrear_count",
    # blind-index contexts (privacy: subject access, key checks)
    "BIRTH_DATE_CONTEXT",
    "BSN_CONTEXT",
    "DETAILS_CONTEXT",
    "IDENTITY_CONTEXT",
    "SURNAME_CONTEXT",
    # retention (privacy.retention)
    "anonymous_household",
    "anonymous_household_key",
    "purge_unsignalled_arrears",
    "purge_unused_persons_and_households",
    # a new blind-index key (privacy.reindex); lock_out_applies also for retention
    "DETAIL_FIELDS",
    "PERSON_INDEXES",
    "PERSON_INDEX_INPUT",
    "details_digests",
    "forget_link_digests",
    "lock_out_applies",
    "person_indexes",
    "store_person_indexes",
]

# Repeated rows of a ``stand`` keep their arrear's person and household without linking
# (see "Repeated rows" in :mod:`.digests`). Not a setting: the tests switch it off
# to prove that the outcome is the same without it. Digests are written either way.
LINK_SHORTCUT = True


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


@dataclass(frozen=True)
class ApplyCounts:
    """What :func:`apply_rows` did. ``new + changed + unchanged`` are the live rows applied;
    ``cleared`` are arrears closed; ``ignored`` are ``afgemeld`` rows without an open arrear;
    ``outdated`` are rows (live or ``afgemeld``) left alone because a delivery with a later
    peildatum settled their key (:mod:`.later`)."""

    new: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0
    ignored: int = 0
    # Rows left alone because a delivery with a later peildatum settled their key (.later).
    outdated: int = 0
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


# ---------------------------------------------------------------------------
# Reads for intake's safety check
# ---------------------------------------------------------------------------


def open_arrear_count(creditor) -> int:
    """How many arrears of ``creditor`` are open."""
    return Arrear.objects.filter(creditor_id=_id(creditor), status=ArrearStatus.OPEN).count()


def cleared_per_municipality(delivery_id: int) -> dict[str, int]:
    """Municipality code → how many arrears the delivery cleared there (for its audit events).

    A ``stand`` clears arrears in municipalities none of its rows went to."""
    rows = (
        Arrear.objects.filter(cleared_by_delivery_id=delivery_id)
        .values_list("municipality__code")
        .annotate(n=Count("id"))
        .order_by("municipality__code")
    )
    return dict(rows)


def count_cleared_by_stand(
    creditor,
    rows: pl.DataFrame,
    *,
    rejected_keys: pl.DataFrame | None = None,
    reference_date: dt.date | None = None,
) -> int:
    """How many open arrears of ``creditor`` a ``stand`` with ``rows`` would clear. Changes nothing.

    ``rows`` needs ``klantnummer`` and ``contractnummer`` (null = ``''``);
    ``rejected_keys`` the same columns for the delivery's rejected rows. With the
    stand's ``reference_date``, arrears a delivery with a later peildatum delivered
    are not counted: the stand leaves them alone (:mod:`.later`).
    """
    open_keys = _open_keys(_id(creditor))
    later = later_information(_id(creditor), reference_date) if reference_date else None
    if later is not None:
        open_keys = open_keys.join(_keys(later.newer), on=list(KEY), how="anti")
    present = _keys(rows)
    if rejected_keys is not None:
        present = pl.concat([present, _keys(rejected_keys)])
    return open_keys.join(present, on=list(KEY), how="anti").height


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
    """Apply a delivery's accepted, routed rows; the rules are in the docstrings of
    :mod:`.addresses`, :mod:`.timeline` and :mod:`.digests`.

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
            # A late delivery leaves alone what one with a later peildatum said (.later).
            later = later_information(creditor_id, reference_date)
            outdated = 0
            if later is not None:
                state, live, closing, outdated = later.leave_alone(state, live, closing)
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
                    left_alone=None if later is None else later.open_ids,
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
            outdated=outdated,
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
            pending.run(clock.lap)
        except BaseException:
            pending.cancel()
            raise
    clock.lap("indexes and commit")
    return result


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
