"""``parse_id``: an id from a form or a query string, or ``None`` for what cannot be one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.portal.forms import MAX_ID, parse_id, parse_ids


@pytest.mark.parametrize("value", ["1", "42", "0", str(MAX_ID)])
def test_ascii_digits_within_a_database_column_are_an_id(value):
    assert parse_id(value) == int(value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        " 1",
        "1 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "²",
        "١٢",
        "９",
        str(MAX_ID + 1),
        "9" * 40,
        "9" * 5000,
        "1\x00",
    ],
)
def test_anything_else_is_no_id(value):
    """``²`` and other Unicode digits pass ``str.isdigit()`` but not ``int()``; 5000 digits pass
    neither ``int()``'s limit nor a database column."""
    assert parse_id(value) is None


def test_a_list_keeps_the_ids_in_order_and_drops_the_rest():
    assert parse_ids(["3", "²", "1", "9" * 5000, "", "2"]) == [3, 1, 2]


@given(st.text())
def test_never_raises(value):
    number = parse_id(value)
    assert number is None or 0 <= number <= MAX_ID
