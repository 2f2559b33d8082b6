"""A stand-in for ``vroegsignaal.households.services`` with the same interface.

It keeps each creditor's open arrears in a scratch table in the test database
(created on first use), so it commits and rolls back with the caller's
transaction exactly as the real service does. Tests of the intake install it
with :func:`install`; they pin the intake's behaviour, not the matching.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import polars as pl
from django.db import connection

TABLE = "intake_test_arrear"


@dataclass(frozen=True)
class ApplyCounts:
    new: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0


def _ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "creditor_id integer NOT NULL, klantnummer varchar(64) NOT NULL, "
            "contractnummer varchar(64) NOT NULL, amount_cents bigint NOT NULL, "
            "municipality_code varchar(4), is_open boolean NOT NULL, delivery_id integer NOT NULL, "
            "cleared_by integer)"
        )


def _open(creditor_id: int) -> dict[tuple[str, str], int]:
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT klantnummer, contractnummer, amount_cents FROM {TABLE} "  # noqa: S608
            "WHERE creditor_id = %s AND is_open",
            [creditor_id],
        )
        return {(k, c): a for k, c, a in cursor.fetchall()}


def _keys(rows: pl.DataFrame) -> dict[tuple[str, str], tuple[int, str | None, str | None]]:
    status = (
        rows.get_column("status") if "status" in rows.columns else pl.Series([None] * rows.height)
    )
    return {
        (k, c or ""): (a, m, s)
        for k, c, a, m, s in zip(
            rows.get_column("klantnummer"),
            rows.get_column("contractnummer"),
            rows.get_column("bedrag_cents"),
            rows.get_column("municipality_code"),
            status,
            strict=True,
        )
    }


def open_arrear_count(creditor) -> int:
    return len(_open(creditor.pk))


def _rejected(rejected_keys: pl.DataFrame | None) -> set[tuple[str, str]]:
    if rejected_keys is None:
        return set()
    return {
        (k, c or "") for k, c in rejected_keys.select("klantnummer", "contractnummer").iter_rows()
    }


def count_cleared_by_stand(
    creditor, rows: pl.DataFrame, *, rejected_keys=None, reference_date=None
) -> int:
    delivered = _keys(rows)
    kept = _rejected(rejected_keys)
    return sum(1 for key in _open(creditor.pk) if key not in delivered and key not in kept)


def apply_rows(
    delivery,
    rows: pl.DataFrame,
    *,
    kind,
    creditor,
    reference_date,
    rejected_keys=None,
    municipality_ids=None,
    while_persons_encrypt=None,
) -> ApplyCounts:
    current = _open(creditor.pk)
    delivered = _keys(rows)
    kept = _rejected(rejected_keys)
    new = changed = cleared = unchanged = 0
    with connection.cursor() as cursor:
        for key, (amount, municipality, status) in delivered.items():
            if status == "afgemeld":
                if key in current:
                    cursor.execute(
                        f"UPDATE {TABLE} SET is_open = false, cleared_by = %s WHERE creditor_id = %s "  # noqa: S608
                        "AND klantnummer = %s AND contractnummer = %s AND is_open",
                        [delivery.pk, creditor.pk, *key],
                    )
                    cleared += 1
                continue
            if key not in current:
                cursor.execute(
                    f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s, %s, true, %s, NULL)",  # noqa: S608
                    [creditor.pk, *key, amount, municipality, delivery.pk],
                )
                new += 1
            elif current[key] != amount:
                cursor.execute(
                    f"UPDATE {TABLE} SET amount_cents = %s, delivery_id = %s WHERE creditor_id = %s "  # noqa: S608
                    "AND klantnummer = %s AND contractnummer = %s AND is_open",
                    [amount, delivery.pk, creditor.pk, *key],
                )
                changed += 1
            else:
                unchanged += 1
        if kind == "stand":
            for key in current:
                if key not in delivered and key not in kept:
                    cursor.execute(
                        f"UPDATE {TABLE} SET is_open = false, cleared_by = %s WHERE creditor_id = %s "  # noqa: S608
                        "AND klantnummer = %s AND contractnummer = %s AND is_open",
                        [delivery.pk, creditor.pk, *key],
                    )
                    cleared += 1
    return ApplyCounts(new, changed, cleared, unchanged)


def cleared_per_municipality(delivery_id: int) -> dict[str, int]:
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT municipality_code, COUNT(*) FROM {TABLE} WHERE cleared_by = %s "  # noqa: S608
            "GROUP BY municipality_code ORDER BY municipality_code",
            [delivery_id],
        )
        return dict(cursor.fetchall())


def snapshot() -> list[tuple]:
    """Every arrear row, sorted: to compare the data before and after."""
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT creditor_id, klantnummer, contractnummer, amount_cents, municipality_code, is_open "  # noqa: S608
            f"FROM {TABLE} ORDER BY creditor_id, klantnummer, contractnummer, is_open"
        )
        return [tuple(row) for row in cursor.fetchall()]


def as_module() -> types.ModuleType:
    module = types.ModuleType("vroegsignaal.households.services")
    for name in (
        "ApplyCounts",
        "apply_rows",
        "open_arrear_count",
        "count_cleared_by_stand",
        "cleared_per_municipality",
        "snapshot",
    ):
        setattr(module, name, globals()[name])
    return module


def install(monkeypatch) -> types.ModuleType:
    """Make ``vroegsignaal.households.services`` this stand-in for one test."""
    module = as_module()
    monkeypatch.setitem(sys.modules, "vroegsignaal.households.services", module)
    return module
