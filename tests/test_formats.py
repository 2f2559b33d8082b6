"""The one Dutch thousands formatter every message, page and command uses."""

from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.formats import thousands


def test_a_million_is_grouped_with_dots():
    assert thousands(1_000_000) == "1.000.000"
    assert thousands(999) == "999"
    assert thousands(-1234) == "-1.234"


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_groups_are_three_digits_and_the_digits_stay(number):
    text = thousands(number)
    assert text.replace(".", "") == str(number)
    head, *groups = text.lstrip("-").split(".")
    assert 1 <= len(head) <= 3 and all(len(group) == 3 for group in groups)
