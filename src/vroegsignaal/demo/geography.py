"""Fictional municipalities, wijken and buurten that tile them, and coordinates.

Municipalities get CBS-style codes that no real municipality uses or used
(0999 downwards, skipping the real codes of the 09xx range), are placed on a
grid inside the Netherlands' bounding box so they never overlap, and are cut
into rectangular wijken and buurten that tile them exactly. Everything here is
planned before any household is drawn, so the plan is small (one object per
buurt) even for a world of 8.4 million households.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .ids import rng

# Real CBS gemeentecodes in 0900–0999, current or from before a merger
# (e.g. 0935 Maastricht, 0983 Venlo, 0995 Lelystad); never handed out here.
_REAL_CODES_09XX = frozenset(
    {
        905,
        907,
        914,
        917,
        918,
        920,
        925,
        928,
        929,
        933,
        934,
        935,
        936,
        938,
        941,
        944,
        946,
        951,
        957,
        962,
        964,
        965,
        971,
        974,
        975,
        977,
        981,
        983,
        984,
        986,
        988,
        993,
        994,
        995,
    }
)
FICTIONAL_MUNICIPALITY_CODES: tuple[str, ...] = tuple(
    f"{n:04d}" for n in range(999, 899, -1) if n not in _REAL_CODES_09XX
)

# First parts and endings of invented place names ("Voorbeeldstad", "Kievitsveen").
_NAME_FIRST = (
    "Voorbeeld",
    "Proef",
    "Kievits",
    "Zilver",
    "Sterre",
    "Klaver",
    "Hazel",
    "Wilgen",
    "Berken",
    "Elzen",
    "Ruiter",
    "Toren",
    "Duinen",
    "Heiden",
    "Vlas",
    "Riet",
    "Lijster",
    "Mossel",
    "Kwartel",
    "Meidoorn",
    "Eglantier",
    "Brem",
    "Varen",
    "Zwaluw",
    "Ooievaar",
    "Kraan",
)
_NAME_END = (
    "stad",
    "dal",
    "veen",
    "hoven",
    "wolde",
    "zijl",
    "broek",
    "dijk",
    "rode",
    "waarde",
    "haven",
    "monde",
    "burg",
    "horst",
    "meer",
)
_WIJK_NAMES = (
    "Centrum",
    "Noord",
    "Oost",
    "Zuid",
    "West",
    "De Horst",
    "Het Hoogveld",
    "Molenkwartier",
    "Stationskwartier",
    "Havenkwartier",
    "De Akkers",
    "Buitenveld",
    "Parkzicht",
    "De Weiden",
    "Oude Dorp",
    "Nieuwland",
    "De Kamp",
    "Westerpark",
    "Oosterhout",
    "Zuiderhoek",
)
_BUURT_THEMES = (
    "Bomenbuurt",
    "Vogelbuurt",
    "Bloemenbuurt",
    "Schildersbuurt",
    "Componistenbuurt",
    "Schrijversbuurt",
    "Rivierenbuurt",
    "Eilandenbuurt",
    "Sterrenbuurt",
    "Vruchtenbuurt",
    "Oude Kern",
    "Kerkbuurt",
    "Molenbuurt",
    "Havenbuurt",
    "Stationsbuurt",
    "Parkbuurt",
    "Bedrijvenpark",
    "Dorpskern",
    "Lintbebouwing",
    "Buitengebied",
)

# The Netherlands' bounding box in degrees (WGS84), with a margin from the sea.
NL_LON = (3.75, 7.0)
NL_LAT = (51.0, 53.35)
KM_PER_DEGREE_LAT = 111.2
# Households per km² of built-up municipality (Dutch towns: 500–3,000).
HOUSEHOLDS_PER_KM2 = 900.0
# Households per buurt aimed at (the Dutch average is about 600).
HOUSEHOLDS_PER_BUURT = 650
MAX_WIJKEN = 99  # wijk codes are two digits, 01–99
MAX_BUURTEN_PER_WIJK = 99


@dataclass(frozen=True)
class BBox:
    """A rectangle in degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def ring(self) -> list[list[float]]:
        """The closed exterior ring of the rectangle (GeoJSON, counter-clockwise)."""
        w, s, e, n = (round(v, 7) for v in (self.west, self.south, self.east, self.north))
        return [[w, s], [e, s], [e, n], [w, n], [w, s]]

    def contains(self, lon: float, lat: float) -> bool:
        return self.west < lon < self.east and self.south < lat < self.north


@dataclass
class BuurtPlan:
    code: str
    name: str
    wijk_code: str
    wijk_name: str
    woonplaats: str
    bbox: BBox
    households: int
    theme: str


@dataclass
class WijkPlan:
    code: str
    name: str
    woonplaats: str
    bbox: BBox
    buurten: list[BuurtPlan] = field(default_factory=list)


