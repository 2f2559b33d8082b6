"""Reading a CBS wijk/buurt GeoJSON file into neighbourhood records (spec section 2).

Pure: bytes in, records with WGS84 outlines out, or a
:class:`RegistryImportError`. No database.

CBS publishes its *Wijk- en buurtkaart* with short upper-case property names
(``BU_CODE``, ``AANT_INW``) in older years and long lower-case ones
(``buurtcode``, ``aantal_inwoners`` or ``aantalInwoners``) in newer ones; both
are read. Unknown counts are negative sentinels (``-99999999``,
``-99999997``) and become ``None``. A buurt file names its wijk by code only, so
wijken are derived from it: their outline is the union of their buurten.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import shapely

from . import geo
from .exceptions import RegistryImportError
from .models import NeighbourhoodKind

PROPERTY_ALIASES: dict[str, tuple[str, ...]] = {
    "buurtcode": ("bucode", "buurtcode"),
    "buurtnaam": ("bunaam", "buurtnaam"),
    "wijkcode": ("wkcode", "wijkcode"),
    "wijknaam": ("wknaam", "wijknaam"),
    "gemeentecode": ("gmcode", "gemeentecode"),
    "gemeentenaam": ("gmnaam", "gemeentenaam"),
    "inhabitants": ("aantinw", "aantalinwoners"),
    "households": ("aantalhh", "aantalhuishoudens"),
}
BUURT_CODE_RE = re.compile(r"^BU[0-9]{8}$")
WIJK_CODE_RE = re.compile(r"^WK[0-9]{6}$")
MUNICIPALITY_CODE_RE = re.compile(r"^(?:GM)?([0-9]{1,4})$")
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class NeighbourhoodRecord:
    code: str
    name: str
    kind: str  # NeighbourhoodKind
    municipality_code: str  # "0999"
    wijk_code: str | None  # buurten only
    inhabitants: int | None
    households: int | None
    geometry: object | None  # shapely geometry in WGS84
    feature: int  # 1-based position in the file, for messages
    municipality_name: str = ""
    wijk_name: str = ""  # buurten: the name of their wijk, when the file gives it
    derived: bool = False  # a wijk implied by the buurten of a buurt file, not a feature itself


@dataclass(frozen=True)
class ParsedNeighbourhoods:
    wijken: list[NeighbourhoodRecord]
    buurten: list[NeighbourhoodRecord]
    crs: int  # the EPSG code the file was in
    wijken_from_buurten: bool  # the wijken were derived from a buurt file


def property_key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(name).lower())


def parse_neighbourhood_file(data: bytes) -> ParsedNeighbourhoods:
    collection = _load(data)
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise RegistryImportError(
            "Het bestand bevat geen buurten of wijken (de lijst 'features' is leeg)."
        )

    records, geometries, errors = [], [], []
    for number, feature in enumerate(features, start=1):
        try:
            record, geometry = _read_feature(number, feature)
        except _FeatureError as exc:
            errors.append(str(exc))
            continue
        records.append(record)
        geometries.append(geometry)
    _check_unique(records, errors)
    if errors:
        raise RegistryImportError(errors, error_count=len(errors))

    shapes = _shapes(records, geometries)
    crs = _crs(collection, shapes)
    if crs == geo.RD_NEW:
        shapes = geo.rd_to_wgs84(shapes)
    shapes = geo.rounded(shapes)
    records = [
        replace(record, geometry=shape) for record, shape in zip(records, shapes, strict=True)
    ]

    buurten = [r for r in records if r.kind == NeighbourhoodKind.BUURT]
    wijken = [r for r in records if r.kind == NeighbourhoodKind.WIJK]
    derived = bool(buurten) and not wijken
    if buurten:
        wijken = _complete_wijken(wijken, buurten)
    return ParsedNeighbourhoods(
        wijken=wijken, buurten=buurten, crs=crs, wijken_from_buurten=derived
    )


class _FeatureError(Exception):
    pass


def _load(data: bytes) -> dict:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise RegistryImportError("Het bestand is leeg.")
    try:
        collection = json.loads(data)
    except UnicodeDecodeError:
        raise RegistryImportError("Het bestand is geen UTF-8; GeoJSON is altijd UTF-8.")
    except json.JSONDecodeError as exc:
        raise RegistryImportError(
            f"Regel {exc.lineno}, teken {exc.colno}: het bestand is geen geldige JSON."
        )
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise RegistryImportError("Het bestand is geen GeoJSON FeatureCollection.")
    return collection


def _read_feature(number: int, feature: object) -> tuple[NeighbourhoodRecord, dict | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _FeatureError(f"Object {number}: is geen GeoJSON Feature.")
    raw = feature.get("properties") or {}
    if not isinstance(raw, dict):
        raise _FeatureError(f"Object {number}: 'properties' is geen object.")
    by_key: dict[str, object] = {}
    for name, value in raw.items():
        by_key.setdefault(property_key(name), value)
    props = {
        canonical: next((by_key[s] for s in spellings if by_key.get(s) not in (None, "")), None)
        for canonical, spellings in PROPERTY_ALIASES.items()
    }

    buurt_code = _code(props["buurtcode"], "BU", 8)
    wijk_code = _code(props["wijkcode"], "WK", 6)
    if buurt_code is not None:
        kind, code, name_key = NeighbourhoodKind.BUURT, buurt_code, "buurtnaam"
        if not BUURT_CODE_RE.match(code):
            raise _FeatureError(f"Object {number}: buurtcode '{code}' is ongeldig.")
        if wijk_code is None:
            wijk_code = "WK" + code[2:8]  # CBS codes nest: BU gggg ww bb → WK gggg ww
    elif wijk_code is not None:
        kind, code, name_key = NeighbourhoodKind.WIJK, wijk_code, "wijknaam"
    else:
        raise _FeatureError(f"Object {number}: buurtcode of wijkcode ontbreekt.")
    if not WIJK_CODE_RE.match(wijk_code):
        raise _FeatureError(f"Object {number} ({code}): wijkcode '{wijk_code}' is ongeldig.")

    municipality = props["gemeentecode"]
    municipality_code = _municipality_code(municipality) if municipality is not None else code[2:6]
    if municipality_code is None:
        raise _FeatureError(f"Object {number} ({code}): gemeentecode '{municipality}' is ongeldig.")

    geometry = feature.get("geometry")
    if geometry is not None and (
        not isinstance(geometry, dict) or geometry.get("type") not in POLYGONAL
    ):
        found = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise _FeatureError(
            f"Object {number} ({code}): geometrie '{found}' wordt niet ondersteund; verwacht Polygon of MultiPolygon."
        )

    name = str(props[name_key]).strip() if props[name_key] is not None else code
    record = NeighbourhoodRecord(
        code=code,
        name=name[:200],
        kind=kind,
        municipality_code=municipality_code,
        wijk_code=wijk_code if kind == NeighbourhoodKind.BUURT else None,
        inhabitants=count_or_none(props["inhabitants"]),
        households=count_or_none(props["households"]),
        geometry=None,
        feature=number,
        municipality_name=str(props["gemeentenaam"] or ""),
        wijk_name=str(props["wijknaam"]).strip()[:200]
        if kind == NeighbourhoodKind.BUURT and props["wijknaam"] is not None
        else "",
    )
    return record, geometry


def _code(value: object, prefix: str, digits: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    if re.fullmatch(f"[0-9]{{{digits}}}", text):
        text = prefix + text
    return text or None


def _municipality_code(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != int(value):
            return None
        value = int(value)
    m = MUNICIPALITY_CODE_RE.match(str(value).strip().upper())
    return m.group(1).zfill(4) if m else None


def count_or_none(value: object) -> int | None:
    """A CBS count: a non-negative integer, or ``None`` for the negative 'unknown' sentinels."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = (
            float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        return None
    if number != number or number < 0 or number > 2**31 - 1:
        return None
    return int(number)


