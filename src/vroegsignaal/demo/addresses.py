"""Streets, house numbers, additions and postcodes of one buurt.

Addresses are laid out along straight streets inside the buurt's rectangle:
odd numbers on one side, even numbers on the other. A postcode (PC6) covers
one side of one street over a run of numbers, or one block of flats; a new
four-digit area starts with every wijk. Additions are only of the forms the
register's ``split_addition`` reads back unchanged: a single letter (``A``),
letter + digits (``A1``), or a toevoeging of letters/digits (``1``, ``HS``,
``BIS``, ``II``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .geography import BBox, BuurtPlan, wgs84_to_rd

# Postcode letters PostNL never issues (also in registry/addressing.py).
FORBIDDEN_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
FIRST_PC4 = 1011
LAST_PC4 = 9899
# Four-digit areas never given to an address: a delivery row with one of these
# postcodes can be routed neither by postcode + huisnummer nor by postcode alone.
UNUSED_PC4 = range(9900, 10000)

_LETTER_PAIRS = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in FORBIDDEN_POSTCODE_LETTERS
)


def postcode_is_valid(postcode: str) -> bool:
    return (
        len(postcode) == 6
        and postcode[:4].isdigit()
        and postcode[0] != "0"
        and postcode[4:].isalpha()
        and postcode[4:].isupper()
        and postcode[4:] not in FORBIDDEN_POSTCODE_LETTERS
    )


class PostcodeAllocator:
    """Hands out PC6 postcodes in order; one allocator for the whole world."""

    def __init__(self) -> None:
        self.pc4 = FIRST_PC4 - 1
        self.letters = len(_LETTER_PAIRS)

    def new_area(self, gap: int = 1) -> None:
        """Start a new four-digit area (at every wijk)."""
        self.pc4 += gap
        self.letters = 0
        if self.pc4 > LAST_PC4:
            raise ValueError("De wereld is te groot voor de Nederlandse postcodes (1000–9899).")

    def next(self) -> str:
        if self.letters >= len(_LETTER_PAIRS):
            self.new_area()
        code = f"{self.pc4}{_LETTER_PAIRS[self.letters]}"
        self.letters += 1
        return code


# --- street names ------------------------------------------------------------

_THEME_WORDS = {
    "Bomenbuurt": (
        "Eiken",
        "Beuken",
        "Linden",
        "Essen",
        "Iepen",
        "Wilgen",
        "Populieren",
        "Kastanje",
        "Berken",
        "Elzen",
        "Platanen",
        "Acacia",
        "Esdoorn",
        "Hazelaar",
        "Meidoorn",
        "Lijsterbes",
        "Vlier",
        "Hulst",
        "Taxus",
        "Sparren",
        "Dennen",
        "Lariks",
        "Ceder",
        "Walnoot",
        "Moerbei",
    ),
    "Vogelbuurt": (
        "Merel",
        "Lijster",
        "Spreeuwen",
        "Mussen",
        "Vinken",
        "Koolmees",
        "Pimpelmees",
        "Zwaluw",
        "Kievit",
        "Reiger",
        "Ooievaar",
        "Buizerd",
        "Valken",
        "Uilen",
        "Specht",
        "Roodborst",
        "Winterkoning",
        "Kwartel",
        "Fazant",
        "Leeuwerik",
        "Wielewaal",
        "Grutto",
        "Tureluur",
        "Meeuwen",
        "Zwanen",
    ),
    "Bloemenbuurt": (
        "Tulp",
        "Narcis",
        "Hyacint",
        "Krokus",
        "Rozen",
        "Anjer",
        "Lelie",
        "Iris",
        "Dahlia",
        "Aster",
        "Goudsbloem",
        "Klaproos",
        "Korenbloem",
        "Madelief",
        "Zonnebloem",
        "Lavendel",
        "Jasmijn",
        "Begonia",
        "Fresia",
        "Gladiool",
        "Primula",
        "Sering",
        "Akelei",
        "Ranonkel",
    ),
    "Schildersbuurt": (
        "Rembrandt",
        "Vermeer",
        "Frans Hals",
        "Jan Steen",
        "Van Gogh",
        "Mondriaan",
        "Breitner",
        "Israëls",
        "Mesdag",
        "Jongkind",
        "Ruysdael",
        "Hobbema",
        "Van Goyen",
        "Ter Borch",
        "Paulus Potter",
        "Jan Toorop",
        "Escher",
        "Pieter de Hooch",
        "Jacob Maris",
        "Weissenbruch",
    ),
    "Componistenbuurt": (
        "Bach",
        "Mozart",
        "Beethoven",
        "Chopin",
        "Haydn",
        "Schubert",
        "Händel",
        "Vivaldi",
        "Verdi",
        "Wagner",
        "Brahms",
        "Mahler",
        "Sweelinck",
        "Diepenbrock",
        "Ravel",
        "Debussy",
        "Grieg",
        "Sibelius",
        "Purcell",
        "Schumann",
    ),
    "Schrijversbuurt": (
        "Vondel",
        "Bilderdijk",
        "Multatuli",
        "Hooft",
        "Bredero",
        "Huygens",
        "Cats",
        "Tollens",
        "Da Costa",
        "Potgieter",
        "Gorter",
        "Couperus",
        "Van Eeden",
        "Beets",
        "Staring",
        "Busken Huet",
        "Van Lennep",
        "Nescio",
        "Hildebrand",
        "Heijermans",
    ),
    "Rivierenbuurt": (
        "Maas",
        "Waal",
        "Rijn",
        "IJssel",
        "Vecht",
        "Amstel",
        "Dommel",
        "Dinkel",
        "Berkel",
        "Linge",
        "Lek",
        "Schelde",
        "Eem",
        "Regge",
        "Hunze",
        "Roer",
        "Geul",
        "Niers",
        "Merwede",
        "Gouwe",
    ),
    "Eilandenbuurt": (
        "Texel",
        "Vlieland",
        "Terschelling",
        "Ameland",
        "Schiermonnikoog",
        "Urk",
        "Marken",
        "Tholen",
        "Walcheren",
        "Goeree",
        "Voorne",
        "Rottum",
        "Griend",
        "Wieringen",
        "Schokland",
    ),
    "Sterrenbuurt": (
        "Orion",
        "Sirius",
        "Vega",
        "Pegasus",
        "Andromeda",
        "Polaris",
        "Cassiopeia",
        "Draco",
        "Lyra",
        "Perseus",
        "Castor",
        "Pollux",
        "Aldebaran",
        "Capella",
        "Betelgeuze",
        "Altair",
    ),
    "Vruchtenbuurt": (
        "Appel",
        "Peren",
        "Kersen",
        "Pruimen",
        "Druiven",
        "Aalbessen",
        "Bramen",
        "Frambozen",
        "Aardbeien",
        "Mispel",
        "Kweepeer",
        "Vijgen",
        "Perziken",
        "Abrikozen",
    ),
}
_OLD_TOWN_STREETS = (
    "Kerkstraat",
    "Molenstraat",
    "Dorpsstraat",
    "Hoogstraat",
    "Nieuwstraat",
    "Voorstraat",
    "Achterstraat",
    "Marktplein",
    "Kerkplein",
    "Brink",
    "Havenkade",
    "Havenstraat",
    "Stationsweg",
    "Stationsplein",
    "Schoolstraat",
    "Julianastraat",
    "Beatrixlaan",
    "Wilhelminastraat",
    "Emmastraat",
    "Oranjestraat",
    "Nassaulaan",
    "Prins Hendrikstraat",
    "Kanaalweg",
    "Dijkstraat",
    "Raadhuisstraat",
    "Burgstraat",
    "Kapelstraat",
    "Torenstraat",
    "Koestraat",
    "Bakkerstraat",
    "Smidsstraat",
    "Brouwersstraat",
    "Kuipersweg",
    "Zandweg",
    "Kloosterstraat",
    "Veerstraat",
    "Sluisstraat",
    "Looiersgracht",
    "Singel",
    "Herengracht",
    "Noordsingel",
    "Zuidwal",
    "Oostwal",
    "Westwal",
    "Vismarkt",
    "Korenmarkt",
    "Lange Nieuwstraat",
    "Korte Kerkstraat",
    "Achterom",
    "Parklaan",
    "Parkweg",
    "Industrieweg",
    "Ambachtsweg",
    "Nijverheidsweg",
    "Handelsweg",
    "Polderweg",
    "Broekweg",
    "Veldweg",
    "Heideweg",
    "Boslaan",
    "Hoeveweg",
    "Dorpsweg",
)
_SUFFIXES = (
    "straat",
    "laan",
    "weg",
    "hof",
    "plein",
    "pad",
    "singel",
    "dreef",
    "plantsoen",
    "kade",
    "erf",
)
_PERSON_PREFIXES = ("Burgemeester ", "Dokter ", "Pastoor ", "Meester ", "Wethouder ", "")


class StreetNamer:
    """Invents street names, unique within a woonplaats."""

    def __init__(self, surnames: list[str], first_names: list[str]) -> None:
        self.surnames = surnames
        self.first_names = first_names
        self.used: dict[str, set[str]] = {}

    def name(self, r: random.Random, woonplaats: str, theme: str) -> str:
        used = self.used.setdefault(woonplaats, set())
        words = _THEME_WORDS.get(theme)
        for attempt in range(40):
            if words and attempt < 20:
                word = r.choice(words)
                name = f"{word}{r.choice(_SUFFIXES)}"
            elif not words and attempt < 10:
                name = r.choice(_OLD_TOWN_STREETS)
            else:
                surname = r.choice(self.surnames)
                prefix = r.choice(_PERSON_PREFIXES)
                if not prefix and r.random() < 0.5:
                    prefix = r.choice(self.first_names) + " "
                name = f"{prefix}{surname[0].upper()}{surname[1:]}{r.choice(_SUFFIXES)}"
            if name not in used:
                used.add(name)
                return name
        serial = len(used) + 1
        name = f"{r.choice(self.surnames).capitalize()}straat {serial}"
        used.add(name)
        return name

    def forget(self, woonplaats: str) -> None:
        """Free the memory of a finished woonplaats."""
        self.used.pop(woonplaats, None)


# --- buildings -----------------------------------------------------------------

# Building kinds and the households they tend to hold.
SINGLE = "eengezinswoning"
DETACHED = "vrijstaand"
SPLIT = "gesplitst"  # 12 and 12A, or 12A and 12B
FLOORS = "etages"  # 12-HS, 12-1, 12-2 (or 12-I, 12-II, 12-III)
FLAT_ADDITIONS = "flat"  # one number, toevoeging 1..N or A1..B12
FLAT_NUMBERS = "flat_nummers"  # one entrance, every flat its own number

_PROFILES = {
    "oud": ((SINGLE, 40), (FLOORS, 30), (SPLIT, 12), (FLAT_ADDITIONS, 10), (DETACHED, 8)),
    "woon": ((SINGLE, 62), (DETACHED, 8), (SPLIT, 10), (FLAT_ADDITIONS, 10), (FLAT_NUMBERS, 10)),
    "jaren30": ((SINGLE, 38), (FLOORS, 32), (SPLIT, 10), (FLAT_ADDITIONS, 20)),
    "hoog": ((FLAT_ADDITIONS, 35), (FLAT_NUMBERS, 15), (SINGLE, 40), (DETACHED, 10)),
    "landelijk": ((DETACHED, 50), (SINGLE, 40), (SPLIT, 10)),
}
_THEME_PROFILE = {
    "Oude Kern": "oud",
    "Kerkbuurt": "oud",
    "Havenbuurt": "oud",
    "Stationsbuurt": "oud",
    "Molenbuurt": "oud",
    "Schildersbuurt": "jaren30",
    "Componistenbuurt": "jaren30",
    "Schrijversbuurt": "jaren30",
    "Rivierenbuurt": "jaren30",
    "Sterrenbuurt": "hoog",
    "Eilandenbuurt": "hoog",
    "Bedrijvenpark": "landelijk",
    "Buitengebied": "landelijk",
    "Lintbebouwing": "landelijk",
    "Dorpskern": "oud",
}


def profile_for(theme: str) -> str:
    return _THEME_PROFILE.get(theme, "woon")


@dataclass(slots=True)
class Address:
    """One address of the register (a BAG verblijfsobject with its nummeraanduiding)."""

    index: int  # position within the buurt
    street: str
    number: int
    toevoeging: str  # huisletter and huisnummertoevoeging written together, as in the BAG export
    letter: str
    addition: str
    postcode: str
    lon: float
    lat: float
    object_id: str
    kind: str

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.postcode, self.number, self.letter, self.addition)


def _building_additions(r: random.Random, kind: str) -> list[str]:
    """The BAG ``toevoeging`` values of the addresses in one building."""
    if kind in (SINGLE, DETACHED):
        return [""] if r.random() > 0.01 else ["", "BIS"]
    if kind == SPLIT:
        return ["", "A"] if r.random() < 0.6 else ["A", "B"] if r.random() < 0.8 else ["", "A", "B"]
    if kind == FLOORS:
        floors = r.choice((2, 2, 3, 3, 4))
        style = r.random()
        if style < 0.55:
            return ["HS", *[str(i) for i in range(1, floors)]]
        if style < 0.8:
            return ["", *[str(i) for i in range(1, floors)]]
        return ["I", "II", "III", "IV"][:floors]
    if kind == FLAT_ADDITIONS:
        style = r.random()
        if style < 0.55:
            return [str(i) for i in range(1, r.randint(8, 96) + 1)]
        if style < 0.85:
            stairs = r.randint(2, 4)
            per_stair = r.randint(4, 12)
            return [f"{chr(65 + s)}{i}" for s in range(stairs) for i in range(1, per_stair + 1)]
        return [chr(65 + i) for i in range(r.randint(4, 12))]
    raise ValueError(kind)


@dataclass(slots=True)
class _Plot:
    number: int
    additions: list[str]
    kind: str


@dataclass(slots=True)
class _Street:
    name: str
    odd: list[_Plot]
    even: list[_Plot]

    def count(self) -> int:
        return sum(len(p.additions) for p in self.odd) + sum(len(p.additions) for p in self.even)


def generate_buurt_addresses(
    r: random.Random,
    buurt: BuurtPlan,
    target: int,
    namer: StreetNamer,
    postcodes: PostcodeAllocator,
    object_ids: _ObjectIds,
) -> list[Address]:
    """At least ``target`` addresses along invented streets inside the buurt's rectangle."""
    kinds, weights = zip(*_PROFILES[profile_for(buurt.theme)], strict=True)
    streets: list[_Street] = []
    total = 0
    while total < target:
        street = _Street(namer.name(r, buurt.woonplaats, buurt.theme), [], [])
        plots_per_side = r.randint(4, 28)
        numbers = {"odd": 1, "even": 2}
        for _ in range(plots_per_side):
            for side, parity in ((street.odd, "odd"), (street.even, "even")):
                if total >= target:
                    break
                kind = r.choices(kinds, weights)[0]
                number = numbers[parity]
                if kind == FLAT_NUMBERS:
                    # One entrance, each flat its own number: many consecutive numbers on this side.
                    for _ in range(min(r.randint(6, 30), target - total)):
                        side.append(_Plot(number, [""], kind))
                        number += 2
                        total += 1
                else:
                    additions = _building_additions(r, kind)
                    if kind == FLAT_ADDITIONS and total + len(additions) > target:
                        additions = additions[: max(4, target - total)]
                    side.append(_Plot(number, additions, kind))
                    number += 2
                    total += len(additions)
                    if r.random() < 0.03:
                        number += 2  # a gap in the numbering (a demolished house, a garden)
                numbers[parity] = number
        if street.odd or street.even:
            streets.append(street)
    return _place(r, buurt.bbox, streets, postcodes, object_ids)


