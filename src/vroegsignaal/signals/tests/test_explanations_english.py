"""A signal's explanation read in English from its stored reasons: the same lines as the Dutch."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.signals.explanations import explain, reasons_json
from vroegsignaal.signals.explanations_english import english_euros, explanation_lines
from vroegsignaal.signals.rules import RuleValues

R = dt.date(2026, 3, 20)
NAMES = {"WB": "Woonstichting De Brug", "EN": "Energie Noord", "ZZ": "Zorgverzekeraar Zuid"}


def _arrear(code, amount, start, *, arrear_id=1, crisis=False, reason=""):
    return {
        "arrear_id": arrear_id, "creditor_code": code, "creditor_name": NAMES[code], "creditor_type": "Huur",
        "amount_cents": amount, "start_date": start, "crisis": crisis, "crisis_reason": reason,
    }  # fmt: skip


def _swap(cleared, new, cleared_on, start, n=1):
    return {
        "cleared_arrear_id": 100 + n, "cleared_creditor_code": cleared, "cleared_creditor_name": NAMES[cleared],
        "cleared_amount_cents": 65_000, "last_seen_on": cleared_on - dt.timedelta(days=30),
        "cleared_on": cleared_on, "new_arrear_id": 200 + n, "new_creditor_code": new,
        "new_creditor_name": NAMES[new], "new_amount_cents": 21_000, "start_date": start,
    }  # fmt: skip


def stored(reasons: dict) -> dict:
    """The reasons as the database gives them back (canonical JSON, read again)."""
    return json.loads(reasons_json(reasons))


def test_english_amounts_read_as_english():
    assert [english_euros(c) for c in (65_000, 12_345, 123_456_78, -500)] == [
        "€650",
        "€123.45",
        "€123,456.78",
        "-€5",
    ]


def test_a_multiple_signal_with_crisis_repeat_and_debt_swap_in_english():
    _, reasons = explain(
        kind="meervoudig", distinct=2,
        arrears=[
            _arrear("ZZ", 12_345, dt.date(2026, 2, 3), arrear_id=1),
            _arrear("ZZ", 10_000, dt.date(2026, 2, 10), arrear_id=2),
            _arrear("EN", 21_000, dt.date(2026, 3, 10), arrear_id=3, crisis=True, reason="afsluiting_energie"),
        ],
        swaps=[_swap("WB", "EN", dt.date(2026, 3, 1), dt.date(2026, 3, 10))],
        deadline=dt.date(2026, 3, 25), repeat={"previous_signal_id": 4, "until": dt.date(2025, 12, 1)},
        rules=RuleValues(min_amount_eur=50), reference_date=R,
    )  # fmt: skip
    # The swap's creditors are looked up by code: the reasons keep only the codes.
    lines = explanation_lines(stored(reasons), reference_date=R, creditor_names={"WB": NAMES["WB"]})
    assert lines == [
        "multiple: 2 creditors within 100 days, each from €50",
        "Arrears at Zorgverzekeraar Zuid of €223.45 since 3 February 2026",
        "Arrears at Energie Noord of €210.00 since 10 March 2026",
        "crisis: imminent disconnection of energy at Energie Noord; contact by 25 March 2026 (3 working days)",
        "repeat: earlier signal up to and including 1 December 2025 (within 183 days)",
        "debt swap: arrears at Woonstichting De Brug (€650.00) cleared on 1 March; "
        "new arrears at Energie Noord (€210.00) since 10 March",
    ]


def test_english_explanation_amounts_are_written_with_cents_as_the_portal_writes_money():
    _, reasons = explain(
        kind="meervoudig", distinct=2,
        arrears=[_arrear("ZZ", 148_208, dt.date(2026, 2, 3), arrear_id=1),
                 _arrear("EN", 43_500, dt.date(2026, 3, 10), arrear_id=3)],
        swaps=[_swap("WB", "EN", dt.date(2026, 3, 1), dt.date(2026, 3, 10))],
        deadline=None, repeat=None, rules=RuleValues(), reference_date=R,
    )  # fmt: skip
    lines = explanation_lines(stored(reasons), reference_date=R, creditor_names={"WB": NAMES["WB"]})
    assert lines[1:] == [
        "Arrears at Zorgverzekeraar Zuid of €1,482.08 since 3 February 2026",
        "Arrears at Energie Noord of €435.00 since 10 March 2026",
        "debt swap: arrears at Woonstichting De Brug (€650.00) cleared on 1 March; "
        "new arrears at Energie Noord (€210.00) since 10 March",
    ]


def test_a_single_signal_states_its_minimum_without_each():
    _, reasons = explain(
        kind="enkelvoudig", distinct=1, arrears=[_arrear("EN", 21_000, dt.date(2026, 3, 10))], swaps=[],
        deadline=None, repeat=None, rules=RuleValues(min_amount_eur=50), reference_date=R,
    )  # fmt: skip
    lines = explanation_lines(stored(reasons), reference_date=R, creditor_names={})
    assert lines[0] == "single: 1 creditor within 100 days, from €50"


DUTCH_TO_ENGLISH_START = {
    "meervoudig:": "multiple:",
    "enkelvoudig:": "single:",
    "Achterstand": "Arrears",
    "crisis:": "crisis:",
    "herhaald:": "repeat:",
    "schuldverschuiving:": "debt",
}

codes = st.sampled_from(sorted(NAMES))
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 3, 20))
arrears = st.lists(
    st.builds(
        lambda code, amount, start, crisis, reason: (code, amount, start, crisis, reason),
        codes, st.integers(1, 10_000_000), days, st.booleans(),
        st.sampled_from(["", "ontruiming", "afsluiting_energie", "afsluiting_water", "beeindiging_zorgverzekering"]),
    ),
    min_size=1, max_size=6,
)  # fmt: skip


@given(
    arrears=arrears,
    swaps=st.lists(st.tuples(codes, codes, days, days), max_size=5),
    kind=st.sampled_from(["meervoudig", "enkelvoudig"]),
    deadline=st.none() | days,
    repeat=st.none() | days,
    rules=st.builds(RuleValues, count_distinct=st.sampled_from(["organisation", "type"]), min_amount_eur=st.integers(0, 200)),
)  # fmt: skip
def test_the_english_explanation_has_the_dutch_lines_in_the_same_order(
    arrears, swaps, kind, deadline, repeat, rules
):
    facts = [
        _arrear(c, a, s, arrear_id=i, crisis=cr, reason=r)
        for i, (c, a, s, cr, r) in enumerate(arrears, 1)
    ]
    swap_facts = [_swap(a, b, on, start, n) for n, (a, b, on, start) in enumerate(swaps, 1)]
    distinct = len({a["creditor_code"] for a in facts})
    text, reasons = explain(
        kind=kind, distinct=distinct, arrears=facts, swaps=swap_facts, deadline=deadline,
        repeat=None if repeat is None else {"previous_signal_id": 1, "until": repeat},
        rules=rules, reference_date=R,
    )  # fmt: skip
    english = explanation_lines(stored(reasons), reference_date=R, creditor_names=NAMES)
    dutch = text.splitlines()
    assert [DUTCH_TO_ENGLISH_START[line.split(" ", 1)[0]] for line in dutch] == [
        line.split(" ", 1)[0] for line in english
    ]
    # The same creditor names, in the same places.
    for dutch_line, english_line in zip(dutch, english, strict=True):
        assert [n for n in NAMES.values() if n in dutch_line] == [
            n for n in NAMES.values() if n in english_line
        ]


@pytest.mark.django_db
def test_a_page_shows_the_stored_dutch_explanation_or_reads_the_reasons_in_english():
    from django.utils import translation

    from tests.factories import CreditorFactory
    from vroegsignaal.signals.models import Signal
    from vroegsignaal.signals.services import shown_explanation

    CreditorFactory(code="WB", name="Woonstichting De Brug")
    text, reasons = explain(
        kind="enkelvoudig", distinct=1, arrears=[_arrear("EN", 21_000, dt.date(2026, 3, 10))],
        swaps=[_swap("WB", "EN", dt.date(2026, 3, 1), dt.date(2026, 3, 10))],
        deadline=None, repeat=None, rules=RuleValues(), reference_date=R,
    )  # fmt: skip
    signal = Signal(explanation=text, reasons=stored(reasons), last_signalled_on=R)
    assert shown_explanation(signal) == text
    with translation.override("en"):
        assert shown_explanation(signal).splitlines()[-1] == (
            "debt swap: arrears at Woonstichting De Brug (€650.00) cleared on 1 March; "
            "new arrears at Energie Noord (€210.00) since 10 March"
        )
        # A signal without reasons (made before they were kept) shows its text as stored.
        assert shown_explanation(Signal(explanation=text, reasons={}, last_signalled_on=R)) == text
