"""Evaluation during a delivery's apply: persons created by it are not written yet
(households.services.apply_rows, ``while_persons_encrypt``); their birth dates count."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from vroegsignaal.signals import selectors
from vroegsignaal.signals.trays import age_in_years

ON = dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    "born",
    [
        dt.date(2000, 3, 1),  # birthday today
        dt.date(2000, 3, 2),  # tomorrow
        dt.date(2000, 2, 29),  # leap day
        dt.date(1999, 12, 31),
        dt.date(2026, 3, 1),  # born today
    ],
)
def test_age_expression_agrees_with_age_in_years(born):
    frame = pl.DataFrame({"birth_date": [born]}, schema={"birth_date": pl.Date()})
    assert frame.select(selectors._age_expr(ON)).item() == age_in_years(born, ON)


def test_pending_persons_count_as_members_of_their_household(world):
    stored = world.household(born=dt.date(1950, 6, 1))  # a person already written
    fresh = world.household(born=dt.date(1990, 1, 1))
    pending = pl.DataFrame(
        {
            "household_id": [stored.pk, fresh.pk, 999_999],
            "birth_date": [dt.date(2005, 7, 1), dt.date(2001, 3, 2), dt.date(2010, 1, 1)],
        },
        schema={"household_id": pl.Int64(), "birth_date": pl.Date()},
    )
    context = selectors.household_context(
        [stored.pk, fresh.pk], on=ON, ages=True, places=False, pending_persons=pending
    ).sort("household_id")
    assert context.select("youngest_age", "oldest_age").rows() == [(20, 75), (24, 36)]
