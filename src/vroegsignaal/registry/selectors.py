"""Reads from the address register, for the register itself and for other apps.

Intake routes a million delivered rows at once, so the main selector returns a
Polars frame to join against rather than model instances.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db.models import QuerySet

from vroegsignaal.organisations.models import Municipality

from . import bulk, geo
from .addressing import normalise_postcode, parse_house_number
from .models import Address, Neighbourhood, NeighbourhoodKind

ADDRESS_LOOKUP_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64,
    "postcode": pl.Utf8,
    "huisnummer": pl.Int64,
    "huisletter": pl.Utf8,
    "toevoeging": pl.Utf8,
    "municipality_code": pl.Utf8,
    "municipality_id": pl.Int64,
    "buurt_code": pl.Utf8,
    "wijk_code": pl.Utf8,
}


def address_lookup_frame(postcodes: Iterable[str] | None = None) -> pl.DataFrame:
    """The register as a frame to route deliveries with, vectorised.

    Columns: ``id, postcode, huisnummer, huisletter, toevoeging,
    municipality_code, municipality_id, buurt_code, wijk_code`` (the last two
    null where the address has no buurt). Address parts are in the normal form
    of ``addressing.py`` (``huisletter``/``toevoeging`` ``""`` when absent), so a
    delivery normalised with the same module joins on plain equality.

    ``postcodes`` (normalised, e.g. ``"1234AB"``) limits the frame to those
    postcodes; ``None`` returns the whole register.
    """
    address = Address._meta.db_table
    municipality = Municipality._meta.db_table
    neighbourhood = Neighbourhood._meta.db_table
    sql = (
        "SELECT a.id, a.postcode, a.huisnummer, a.huisletter, a.toevoeging, m.code, a.municipality_id, "  # noqa: S608
        "b.code, w.code "
        f"FROM {address} a "
        f"JOIN {municipality} m ON m.id = a.municipality_id "
        f"LEFT JOIN {neighbourhood} b ON b.id = a.buurt_id "
        f"LEFT JOIN {neighbourhood} w ON w.id = b.wijk_id"
    )
    params: list = []
    if postcodes is not None:
        wanted = sorted({p for p in postcodes if p})
        if not wanted:
            return pl.DataFrame(schema=ADDRESS_LOOKUP_SCHEMA)
        if bulk.is_postgresql():
            sql += " WHERE a.postcode = ANY(%s)"
            params = [wanted]
        else:
            # One parameter however many postcodes: SQLite's JSON1 unpacks the list.
            sql += " WHERE a.postcode IN (SELECT value FROM json_each(%s))"
            params = [json.dumps(wanted)]
    return bulk.read_frame(sql, params, ADDRESS_LOOKUP_SCHEMA)


def find_address(
    postcode: str, huisnummer: int | str, huisletter: str = "", toevoeging: str = ""
) -> Address | None:
    """One address by its parts, written any way ``addressing.py`` understands; ``None`` if absent."""
    normal_postcode = normalise_postcode(postcode)
    parsed = parse_house_number(huisnummer)
    if normal_postcode is None or parsed is None:
        return None
    number, letter, addition = parsed
    # Explicit parts win over what the huisnummer carried ("12A").
    letter = (huisletter or "").strip().upper() or letter
    addition = re.sub(r"[^A-Z0-9]", "", (toevoeging or "").upper())[:4] or addition
    return (
        Address.objects.select_related("municipality", "buurt", "buurt__wijk")
        .filter(
            postcode=normal_postcode,
            huisnummer=number,
            huisletter=letter,
            toevoeging=addition,
        )
        .first()
    )


def municipality_frame() -> pl.DataFrame:
    """Every municipality the system knows: ``id, code, name``."""
    rows = list(Municipality.objects.values_list("id", "code", "name"))
    return pl.DataFrame(
        rows, schema={"id": pl.Int64, "code": pl.Utf8, "name": pl.Utf8}, orient="row"
    )


def buurt_code_frame() -> pl.DataFrame:
    """Every buurt in the register: ``code, municipality_id`` (no outlines)."""
    rows = list(
        Neighbourhood.objects.filter(kind=NeighbourhoodKind.BUURT).values_list(
            "code", "municipality_id"
        )
    )
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "municipality_id": pl.Int64}, orient="row")


@dataclass(frozen=True)
class BuurtOutlines:
    """The buurten of some municipalities, as arrays for point-in-polygon."""

    ids: np.ndarray
    codes: list[str]
    municipality_ids: np.ndarray
    shapes: np.ndarray  # shapely geometries (valid) or None

    def code_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "buurtcode": self.codes,
                "buurt_id": self.ids,
                "buurt_municipality_id": self.municipality_ids,
            },
            schema={"buurtcode": pl.Utf8, "buurt_id": pl.Int64, "buurt_municipality_id": pl.Int64},
        )


def buurt_outlines(municipality_ids: Iterable[int]) -> BuurtOutlines:
    rows = list(
        Neighbourhood.objects.filter(
            kind=NeighbourhoodKind.BUURT, municipality_id__in=list(municipality_ids)
        )
        .order_by("code")
        .values_list("id", "code", "municipality_id", "geometry")
    )
    return BuurtOutlines(
        ids=np.asarray([r[0] for r in rows], dtype=np.int64),
        codes=[r[1] for r in rows],
        municipality_ids=np.asarray([r[2] for r in rows], dtype=np.int64),
        shapes=geo.valid(geo.from_geojson_dicts([r[3] for r in rows])),
    )


def neighbourhoods_of(
    municipality: Municipality | int, kind: str | None = None
) -> QuerySet[Neighbourhood]:
    """The wijken and/or buurten of one municipality, by code."""
    qs = Neighbourhood.objects.filter(municipality=municipality).select_related("wijk")
    return qs.filter(kind=kind) if kind else qs


def neighbourhood_feature_collection(
    municipality: Municipality | int, kind: str = NeighbourhoodKind.BUURT
) -> dict:
    """The municipality's buurten (or wijken) as a GeoJSON FeatureCollection in WGS84, for maps."""
    features = [
        {
            "type": "Feature",
            "geometry": n.geometry,
            "properties": {
                "code": n.code,
                "naam": n.name,
                "wijkcode": n.wijk.code if n.wijk else None,
                "aantal_inwoners": n.inhabitants,
                "aantal_huishoudens": n.households,
            },
        }
        for n in neighbourhoods_of(municipality, kind)
    ]
    return {"type": "FeatureCollection", "features": features}