class _ObjectIds:
    """BAG verblijfsobject ids: gemeentecode, ``01`` and a ten-digit serial."""

    def __init__(self, municipality_code: str) -> None:
        self.prefix = f"{municipality_code}01"
        self.serial = 1_000_000

    def next(self) -> str:
        self.serial += 1
        return f"{self.prefix}{self.serial:010d}"


def object_ids_for(municipality_code: str) -> _ObjectIds:
    return _ObjectIds(municipality_code)


def _place(
    r: random.Random,
    bbox: BBox,
    streets: list[_Street],
    postcodes: PostcodeAllocator,
    object_ids: _ObjectIds,
) -> list[Address]:
    addresses: list[Address] = []
    height = bbox.north - bbox.south
    width = bbox.east - bbox.west
    row = height / len(streets)
    for s, street in enumerate(streets):
        centre = bbox.south + (s + 0.5) * row
        for side, offset in ((street.odd, 0.22 * row), (street.even, -0.22 * row)):
            if not side:
                continue
            lat_side = centre + offset
            step = width * 0.9 / len(side)
            run: list[_Plot] = []
            run_size = 0
            pieces: list[list[_Plot]] = []
            for plot in side:
                size = len(plot.additions)
                big = plot.kind == FLAT_ADDITIONS
                if run and (big or run_size + size > 24 or run[-1].kind == FLAT_ADDITIONS):
                    pieces.append(run)
                    run, run_size = [], 0
                run.append(plot)
                run_size += size
            if run:
                pieces.append(run)
            position = 0
            for piece in pieces:
                postcode = postcodes.next()
                for plot in piece:
                    lon = bbox.west + width * 0.05 + (position + 0.5) * step
                    position += 1
                    for k, toevoeging in enumerate(plot.additions):
                        jitter_lon = (k % 7 - 3) * step * 0.04
                        jitter_lat = (k // 7 % 5 - 2) * row * 0.02
                        letter, addition = split_bag_toevoeging(toevoeging)
                        addresses.append(
                            Address(
                                index=len(addresses),
                                street=street.name,
                                number=plot.number,
                                toevoeging=toevoeging,
                                letter=letter,
                                addition=addition,
                                postcode=postcode,
                                lon=round(lon + jitter_lon, 7),
                                lat=round(lat_side + jitter_lat, 7),
                                object_id=object_ids.next(),
                                kind=plot.kind,
                            )
                        )
    r.shuffle(addresses)  # households move into addresses in no particular order
    for i, address in enumerate(addresses):
        address.index = i
    return addresses


def split_bag_toevoeging(value: str) -> tuple[str, str]:
    """The register's reading of a BAG ``toevoeging`` for the forms this generator writes.

    A single letter is a huisletter; a letter followed by digits is huisletter
    plus toevoeging; anything else is a toevoeging. This is the rule of
    ``registry.addressing.split_addition`` restricted to separator-free values
    (a test checks the two agree on every generated address).
    """
    if not value:
        return "", ""
    if len(value) == 1 and value.isalpha():
        return value, ""
    if value[0].isalpha() and value[1:].isdigit():
        return value[0], value[1:]
    return "", value


def rd_coordinates(address: Address) -> tuple[float, float]:
    x, y = wgs84_to_rd(address.lon, address.lat)
    return round(x, 3), round(y, 3)
