"""Small register files for the registry tests: a fictional municipality of four buurten.

Voorbeeldstad (0999) is a rectangle around lon 5.0–5.2, lat 52.0–52.2, split in
two wijken (south WK099901, north WK099902) of two buurten each (west, east).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import MunicipalityFactory

BUURTEN = {
    # code: (name, wijk code, wijk name, (lon_min, lat_min, lon_max, lat_max), inhabitants, households)
    "BU09990101": ("Zuidwest", "WK099901", "Zuid", (5.0, 52.0, 5.1, 52.1), 1200, 540),
    "BU09990102": ("Zuidoost", "WK099901", "Zuid", (5.1, 52.0, 5.2, 52.1), 800, -99999999),
    "BU09990201": ("Noordwest", "WK099902", "Noord", (5.0, 52.1, 5.1, 52.2), 0, 0),
    "BU09990202": ("Noordoost", "WK099902", "Noord", (5.1, 52.1, 5.2, 52.2), -99999997, None),
}
# A point well inside each buurt (lat, lon).
INSIDE = {
    "BU09990101": (52.05, 5.05),
    "BU09990102": (52.05, 5.15),
    "BU09990201": (52.15, 5.05),
    "BU09990202": (52.15, 5.15),
}


def rectangle(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> dict:
    ring = [
        [lon_min, lat_min],
        [lon_max, lat_min],
        [lon_max, lat_max],
        [lon_min, lat_max],
        [lon_min, lat_min],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def buurt_features(style: str = "cbs") -> list[dict]:
    features = []
    for code, (name, wijk, wijk_name, box, inhabitants, households) in BUURTEN.items():
        if style == "cbs":
            props = {
                "BU_CODE": code,
                "BU_NAAM": name,
                "WK_CODE": wijk,
                "WK_NAAM": wijk_name,
                "GM_CODE": "GM0999",
                "GM_NAAM": "Voorbeeldstad",
                "AANT_INW": inhabitants,
                "AANTAL_HH": households,
            }
        else:
            props = {
                "buurtcode": code,
                "buurtnaam": name,
                "wijkcode": wijk,
                "wijknaam": wijk_name,
                "gemeentecode": "0999",
                "gemeentenaam": "Voorbeeldstad",
                "aantal_inwoners": inhabitants,
                "aantal_huishoudens": households,
            }
        features.append({"type": "Feature", "properties": props, "geometry": rectangle(*box)})
    return features


def feature_collection(features: list[dict], crs: str | None = None) -> dict:
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return collection


@pytest.fixture
def voorbeeldstad(db):
    return MunicipalityFactory(code="0999", name="Voorbeeldstad")


@pytest.fixture
def write(tmp_path):
    """``write(name, text_or_dict)`` → path of a file in tmp_path (dicts become JSON)."""

    def make(name: str, content: str | bytes | dict) -> Path:
        path = tmp_path / name
        if isinstance(content, dict):
            content = json.dumps(content)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return make


@pytest.fixture
def buurten_file(write):
    return write("buurten.geojson", feature_collection(buurt_features()))
