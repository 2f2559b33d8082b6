"""Newer information wins: a delivery applied after one with a later peildatum.

A creditor's deliveries normally arrive in the order of their peildata. When
one arrives late — the ``stand`` of 31 October delivered on 3 November, after
the ``mutatie`` of 2 November — applying it as if it were the newest would
clear the arrears the mutatie opened (they are absent from the older stand)
and set changed amounts back. So, per key (klantnummer, contractnummer) of
the creditor, an older delivery leaves alone what a delivery with a later
peildatum said:

* an **open arrear last delivered on a later peildatum** (opened, changed or
  delivered again): the older delivery neither clears, changes, moves nor
  marks it; its row for that key is not applied;
* a **key whose arrear was closed on a later peildatum** (cleared or moved,
  and no open arrear now), or that a ``mutatie`` with a later peildatum reported
  ``afgemeld`` while it had no open arrear (:class:`~.models.ClosedKey`): the
  older delivery does not open it;
* after a **later stand** (a complete snapshot, :class:`~.models.AppliedStand`),
  keys without an open arrear are not opened either: that stand did not have them.

Everything else is applied as usual: a late stand still clears, as of its own
peildatum, the arrears that were open before it and are absent from it, and
``last_seen_on`` never moves back (see :mod:`.timeline`). Deliveries in
peildatum order (the generator's worlds, the benchmarks) take none of this:
one query on the creditor's deliveries finds nothing later. What they write for
it is small: a row per applied stand, and a row per ``afgemeld`` row without an
open arrear (:func:`remember_stand`, :func:`remember_closed_keys`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection

from . import bulk
from .frames import ARREAR_TABLE, DELIVERY_TABLE, KEY, _keys
from .models import AppliedStand, ArrearStatus, ClosedKey

CLOSED_KEY_TABLE = ClosedKey._meta.db_table
APPLIED_STAND_TABLE = AppliedStand._meta.db_table

_KEYS_SCHEMA = {"klantnummer": pl.String, "contractnummer": pl.String}


@dataclass(frozen=True)
class LaterInformation:
    """What deliveries with a later peildatum than ``reference_date`` said about the creditor's keys."""

    reference_date: dt.date
    newer: pl.DataFrame  # open arrears last delivered on a later peildatum: arrear_id and key
    # keys closed, or reported afgemeld without an arrear, on a later peildatum
    closed_keys: pl.DataFrame
    later_stand: bool  # a stand with a later peildatum was applied

    @property
    def open_ids(self) -> pl.Series:
        return self.newer.get_column("arrear_id")

    def leave_alone(
        self, state: pl.DataFrame, live: pl.DataFrame, closing: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
        """``state``, ``live`` and ``closing`` without what newer information settled,
        and the number of delivered rows left out."""
        state = state.join(self.newer.select("arrear_id"), on="arrear_id", how="anti")
        settled = pl.concat(
            [_keys(self.newer), self.closed_keys.join(_keys(state), on=list(KEY), how="anti")]
        )
        before = live.height + closing.height
        live = live.join(settled, on=list(KEY), how="anti", maintain_order="left")
        if self.later_stand:
            live = live.join(_keys(state), on=list(KEY), how="semi", maintain_order="left")
        closing = closing.join(settled, on=list(KEY), how="anti", maintain_order="left")
        return state, live, closing, before - live.height - closing.height


def later_information(creditor_id: int, reference_date: dt.date) -> LaterInformation | None:
    """``None`` (the usual case) when no delivery of the creditor has a later peildatum."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {DELIVERY_TABLE} WHERE creditor_id = %s AND reference_date > %s LIMIT 1",  # noqa: S608
            [creditor_id, reference_date],
        )
        if cursor.fetchone() is None:
            return None
    newer = bulk.read_frame(
        f"SELECT a.id, a.klantnummer, a.contractnummer FROM {ARREAR_TABLE} a "  # noqa: S608
        f"JOIN {DELIVERY_TABLE} d ON d.id = a.last_delivery_id "
        "WHERE a.creditor_id = %s AND a.status = %s AND d.reference_date > %s",
        [creditor_id, ArrearStatus.OPEN.value, reference_date],
        {"arrear_id": pl.Int64, **_KEYS_SCHEMA},
    )
    closed = bulk.read_frame(
        f"SELECT klantnummer, contractnummer FROM {ARREAR_TABLE} "  # noqa: S608
        "WHERE creditor_id = %s AND status <> %s AND cleared_on > %s "
        f"UNION ALL SELECT klantnummer, contractnummer FROM {CLOSED_KEY_TABLE} "
        "WHERE creditor_id = %s AND reference_date > %s",
        [creditor_id, ArrearStatus.OPEN.value, reference_date, creditor_id, reference_date],
        _KEYS_SCHEMA,
    )
    return LaterInformation(
        reference_date=reference_date,
        newer=newer.sort("arrear_id"),
        closed_keys=closed.unique(),
        later_stand=_later_stand(creditor_id, reference_date),
    )


def _later_stand(creditor_id: int, reference_date: dt.date) -> bool:
    """Whether a stand with a later peildatum was applied (the arrears may no longer show it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {APPLIED_STAND_TABLE} WHERE creditor_id = %s AND reference_date > %s LIMIT 1",  # noqa: S608
            [creditor_id, reference_date],
        )
        return cursor.fetchone() is not None


def remember_stand(creditor_id: int, delivery_id: int, reference_date: dt.date) -> None:
    """Note that a stand was applied: a later late delivery must not open what it lacked."""
    AppliedStand.objects.create(
        creditor_id=creditor_id, delivery_id=delivery_id, reference_date=reference_date
    )


def remember_closed_keys(
    stray: pl.DataFrame, creditor_id: int, delivery_id: int, reference_date: dt.date
) -> None:
    """Keep the keys of ``afgemeld`` rows that found no open arrear (``stray``: the rows,
    with their ``municipality_id``): nothing else says that they were closed on this
    peildatum, and a late delivery with an older one must not open them."""
    bulk.insert_frame(
        CLOSED_KEY_TABLE,
        stray.sort(list(KEY)).select(*KEY, "municipality_id"),
        constants={
            "creditor_id": creditor_id,
            "delivery_id": delivery_id,
            "reference_date": reference_date,
        },
    )
