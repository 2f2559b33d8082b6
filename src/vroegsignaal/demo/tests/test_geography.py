"""buurten.geojson: fictional municipalities tiled by their buurten, with consistent counts."""

from __future__ import annotations

import json
from collections import defaultdict

from vroegsignaal.demo.geography import FICTIONAL_MUNICIPALITY_CODES, plan_municipalities

from .reading import load_json

# Some real CBS codes near the fictional range: never to be used.
REAL_CODES = {"0995", "0994", "0988", "0983", "0935", "0363", "0014"}


def test_municipality_codes_are_fictional():
    assert FICTIONAL_MUNICIPALITY_CODES[:3] == ("0999", "0998", "0997")
    assert not REAL_CODES & set(FICTIONAL_MUNICIPALITY_CODES)


def test_buurt_and_wijk_codes_follow_the_cbs_form(hostile_world):
    features = json.loads((hostile_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    for f in features:
        p = f["properties"]
        gm = p["GM_CODE"][2:]
        assert p["GM_CODE"] == f"GM{gm}" and gm in FICTIONAL_MUNICIPALITY_CODES
        assert p["WK_CODE"].startswith(f"WK{gm}") and len(p["WK_CODE"]) == 8
        assert p["BU_CODE"].startswith(p["WK_CODE"].replace("WK", "BU")) and len(p["BU_CODE"]) == 10


def test_buurten_tile_each_municipality_exactly():
    for plan in plan_municipalities(seed=4, households=60_000, municipalities=4):
        box = plan.bbox
        area = (box.east - box.west) * (box.north - box.south)
        tiles = [b.bbox for b in plan.buurten()]
        assert abs(sum((t.east - t.west) * (t.north - t.south) for t in tiles) - area) < area * 1e-9
        for i, a in enumerate(tiles):
            assert box.west - 1e-12 <= a.west < a.east <= box.east + 1e-12
            for b in tiles[i + 1 :]:
                overlap_x = min(a.east, b.east) - max(a.west, b.west)
                overlap_y = min(a.north, b.north) - max(a.south, b.south)
                assert overlap_x <= 1e-12 or overlap_y <= 1e-12


def test_municipalities_do_not_overlap_and_lie_in_the_netherlands():
    plans = plan_municipalities(seed=9, households=200_000, municipalities=12)
    for i, a in enumerate(plans):
        assert 3.3 < a.bbox.west < a.bbox.east < 7.3 and 50.7 < a.bbox.south < a.bbox.north < 53.6
        for b in plans[i + 1 :]:
            assert min(a.bbox.east, b.bbox.east) <= max(a.bbox.west, b.bbox.west) or min(
                a.bbox.north, b.bbox.north
            ) <= max(a.bbox.south, b.bbox.south)


def test_buurt_inhabitants_and_households_add_up_to_the_world(hostile_world):
    features = json.loads((hostile_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    world = load_json(hostile_world / "ground_truth" / "world.json")
    assert sum(f["properties"]["AANTAL_HH"] for f in features) == world["parameters"]["huishoudens"]
    assert sum(f["properties"]["AANT_INW"] for f in features) == world["inwoners"]
    per_municipality = defaultdict(int)
    for f in features:
        per_municipality[f["properties"]["GM_CODE"][2:]] += f["properties"]["AANTAL_HH"]
    assert per_municipality == {m["code"]: m["huishoudens"] for m in world["gemeenten"]}
