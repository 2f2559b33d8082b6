"""Explanations in plain Dutch (pure)."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.signals.explanations import dutch_date, euros, explain, rule_line, swap_sentence
from vroegsignaal.signals.rules import RuleValues

R = dt.date(2026, 3, 20)


def _arrear(code, name, amount, start, *, arrear_id=1, crisis=False, reason=""):
    return {
        "arrear_id": arrear_id, "creditor_code": code, "creditor_name": name, "creditor_type": "Huur",
        "amount_cents": amount, "start_date": start, "crisis": crisis, "crisis_reason": reason,
    }  # fmt: skip


def test_whole_euros_are_written_without_cents():
    assert euros(65_000) == "€ 650"


def test_euros_with_cents_use_a_decimal_comma():
    assert euros(12_345) == "€ 123,45"


def test_thousands_are_grouped_with_a_dot():
    assert euros(123_456) == "€ 1.234,56"


def test_euros_in_a_table_column_always_show_the_cents():
    assert (euros(65_000, always_cents=True), euros(123_456, always_cents=True)) == (
        "€ 650,00",
        "€ 1.234,56",
    )


def test_dates_are_written_in_dutch():
    assert dutch_date(dt.date(2026, 2, 3)) == "3 februari 2026"


def test_swap_is_described_with_both_creditors_amounts_and_dates():
    swap = {
        "cleared_creditor_name": "Woonstichting De Brug", "cleared_amount_cents": 65_000,
        "cleared_on": dt.date(2026, 3, 1), "new_creditor_name": "Energie Noord",
        "new_amount_cents": 21_000, "start_date": dt.date(2026, 3, 10),
    }  # fmt: skip
    assert swap_sentence(swap, R) == (
        "achterstand bij Woonstichting De Brug (€ 650,00) opgelost op 1 maart; "
        "nieuwe achterstand bij Energie Noord (€ 210,00) sinds 10 maart"
    )


def test_swap_dates_in_another_year_carry_the_year():
    swap = {
        "cleared_creditor_name": "A", "cleared_amount_cents": 100, "cleared_on": dt.date(2025, 12, 1),
        "new_creditor_name": "B", "new_amount_cents": 200, "start_date": dt.date(2026, 1, 5),
    }  # fmt: skip
    assert "opgelost op 1 december 2025" in swap_sentence(swap, R)


def test_rule_line_names_the_rule_the_number_of_creditors_and_the_window():
    assert rule_line("meervoudig", 2, RuleValues()) == "meervoudig: 2 schuldeisers binnen 100 dagen"


def test_rule_line_counts_types_when_the_municipality_does():
    assert rule_line("meervoudig", 2, RuleValues(count_distinct="type")) == (
        "meervoudig: 2 soorten schuldeisers binnen 100 dagen"
    )


def test_rule_line_mentions_the_minimum_amount_for_each_creditor():
    assert rule_line("meervoudig", 2, RuleValues(min_amount_eur=50)) == (
        "meervoudig: 2 schuldeisers binnen 100 dagen, elk vanaf € 50"
    )


def test_rule_line_of_one_creditor_says_the_minimum_without_each():
    assert rule_line("enkelvoudig", 1, RuleValues(min_amount_eur=50)) == (
        "enkelvoudig: 1 schuldeiser binnen 100 dagen, vanaf € 50"
    )


def test_explanation_has_one_line_per_creditor_with_amount_and_start():
    text, _ = explain(
        kind="meervoudig", distinct=2,
        arrears=[
            _arrear("ZZ", "Zorgverzekeraar Zuid", 12_345, dt.date(2026, 2, 3), arrear_id=1),
            _arrear("ZZ", "Zorgverzekeraar Zuid", 10_000, dt.date(2026, 2, 10), arrear_id=2),
            _arrear("EN", "Energie Noord", 21_000, dt.date(2026, 3, 10), arrear_id=3),
        ],
        swaps=[], deadline=None, repeat=None, rules=RuleValues(), reference_date=R,
    )  # fmt: skip
    assert text.splitlines() == [
        "meervoudig: 2 schuldeisers binnen 100 dagen",
        "Achterstand bij Zorgverzekeraar Zuid van € 223,45 sinds 3 februari 2026",
        "Achterstand bij Energie Noord van € 210,00 sinds 10 maart 2026",
    ]


def test_explanation_amounts_are_written_with_cents_as_the_portal_writes_money():
    """The explanation said "Achterstand bij Energie Noord van € 435" next to "€ 435,00" in the page's tables,
    and next to "€ 1.482,08" in the same explanation."""
    swap = {
        "cleared_arrear_id": 7, "cleared_creditor_code": "WB", "cleared_creditor_name": "Woonstichting De Brug",
        "cleared_amount_cents": 65_000, "last_seen_on": dt.date(2026, 2, 1), "cleared_on": dt.date(2026, 3, 1),
        "new_arrear_id": 3, "new_creditor_code": "EN", "new_creditor_name": "Energie Noord",
        "new_amount_cents": 43_500, "start_date": dt.date(2026, 3, 10),
    }  # fmt: skip
    text, _ = explain(
        kind="meervoudig", distinct=2,
        arrears=[
            _arrear("ZZ", "Zorgverzekeraar Zuid", 148_208, dt.date(2026, 2, 3), arrear_id=1),
            _arrear("EN", "Energie Noord", 43_500, dt.date(2026, 3, 10), arrear_id=3),
        ],
        swaps=[swap], deadline=None, repeat=None, rules=RuleValues(), reference_date=R,
    )  # fmt: skip
    assert text.splitlines()[1:] == [
        "Achterstand bij Zorgverzekeraar Zuid van € 1.482,08 sinds 3 februari 2026",
        "Achterstand bij Energie Noord van € 435,00 sinds 10 maart 2026",
        "schuldverschuiving: achterstand bij Woonstichting De Brug (€ 650,00) opgelost op 1 maart; "
        "nieuwe achterstand bij Energie Noord (€ 435,00) sinds 10 maart",
    ]


def test_explanation_names_crisis_deadline_and_repeat():
    text, reasons = explain(
        kind="enkelvoudig", distinct=1,
        arrears=[_arrear("WB", "Woonstichting De Brug", 65_000, dt.date(2026, 2, 1), crisis=True, reason="ontruiming")],
        swaps=[], deadline=dt.date(2026, 4, 30),
        repeat={"previous_signal_id": 4, "until": dt.date(2025, 12, 1)},
        rules=RuleValues(), reference_date=R,
    )  # fmt: skip
    assert text.splitlines()[2:] == [
        "crisis: dreigende ontruiming bij Woonstichting De Brug; contact uiterlijk 30 april 2026 (3 werkdagen)",
        "herhaald: eerder signaal tot en met 1 december 2025 (binnen 183 dagen)",
    ]
    assert (
        reasons["crisis"]["deadline"] == "2026-04-30"
        and reasons["repeat"]["previous_signal_id"] == 4
    )


def test_reasons_do_not_depend_on_the_order_of_the_arrears():
    arrears = [
        _arrear("A", "A", 100, dt.date(2026, 2, 1), arrear_id=1),
        _arrear("B", "B", 200, dt.date(2026, 2, 1), arrear_id=2),
    ]
    common = {
        "kind": "meervoudig",
        "distinct": 2,
        "swaps": [],
        "deadline": None,
        "repeat": None,
        "rules": RuleValues(),
        "reference_date": R,
    }
    assert explain(arrears=arrears, **common) == explain(arrears=arrears[::-1], **common)
