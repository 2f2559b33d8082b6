"""Whole euros as a Dutch user types them: a dot groups thousands, cents are refused, not rounded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.formats import thousands
from vroegsignaal.signals.amounts import parse_whole_euros
from vroegsignaal.signals.forms import WholeEuroField


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_an_amount_written_with_thousands_dots_reads_back_as_itself(n):
    assert parse_whole_euros(thousands(n)) == n


@given(st.integers(min_value=0, max_value=10**18 - 1), st.sampled_from(["", "€", "€ ", "€\u00a0"]))
def test_an_amount_reads_the_same_with_or_without_dots_and_euro_sign(n, sign):
    assert parse_whole_euros(f"{sign}{thousands(n)}") == parse_whole_euros(f"{sign}{n}") == n


@pytest.mark.parametrize(
    ("typed", "euros"),
    [("1.000", 1000), ("1.000.000", 1_000_000), ("€ 1.000", 1000), ("€1.000,-", 1000), ("1.000,00", 1000),
     (" 250 ", 250), ("0", 0), ("-5", -5), ("€ -5", -5)],
)  # fmt: skip
def test_dutch_ways_of_writing_whole_euros_are_read(typed, euros):
    assert parse_whole_euros(typed) == euros


@pytest.mark.parametrize(
    "typed", ["2.50", "1,5", "abc", "1.00", "10.0000", "1..000", ".000", "1.000.", "1,000", "€", "", "²", "9" * 40]
)  # fmt: skip
def test_what_is_not_a_whole_number_of_euros_is_refused(typed):
    with pytest.raises(ValueError):
        parse_whole_euros(typed)


def test_the_field_reads_a_thousand_with_a_dot_as_a_thousand_not_one():
    """Django's IntegerField drops a decimal part of zeros: "1.000" was saved as € 1."""
    assert WholeEuroField().clean("1.000") == 1000


def test_the_field_refuses_cents_with_a_dutch_example_of_how_to_write_it():
    with pytest.raises(ValidationError) as refused:
        WholeEuroField().clean("2.50")
    assert refused.value.messages == [
        "Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."
    ]


def test_the_field_is_a_text_box_a_browser_lets_dots_into():
    html = str(WholeEuroField().widget.render("bedrag", "1000"))
    assert 'type="text"' in html
