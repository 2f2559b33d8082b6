"""Trays (werkbakjes): which tray a signal goes to, and its priority there (pure; no database).

A signal goes to the first tray, in the municipality's order, whose
conditions all hold; an empty condition holds always. Conditions are plain
fields of :class:`~.models.Tray` (no rule language): kind, crisis, repeat,
debt swap, total amount range, creditor types, the youngest or oldest
person's age, wijk/buurt codes, and a team's area.

Priority within a tray (higher first), an integer from 0 to 3100::

    priority = 2000 × crisis
             +  100 × min(creditors, 5)
             +  min(total amount in euros, 5000) ÷ 10      (whole points)
             +  min(age of the oldest arrear in days, 365) × 100 ÷ 365

A crisis (Wgs: contact within three working days) always comes first: no
other signal reaches 2000 points. Then each creditor weighs as much as
€ 1,000 of arrears; the age of the oldest arrear breaks the remaining ties
(older first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from .evaluation import ENKELVOUDIG, MEERVOUDIG

# The trays every municipality starts with, in this order (issue 5).
JONGEREN_AGE_LIMIT = (
    27  # "Jongeren (< 27)": the Jongerenaanpak schulden works with young people up to 27.
)
DEFAULT_TRAYS: tuple[tuple[str, dict], ...] = (
    ("Crisis", {"crisis": True}),
    # Everyone known in the household is younger than 27: a young household.
    ("Jongeren (< 27)", {"oldest_age_max": JONGEREN_AGE_LIMIT - 1}),
    ("Meervoudig", {"kind": MEERVOUDIG}),
    ("Schuldverschuiving", {"debt_swap": True}),
    ("Enkelvoudig", {"kind": ENKELVOUDIG}),
)

# Columns a frame needs for :func:`assign_trays`.
TRAY_INPUT_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "crisis": pl.Boolean(),
    "repeat": pl.Boolean(),
    "debt_swap": pl.Boolean(),
    "total_amount_cents": pl.Int64(),
    "creditor_types": pl.List(pl.String()),
    "youngest_age": pl.Int64(),
    "oldest_age": pl.Int64(),
    "buurt_code": pl.String(),
    "wijk_code": pl.String(),
}

CRISIS_POINTS = 2000
CREDITOR_POINTS, CREDITORS_CAPPED = 100, 5
AMOUNT_CAP_EUR, EUROS_PER_POINT = 5000, 10
AGE_CAP_DAYS, AGE_POINTS = 365, 100


@dataclass(frozen=True)
class TrayConditions:
    """One tray's conditions, detached from the database."""

    tray_id: int
    name: str = ""
    kind: str = ""
    crisis: bool | None = None
    repeat: bool | None = None
    debt_swap: bool | None = None
    amount_min_eur: int | None = None
    amount_max_eur: int | None = None
    creditor_types: tuple[str, ...] = ()
    youngest_age_min: int | None = None
    youngest_age_max: int | None = None
    oldest_age_min: int | None = None
    oldest_age_max: int | None = None
    neighbourhood_codes: tuple[str, ...] = ()
    # A team's area: ``None`` when the tray has no team condition.
    team_codes: tuple[str, ...] | None = None

    @classmethod
    def from_tray(cls, tray) -> TrayConditions:
        return cls(
            tray_id=tray.pk,
            name=tray.name,
            kind=tray.kind or "",
            crisis=tray.crisis,
            repeat=tray.repeat,
            debt_swap=tray.debt_swap,
            amount_min_eur=tray.amount_min_eur,
            amount_max_eur=tray.amount_max_eur,
            creditor_types=tuple(tray.creditor_types or ()),
            youngest_age_min=tray.youngest_age_min,
            youngest_age_max=tray.youngest_age_max,
            oldest_age_min=tray.oldest_age_min,
            oldest_age_max=tray.oldest_age_max,
            neighbourhood_codes=tuple(tray.neighbourhood_codes or ()),
            team_codes=None if tray.team_id is None else tuple(tray.team.neighbourhood_codes or ()),
        )

    @property
    def needs_ages(self) -> bool:
        bounds = (
            self.youngest_age_min,
            self.youngest_age_max,
            self.oldest_age_min,
            self.oldest_age_max,
        )
        return any(b is not None for b in bounds)

    @property
    def needs_places(self) -> bool:
        return bool(self.neighbourhood_codes) or self.team_codes is not None

    def expr(self) -> pl.Expr:
        """True where a signal (a row with :data:`TRAY_INPUT_SCHEMA`) meets every condition."""
        parts: list[pl.Expr] = [pl.lit(True)]
        if self.kind:
            parts.append(pl.col("kind") == self.kind)
        for name in ("crisis", "repeat", "debt_swap"):
            wanted = getattr(self, name)
            if wanted is not None:
                parts.append(pl.col(name) == wanted)
        if self.amount_min_eur is not None:
            parts.append(pl.col("total_amount_cents") >= self.amount_min_eur * 100)
        if self.amount_max_eur is not None:
            parts.append(pl.col("total_amount_cents") <= self.amount_max_eur * 100)
        if self.creditor_types:
            parts.append(
                pl.col("creditor_types")
                .list.eval(pl.element().is_in(self.creditor_types))
                .list.any()
            )
        for column, low, high in (
            ("youngest_age", self.youngest_age_min, self.youngest_age_max),
            ("oldest_age", self.oldest_age_min, self.oldest_age_max),
        ):
            if low is not None:
                parts.append(pl.col(column) >= low)
            if high is not None:
                parts.append(pl.col(column) <= high)
        for codes in (self.neighbourhood_codes or None, self.team_codes):
            if codes is not None:
                parts.append(pl.col("buurt_code").is_in(codes) | pl.col("wijk_code").is_in(codes))
        # A missing value (unknown age or place) never meets a condition.
        return pl.all_horizontal(parts).fill_null(False)


