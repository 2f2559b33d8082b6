"""Properties: the order of the rows never matters; evaluating again changes nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vroegsignaal.signals import evaluation, explanations, services
from vroegsignaal.signals.models import Signal, SignalArrear
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM
from .engine import BY_CODE, TODAY, R, creditors, frame

CODES = sorted(BY_CODE)


@st.composite
def arrear_rows(draw, *, households: int = 4):
    count = draw(st.integers(0, 14))
    rows = []
    for n in range(count):
        cleared = draw(st.booleans()) and draw(st.booleans())
        last_seen_ago = draw(st.integers(0, 200))
        rows.append(
            {
                "arrear_id": n + 1,
                "household_id": draw(st.integers(1, households)),
                "creditor_id": BY_CODE[draw(st.sampled_from(CODES))],
                "amount_cents": draw(st.sampled_from([999, 5_000, 12_345, 65_000])),
                "start_date": R - dt.timedelta(days=draw(st.integers(-2, 260))),
                "crisis": draw(st.booleans()),
                "crisis_reason": draw(st.sampled_from(["", "ontruiming"])),
                "status": "cleared" if cleared else "open",
                "last_seen_on": R - dt.timedelta(days=last_seen_ago),
                "cleared_on": R - dt.timedelta(days=max(last_seen_ago - 30, 0))
                if cleared
                else None,
            }
        )
    return rows


rules_strategy = st.builds(
    RuleValues,
    max_age_days=st.sampled_from([60, 100]),
    min_creditors=st.sampled_from([2, 3]),
    min_amount_eur=st.sampled_from([0, 50]),
    single_signals=st.booleans(),
    single_signal_excluded_types=st.sampled_from([(), ("Zorg",)]),
    debt_swap_window_days=st.sampled_from([30, 60]),
    count_distinct=st.sampled_from(["creditor", "type"]),
)


@st.composite
def states(draw):
    arrears = draw(arrear_rows())
    ids = [a["arrear_id"] for a in arrears]
    open_households = draw(st.sets(st.integers(1, 4), max_size=2))
    open_signals = [
        {"signal_id": 100 + h, "household_id": h, "status": draw(st.sampled_from(["nieuw", "opgepakt"])),
         "crisis": False, "deadline": None, "last_signalled_on": R - dt.timedelta(days=draw(st.integers(0, 250))),
         "dormant_since": draw(st.sampled_from([None, R, R - dt.timedelta(days=20)]))}
        for h in sorted(open_households)
    ]  # fmt: skip
    members = [
        {"signal_id": 100 + a["household_id"], "arrear_id": a["arrear_id"]}
        for a in arrears
        if a["household_id"] in open_households and draw(st.booleans())
    ]
    previous = [
        {"household_id": h, "signal_id": 50 + h, "signalled_until": R - dt.timedelta(days=draw(st.integers(0, 400))),
         "lapsed_on": draw(st.sampled_from([None, R, R - dt.timedelta(days=31)])), "repeat": draw(st.booleans()),
         "repeat_of_id": None, "repeat_until": None,
         "dormant_since": draw(st.sampled_from([None, R - dt.timedelta(days=10)]))}
        for h in sorted(draw(st.sets(st.integers(1, 4), max_size=3)))
    ]  # fmt: skip
    excluded = sorted(draw(st.sets(st.sampled_from(ids), max_size=3))) if ids else []
    return arrears, open_signals, members, previous, excluded


def _state(arrears, open_signals, members, previous, excluded, order=None):
    def shuffled(rows):
        return [rows[i] for i in order(len(rows))] if order else rows

    return evaluation.State(
        arrears=frame(shuffled(arrears), evaluation.ARREAR_SCHEMA),
        creditors=creditors(),
        open_signals=frame(shuffled(open_signals), evaluation.OPEN_SIGNAL_SCHEMA),
        members=frame(shuffled(members), evaluation.MEMBER_SCHEMA),
        previous=frame(shuffled(previous), evaluation.PREVIOUS_SCHEMA),
        excluded=frame(shuffled([{"arrear_id": a} for a in excluded]), evaluation.EXCLUDED_SCHEMA),
    )


def _result(state: evaluation.State, rules: RuleValues) -> dict:
    outcome = evaluation.evaluate_households(state, rules, reference_date=R, received_on=TODAY)
    signals = pl.concat(
        [
            outcome.raised.select("household_id", "kind", "distinct", "deadline", "previous_signal_id", "previous_until"),
            outcome.updated.select(
                "household_id", "kind", "distinct", "deadline",
                pl.lit(None, pl.Int64).alias("previous_signal_id"), pl.lit(None, pl.Date).alias("previous_until"),
            ),
        ]
    )  # fmt: skip
    texts = explanations.explain_frame(
        signals, outcome.counting, outcome.swaps, state.creditors, rules, R
    )
    return {
        "raised": outcome.raised.to_dicts(),
        "updated": outcome.updated.to_dicts(),
        "expired": outcome.expired.to_dicts(),
        "dormant": outcome.dormant.to_dicts(),
        "counting": outcome.counting.select("household_id", "arrear_id").to_dicts(),
        "texts": texts.sort("household_id").to_dicts(),
    }


@settings(max_examples=150, deadline=None)
@given(states(), rules_strategy, st.randoms(use_true_random=False))
def test_reordering_the_rows_never_changes_the_evaluation(parts, rules, rnd):
    def order(n):
        indices = list(range(n))
        rnd.shuffle(indices)
        return indices

    assert _result(_state(*parts), rules) == _result(_state(*parts, order=order), rules)


@settings(max_examples=100, deadline=None)
@given(states(), rules_strategy)
def test_evaluating_households_one_by_one_equals_evaluating_them_together(parts, rules):
    together = _result(_state(*parts), rules)
    arrears, open_signals, members, previous, excluded = parts
    apart: dict[str, list] = {key: [] for key in together}
    for h in range(1, 5):
        mine = [a for a in arrears if a["household_id"] == h]
        mine_signals = [s for s in open_signals if s["household_id"] == h]
        mine_members = [m for m in members if m["signal_id"] == 100 + h]
        mine_previous = [p for p in previous if p["household_id"] == h]
        ids = {a["arrear_id"] for a in mine}
        one = _result(
            _state(
                mine, mine_signals, mine_members, mine_previous, [e for e in excluded if e in ids]
            ),
            rules,
        )
        for key, rows in one.items():
            apart[key].extend(rows)
    for key in ("raised", "counting", "texts"):
        apart[key].sort(key=lambda r: (r["household_id"], r.get("arrear_id", 0)))
    for key in ("updated", "expired", "dormant"):
        apart[key].sort(key=lambda r: r["signal_id"])
    assert apart == together


# --- against the database ---------------------------------------------------------


@st.composite
def worlds(draw):
    return draw(
        st.lists(
            st.tuples(
                st.integers(0, 3),  # household
                st.sampled_from(["WOONBRUG", "ENERGIENOORD", "ZORGZUID", "ZORGWEST"]),
                st.integers(0, 130),  # age in days
                st.sampled_from([2_500, 12_345]),
                st.booleans(),  # crisis
                st.booleans(),  # cleared a month ago
            ),
            max_size=10,
        )
    )


def _snapshot():
    signals = list(Signal.objects.order_by("pk").values())
    members = list(
        SignalArrear.objects.order_by("pk").values("signal_id", "arrear_id", "role", "counts")
    )
    return signals, members


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(worlds(), st.sampled_from([0, 50]))
def test_evaluating_twice_gives_the_same_signals(world, rows, minimum):
    with transaction.atomic():
        services.set_rules(world.municipality, RuleValues(min_amount_eur=minimum))
        households = [world.household() for _ in range(4)]
        for household, creditor, age, amount, crisis, cleared in rows:
            world.arrear(
                households[household], creditor, amount=amount, age=age, crisis=crisis,
                cleared_on=PEILDATUM if cleared else None,
            )  # fmt: skip
        services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
        first = _snapshot()
        report = services.evaluate(
            world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM
        )
        assert (report.raised, report.updated, report.expired) == (0, 0, 0)
        assert _snapshot() == first
        transaction.set_rollback(True)
