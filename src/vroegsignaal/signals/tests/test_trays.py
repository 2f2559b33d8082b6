"""Tray conditions and the priority formula (pure)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from vroegsignaal.signals.trays import (
    DEFAULT_TRAYS,
    TRAY_INPUT_SCHEMA,
    TrayConditions,
    assign_trays,
    priority,
    priority_expr,
)

R = dt.date(2026, 3, 1)


def _signal(**values) -> dict:
    base = {
        "kind": "enkelvoudig", "crisis": False, "repeat": False, "debt_swap": False,
        "total_amount_cents": 10_000, "creditor_types": ["Huur"], "youngest_age": 40,
        "oldest_age": 45, "buurt_code": "BU09990101", "wijk_code": "WK099901",
    }  # fmt: skip
    base.update(values)
    return base


def _defaults() -> list[TrayConditions]:
    return [
        TrayConditions(tray_id=i + 1, name=name, **c) for i, (name, c) in enumerate(DEFAULT_TRAYS)
    ]


def _tray_of(conditions, **values) -> int | None:
    frame = pl.DataFrame([_signal(**values)], schema=TRAY_INPUT_SCHEMA)
    return assign_trays(frame, conditions).to_list()[0]


def _name(tray_id):
    return {i + 1: name for i, (name, _) in enumerate(DEFAULT_TRAYS)}.get(tray_id)


def test_default_trays_are_in_the_order_of_the_issue():
    assert [name for name, _ in DEFAULT_TRAYS] == [
        "Crisis", "Jongeren (< 27)", "Meervoudig", "Schuldverschuiving", "Enkelvoudig",
    ]  # fmt: skip


def test_crisis_signal_goes_to_the_crisis_tray_before_any_other():
    assert _name(_tray_of(_defaults(), crisis=True, kind="meervoudig", oldest_age=20)) == "Crisis"


def test_young_household_goes_to_jongeren():
    assert (
        _name(_tray_of(_defaults(), kind="meervoudig", youngest_age=22, oldest_age=26))
        == "Jongeren (< 27)"
    )


def test_household_with_a_27_year_old_is_not_jongeren():
    assert (
        _name(_tray_of(_defaults(), kind="meervoudig", youngest_age=22, oldest_age=27))
        == "Meervoudig"
    )


def test_household_of_unknown_age_is_not_jongeren():
    assert _name(_tray_of(_defaults(), youngest_age=None, oldest_age=None)) == "Enkelvoudig"


def test_single_signal_with_a_debt_swap_goes_to_schuldverschuiving():
    assert _name(_tray_of(_defaults(), debt_swap=True)) == "Schuldverschuiving"


def test_signal_matching_no_tray_has_none():
    assert _tray_of([TrayConditions(tray_id=1, crisis=True)]) is None


def test_amount_bounds_are_inclusive():
    tray = [TrayConditions(tray_id=1, amount_min_eur=100, amount_max_eur=200)]
    assert [_tray_of(tray, total_amount_cents=c) for c in (9_999, 10_000, 20_000, 20_001)] == [
        None,
        1,
        1,
        None,
    ]


def test_creditor_type_condition_matches_any_counting_creditor():
    tray = [TrayConditions(tray_id=1, creditor_types=("Energie", "Water"))]
    assert (
        _tray_of(tray, creditor_types=["Huur", "Water"]),
        _tray_of(tray, creditor_types=["Huur"]),
    ) == (1, None)


def test_neighbourhood_condition_matches_buurt_or_wijk():
    tray = [TrayConditions(tray_id=1, neighbourhood_codes=("WK099901",))]
    assert (_tray_of(tray), _tray_of(tray, wijk_code="WK099902", buurt_code="BU09990201")) == (
        1,
        None,
    )


def test_team_condition_matches_the_teams_area_and_nothing_without_one():
    assert _tray_of([TrayConditions(tray_id=1, team_codes=("BU09990101",))]) == 1
    assert _tray_of([TrayConditions(tray_id=1, team_codes=())]) is None


def test_repeat_condition():
    tray = [TrayConditions(tray_id=1, repeat=True)]
    assert (_tray_of(tray, repeat=True), _tray_of(tray, repeat=False)) == (1, None)


def test_priority_puts_crisis_above_everything_else():
    crisis = priority(crisis=True, creditor_count=1, total_amount_cents=100, oldest_age_days=1)
    other = priority(
        crisis=False, creditor_count=5, total_amount_cents=500_000, oldest_age_days=365
    )
    assert crisis > other


def test_priority_formula_components():
    assert (
        priority(crisis=False, creditor_count=2, total_amount_cents=86_000, oldest_age_days=73)
        == 200 + 86 + 20
    )


def test_priority_is_capped():
    assert (
        priority(crisis=True, creditor_count=9, total_amount_cents=10**9, oldest_age_days=10**4)
        == 3100
    )


def test_vectorised_priority_equals_the_scalar_formula():
    frame = pl.DataFrame(
        {"crisis": [True, False], "creditor_count": [3, 1], "total_amount_cents": [123_456, 5_000],
         "oldest_start_date": [R - dt.timedelta(days=90), R - dt.timedelta(days=400)]}
    )  # fmt: skip
    expected = [
        priority(crisis=True, creditor_count=3, total_amount_cents=123_456, oldest_age_days=90),
        priority(crisis=False, creditor_count=1, total_amount_cents=5_000, oldest_age_days=400),
    ]
    assert frame.select(priority_expr(R)).to_series().to_list() == expected


def test_trays_without_conditions_give_every_signal_a_tray_not_one_value():
    """With only trays that take every signal the choice is a literal: it once came back as one
    value for the whole frame, and re-sorting failed on the length (deleting all but a catch-all tray)."""
    frame = pl.DataFrame(
        [_signal(), _signal(crisis=True), _signal(kind="meervoudig")], schema=TRAY_INPUT_SCHEMA
    )
    catch_all = [
        TrayConditions(tray_id=7, name="Alle signalen"),
        TrayConditions(tray_id=8, name="Nog een"),
    ]
    assert assign_trays(frame, catch_all).to_list() == [7, 7, 7]
    assert assign_trays(frame, []).to_list() == [None, None, None]
