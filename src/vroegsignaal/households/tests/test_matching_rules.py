"""The matching rules as plain functions, without a database."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.households.matching import (
    Identity,
    cluster,
    initials_compatible,
    initials_letters,
    initials_letters_expr,
    match_score,
    normalise_surname,
    normalise_surname_expr,
    surname_score,
)


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("Jansen", "jansen"),
        ("Jánssen-de Bruijn", "janssendebruyn"),
        ("d'Ancona", "dancona"),
        ("ĳsselmeer", "ysselmeer"),
        ("  ", ""),
        (None, ""),
    ],
)
def test_surname_normal_form(raw, normal):
    assert normalise_surname(raw) == normal


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
def test_surname_normal_form_is_the_same_in_polars(text):
    polars_value = pl.select(normalise_surname_expr(pl.lit(text, dtype=pl.String))).item()
    assert polars_value == normalise_surname(text)


@given(
    st.one_of(st.none(), st.text(alphabet="ABJPÉabj. ", max_size=8)),
    st.one_of(st.none(), st.text(alphabet="AJPÉanpé ", max_size=20)),
)
def test_initials_are_the_same_in_polars(voorletters, voornamen):
    polars_value = pl.select(
        initials_letters_expr(
            pl.lit(voorletters, dtype=pl.String), pl.lit(voornamen, dtype=pl.String)
        )
    ).item()
    assert polars_value == initials_letters(voorletters, voornamen)


def test_initials_come_from_first_names_when_absent():
    assert initials_letters(None, "Jan Pieter") == "JP"
    assert initials_letters("j.p.", "Kees") == "JP"


@pytest.mark.parametrize(
    "a, b",
    [
        ("bakker", "bakekr"),
        ("boer", "bore"),
        ("boer", "bor"),
        ("jansen", "janssen"),
        ("wyngaarden", "wyngaerden"),
    ],
)
def test_one_typo_still_matches(a, b):
    assert surname_score(a, b) is not None


@pytest.mark.parametrize(
    "a, b", [("jansen", "visser"), ("bakker", "smit"), ("jong", "jonker"), ("", "bakker")]
)
def test_other_surnames_do_not_match(a, b):
    assert surname_score(a, b) is None


def test_initials_compatibility():
    assert initials_compatible("J", "JP")
    assert initials_compatible("JP", "JP")
    assert not initials_compatible("JP", "JK")
    assert not initials_compatible("J", "M")
    assert not initials_compatible("", "J")


def test_different_bsn_is_never_a_match():
    assert match_score(Identity("bakker", "J", "a"), Identity("bakker", "J", "b")) is None
    assert match_score(Identity("bakker", "J", "a"), Identity("bakker", "J", None)) is not None


def test_cluster_joins_records_to_the_first_person_they_match():
    records = [
        Identity("bakker", "J"),
        Identity("visser", "M"),
        Identity("bakekr", "JP"),
        Identity("visser", "MA"),
    ]
    assert cluster(records) == [0, 1, 0, 1]
