"""The simulation: households, their creditors, and arrears month by month.

The world is simulated one buurt at a time (households move only within
their buurt), so memory stays bounded by the largest buurt however many
households the world has. Each buurt has its own random stream, derived from
the seed and the buurt code.

The model, per household and month (all rates per month, see ``PARAMS``):

- a household is *calm* or under financial *stress*; it enters stress with a
  rate that depends on its vulnerability (linked to tenure) and leaves it
  with a fixed rate;
- each creditor relationship without an open arrear starts one with a
  hazard by creditor type — high under stress, low (a forgotten payment)
  when calm;
- an open arrear is paid off (cleared) with a rate by type and state, or
  grows by one term; it is always a whole number of terms (months of rent,
  months of premium, energy/water instalments);
- when a stressed household pays one creditor off it sometimes falls behind
  with another within 60 days: a debt swap;
- six months of unpaid health premium pass to the CAK (the insurer's arrear
  is cleared, a CAK arrear starts) — also a swap in the data, as in reality;
- arrears that reach a few terms within the age window may carry a crisis
  flag (eviction, disconnection, termination) with the reason of their type;
- a few long-standing arrears ("chronic", e.g. payment plans) never clear,
  so every creditor's monthly stand has rows;
- calm households without arrears for half a year sometimes move to a
  vacant address in their buurt.

Dates are handled as proleptic ordinals (``date.toordinal()``) for speed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import cache

from . import people
from .addresses import (
    Address,
    PostcodeAllocator,
    StreetNamer,
    generate_buurt_addresses,
    object_ids_for,
)
from .creditors import (
    CAK,
    CREDITOR_INDEX,
    CRISIS_REASON,
    ENERGIE,
    HUUR,
    HYPOTHEEK,
    OVERIGE,
    ROSTER,
    WATER,
    ZORG,
    creditors_of_type,
    housing_corporations,
)
from .geography import BuurtPlan, MunicipalityPlan
from .ids import rng, scramble

# Months simulated before the first delivered peildatum, so that arrears have
# realistic ages and the stock of long-standing arrears exists at month one.
BURN_IN_MONTHS = 12
# The last peildatum of every world (a fixed date, never "today").
LAST_PEILDATUM = dt.date(2026, 11, 1)

SOCIAL = "sociale_huur"
PRIVATE = "particuliere_huur"
OWNER = "koop"
LOW, MID, HIGH = 0, 1, 2

PARAMS = {
    # share of social rent by building kind
    "social_rent": {
        "flat": 0.6,
        "flat_nummers": 0.6,
        "etages": 0.35,
        "gesplitst": 0.3,
        "eengezinswoning": 0.28,
        "vrijstaand": 0.03,
    },
    "private_rent": 0.15,  # of the rest
    "mortgage": 0.85,  # of owners
    "mortgage_share": 0.30,  # of mortgages at the one participating lender
    "telecom": 0.35,
    "partner_same_insurer": 0.75,
    # vulnerability by tenure: P(low), P(mid), P(high)
    "vulnerability": {
        SOCIAL: (0.55, 0.30, 0.15),
        PRIVATE: (0.65, 0.25, 0.10),
        OWNER: (0.90, 0.085, 0.015),
    },
    # How forgetful a household is with payments while calm: (multiplier, share). The few
    # very forgetful households fall behind with one bill again and again (their weak
    # spot), which gives the national share of repeat signals (≈40 %).
    "payer": ((0.1, 0.67), (0.4, 0.30), (250.0, 0.03)),
    "payer_other_bills": 2.0,  # the weak spot's multiplier is capped at this for other bills
    "stress_entry": (0.0008, 0.006, 0.03),
    "stress_exit": 0.22,
    # hazard of a new arrear per relationship and month: (calm, stressed)
    # (calibrated to the national mix of signals: Zorg 45 %, Energie 25 %, Huur 19 %, Water 11 %)
    "start": {
        ZORG: (0.0010, 0.10),
        ENERGIE: (0.0012, 0.085),
        HUUR: (0.0010, 0.095),
        WATER: (0.0003, 0.032),
        HYPOTHEEK: (0.0002, 0.03),
        OVERIGE: (0.0001, 0.015),
        CAK: (0.0, 0.0),
    },
    # probability per month that an open arrear is paid off: (calm, stressed)
    "clear": {
        ZORG: (0.8, 0.22),
        ENERGIE: (0.82, 0.28),
        HUUR: (0.82, 0.3),
        WATER: (0.85, 0.3),
        HYPOTHEEK: (0.7, 0.2),
        OVERIGE: (0.85, 0.3),
        CAK: (0.08, 0.04),
    },
    "grow": (0.15, 0.55),  # one more unpaid term per month: (calm, stressed)
    "partial_payment": 0.12,
    "max_terms": 14,
    "swap": 0.05,  # a stressed household's clearing is followed by a new arrear elsewhere
    "swap_window_days": 60,
    "cak_terms": 6,  # months of premium after which the CAK takes over
    "crisis": {HUUR: (3, 0.45), ENERGIE: (3, 0.35), WATER: (4, 0.3), ZORG: (5, 0.08)},
    "crisis_max_age_days": 100,  # a crisis flag is only delivered while the arrear is this young
    "chronic_rate": 0.0015,
    "chronic_per_creditor": 2,  # at least this many chronic arrears per creditor in the world
    "move": 0.006,
    "quiet_days_before_move": 183,
    "vacancy": 0.04,
}


def peildata_for(months: int, last: dt.date = LAST_PEILDATUM) -> list[dt.date]:
    """The first day of each of ``months`` months ending with ``last``."""
    out = []
    year, month = last.year, last.month
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


@dataclass(slots=True)
class Arrear:
    start: int  # ordinal day the arrear arose (ontstaansdatum)
    terms: int
    serial: int
    crisis: str = ""  # crisis_reden once flagged


@dataclass(slots=True)
class Rel:
    """A customer relationship: one person of a household at one creditor."""

    creditor: int  # index into ROSTER
    ctype: str
    member: int
    uid: int  # stable number of this relationship (for customer and contract numbers)
    unit: int  # cents per term
    arrear: Arrear | None = None
    pending: int = 0  # ordinal day a scheduled arrear starts (debt swap, CAK), 0 = none
    serial: int = 0
    chronic: bool = False
    calm: float = 0.0  # hazard of a new arrear per month while the household is calm


@dataclass(slots=True)
class Household:
    hid: int
    addr: int  # index into the buurt's addresses
    size: int
    adults: int
    kind: str
    tenure: str
    vulnerability: int
    stressed: bool
    rels: list[Rel]
    quiet_since: int  # ordinal day of the last arrear activity
    payer: float = 1.0  # multiplier of the calm hazards
    calm_hazard: float = 0.0
    active: int = (
        0  # relationships with an open or scheduled arrear (0: nothing to simulate but chance)
    )


@dataclass(slots=True)
class Snapshot:
    """An open arrear on a delivered peildatum."""

    household: int  # index into BuurtSim.households
    rel: int  # index into the household's rels
    addr: int
    start: int
    terms: int
    amount: int  # cents
    crisis: str
    serial: int


@dataclass
class BuurtSim:
    municipality: MunicipalityPlan
    buurt: BuurtPlan
    addresses: list[Address]
    households: list[Household]
    snapshots: list[list[Snapshot]]  # per delivered month
    residents: int

    def person(self, seed: int, household: Household, reference: dt.date) -> list[people.Person]:
        return people.make_people(
            seed, household.hid, household.size, household.adults, household.kind, reference
        )


@dataclass
class WorldState:
    """What carries over from one buurt to the next (small and bounded)."""

    seed: int
    peildata: list[dt.date]
    total_households: int
    postcodes: PostcodeAllocator = field(default_factory=PostcodeAllocator)
    namer: StreetNamer | None = None
    next_hid: int = 0
    chronic_needed: dict[int, int] = field(default_factory=dict)
    object_ids: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.namer is None:
            self.namer = StreetNamer(people.surname_pool(), people.first_name_pool())
        self.chronic_needed = dict.fromkeys(range(len(ROSTER)), PARAMS["chronic_per_creditor"])
        months = len(self.peildata)
        first = self.peildata[0]
        burn_in = peildata_for(BURN_IN_MONTHS + 1, first)[:-1]
        self.timeline = [d.toordinal() for d in (*burn_in, *self.peildata)]
        self.delivered_from = len(burn_in)
        self.reference = self.peildata[-1]
        assert len(self.timeline) == BURN_IN_MONTHS + months


def _weighted(r: random.Random, options) -> object:
    """One value of ``options`` ((value, weight), …) drawn by weight."""
    u = r.random() * sum(w for _, w in options)
    for value, w in options:
        u -= w
        if u < 0:
            return value
    return options[-1][0]


def _randint(r: random.Random, low: int, high: int) -> int:
    """``r.randint`` without its overhead (the generator draws millions of these)."""
    return low + int(r.random() * (high - low + 1))


_INSURERS = [(CREDITOR_INDEX[c.code], c.share) for c in creditors_of_type(ZORG)]
_ENERGY = [(CREDITOR_INDEX[c.code], c.share) for c in creditors_of_type(ENERGIE)]
_WATER = CREDITOR_INDEX["WATERMIDDEN"]
_MORTGAGE = CREDITOR_INDEX["LAGELANDEN"]
_CAK = CREDITOR_INDEX["CPK"]
_TELECOM = CREDITOR_INDEX["TELPOLDER"]


def _rel(r: random.Random, creditor: int, member: int, hid: int) -> Rel:
    c = ROSTER[creditor]
    low, high = c.unit_cents
    unit = _randint(r, low, high)
    if c.type == ENERGIE:
        unit = unit // 500 * 500  # energy instalments are round amounts (€5)
    elif c.type == WATER:
        unit = unit // 100 * 100
    elif c.type == OVERIGE:
        unit = unit // 100 * 100 - 1  # €34.99
    return Rel(creditor=creditor, ctype=c.type, member=member, uid=hid * 8 + member, unit=unit)


def _make_household(
    r: random.Random, hid: int, addr: Address, municipality: MunicipalityPlan
) -> Household:
    size, adults, kind = people.compose_household(r, addr.kind)
    social_p = PARAMS["social_rent"].get(addr.kind, 0.25)
    u = r.random()
    tenure = (
        SOCIAL
        if u < social_p
        else PRIVATE
        if u < social_p + (1 - social_p) * PARAMS["private_rent"]
        else OWNER
    )
    vuln = _weighted(r, tuple(zip((LOW, MID, HIGH), PARAMS["vulnerability"][tenure], strict=True)))
    rels: list[Rel] = []
    head_insurer = _weighted(r, _INSURERS)
    rels.append(_rel(r, head_insurer, 0, hid))
    for member in range(1, adults):
        insurer = (
            head_insurer if r.random() < PARAMS["partner_same_insurer"] else _weighted(r, _INSURERS)
        )
        rels.append(_rel(r, insurer, member, hid))
    rels.append(_rel(r, _weighted(r, _ENERGY), 0, hid))
    rels.append(_rel(r, _WATER, 0, hid))
    if tenure == SOCIAL:
        corp = _weighted(r, _corporations(municipality.index))
        rels.append(_rel(r, corp, 0, hid))
    elif tenure == OWNER and r.random() < PARAMS["mortgage"] * PARAMS["mortgage_share"]:
        rels.append(_rel(r, _MORTGAGE, 0, hid))
    if r.random() < PARAMS["telecom"]:
        rels.append(_rel(r, _TELECOM, min(adults - 1, int(r.random() * 2)), hid))
    entry = PARAMS["stress_entry"][vuln]
    stationary = entry / (entry + PARAMS["stress_exit"])
    household = Household(
        hid=hid,
        addr=addr.index,
        size=size,
        adults=adults,
        kind=kind,
        tenure=tenure,
        vulnerability=vuln,
        stressed=r.random() < stationary,
        rels=rels,
        quiet_since=-(10**9),
        payer=_weighted(r, PARAMS["payer"]),
    )
    _refresh_calm_hazard(household)
    return household


@cache
def _corporations(municipality_index: int) -> tuple[tuple[int, float], ...]:
    return tuple(
        (CREDITOR_INDEX[c.code], share) for c, share in housing_corporations(municipality_index)
    )


def _refresh_calm_hazard(h: Household) -> None:
    """Per relationship and in total: a forgetful payer forgets one bill above all (its weak spot)."""
    start = PARAMS["start"]
    weak = h.hid % len(h.rels)
    for i, rel in enumerate(h.rels):
        multiplier = h.payer if i == weak else min(h.payer, PARAMS["payer_other_bills"])
        rel.calm = start[rel.ctype][0] * multiplier
    h.calm_hazard = (
        PARAMS["stress_entry"][h.vulnerability] + sum(rel.calm for rel in h.rels) + PARAMS["move"]
    )


def _terms_at_start(r: random.Random, ctype: str) -> int:
    if ctype == ZORG:
        return r.choice((1, 2, 2, 3))
    if ctype == HUUR:
        return 1 if r.random() < 0.7 else 2
    return 1 if r.random() < 0.6 else 2


def _open(r: random.Random, rel: Rel, day: int) -> None:
    rel.serial += 1
    rel.arrear = Arrear(start=day, terms=_terms_at_start(r, rel.ctype), serial=rel.serial)
    rel.pending = 0


def simulate_buurt(state: WorldState, municipality: MunicipalityPlan, buurt: BuurtPlan) -> BuurtSim:
    """Addresses, households and the monthly open arrears of one buurt."""
    seed = state.seed
    r = rng(seed, "buurt", buurt.code)
    vacancy = PARAMS["vacancy"]
    target = max(buurt.households + 1, round(buurt.households * (1 + vacancy)))
    object_ids = state.object_ids.setdefault(municipality.code, object_ids_for(municipality.code))
    addresses = generate_buurt_addresses(r, buurt, target, state.namer, state.postcodes, object_ids)
    households: list[Household] = []
    for i in range(buurt.households):
        households.append(_make_household(r, state.next_hid, addresses[i], municipality))
        state.next_hid += 1
    vacant = list(range(buurt.households, len(addresses)))
    timeline = state.timeline
    _seed_chronic(r, state, households, timeline[0])

    snapshots: list[list[Snapshot]] = []
    for t in range(1, len(timeline)):
        a, b = timeline[t - 1], timeline[t]
        for hi, h in enumerate(households):
            _step(r, h, a, b, vacant, hi, households)
        if t >= state.delivered_from:
            snapshots.append(_snapshot(households, b))
    residents = sum(h.size for h in households)
    return BuurtSim(municipality, buurt, addresses, households, snapshots, residents)


def _seed_chronic(
    r: random.Random, state: WorldState, households: list[Household], day0: int
) -> None:
    """Long-standing arrears: a small share everywhere, and enough per creditor in the world."""
    rate = PARAMS["chronic_rate"]
    by_creditor: dict[int, list[Rel]] = {}
    for h in households:
        for rel in h.rels:
            by_creditor.setdefault(rel.creditor, []).append(rel)
            if r.random() < rate:
                _make_chronic(r, rel, day0)
                h.quiet_since = 10**9
    for creditor, needed in sorted(state.chronic_needed.items()):
        if needed <= 0:
            continue
        if creditor == _CAK:
            candidates = [h for h in households if h.adults]
            for h in r.sample(candidates, min(needed, len(candidates))):
                rel = _rel(r, _CAK, 0, h.hid)
                h.rels.append(rel)
                _make_chronic(r, rel, day0)
                h.quiet_since = 10**9
                state.chronic_needed[creditor] -= 1
            continue
        pool = [rel for rel in by_creditor.get(creditor, []) if not rel.chronic]
        for rel in r.sample(pool, min(needed, len(pool))):
            _make_chronic(r, rel, day0)
            state.chronic_needed[creditor] -= 1
    for h in households:
        if any(rel.chronic for rel in h.rels):
            h.quiet_since = 10**9
        h.active = sum(1 for rel in h.rels if rel.arrear is not None or rel.pending)


def _make_chronic(r: random.Random, rel: Rel, day0: int) -> None:
    rel.serial += 1
    rel.chronic = True
    rel.arrear = Arrear(start=day0 - r.randint(30, 400), terms=r.randint(4, 10), serial=rel.serial)


def _step(
    r: random.Random,
    h: Household,
    a: int,
    b: int,
    vacant: list[int],
    hi: int,
    households: list[Household],
) -> None:
    """One month (a, b] of one household."""
    rels = h.rels
    if not h.stressed and not h.active:
        u = r.random()
        if u >= h.calm_hazard:
            return
        u -= PARAMS["stress_entry"][h.vulnerability]
        if u < 0:
            h.stressed = True
            return
        for rel in rels:
            u -= rel.calm
            if u < 0:
                _open(r, rel, a + _randint(r, 1, b - a))
                h.quiet_since = b
                h.active = 1
                return
        # The rest of the hazard is a move.
        if vacant and h.quiet_since <= b - PARAMS["quiet_days_before_move"]:
            j = r.randrange(len(vacant))
            vacant[j], h.addr = h.addr, vacant[j]
        return

    vuln = h.vulnerability
    if h.stressed:
        if r.random() < PARAMS["stress_exit"]:
            h.stressed = False
    elif r.random() < PARAMS["stress_entry"][vuln]:
        h.stressed = True
    state = 1 if h.stressed else 0
    start_hazards, clear_rates = PARAMS["start"], PARAMS["clear"]
    grow = PARAMS["grow"][state]
    for rel in list(rels):
        arrear = rel.arrear
        if arrear is None:
            if rel.pending:
                if rel.pending <= b:
                    _open(r, rel, max(rel.pending, a + 1))
                    h.quiet_since = b
                continue
            if r.random() < (start_hazards[rel.ctype][1] if state else rel.calm):
                _open(r, rel, a + _randint(r, 1, b - a))
                h.quiet_since = b
            continue
        if arrear.start > a:
            continue  # opened in this month already
        h.quiet_since = b
        if not rel.chronic and r.random() < clear_rates[rel.ctype][state]:
            day = max(a, arrear.start) + _randint(r, 1, b - max(a, arrear.start))
            rel.arrear = None
            if h.stressed and r.random() < PARAMS["swap"]:
                _schedule_swap(r, h, rel, day, b)
            continue
        if r.random() < grow:
            arrear.terms = min(PARAMS["max_terms"], arrear.terms + 1)
        elif arrear.terms > 1 and r.random() < PARAMS["partial_payment"]:
            arrear.terms -= 1
        if rel.ctype == ZORG and arrear.terms >= PARAMS["cak_terms"] and not rel.chronic:
            day = a + _randint(r, 1, b - a)
            rel.arrear = None
            _transfer_to_cak(r, h, rel, day, b)
            continue
        crisis = PARAMS["crisis"].get(rel.ctype)
        if (
            crisis
            and not arrear.crisis
            and arrear.terms >= crisis[0]
            and b - arrear.start <= PARAMS["crisis_max_age_days"]
            and r.random() < crisis[1]
        ):
            arrear.crisis = CRISIS_REASON[rel.ctype]
    h.active = sum(1 for rel in rels if rel.arrear is not None or rel.pending)


def _schedule_swap(r: random.Random, h: Household, cleared: Rel, day: int, b: int) -> None:
    candidates = [
        rel
        for rel in h.rels
        if rel is not cleared and rel.arrear is None and not rel.pending and rel.ctype != CAK
    ]
    if not candidates:
        return
    rel = r.choice(candidates)
    rel.pending = day + r.randint(0, PARAMS["swap_window_days"])
    if rel.pending <= b:
        _open(r, rel, rel.pending)


def _transfer_to_cak(r: random.Random, h: Household, health: Rel, day: int, b: int) -> None:
    for rel in h.rels:
        if rel.creditor == _CAK and rel.member == health.member:
            cak = rel
            break
    else:
        cak = _rel(r, _CAK, health.member, h.hid)
        h.rels.append(cak)
    if cak.arrear is None and not cak.pending:
        cak.pending = day + r.randint(1, 20)
        if cak.pending <= b:
            _open(r, cak, cak.pending)


def _snapshot(households: list[Household], day: int) -> list[Snapshot]:
    out: list[Snapshot] = []
    max_age = PARAMS["crisis_max_age_days"]
    for hi, h in enumerate(households):
        for ri, rel in enumerate(h.rels):
            arrear = rel.arrear
            if arrear is None:
                continue
            crisis = arrear.crisis if day - arrear.start <= max_age else ""
            out.append(
                Snapshot(
                    hi,
                    ri,
                    h.addr,
                    arrear.start,
                    arrear.terms,
                    arrear.terms * rel.unit,
                    crisis,
                    arrear.serial,
                )
            )
    return out


def customer_number(creditor_index: int, uid: int, digits: int) -> str:
    """The creditor's customer number for relationship ``uid`` (unique per creditor)."""
    c = ROSTER[creditor_index]
    return f"{c.klant_prefix}{scramble(uid, 10**digits, salt=creditor_index):0{digits}d}"


def contract_number(creditor_index: int, uid: int) -> str:
    c = ROSTER[creditor_index]
    n = scramble(uid, 10**10, salt=creditor_index + 50)
    if c.type == ENERGIE:
        return f"871{n:010d}{uid % 100000:05d}"  # an EAN-like 18-digit code
    if c.type == ZORG:
        return f"{n:010d}"
    if c.type == HUUR:
        return f"HC-{n % 10**7:07d}"
    return f"{c.code[:2]}{n:010d}"