def _check_unique(records: list[NeighbourhoodRecord], errors: list[str]) -> None:
    seen: dict[str, int] = {}
    for record in records:
        if record.code in seen:
            errors.append(
                f"Object {record.feature}: code '{record.code}' staat ook bij object {seen[record.code]}."
            )
        else:
            seen[record.code] = record.feature


def _shapes(records: list[NeighbourhoodRecord], geometries: list[dict | None]) -> np.ndarray:
    shapes = np.empty(len(geometries), dtype=object)
    present = [i for i, g in enumerate(geometries) if g is not None]
    if present:
        try:
            parsed = shapely.from_geojson(
                [json.dumps(geometries[i]) for i in present], on_invalid="raise"
            )
        except (shapely.errors.GEOSException, ValueError):
            parsed = None
        if parsed is None:
            for i in present:  # find the culprit
                try:
                    shapes[i] = shapely.from_geojson(json.dumps(geometries[i]), on_invalid="raise")
                except (shapely.errors.GEOSException, ValueError):
                    record = records[i]
                    raise RegistryImportError(
                        f"Object {record.feature} ({record.code}): de geometrie is ongeldig."
                    )
        else:
            for i, shape in zip(present, parsed, strict=True):
                shapes[i] = shape
    for i, shape in enumerate(shapes):
        if shape is not None and shapely.is_empty(shape):
            shapes[i] = None
    return shapes


