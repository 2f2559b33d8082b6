"""Building :class:`~vroegsignaal.signals.evaluation.State` frames by hand, for the pure rule tests."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl

from vroegsignaal.signals import evaluation
from vroegsignaal.signals.rules import RuleValues

R = dt.date(2026, 3, 1)  # the peildatum of these tests
TODAY = dt.date(2026, 3, 3)

# id: (code, name, type)
CREDITORS = {
    1: ("WOONBRUG", "Woonstichting De Brug", "Huur"),
    2: ("ENERGIENOORD", "Energie Noord", "Energie"),
    3: ("ZORGZUID", "Zorgverzekeraar Zuid", "Zorg"),
    4: ("ZORGWEST", "Zorgverzekeraar West", "Zorg"),
}
BY_CODE = {code: i for i, (code, _, _) in CREDITORS.items()}
_ids = itertools.count(1)


def day(n: int) -> dt.date:
    """``n`` days before the peildatum."""
    return R - dt.timedelta(days=n)


def arrear(
    household: int = 1,
    creditor: str = "WOONBRUG",
    *,
    amount: int = 10_000,
    age: int = 30,
    start: dt.date | None = None,
    crisis: bool = False,
    reason: str = "",
    last_seen_on: dt.date | None = None,
    cleared_on: dt.date | None = None,
    status: str | None = None,
    arrear_id: int | None = None,
) -> dict:
    return {
        "arrear_id": arrear_id or next(_ids),
        "household_id": household,
        "creditor_id": BY_CODE[creditor],
        "amount_cents": amount,
        "start_date": start or day(age),
        "crisis": crisis,
        "crisis_reason": reason,
        "status": status or ("cleared" if cleared_on else "open"),
        "last_seen_on": last_seen_on or (cleared_on - dt.timedelta(days=30) if cleared_on else R),
        "cleared_on": cleared_on,
    }


def creditors() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"creditor_id": i, "creditor_code": c, "creditor_name": n, "creditor_type": t}
            for i, (c, n, t) in CREDITORS.items()
        ],
        schema=evaluation.CREDITOR_SCHEMA,
    )


def frame(rows, schema) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema) if rows else evaluation.empty(schema)


def state(arrears=(), *, open_signals=(), members=(), previous=(), excluded=()) -> evaluation.State:
    return evaluation.State(
        arrears=frame(arrears, evaluation.ARREAR_SCHEMA),
        creditors=creditors(),
        open_signals=frame(open_signals, evaluation.OPEN_SIGNAL_SCHEMA),
        members=frame(members, evaluation.MEMBER_SCHEMA),
        previous=frame(previous, evaluation.PREVIOUS_SCHEMA),
        excluded=frame([{"arrear_id": a} for a in excluded], evaluation.EXCLUDED_SCHEMA),
    )


def run(arrears=(), rules: RuleValues | None = None, **kwargs) -> evaluation.Outcome:
    return evaluation.evaluate_households(
        state(arrears, **kwargs), rules or RuleValues(), reference_date=R, received_on=TODAY
    )


def raised(arrears=(), rules: RuleValues | None = None, **kwargs) -> dict | None:
    """The one raised signal's row, or None."""
    outcome = run(arrears, rules, **kwargs)
    rows = outcome.raised.to_dicts()
    assert len(rows) <= 1
    return rows[0] if rows else None