@dataclass
class MunicipalityPlan:
    index: int
    code: str
    name: str
    province: str
    bbox: BBox
    households: int
    wijken: list[WijkPlan] = field(default_factory=list)

    @property
    def gm_code(self) -> str:
        return f"GM{self.code}"

    def buurten(self) -> list[BuurtPlan]:
        return [b for w in self.wijken for b in w.buurten]

    def woonplaatsen(self) -> list[str]:
        seen: dict[str, None] = {}
        for w in self.wijken:
            seen.setdefault(w.woonplaats, None)
        return list(seen)


def municipality_names(seed: int, count: int) -> list[str]:
    """``count`` distinct invented names; the first world municipality is always Voorbeeldstad."""
    r = rng(seed, "municipality-names")
    combos = [a + b for a in _NAME_FIRST for b in _NAME_END]
    combos.remove("Voorbeeldstad")
    r.shuffle(combos)
    names = ["Voorbeeldstad", *combos]
    if count > len(names):
        raise ValueError(f"Te veel gemeenten: hoogstens {len(names)}.")
    return names[:count]


def village_names(seed: int, municipality_name: str, count: int) -> list[str]:
    r = rng(seed, "villages", municipality_name)
    combos = [a + b for a in _NAME_FIRST for b in _NAME_END if a + b != municipality_name]
    picked = r.sample(combos, count)
    # Villages are often "<name> aan de <water>" or "Nieuw-<name>"; keep most plain.
    styled = []
    for i, name in enumerate(picked):
        style = r.random()
        if style < 0.15:
            name = f"{name} aan de {r.choice(('Vliet', 'Linge', 'Dommel', 'Vecht', 'Aa'))}"
        elif style < 0.25:
            name = f"Nieuw-{name}"
        styled.append(f"{name}" if name not in styled else f"{name} {i}")
    return styled


