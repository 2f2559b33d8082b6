"""The creditors of the synthetic world, their covenants, and ``config.yaml``.

All organisation names are invented. Creditor types are the DDAS
``EnumSignaalpartner`` values. The roster is fixed (the same creditors in
every world) so that tests and demos can name them; which municipalities have
a covenant with whom depends on the number of municipalities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .geography import MunicipalityPlan

ZORG = "Zorg"
ENERGIE = "Energie"
HUUR = "Huur"
WATER = "Water"
HYPOTHEEK = "Hypotheek"
CAK = "CAK Zorgverzekeringen"
OVERIGE = "Overige"

# crisis_reden per creditor type (spec 1.5); other types never flag a crisis.
CRISIS_REASON = {
    HUUR: "ontruiming",
    ENERGIE: "afsluiting_energie",
    WATER: "afsluiting_water",
    ZORG: "beeindiging_zorgverzekering",
}


@dataclass(frozen=True)
class Creditor:
    code: str
    name: str
    type: str
    share: float  # market share within its type (households or, for Zorg, adults)
    dialect: str  # key into dialects.DIALECTS
    unit_cents: tuple[int, int]  # range of one month's rent / premium / instalment
    kind: str = "stand"  # "stand", or "mutatie" (first month a stand)
    klant_prefix: str = ""
    klant_digits: int = 8


ROSTER: tuple[Creditor, ...] = (
    Creditor(
        "POLDERZORG",
        "Polderzorg Verzekeringen",
        ZORG,
        0.34,
        "polderzorg",
        (14_800, 16_600),
        "mutatie",
        "PZ",
        9,
    ),
    Creditor(
        "DELINDE",
        "Zorgverzekeraar De Linde",
        ZORG,
        0.28,
        "delinde",
        (14_600, 16_400),
        "stand",
        "",
        10,
    ),
    Creditor(
        "ZORGZAAM",
        "Zorgzaam Verzekerd",
        ZORG,
        0.22,
        "zorgzaam",
        (15_000, 16_800),
        "stand",
        "ZZ-",
        8,
    ),
    Creditor(
        "DIJKZORG",
        "Dijkzorg Onderlinge Zorgverzekeraar",
        ZORG,
        0.16,
        "dijkzorg",
        (14_900, 16_200),
        "stand",
        "D",
        7,
    ),
    Creditor(
        "ENERGIENOORD",
        "Energie Noord",
        ENERGIE,
        0.45,
        "energienoord",
        (8_000, 26_000),
        "stand",
        "EN",
        8,
    ),
    Creditor(
        "WINDKRACHT",
        "Windkracht Energie",
        ENERGIE,
        0.35,
        "windkracht",
        (8_500, 24_000),
        "mutatie",
        "WK",
        9,
    ),
    Creditor(
        "STROOMLIJN",
        "Stroomlijn Energie",
        ENERGIE,
        0.20,
        "stroomlijn",
        (7_500, 22_000),
        "stand",
        "S",
        8,
    ),
    Creditor(
        "WOONBRUG",
        "Woonstichting De Brug",
        HUUR,
        0.65,
        "woonbrug",
        (45_000, 90_000),
        "stand",
        "",
        6,
    ),
    Creditor(
        "WOONTHUIS", "Woonwaard Thuis", HUUR, 0.35, "woonthuis", (47_000, 88_000), "stand", "HT", 7
    ),
    Creditor(
        "WATERMIDDEN",
        "Waterbedrijf Midden-Polder",
        WATER,
        1.0,
        "watermidden",
        (1_400, 3_200),
        "stand",
        "",
        9,
    ),
    Creditor(
        "LAGELANDEN",
        "Hypotheekbank Lage Landen",
        HYPOTHEEK,
        0.30,
        "lagelanden",
        (65_000, 160_000),
        "stand",
        "LL",
        8,
    ),
    Creditor("CPK", "Centraal Premiekantoor", CAK, 1.0, "cpk", (19_500, 21_500), "stand", "CPK", 9),
    Creditor(
        "TELPOLDER", "Telecom Polder", OVERIGE, 0.35, "telpolder", (2_500, 8_500), "stand", "TP", 8
    ),
)
CREDITORS_BY_CODE = {c.code: c for c in ROSTER}
CREDITOR_INDEX = {c.code: i for i, c in enumerate(ROSTER)}
TYPES = (ZORG, ENERGIE, HUUR, WATER, HYPOTHEEK, CAK, OVERIGE)


def creditors_of_type(ctype: str) -> list[Creditor]:
    return [c for c in ROSTER if c.type == ctype]


def housing_corporations(municipality_index: int) -> list[tuple[Creditor, float]]:
    """The corporations letting social housing in a municipality, with their shares."""
    brug, thuis = CREDITORS_BY_CODE["WOONBRUG"], CREDITORS_BY_CODE["WOONTHUIS"]
    return (
        [(brug, 0.65), (thuis, 0.35)]
        if municipality_index % 2 == 0
        else [(thuis, 0.7), (brug, 0.3)]
    )


# --- covenants ---------------------------------------------------------------


@dataclass(frozen=True)
class Covenant:
    creditor: str
    municipality: str
    valid_from: dt.date
    valid_until: dt.date | None
    collection_pause_days: int
    bsn_allowed: bool

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def plan_covenants(
    municipalities: list[MunicipalityPlan], peildata: list[dt.date]
) -> list[Covenant]:
    """Covenants of every creditor with every municipality, except a few pairs on purpose.

    - Stroomlijn Energie has no covenant with the first municipality (its rows
      there are outside covenant, and are delivered anyway).
    - Telecom Polder has covenants only with every other municipality.
    - Hypotheekbank Lage Landen has none with the second municipality.
    - Dijkzorg's covenant with the first municipality starts half-way through
      the delivered months (its earlier rows there are outside covenant).
    """
    first = peildata[0]
    default_from = dt.date(first.year - 1, 1, 1)
    covenants: list[Covenant] = []
    for m in municipalities:
        for c in ROSTER:
            if c.code == "STROOMLIJN" and m.index == 0:
                continue
            if c.code == "TELPOLDER" and m.index % 2 == 1:
                continue
            if c.code == "LAGELANDEN" and m.index == 1:
                continue
            valid_from = default_from
            if c.code == "DIJKZORG" and m.index == 0 and len(peildata) >= 3:
                valid_from = peildata[len(peildata) // 2]
            valid_until = None
            if c.code == "ENERGIENOORD" and m.index == 0:
                valid_until = dt.date(peildata[-1].year + 1, 12, 31)
            pause = 60 if c.type == HUUR else 45 if c.type == CAK else 30
            covenants.append(
                Covenant(
                    creditor=c.code,
                    municipality=m.code,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    collection_pause_days=pause,
                    bsn_allowed=c.type in (ZORG, CAK),
                )
            )
    return covenants


class CovenantIndex:
    """Which (creditor, municipality) pairs are active on a day."""

    def __init__(self, covenants: list[Covenant]) -> None:
        self.by_pair: dict[tuple[str, str], list[Covenant]] = {}
        for cov in covenants:
            self.by_pair.setdefault((cov.creditor, cov.municipality), []).append(cov)

    def active(self, creditor: str, municipality: str, day: dt.date) -> bool:
        return any(c.active_on(day) for c in self.by_pair.get((creditor, municipality), ()))


# --- rules and teams -----------------------------------------------------------

# The defaults of ARCHITECTURE.md ("Defaults for the rules").
DEFAULT_RULES = {
    "max_age_days": 100,
    "min_creditors": 2,
    "min_amount_eur": 0,
    "single_signals": True,
    "debt_swap_window_days": 60,
    "repeat_window_days": 183,
    "count_distinct": "creditor",
}


def rules_for(municipality_index: int) -> dict:
    """The first municipality uses the defaults; a few others vary one rule each."""
    rules = dict(DEFAULT_RULES)
    if municipality_index == 1:
        rules["min_amount_eur"] = 50
    elif municipality_index == 2:
        rules["count_distinct"] = "type"
    elif municipality_index == 3:
        rules["single_signals"] = False
    return rules


_TEAM_NAMES = ("Noord", "Zuid", "Oost", "West", "Centrum", "Dorpen")


def teams_for(m: MunicipalityPlan) -> list[dict]:
    """Wijkteams, each responsible for a group of wijken (north to south)."""
    wijken = sorted(m.wijken, key=lambda w: (-w.bbox.north, w.bbox.west, w.code))
    n_teams = max(1, min(len(_TEAM_NAMES), (len(wijken) + 2) // 3))
    size = -(-len(wijken) // n_teams)
    teams = []
    for t in range(n_teams):
        group = wijken[t * size : (t + 1) * size]
        if not group:
            continue
        name = _TEAM_NAMES[t]
        town = m.name.lower().replace(" ", "")
        teams.append(
            {
                "name": f"Wijkteam {name}",
                "code": f"T{m.code}-{name.upper()}",
                "neighbourhoods": sorted(w.code for w in group),
                # Contact details for the outreach letter; fictional (the .example domain is
                # reserved, and 14 + a made-up area code is no municipality's number).
                "phone": f"14 {m.code}",
                "email": f"wijkteam-{name.lower()}@{town}.example",
                "visiting_address": f"Wijkcentrum {name}, Marktplein {t + 1}, {m.name}",
            }
        )
    return teams


def build_config(municipalities: list[MunicipalityPlan], covenants: list[Covenant]) -> dict:
    """The content of ``config.yaml`` (spec section 3)."""
    return {
        "municipalities": [
            {"code": m.code, "name": m.name, "rules": rules_for(m.index), "teams": teams_for(m)}
            for m in municipalities
        ],
        "creditors": [{"code": c.code, "name": c.name, "type": c.type} for c in ROSTER],
        "covenants": [
            {
                "creditor": cov.creditor,
                "municipality": cov.municipality,
                "valid_from": cov.valid_from.isoformat(),
                "valid_until": cov.valid_until.isoformat() if cov.valid_until else None,
                "collection_pause_days": cov.collection_pause_days,
                "bsn_allowed": cov.bsn_allowed,
            }
            for cov in covenants
        ],
    }
