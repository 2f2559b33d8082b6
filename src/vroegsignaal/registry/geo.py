"""Coordinates and outlines: reference systems, reprojection and point-in-polygon.

Pure functions on shapely/numpy arrays; no database. Outlines are stored as
GeoJSON in EPSG:4326 (WGS84, longitude first, as RFC 7946 prescribes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely

WGS84 = 4326
RD_NEW = 28992  # Rijksdriehoekstelsel, the Dutch national grid
# ETRS89 differs from WGS84 by well under a metre in the Netherlands.
WGS84_ALIASES = {4326, 4258, 4979}
CRS84_NAMES = ("CRS84", "OGC:1.3:CRS84", "OGC::CRS84")

# The RD grid's extent, with a margin for the sea and border areas (metres).
RD_X_RANGE = (-7_000.0, 300_000.0)
RD_Y_RANGE = (289_000.0, 629_000.0)

COORDINATE_DECIMALS = 7  # about 1 cm at Dutch latitudes


class UnsupportedCrs(ValueError):
    """The ``crs`` member names a reference system we do not transform from."""


def crs_from_member(member: object) -> int | None:
    """The EPSG code named by a GeoJSON ``crs`` member (2008 GeoJSON), or ``None`` if absent.

    Accepts ``EPSG:28992``, ``urn:ogc:def:crs:EPSG::28992``,
    ``http://www.opengis.net/def/crs/EPSG/0/28992`` and ``…CRS84``.
    """
    if not member:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else member
    if not isinstance(name, str) or not name.strip():
        return None
    text = name.strip()
    if text.upper().endswith("CRS84"):
        return WGS84
    m = re.search(r"EPSG\D*(?:\d+(?:\.\d+)*\D+)?(\d+)\s*$", text, re.IGNORECASE)
    if not m:
        raise UnsupportedCrs(text)
    code = int(m.group(1))
    if code in WGS84_ALIASES:
        return WGS84
    if code == RD_NEW:
        return RD_NEW
    raise UnsupportedCrs(f"EPSG:{code}")


def guess_crs(bounds: Sequence[float]) -> int:
    """Decide between RD and WGS84 from the coordinates' extent (xmin, ymin, xmax, ymax)."""
    xmin, ymin, xmax, ymax = bounds
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
        return WGS84
    return RD_NEW


def bounds_fit(crs: int, bounds: Sequence[float]) -> bool:
    """Whether coordinates with this extent can be in ``crs``."""
    xmin, ymin, xmax, ymax = bounds
    if crs == WGS84:
        return -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    return (
        RD_X_RANGE[0] <= xmin <= xmax <= RD_X_RANGE[1]
        and RD_Y_RANGE[0] <= ymin <= ymax <= RD_Y_RANGE[1]
    )


@lru_cache(maxsize=1)
def _rd_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(RD_NEW, WGS84, always_xy=True)


def rd_to_wgs84(geometries: np.ndarray) -> np.ndarray:
    """Reproject RD New (EPSG:28992) geometries to WGS84 longitude/latitude, all at once."""
    transformer = _rd_to_wgs84()

    def transform(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometries, transform)


def rounded(geometries: np.ndarray, decimals: int = COORDINATE_DECIMALS) -> np.ndarray:
    return shapely.transform(geometries, lambda coords: np.round(coords, decimals))


def to_geojson_dict(geometry) -> dict | None:
    if geometry is None or shapely.is_empty(geometry):
        return None
    return json.loads(shapely.to_geojson(geometry))


def from_geojson_dicts(geometries: Sequence[dict | None]) -> np.ndarray:
    """Shapely geometries from GeoJSON geometry dicts (``None`` stays ``None``)."""
    out = np.empty(len(geometries), dtype=object)
    for i, geometry in enumerate(geometries):
        out[i] = None if not geometry else shapely.from_geojson(json.dumps(geometry))
    return out


def valid(geometries: np.ndarray) -> np.ndarray:
    """Repair self-intersections and the like, which CBS outlines sometimes have."""
    geometries = np.asarray(geometries, dtype=object)
    present = np.array([g is not None for g in geometries], dtype=bool)
    result = geometries.copy()
    if present.any():
        subset = np.asarray(list(geometries[present]), dtype=object)
        broken = ~shapely.is_valid(subset)
        if broken.any():
            subset[broken] = shapely.make_valid(subset[broken])
        result[present] = subset
    return result


def locate_points(
    longitude: np.ndarray,
    latitude: np.ndarray,
    point_groups: np.ndarray,
    polygons: np.ndarray,
    polygon_ids: np.ndarray,
    polygon_groups: np.ndarray,
) -> np.ndarray:
    """For each point, the id of the polygon (of the same group) that contains it, else -1.

    Groups are municipalities: an address only falls in a buurt of its own
    municipality. A point on the shared edge of two polygons gets the first of
    them in the given order. Vectorised: one STRtree over the points, queried
    with each (prepared) polygon.
    """
    result = np.full(len(longitude), -1, dtype=np.int64)
    present = (
        np.array([g is not None for g in polygons], dtype=bool)
        if len(polygons)
        else np.zeros(0, bool)
    )
    if not len(longitude) or not present.any():
        return result
    polygons = np.asarray(list(polygons[present]), dtype=object)
    polygon_ids = np.asarray(polygon_ids)[present]
    polygon_groups = np.asarray(polygon_groups)[present]
    points = shapely.points(np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float))
    tree = shapely.STRtree(points)
    shapely.prepare(polygons)
    polygon_index, point_index = tree.query(polygons, predicate="intersects")
    same_group = polygon_groups[polygon_index] == np.asarray(point_groups)[point_index]
    polygon_index, point_index = polygon_index[same_group], point_index[same_group]
    # A point on a shared edge matches two polygons: keep the first of them.
    order = np.lexsort((polygon_index, point_index))
    point_index, polygon_index = point_index[order], polygon_index[order]
    _, first = np.unique(point_index, return_index=True)
    result[point_index[first]] = polygon_ids[polygon_index[first]]
    return result
