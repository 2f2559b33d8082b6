"""Reference systems and point-in-polygon, without a database."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from vroegsignaal.registry import geo


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("EPSG:28992", 28992),
        ("urn:ogc:def:crs:EPSG::28992", 28992),
        ("http://www.opengis.net/def/crs/EPSG/0/28992", 28992),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
        ("EPSG:4326", 4326),
        ("EPSG:4258", 4326),
    ],
)
def test_crs_member_names_are_understood(name, code):
    assert geo.crs_from_member({"type": "name", "properties": {"name": name}}) == code


def test_other_reference_systems_are_not_guessed():
    with pytest.raises(geo.UnsupportedCrs):
        geo.crs_from_member({"type": "name", "properties": {"name": "EPSG:3857"}})


def test_crs_is_guessed_from_coordinate_ranges():
    assert geo.guess_crs((5.0, 52.0, 5.2, 52.2)) == geo.WGS84
    assert geo.guess_crs((120000, 480000, 130000, 490000)) == geo.RD_NEW


def test_amersfoort_tower_in_rd_lands_in_amersfoort():
    tower = geo.rd_to_wgs84(np.asarray([shapely.Point(155000, 463000)], dtype=object))[0]
    assert (tower.x, tower.y) == pytest.approx((5.38721, 52.15517), abs=1e-4)


def test_point_on_a_shared_edge_goes_to_the_first_polygon():
    polygons = np.asarray([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], dtype=object)
    found = geo.locate_points(
        np.array([0.5, 1.0, 1.5, 3.0]),
        np.array([0.5, 0.5, 0.5, 0.5]),
        np.array([7, 7, 7, 7]),
        polygons,
        np.array([10, 20]),
        np.array([7, 7]),
    )
    assert found.tolist() == [10, 10, 20, -1]
