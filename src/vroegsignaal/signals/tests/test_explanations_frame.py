"""explain_frame (column-wise) writes, byte for byte, what explain() writes per signal.

Stored signals are compared with new ones by their explanation, reasons text and
digest: one byte of difference would make every stored signal look changed. The
reference below is explain_frame as it was before it went column-wise: explain()
and reasons_json() per row.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vroegsignaal.signals import evaluation
from vroegsignaal.signals.explanations import (
    CRISIS_REASONS,
    SWAPS_SHOWN,
    _euros_expr,
    content_digest,
    euros,
    explain,
    explain_frame,
    reasons_json,
)
from vroegsignaal.signals.rules import RuleValues

SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "kind": pl.String(),
    "distinct": pl.UInt32(),
    "deadline": pl.Date(),
    "previous_signal_id": pl.Int64(),
    "previous_until": pl.Date(),
}
# As evaluation.Outcome.counting: the arrears joined with their creditors.
COUNTING_SCHEMA: dict[str, pl.DataType] = {
    **evaluation.ARREAR_SCHEMA,
    **{k: v for k, v in evaluation.CREDITOR_SCHEMA.items() if k != "creditor_id"},
}
# As evaluation.debt_swap_pairs.
SWAP_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "new_arrear_id": pl.Int64(),
    "new_creditor_id": pl.Int64(),
    "new_amount_cents": pl.Int64(),
    "start_date": pl.Date(),
    "cleared_arrear_id": pl.Int64(),
    "cleared_creditor_id": pl.Int64(),
    "cleared_amount_cents": pl.Int64(),
    "last_seen_on": pl.Date(),
    "cleared_on": pl.Date(),
}
CREDITOR_SCHEMA: dict[str, pl.DataType] = {
    "creditor_id": pl.Int64(),
    "creditor_code": pl.String(),
    "creditor_name": pl.String(),
    "creditor_type": pl.String(),
}


def _explain_frame_reference(
    signals: pl.DataFrame,
    counting: pl.DataFrame,
    swaps: pl.DataFrame,
    creditors: pl.DataFrame,
    rules: RuleValues,
    reference_date: dt.date,
) -> pl.DataFrame:
    """explain_frame before it went column-wise (explain() per row): the reference."""
    arrear_fields = [
        "arrear_id", "creditor_code", "creditor_name", "creditor_type",
        "amount_cents", "start_date", "crisis", "crisis_reason",
    ]  # fmt: skip
    per_arrears = counting.group_by("household_id").agg(pl.struct(arrear_fields).alias("_arrears"))
    names = creditors.select("creditor_id", "creditor_code", "creditor_name")
    named_swaps = (
        swaps.join(
            names.rename(
                {"creditor_id": "cleared_creditor_id", "creditor_code": "cleared_creditor_code",
                 "creditor_name": "cleared_creditor_name"}
            ),
            on="cleared_creditor_id",
            how="left",
        )
        .join(
            names.rename(
                {"creditor_id": "new_creditor_id", "creditor_code": "new_creditor_code",
                 "creditor_name": "new_creditor_name"}
            ),
            on="new_creditor_id",
            how="left",
        )
    )  # fmt: skip
    swap_fields = [c for c in named_swaps.columns if c != "household_id"]
    per_swaps = named_swaps.group_by("household_id").agg(pl.struct(swap_fields).alias("_swaps"))
    rows = (
        signals.select(
            "household_id", "kind", "distinct", "deadline", "previous_signal_id", "previous_until"
        )
        .join(per_arrears, on="household_id", how="left")
        .join(per_swaps, on="household_id", how="left")
    )
    texts, documents, digests = [], [], []
    for row in rows.iter_rows(named=True):
        repeat = (
            None
            if row["previous_signal_id"] is None
            else {"previous_signal_id": row["previous_signal_id"], "until": row["previous_until"]}
        )
        text, reasons = explain(
            kind=row["kind"],
            distinct=row["distinct"],
            arrears=row["_arrears"] or [],
            swaps=row["_swaps"] or [],
            deadline=row["deadline"],
            repeat=repeat,
            rules=rules,
            reference_date=reference_date,
        )
        document = reasons_json(reasons)
        texts.append(text)
        documents.append(document)
        digests.append(content_digest(text, document))
    return rows.select("household_id").with_columns(
        pl.Series("explanation", texts, dtype=pl.String),
        pl.Series("reasons", documents, dtype=pl.String),
        pl.Series("content_digest", digests, dtype=pl.String),
    )


# ---------------------------------------------------------------------------
# Evaluation-like inputs
# ---------------------------------------------------------------------------

# Text that JSON must escape or keep as it is: quotes, backslashes, control characters,
# non-ASCII (é, €, emoji), line and paragraph separators.
AWKWARD = "\"\\\n\t\x00\x1f\x7féë€😀\u2028\u2029/<>&'"
free_text = st.one_of(
    st.sampled_from(
        ["Energie Noord", 'Woonstichting "De Brug"', "C:\\schuld", "Zoë € 😀", "", " "]
    ),
    st.text(alphabet=st.sampled_from(AWKWARD + "abcXYZ 09"), max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
amounts = st.one_of(
    st.sampled_from(
        [0, 5, 50, 99, 100, 65_000, 123_456, 100_000, 99_999_999_999, -5, -100, -123_456]
    ),
    # Zeros inside the thousands groups: € 1.000.000, € 1.000.012,05, € 10.000.000.000.
    st.sampled_from([100_000_000, 100_001_205, 1_000_000_000_000]),
    st.integers(-(10**11), 10**11),
)
near_dates = st.dates(dt.date(2024, 11, 1), dt.date(2027, 2, 28))
# Few distinct days too: arrears, creditors and swaps that tie on a date are ordered further.
dates = st.one_of(
    st.sampled_from([dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 1)]),
    near_dates,
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
)
rules_strategy = st.builds(
    RuleValues,
    max_age_days=st.sampled_from([1, 100, 3650]),
    min_creditors=st.sampled_from([1, 2, 20]),
    min_amount_eur=st.sampled_from([0, 50, 1_234, 1_000_000]),
    debt_swap_window_days=st.sampled_from([0, 60]),
    repeat_window_days=st.sampled_from([0, 183]),
    count_distinct=st.sampled_from(["creditor", "type"]),
)
# Creditor 99 is missing from the creditors frame: its swaps have no name (None).
MISSING_CREDITOR = 99


@st.composite
def evaluations(draw):
    """(signals, counting, swaps, creditors, rules, reference date) as writing._complete passes them."""
    creditor_rows = [
        {
            "creditor_id": n,
            # Few codes: two creditors may share one (their names differ).
            "creditor_code": draw(st.one_of(st.sampled_from(["EN", "ZZ", "WB", 'é"1']), free_text)),
            "creditor_name": draw(free_text),
            "creditor_type": draw(
                st.one_of(st.sampled_from(["Huur", "Energie", "Zorg"]), free_text)
            ),
        }
        for n in range(1, draw(st.integers(1, 5)) + 1)
    ]
    households = sorted(draw(st.sets(st.integers(1, 12), max_size=8)))
    signals = [
        {
            "household_id": h,
            "kind": draw(st.sampled_from(["meervoudig", "enkelvoudig"])),
            "distinct": draw(st.integers(0, 4)),
            "deadline": draw(st.none() | dates),
            "previous_signal_id": (previous := draw(st.none() | st.integers(1, 10**12))),
            "previous_until": draw(dates) if previous is not None else draw(st.none() | dates),
        }
        for h in households
    ]
    draw(st.randoms(use_true_random=False)).shuffle(signals)
    # Arrears of signalled households (some with none) and of others, which are not explained.
    arrear_households = st.sampled_from(households + [100]) if households else st.just(100)
    counting = []
    for arrear_id in draw(st.sets(st.integers(1, 10**6), max_size=20)):
        creditor = draw(st.sampled_from(creditor_rows))
        counting.append(
            {
                "arrear_id": arrear_id,
                "household_id": draw(arrear_households),
                **creditor,
                "amount_cents": draw(amounts),
                "start_date": draw(dates),
                "crisis": draw(st.sampled_from([False, True, None])),
                "crisis_reason": draw(
                    st.one_of(st.none(), st.sampled_from(["", *CRISIS_REASONS]), free_text)
                ),
                "status": "open",
                "last_seen_on": draw(dates),
                "cleared_on": None,
            }
        )
    # Debt swaps: unique (cleared, new) pairs, many in one household (more than SWAPS_SHOWN).
    swap_households = st.sampled_from(households[:2] + [100]) if households else st.just(100)
    creditor_ids = st.sampled_from([c["creditor_id"] for c in creditor_rows] + [MISSING_CREDITOR])
    swaps = [
        {
            "household_id": draw(swap_households),
            "new_arrear_id": new_id,
            "new_creditor_id": draw(creditor_ids),
            "new_amount_cents": draw(amounts),
            "start_date": draw(dates),
            "cleared_arrear_id": cleared_id,
            "cleared_creditor_id": draw(creditor_ids),
            "cleared_amount_cents": draw(amounts),
            "last_seen_on": draw(dates),
            # Few clearing days: ties are ordered by the arrear ids.
            "cleared_on": draw(
                st.one_of(st.sampled_from([dt.date(2026, 3, 1), dt.date(2025, 12, 31)]), dates)
            ),
        }
        for cleared_id, new_id in draw(
            st.sets(st.tuples(st.integers(1, 6), st.integers(1, 6)), max_size=2 * SWAPS_SHOWN + 4)
        )
    ]
    reference_date = draw(
        st.sampled_from([dt.date(2026, 3, 20), dt.date(2025, 12, 31), dt.date(2027, 1, 1)])
    )
    return (
        pl.DataFrame(signals, schema=SIGNAL_SCHEMA),
        pl.DataFrame(counting, schema=COUNTING_SCHEMA),
        pl.DataFrame(swaps, schema=SWAP_SCHEMA),
        pl.DataFrame(creditor_rows, schema=CREDITOR_SCHEMA),
        draw(rules_strategy),
        reference_date,
    )


def _bytes(frame: pl.DataFrame) -> list[tuple]:
    """The rows with every text as its UTF-8 bytes (what is stored and compared)."""
    return [
        tuple(v.encode() if isinstance(v, str) else v for v in row) for row in frame.iter_rows()
    ]


def _a_crisis_with_many_swaps() -> tuple:
    """A fixed example: crisis with deadline, a repeat, five swaps, an awkward name."""
    signals = pl.DataFrame(
        [{"household_id": 1, "kind": "meervoudig", "distinct": 2, "deadline": dt.date(2026, 3, 25),
          "previous_signal_id": 7, "previous_until": dt.date(2025, 12, 1)},
         {"household_id": 2, "kind": "enkelvoudig", "distinct": 1, "deadline": None,
          "previous_signal_id": None, "previous_until": None}],
        schema=SIGNAL_SCHEMA,
    )  # fmt: skip
    creditors = pl.DataFrame(
        [{"creditor_id": 1, "creditor_code": "WB", "creditor_name": 'Woon "De Brug"\\ é€😀', "creditor_type": "Huur"},
         {"creditor_id": 2, "creditor_code": "EN", "creditor_name": "Energie Noord", "creditor_type": "Energie"}],
        schema=CREDITOR_SCHEMA,
    )  # fmt: skip
    counting = pl.DataFrame(
        [{"arrear_id": n, "household_id": 1 + (n > 2), **creditors.row(n % 2, named=True),
          "amount_cents": 123_456 * n, "start_date": dt.date(2026, 2, n), "crisis": n == 1,
          "crisis_reason": "ontruiming", "status": "open", "last_seen_on": dt.date(2026, 3, 1), "cleared_on": None}
         for n in range(1, 4)],
        schema=COUNTING_SCHEMA,
    )  # fmt: skip
    swaps = pl.DataFrame(
        [{"household_id": 1, "new_arrear_id": 1, "new_creditor_id": 2, "new_amount_cents": 21_000,
          "start_date": dt.date(2026, 3, 10), "cleared_arrear_id": 10 + n, "cleared_creditor_id": 1,
          "cleared_amount_cents": 65_000, "last_seen_on": dt.date(2026, 2, 1), "cleared_on": dt.date(2026, 3, 1)}
         for n in range(5)],
        schema=SWAP_SCHEMA,
    )  # fmt: skip
    return signals, counting, swaps, creditors, RuleValues(min_amount_eur=50), dt.date(2026, 3, 20)


def _ties() -> tuple:
    """A fixed example: arrears on one day; code A is two creditors (Zeta, Beta), whose name
    sorts after B's (Alpha): the lines go by name, A takes the name of its first arrear."""
    creditors = pl.DataFrame(
        {"creditor_id": [1, 2, 3], "creditor_code": ["B", "A", "A"], "creditor_name": ["Alpha", "Zeta", "Beta"],
         "creditor_type": ["Huur", "Zorg", "Zorg"]},
        schema=CREDITOR_SCHEMA,
    )  # fmt: skip
    counting = pl.DataFrame(
        [{"arrear_id": n + 1, "household_id": 1, **creditors.row(n, named=True), "amount_cents": 100_001_205,
          "start_date": dt.date(2026, 3, 1), "crisis": True, "crisis_reason": None, "status": "open",
          "last_seen_on": dt.date(2026, 3, 1), "cleared_on": None}
         for n in range(3)],
        schema=COUNTING_SCHEMA,
    )  # fmt: skip
    signals = pl.DataFrame(
        [{"household_id": 1, "kind": "meervoudig", "distinct": 2, "deadline": None,
          "previous_signal_id": None, "previous_until": None}],
        schema=SIGNAL_SCHEMA,
    )  # fmt: skip
    swaps = pl.DataFrame(schema=SWAP_SCHEMA)
    return (
        signals,
        counting,
        swaps,
        creditors,
        RuleValues(count_distinct="type"),
        dt.date(2026, 3, 20),
    )


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(evaluations())
@example(_a_crisis_with_many_swaps())
@example(_ties())
def test_explain_frame_writes_the_same_bytes_as_explain_per_signal(evaluation):
    new = explain_frame(*evaluation)
    reference = _explain_frame_reference(*evaluation)
    assert new.schema == reference.schema
    assert _bytes(new) == _bytes(reference)


