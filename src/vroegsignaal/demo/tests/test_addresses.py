"""adressen.csv: unique, valid addresses in the common BAG CSV form, inside their buurt."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import pytest

from vroegsignaal.demo.addresses import postcode_is_valid, split_bag_toevoeging
from vroegsignaal.demo.dialects import format_house_number
from vroegsignaal.registry.addressing import normalise_postcode, parse_house_number, split_addition

from .reading import read_table

BAG_HEADER = [
    "straat",
    "huisnummer",
    "toevoeging",
    "postcode",
    "gemeente",
    "woonplaats",
    "provincie",
    "object_id",
    "object_type",
    "x",
    "y",
    "latitude",
    "longitude",
]


@pytest.fixture(scope="module")
def addresses(realistic_world):
    with (realistic_world / "adressen.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == BAG_HEADER
        return list(reader)


def test_addresses_are_unique_on_postcode_number_and_split_toevoeging(addresses):
    keys = [
        (a["postcode"], int(a["huisnummer"]), *split_addition(a["toevoeging"])) for a in addresses
    ]
    assert len(keys) == len(set(keys))


def test_every_postcode_is_valid(addresses):
    assert all(
        postcode_is_valid(a["postcode"]) and normalise_postcode(a["postcode"]) == a["postcode"]
        for a in addresses
    )


def test_a_postcode_covers_one_street_and_one_side(addresses):
    streets, sides = defaultdict(set), defaultdict(set)
    for a in addresses:
        streets[a["postcode"]].add((a["woonplaats"], a["straat"]))
        sides[a["postcode"]].add(int(a["huisnummer"]) % 2)
    assert all(len(s) == 1 for s in streets.values())
    assert all(len(s) == 1 for s in sides.values())


def test_flats_put_many_addresses_on_one_number(addresses):
    per_number = defaultdict(int)
    for a in addresses:
        per_number[(a["postcode"], a["huisnummer"])] += 1
    assert max(per_number.values()) >= 8


def test_bag_toevoeging_splits_as_the_register_reads_it(addresses):
    forms = {a["toevoeging"] for a in addresses}
    assert {"", "A", "HS", "1", "II"} <= forms
    assert all(split_bag_toevoeging(t) == split_addition(t) for t in forms)


@pytest.mark.parametrize("style", ["compact", "dash_lower", "space"])
def test_house_numbers_written_by_creditors_read_back_to_the_register_address(addresses, style):
    for a in addresses:
        letter, addition = split_addition(a["toevoeging"])
        number = int(a["huisnummer"])
        assert parse_house_number(format_house_number(number, letter, addition, style)) == (
            number,
            letter,
            addition,
        )


def test_addresses_of_signals_lie_inside_their_buurt_polygon(realistic_world, addresses):
    features = json.loads((realistic_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    rings = {f["properties"]["BU_CODE"]: f["geometry"]["coordinates"][0] for f in features}
    where = {
        (a["postcode"], a["huisnummer"], *split_addition(a["toevoeging"])): a for a in addresses
    }
    checked = 0
    for month in sorted((realistic_world / "ground_truth").glob("20*")):
        for row in read_table(month / "signals.csv"):
            a = where[
                (row["postcode"], row["huisnummer"], row["huisletter"], row["huisnummertoevoeging"])
            ]
            ring = rings[row["buurtcode"]]
            lons, lats = [p[0] for p in ring], [p[1] for p in ring]
            assert min(lons) < float(a["longitude"]) < max(lons)
            assert min(lats) < float(a["latitude"]) < max(lats)
            checked += 1
    assert checked > 100


def test_every_address_lies_in_exactly_one_buurt(realistic_world, addresses):
    features = json.loads((realistic_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    boxes = []
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        boxes.append(
            (
                min(p[0] for p in ring),
                min(p[1] for p in ring),
                max(p[0] for p in ring),
                max(p[1] for p in ring),
            )
        )
    for a in addresses:
        lon, lat = float(a["longitude"]), float(a["latitude"])
        assert sum(w < lon < e and s < lat < n for w, s, e, n in boxes) == 1
