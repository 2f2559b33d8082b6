"""Routing rows to municipalities through the address register, without a database."""

from __future__ import annotations

import polars as pl

from vroegsignaal.intake.routing import Match, in_covenant_expr, route

REGISTER = pl.DataFrame(
    [
        (1, "1234AB", 10, "", "", "0999", 99, "BU1", "WK1"),
        (2, "1234AB", 12, "A", "", "0999", 99, "BU1", "WK1"),
        (3, "1234AB", 12, "B", "", "0999", 99, "BU1", "WK1"),
        (4, "1234AB", 14, "", "2", "0999", 99, "BU1", "WK1"),
        (5, "1234AB", 14, "", "", "0999", 99, "BU1", "WK1"),
        (6, "1234AB", 16, "A", "1", "0999", 99, "BU1", "WK1"),
        (7, "1234AB", 16, "B", "", "0999", 99, "BU1", "WK1"),
        (8, "5555XX", 1, "", "", "0998", 98, None, None),
        (9, "5555XX", 2, "", "", "0998", 98, None, None),
        (10, "5555XX", 3, "", "", "0997", 97, None, None),
    ],
    schema=[
        "id",
        "postcode",
        "huisnummer",
        "huisletter",
        "toevoeging",
        "municipality_code",
        "municipality_id",
        "buurt_code",
        "wijk_code",
    ],
    orient="row",
)


def rows(*items) -> pl.DataFrame:
    return pl.DataFrame(
        [(i + 2, *item) for i, item in enumerate(items)],
        schema={
            "rij": pl.Int64,
            "postcode": pl.String,
            "huisnummer": pl.Int64,
            "huisletter": pl.String,
            "huisnummertoevoeging": pl.String,
        },
        orient="row",
    )


def routed(*items) -> list[tuple]:
    return route(rows(*items), REGISTER).select("address_id", "municipality_code", "match").rows()


def test_exact_address_is_matched_exactly():
    assert routed(("1234AB", 12, "B", None)) == [(3, "0999", Match.EXACT)]
    assert routed(("1234AB", 14, None, "2")) == [(4, "0999", Match.EXACT)]


def test_unknown_letter_goes_to_the_bare_number_when_it_exists():
    assert routed(("1234AB", 14, "C", None)) == [(5, "0999", Match.APPROXIMATE)]


def test_letter_written_as_addition_matches_its_letter():
    assert routed(("1234AB", 12, None, "A")) == [(2, "0999", Match.APPROXIMATE)]


def test_same_letter_wins_over_other_additions():
    assert routed(("1234AB", 16, "A", "9")) == [(6, "0999", Match.APPROXIMATE)]


def test_without_bare_number_the_first_in_register_order_is_taken():
    assert routed(("1234AB", 12, "Z", None)) == [(2, "0999", Match.APPROXIMATE)]


def test_unknown_number_routes_by_postcode_without_address():
    assert routed(("1234AB", 99, None, None)) == [(None, "0999", Match.POSTCODE)]


def test_postcode_across_a_border_goes_to_the_municipality_with_most_addresses():
    assert routed(("5555XX", 99, None, None)) == [(None, "0998", Match.POSTCODE)]


def test_unknown_postcode_is_not_routed():
    assert routed(("9999ZZ", 1, None, None)) == [(None, None, None)]


def test_rows_keep_their_order_and_columns():
    frame = rows(("9999ZZ", 1, None, None), ("1234AB", 10, None, None), ("1234AB", 11, None, None))
    out = route(frame.with_columns(pl.lit("x").alias("klantnummer")), REGISTER)
    assert out.get_column("rij").to_list() == [2, 3, 4]
    assert out.get_column("klantnummer").to_list() == ["x", "x", "x"]
    assert out.get_column("match").to_list() == [None, Match.EXACT, Match.POSTCODE]


def test_missing_postcode_or_number_is_not_matched_on_an_address():
    assert routed((None, 10, None, None)) == [(None, None, None)]
    assert routed(("1234AB", None, None, None)) == [(None, "0999", Match.POSTCODE)]


def test_covenant_flag_is_null_for_unrouted_rows():
    frame = pl.DataFrame({"municipality_id": [99, 98, None]})
    assert frame.select(in_covenant_expr({99})).to_series().to_list() == [True, False, None]