def tray_conditions(trays: Iterable) -> list[TrayConditions]:
    """Conditions of ``trays`` (model instances) in their order."""
    return [TrayConditions.from_tray(t) for t in sorted(trays, key=lambda t: (t.position, t.pk))]


def assign_trays(frame: pl.DataFrame, conditions: list[TrayConditions]) -> pl.Series:
    """The id of the first matching tray per row (null when none matches)."""
    if not conditions or frame.is_empty():
        return pl.Series("tray_id", [None] * frame.height, dtype=pl.Int64)
    choice = pl.coalesce(
        [pl.when(c.expr()).then(pl.lit(c.tray_id, pl.Int64)) for c in conditions]
        + [pl.lit(None, pl.Int64)]
    )
    # with_columns, not select: when no tray has a condition the choice is a literal, which
    # select() would give once instead of once per row.
    return frame.with_columns(choice.alias("__tray_id")).get_column("__tray_id").alias("tray_id")


def priority_expr(reference_date: dt.date) -> pl.Expr:
    """The priority formula of the module docstring, over ``crisis``, ``creditor_count``,
    ``total_amount_cents`` and ``oldest_start_date``."""
    age = (
        (pl.lit(reference_date, pl.Date) - pl.col("oldest_start_date"))
        .dt.total_days()
        .clip(0, AGE_CAP_DAYS)
    )
    return (
        pl.col("crisis").cast(pl.Int64) * CRISIS_POINTS
        + pl.col("creditor_count").cast(pl.Int64).clip(0, CREDITORS_CAPPED) * CREDITOR_POINTS
        + (pl.col("total_amount_cents").clip(0, AMOUNT_CAP_EUR * 100) // (EUROS_PER_POINT * 100))
        + age * AGE_POINTS // AGE_CAP_DAYS
    ).cast(pl.Int64)


def priority(
    *, crisis: bool, creditor_count: int, total_amount_cents: int, oldest_age_days: int
) -> int:
    """The same formula for one signal (for screens and tests)."""
    return (
        CRISIS_POINTS * int(crisis)
        + CREDITOR_POINTS * min(max(creditor_count, 0), CREDITORS_CAPPED)
        + min(max(total_amount_cents, 0), AMOUNT_CAP_EUR * 100) // (EUROS_PER_POINT * 100)
        + min(max(oldest_age_days, 0), AGE_CAP_DAYS) * AGE_POINTS // AGE_CAP_DAYS
    )


def age_in_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
