"""The shared normal form of address parts: scalar and Polars versions agree."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vroegsignaal.registry.addressing import (
    addition_exprs,
    house_number_exprs,
    normalise_postcode,
    parse_house_number,
    postcode_expr,
    split_addition,
)

# Text that looks like what people type into address fields, and anything at all.
address_like = st.from_regex(
    r"\s*0*[0-9]{1,6}\s*[-/ ._,]?\s*[A-Za-z0-9 \-]{0,6}\s*", fullmatch=True
)
tricky = st.text(alphabet="0123456789 -/._,aAbBzZhsIiéßı\n\t\r\x1c\u00a0\u202f\u0663", max_size=12)
anything = st.one_of(st.text(), address_like, tricky)


def _polars(values: list[str]) -> list[dict]:
    number, letter, addition = house_number_exprs(pl.col("v"))
    only_letter, only_addition = addition_exprs(pl.col("v"))
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.Utf8})
        .select(
            postcode=postcode_expr(pl.col("v")),
            number=number,
            letter=letter,
            addition=addition,
            only_letter=only_letter,
            only_addition=only_addition,
        )
        .to_dicts()
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(anything, max_size=25))
def test_scalar_and_polars_postcodes_agree_on_any_text(values):
    assert [row["postcode"] for row in _polars(values)] == [normalise_postcode(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(anything, max_size=25))
def test_scalar_and_polars_house_numbers_agree_on_any_text(values):
    polars = [
        None if r["number"] is None else (r["number"], r["letter"], r["addition"])
        for r in _polars(values)
    ]
    assert polars == [parse_house_number(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(anything, max_size=25))
def test_scalar_and_polars_additions_agree_on_any_text(values):
    assert [(r["only_letter"], r["only_addition"]) for r in _polars(values)] == [
        split_addition(v) for v in values
    ]


@given(anything)
def test_normalise_postcode_is_idempotent(value):
    once = normalise_postcode(value)
    assert once is None or normalise_postcode(once) == once


@given(st.one_of(anything, st.integers(), st.floats(), st.none()))
def test_parse_house_number_never_crashes_and_stays_in_normal_form(value):
    parsed = parse_house_number(value)
    if parsed is not None:
        number, letter, addition = parsed
        assert 1 <= number <= 99999
        assert letter == "" or (len(letter) == 1 and "A" <= letter <= "Z")
        assert len(addition) <= 4 and all(
            c.isascii() and c.isalnum() and not c.islower() for c in addition
        )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12", (12, "", "")),
        ("12A", (12, "A", "")),
        ("12-a", (12, "A", "")),
        ("12 A", (12, "A", "")),
        ("12-1", (12, "", "1")),
        ("12 hs", (12, "", "HS")),
        ("12bis", (12, "", "BIS")),
        ("12 II", (12, "", "II")),
        ("12.0", (12, "", "")),
        ("0", None),
        ("100000", None),
        ("straat", None),
    ],
)
def test_house_numbers_as_the_delivery_spec_writes_them(written, expected):
    assert parse_house_number(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1234AB", "1234AB"),
        ("1234 ab", "1234AB"),
        ("1234-AB", "1234AB"),
        ("0123AB", None),
        ("1234SA", None),
    ],
)
def test_postcodes_as_the_delivery_spec_writes_them(written, expected):
    assert normalise_postcode(written) == expected


def test_no_break_space_in_a_postcode_is_ignored_by_both_versions():
    assert normalise_postcode("1234\u00a0AB") == "1234AB"
    assert _polars(["1234\u00a0AB"])[0]["postcode"] == "1234AB"