def _crs(collection: dict, shapes: np.ndarray) -> int:
    present = np.asarray([s for s in shapes if s is not None], dtype=object)
    try:
        declared = geo.crs_from_member(collection.get("crs"))
    except geo.UnsupportedCrs as exc:
        raise RegistryImportError(
            f"Coördinatenstelsel {exc} wordt niet ondersteund; gebruik EPSG:4326 of EPSG:28992."
        )
    if not len(present):
        return declared or geo.WGS84
    bounds = shapely.total_bounds(present)
    crs = declared or geo.guess_crs(bounds)
    if not geo.bounds_fit(crs, bounds):
        shown = ", ".join(f"{b:.6g}" for b in bounds)
        raise RegistryImportError(f"De coördinaten ({shown}) passen niet bij EPSG:{crs}.")
    return crs


def _complete_wijken(
    wijken: list[NeighbourhoodRecord], buurten: list[NeighbourhoodRecord]
) -> list[NeighbourhoodRecord]:
    """The wijken a buurt file implies, with outline and counts summed from their buurten.

    Wijken that the file itself holds are kept as they are.
    """
    by_code = {w.code: w for w in wijken}
    members: dict[str, list[NeighbourhoodRecord]] = defaultdict(list)
    for buurt in buurten:
        members[buurt.wijk_code].append(buurt)
    result = list(wijken)
    for code, group in members.items():
        if code in by_code:
            continue
        shapes = [b.geometry for b in group if b.geometry is not None]
        outline = None
        if shapes:
            outline = shapely.union_all(geo.valid(np.asarray(shapes, dtype=object)))
            outline = geo.rounded(np.asarray([outline], dtype=object))[0]
        name = next((b.wijk_name for b in group if b.wijk_name), "")
        result.append(
            NeighbourhoodRecord(
                code=code,
                name=name,  # "" means: keep the stored name, or use the code
                kind=NeighbourhoodKind.WIJK,
                municipality_code=group[0].municipality_code,
                wijk_code=None,
                inhabitants=_sum_or_none(b.inhabitants for b in group),
                households=_sum_or_none(b.households for b in group),
                geometry=outline,
                feature=group[0].feature,
                municipality_name=group[0].municipality_name,
                derived=True,
            )
        )
    return result


def _sum_or_none(values) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)
