"""Reading the register: the routing frame for intake and single look-ups."""

from __future__ import annotations

import polars as pl
import pytest

from vroegsignaal.registry.addressing import house_number_exprs, postcode_expr
from vroegsignaal.registry.selectors import (
    address_lookup_frame,
    find_address,
    neighbourhood_feature_collection,
)
from vroegsignaal.registry.services import import_addresses, import_neighbourhoods

pytestmark = pytest.mark.django_db

CSV = (
    "postcode,huisnummer,huisletter,huisnummertoevoeging,straatnaam,woonplaats,gemeentecode,latitude,longitude\n"
    "1234AB,1,,,Dorpsweg,Voorbeeldstad,0999,52.05,5.05\n"
    "1234AB,1,A,,Dorpsweg,Voorbeeldstad,0999,52.05,5.15\n"
    "1234AC,7,,2,Kerkweg,Voorbeeldstad,0999,,\n"
)


@pytest.fixture
def register(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    import_addresses(write("a.csv", CSV))


def test_lookup_frame_has_the_columns_intake_joins_on(register):
    frame = address_lookup_frame()
    assert frame.columns == [
        "id",
        "postcode",
        "huisnummer",
        "huisletter",
        "toevoeging",
        "municipality_code",
        "municipality_id",
        "buurt_code",
        "wijk_code",
    ]
    rows = (
        frame.sort("postcode", "huisnummer", "huisletter")
        .select(pl.exclude("id", "municipality_id"))
        .rows()
    )
    assert rows == [
        ("1234AB", 1, "", "", "0999", "BU09990101", "WK099901"),
        ("1234AB", 1, "A", "", "0999", "BU09990102", "WK099901"),
        ("1234AC", 7, "", "2", "0999", None, None),
    ]


def test_lookup_frame_can_be_limited_to_postcodes(register):
    assert address_lookup_frame(["1234AC"]).get_column("postcode").to_list() == ["1234AC"]
    assert address_lookup_frame([]).height == 0


def test_delivery_normalised_with_addressing_joins_the_lookup_frame(register):
    delivery = pl.DataFrame({"postcode": ["1234 ab", "1234ab"], "huisnummer": ["1a", "1"]})
    number, letter, addition = house_number_exprs(pl.col("huisnummer"))
    delivery = delivery.select(
        postcode=postcode_expr(pl.col("postcode")),
        huisnummer=number,
        huisletter=letter,
        toevoeging=addition,
    )
    routed = delivery.join(
        address_lookup_frame(),
        on=["postcode", "huisnummer", "huisletter", "toevoeging"],
        maintain_order="left",
    )
    assert routed.get_column("buurt_code").to_list() == ["BU09990102", "BU09990101"]


def test_find_address_accepts_parts_written_loosely(register):
    assert find_address("1234 ab", "1a").huisletter == "A"
    assert find_address("1234AB", 1, huisletter="a").huisletter == "A"
    assert find_address("1234AC", 7, toevoeging="-2").toevoeging == "2"
    assert find_address("1234AC", 8) is None
    assert find_address("nope", 1) is None


def test_feature_collection_of_a_municipality_for_the_map(register, voorbeeldstad):
    collection = neighbourhood_feature_collection(voorbeeldstad)
    codes = [f["properties"]["code"] for f in collection["features"]]
    assert codes == ["BU09990101", "BU09990102", "BU09990201", "BU09990202"]
