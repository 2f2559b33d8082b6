"""The arrear timeline (:func:`_apply_arrears`): which arrears a delivery opens, changes,
moves and clears, and their events.

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
  ``gewijzigd`` rows are both handled as "this is the arrear now". An
  ``afgemeld`` row without an open arrear closes nothing (``ignored``); its key
  is kept (:class:`~.models.ClosedKey`), as every applied stand is
  (:class:`~.models.AppliedStand`), for a late delivery (:mod:`.later`);
* every open arrear in the delivery gets ``last_seen_on`` and ``last_delivery``;
  a ``mutatie`` delivers changes only, so the creditor's other open arrears (in
  the municipalities it speaks for: ``municipality_ids``) are still there on
  its peildatum and get ``last_seen_on`` too (one ``UPDATE``; never backwards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from django.db import connection

from . import bulk
from .frames import (
    ARREAR_TABLE,
    DELIVERY_TABLE,
    EVENT_TABLE,
    KEY,
    MUTATIE,
    POS,
    STAND,
    _Clock,
    _keys,
)
from .later import remember_closed_keys, remember_stand
from .models import ArrearEventKind, ArrearStatus

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
        f"{bulk.date_text('start_date')}, crisis, crisis_reason, warm_transfer, instalments, "
        f"signal_reference, link_digest FROM {ARREAR_TABLE} WHERE creditor_id = %s AND status = %s",
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
    left_alone: pl.Series | None = None,
) -> dict[str, object]:
    """``left_alone``: open arrears of the creditor that a delivery with a later
    peildatum delivered (:mod:`.later`); they are not in ``state`` and stay as they are."""
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
    kept, stray = state.clear(), closing.clear()  # stray: afgemeld rows without an open arrear
    if kind == STAND:
        present = _keys(live)
        if rejected_keys is not None:
            kept = state.join(_keys(rejected_keys), on=list(KEY), how="semi").join(
                present, on=list(KEY), how="anti"
            )
            present = pl.concat([present, _keys(rejected_keys)])
        cleared = state.join(present, on=list(KEY), how="anti")
    else:
        cleared = state.join(closing.select(list(KEY)), on=list(KEY), how="semi")
        stray = closing.join(_keys(state), on=list(KEY), how="anti")
    cleared = cleared.sort("arrear_id")
    clock.lap("arrears: diff")

    # Close first: the continuation of a moved arrear has the same key, and only one may be open.
    _close(cleared.get_column("arrear_id"), ArrearStatus.CLEARED, delivery_id, reference_date)
    _close(moved.get_column("arrear_id").sort(), ArrearStatus.MOVED, delivery_id, reference_date)
    # What a late delivery with an older peildatum must not undo (.later).
    if kind == STAND:
        remember_stand(creditor_id, delivery_id, reference_date)
    elif stray.height:
        remember_closed_keys(stray, creditor_id, delivery_id, reference_date)
    if left_alone is not None:
        _not_seen_after(cleared.get_column("arrear_id"), reference_date)
        kept_out = pl.concat([kept.get_column("arrear_id"), left_alone]).sort()
    else:
        kept_out = kept.get_column("arrear_id").sort()
    _mark_seen(unchanged, updated, kept_out, kind, creditor_id, delivery_id, reference_date)
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
        "ignored": stray.height,
    }


# ``last_seen_on`` never moves back: a late delivery's peildatum can lie before the one a
# mutatie with a later peildatum gave the creditor's untouched arrears.
SEEN_ON = "last_seen_on = CASE WHEN last_seen_on > %s THEN last_seen_on ELSE %s END"


def _mark_seen(
    unchanged: pl.DataFrame,
    updated: pl.DataFrame,
    kept_out: pl.Series,
    kind: str,
    creditor_id: int,
    delivery_id: int,
    reference_date: dt.date,
) -> None:
    """Set ``last_seen_on`` and ``last_delivery`` of the open arrears delivered again.

    ``kept_out``: open arrears not delivered now (kept for a rejected row, or left
    alone for a later peildatum's delivery)."""
    expected = unchanged.height + updated.height
    if kind == STAND:
        if not expected:
            return
        # Once the absent and moved arrears are closed, the creditor's open arrears
        # are exactly the ones delivered again (and those kept out): one pass over
        # the table instead of a million lookups by id.
        sql = (
            f"UPDATE {ARREAR_TABLE} SET {SEEN_ON}, last_delivery_id = %s "  # noqa: S608
            "WHERE creditor_id = %s AND status = 'open'"
        )
        params: list = [reference_date, reference_date, delivery_id, creditor_id]
        if len(kept_out):
            where, extra = bulk.id_list("id", kept_out)
            sql += f" AND NOT ({where})"
            params += extra
    else:
        if unchanged.is_empty():
            return
        expected = unchanged.height  # (updated ones get last_seen_on with their attributes)
        where, extra = bulk.id_list("id", unchanged.get_column("arrear_id").sort())
        sql = f"UPDATE {ARREAR_TABLE} SET {SEEN_ON}, last_delivery_id = %s WHERE {where}"  # noqa: S608
        params = [reference_date, reference_date, delivery_id, *extra]
    _expect_written(bulk.execute(sql, params), expected, "marked as seen")


def _expect_written(written: int, expected: int, what: str) -> None:
    """Each update of arrears this delivery read must reach every one of them: fewer means
    another transaction changed or deleted them meanwhile, which the apply's lock is there to
    prevent. Raised, so that the delivery rolls back whole instead of writing history for
    arrears that are gone."""
    if written != expected:
        raise RuntimeError(
            f"{written} arrears {what}, expected {expected}: the open arrears "
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
    written = bulk.execute(
        f"UPDATE {ARREAR_TABLE} SET status = %s, cleared_on = %s, cleared_by_delivery_id = %s, "  # noqa: S608
        f"link_digest = NULL WHERE {where}",
        [status.value, reference_date, delivery_id, *params],
    )
    _expect_written(written, ids.n_unique(), "closed")


def _not_seen_after(ids: pl.Series, reference_date: dt.date) -> None:
    """Cleared by a late delivery as of ``reference_date``: a later mutatie's silence had
    marked them seen after it (:func:`_mark_still_open`); they were last seen on the
    peildatum of the delivery that last delivered them."""
    if not len(ids):
        return
    where, params = bulk.id_list("id", ids)
    bulk.execute(
        f"UPDATE {ARREAR_TABLE} SET last_seen_on = (SELECT d.reference_date FROM {DELIVERY_TABLE} d "  # noqa: S608
        f"WHERE d.id = {ARREAR_TABLE}.last_delivery_id) WHERE last_seen_on > %s AND {where}",
        [reference_date, *params],
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
    written = bulk.execute(
        f"UPDATE {ARREAR_TABLE} SET {sets}, {SEEN_ON}, last_delivery_id = %s "  # noqa: S608
        f"FROM {stage} s WHERE {ARREAR_TABLE}.id = s.id",
        [reference_date, reference_date, delivery_id],
    )
    bulk.drop("households_stage_arrear")
    _expect_written(written, updated.get_column("arrear_id").n_unique(), "updated")


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