def split_counts(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, stable)."""
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in raw]
    rest = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def tile(bbox: BBox, n: int) -> list[BBox]:
    """Cut ``bbox`` into ``n`` rectangles that tile it exactly, in rows from north to south."""
    width_km = (bbox.east - bbox.west) * KM_PER_DEGREE_LAT * math.cos(math.radians(bbox.south))
    height_km = (bbox.north - bbox.south) * KM_PER_DEGREE_LAT
    rows = max(1, min(n, round(math.sqrt(n * height_km / max(width_km, 1e-9)))))
    per_row = split_counts(n, [1.0] * rows)
    tiles: list[BBox] = []
    row_height = (bbox.north - bbox.south) / rows
    for row, cells in enumerate(per_row):
        north = bbox.north - row * row_height
        south = bbox.south if row == rows - 1 else north - row_height
        cell_width = (bbox.east - bbox.west) / cells
        for c in range(cells):
            west = bbox.west + c * cell_width
            east = bbox.east if c == cells - 1 else west + cell_width
            tiles.append(BBox(west, south, east, north))
    return tiles


def province_at(lon: float, lat: float) -> str:
    """A rough province for a point (only for the BAG export's ``provincie`` column)."""
    if lat > 53.0:
        return "Groningen" if lon > 6.2 else "Fryslân"
    if lat > 52.55:
        if lon > 6.2:
            return "Drenthe"
        if lon > 5.6:
            return "Overijssel" if lat < 52.75 else "Drenthe"
        return "Noord-Holland" if lon < 5.2 else "Flevoland"
    if lat > 52.05:
        if lon > 6.0:
            return "Overijssel" if lat > 52.25 else "Gelderland"
        if lon > 5.05:
            return "Utrecht" if lat < 52.3 else "Flevoland"
        return "Noord-Holland" if lat > 52.25 else "Zuid-Holland"
    if lat > 51.7:
        if lon > 5.4:
            return "Gelderland"
        return "Zuid-Holland" if lon > 4.1 else "Zeeland"
    if lon < 4.25:
        return "Zeeland"
    if lon > 5.75 and lat < 51.55:
        return "Limburg"
    return "Noord-Brabant"


def wgs84_to_rd(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 → Rijksdriehoeksstelsel (EPSG:28992), the approximation of Schreutelkamp
    and Strang van Hees (accurate to about a metre inside the Netherlands)."""
    dphi = 0.36 * (lat - 52.15517440)
    dlam = 0.36 * (lon - 5.38720621)
    x = (
        155000
        + 190094.945 * dlam
        - 11832.228 * dphi * dlam
        - 114.221 * dphi**2 * dlam
        - 32.391 * dlam**3
        - 0.705 * dphi
        - 2.340 * dphi**3 * dlam
        - 0.608 * dphi * dlam**3
        - 0.008 * dlam**2
        + 0.148 * dphi**2 * dlam**3
    )
    y = (
        463000
        + 309056.544 * dphi
        + 3638.893 * dlam**2
        + 73.077 * dphi**2
        - 157.984 * dphi * dlam**2
        + 59.788 * dphi**3
        + 0.433 * dlam
        - 6.439 * dphi**2 * dlam**2
        - 0.032 * dphi * dlam
        + 0.092 * dlam**4
        - 0.054 * dphi * dlam**4
    )
    return x, y


def plan_municipalities(seed: int, households: int, municipalities: int) -> list[MunicipalityPlan]:
    """Place ``municipalities`` fictional municipalities and cut them into wijken and buurten."""
    if municipalities < 1:
        raise ValueError("Er is ten minste één gemeente nodig.")
    if municipalities > len(FICTIONAL_MUNICIPALITY_CODES):
        raise ValueError(
            f"Hoogstens {len(FICTIONAL_MUNICIPALITY_CODES)} gemeenten (vrije fictieve codes)."
        )
    if households < municipalities:
        raise ValueError("Er zijn minder huishoudens dan gemeenten.")
    r = rng(seed, "municipalities")
    names = municipality_names(seed, municipalities)
    # Sizes: the first municipality is the largest, the others skewed like Dutch towns.
    weights = [1.0] + [r.lognormvariate(-0.6, 0.7) for _ in range(municipalities - 1)]
    sizes = split_counts(households, weights)
    sizes = [max(1, s) for s in sizes]
    sizes[0] += households - sum(sizes)

    cols = math.ceil(math.sqrt(municipalities))
    rows = math.ceil(municipalities / cols)
    cell_lon = (NL_LON[1] - NL_LON[0]) / cols
    cell_lat = (NL_LAT[1] - NL_LAT[0]) / rows
    cells = list(range(cols * rows))
    r.shuffle(cells)
    plans: list[MunicipalityPlan] = []
    for index in range(municipalities):
        cell = cells[index]
        col, row = cell % cols, cell // cols
        cell_west = NL_LON[0] + col * cell_lon
        cell_south = NL_LAT[0] + row * cell_lat
        centre_lat = cell_south + cell_lat / 2
        km_per_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(centre_lat))
        side_km = math.sqrt(max(sizes[index], 1) / HOUSEHOLDS_PER_KM2)
        width = min(side_km * 1.3 / km_per_lon, cell_lon * 0.9)
        height = min(side_km / 1.3 / KM_PER_DEGREE_LAT, cell_lat * 0.9)
        west = cell_west + r.uniform(0.05, 0.95) * (cell_lon - width)
        south = cell_south + r.uniform(0.05, 0.95) * (cell_lat - height)
        bbox = BBox(west, south, west + width, south + height)
        code = FICTIONAL_MUNICIPALITY_CODES[index]
        plan = MunicipalityPlan(
            index=index,
            code=code,
            name=names[index],
            province=province_at(west + width / 2, south + height / 2),
            bbox=bbox,
            households=sizes[index],
        )
        _plan_neighbourhoods(seed, plan)
        plans.append(plan)
    return plans


def _plan_neighbourhoods(seed: int, plan: MunicipalityPlan) -> None:
    r = rng(seed, "neighbourhoods", plan.code)
    n_buurten = max(1, round(plan.households / HOUSEHOLDS_PER_BUURT))
    n_buurten = min(n_buurten, MAX_WIJKEN * MAX_BUURTEN_PER_WIJK, max(1, plan.households))
    n_wijken = min(MAX_WIJKEN, max(1, math.ceil(n_buurten / 6)))
    while n_buurten > n_wijken * MAX_BUURTEN_PER_WIJK:
        n_wijken += 1
    buurten_per_wijk = split_counts(n_buurten, [r.uniform(0.7, 1.3) for _ in range(n_wijken)])
    for i, count in enumerate(buurten_per_wijk):
        if count == 0:
            buurten_per_wijk[i] = 1
    # The main town holds most wijken; the outer wijken are villages.
    n_villages = 0 if n_wijken < 3 else min(6, n_wijken // 3)
    villages = village_names(seed, plan.name, n_villages)
    wijk_tiles = tile(plan.bbox, n_wijken)
    household_weights = [r.lognormvariate(0, 0.35) for _ in range(sum(buurten_per_wijk))]
    household_counts = split_counts(plan.households, household_weights)
    cursor = 0
    themes = list(_BUURT_THEMES)
    for w in range(n_wijken):
        wijk_code = f"WK{plan.code}{w + 1:02d}"
        if w >= n_wijken - n_villages:
            woonplaats = villages[w - (n_wijken - n_villages)]
            wijk_name = woonplaats
        else:
            woonplaats = plan.name
            wijk_name = _WIJK_NAMES[w] if w < len(_WIJK_NAMES) else f"Wijk {w + 1:02d}"
        wijk = WijkPlan(code=wijk_code, name=wijk_name, woonplaats=woonplaats, bbox=wijk_tiles[w])
        for b, buurt_box in enumerate(tile(wijk.bbox, buurten_per_wijk[w])):
            theme = themes[r.randrange(len(themes))]
            name = theme if b == 0 else f"{theme} {_roman(b + 1)}"
            if woonplaats != plan.name:
                name = f"{woonplaats} {name}" if b else f"{woonplaats}"
            wijk.buurten.append(
                BuurtPlan(
                    code=f"BU{plan.code}{w + 1:02d}{b + 1:02d}",
                    name=name,
                    wijk_code=wijk_code,
                    wijk_name=wijk_name,
                    woonplaats=woonplaats,
                    bbox=buurt_box,
                    households=household_counts[cursor],
                    theme=theme,
                )
            )
            cursor += 1
        plan.wijken.append(wijk)


def _roman(n: int) -> str:
    numerals = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out