def test_the_fixed_example_has_everything_the_property_checks():
    text = explain_frame(*_a_crisis_with_many_swaps()).get_column("explanation").to_list()[0]
    assert "crisis: dreigende ontruiming bij" in text and "contact uiterlijk 25 maart 2026" in text
    assert "herhaald: eerder signaal tot en met 1 december 2025" in text
    assert text.count("schuldverschuiving: achterstand bij") == SWAPS_SHOWN
    assert text.endswith("schuldverschuiving: en nog 2 keer")


def test_creditors_on_one_day_are_written_by_name_with_the_name_of_their_first_arrear():
    text = explain_frame(*_ties()).get_column("explanation").to_list()[0]
    assert text.splitlines()[1:3] == [
        "Achterstand bij Alpha van € 1.000.012,05 sinds 1 maart 2026",
        "Achterstand bij Zeta van € 2.000.024,10 sinds 1 maart 2026",
    ]


def test_euros_as_an_expression_are_euros():
    cents = [
        0,
        1,
        5,
        99,
        100,
        101,
        65_000,
        99_999,
        100_000,
        123_456,
        99_999_999_999,
        10**17 + 7,
        2**63 - 1,
    ]
    cents += [-c for c in cents] + list(range(-2_000, 2_000, 7)) + [10**n for n in range(19)]
    written = pl.select(_euros_expr(pl.Series(cents, dtype=pl.Int64))).to_series().to_list()
    assert written == [euros(c) for c in cents]
    with_cents = pl.select(_euros_expr(pl.Series(cents, dtype=pl.Int64), always_cents=True))
    assert with_cents.to_series().to_list() == [euros(c, always_cents=True) for c in cents]
