"""``generate_world``: plan the world, simulate it buurt by buurt, write it out.

Pure Python and no database: benchmarks and tests import it directly. The
output depends only on the arguments (no clock, no environment), and is
streamed: per buurt the addresses, the neighbourhood feature, the delivery
rows of every creditor and month, and the ground truth are written before
the next buurt is simulated.

Layout of ``--out``::

    adressen.csv              BAG CSV export form (spec 2)
    buurten.geojson           CBS buurten, EPSG:4326 (spec 2)
    config.yaml               municipalities, rules, teams, creditors, covenants (spec 3)
    leveringen/<CODE>/<peildatum>.<csv|xlsx|json>     one per creditor and month (spec 1)
    ground_truth/world.json           parameters, municipalities, totals, definitions
    ground_truth/dialects.json        each creditor's dialect, to read its files
    ground_truth/deliveries.json      per file: the report a correct intake must give
    ground_truth/<peildatum>/arrears.csv   every open arrear (the simulated truth)
    ground_truth/<peildatum>/signals.csv   what a correct system signals, per address
    ground_truth/<peildatum>/summary.json  counts and shares of that month
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vroegsignaal.paths import reason, shown

from . import hostile as hostile_files
from . import people
from .creditors import (
    CREDITORS_BY_CODE,
    ROSTER,
    TYPES,
    CovenantIndex,
    build_config,
    plan_covenants,
    rules_for,
)
from .deliveries import DeliveryStream, Ghost, make_record, stable_fraction
from .dialects import DIALECTS, Dialect, canonical, describe, hostile, with_status
from .geography import plan_municipalities
from .ids import rng
from .truth import Rules, VisibleArrear, counting_arrears, evaluate_address
from .world import (
    BuurtSim,
    Snapshot,
    WorldState,
    contract_number,
    customer_number,
    peildata_for,
    simulate_buurt,
)
from .writers import (
    AddressWriter,
    DelimitedWriter,
    NeighbourhoodWriter,
    open_delivery,
    sha256_of,
    write_config,
    write_json,
)

NOISE_LEVELS = ("none", "realistic", "hostile")
MAX_HOUSEHOLDS = 10_000_000
MAX_MONTHS = 36
GENERATOR_VERSION = 1
OUTPUT_ENTRIES = ("adressen.csv", "buurten.geojson", "config.yaml", "leveringen", "ground_truth")

ARREARS_HEADER = (
    "peildatum",
    "schuldeiser",
    "soort_schuldeiser",
    "klantnummer",
    "contractnummer",
    "gemeentecode",
    "wijkcode",
    "buurtcode",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "huishouden_id",
    "bedrag",
    "ontstaansdatum",
    "leeftijd_dagen",
    "aantal_termijnen",
    "crisis_reden",
    "zichtbaar",
    "telt_mee",
)
SIGNALS_HEADER = (
    "peildatum",
    "gemeentecode",
    "wijkcode",
    "buurtcode",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "straatnaam",
    "woonplaats",
    "huishouden_id",
    "soort",
    "crisis",
    "herhaald",
    "schuldverschuiving",
    "nieuw",
    "signaal_sinds",
    "aantal_schuldeisers",
    "schuldeisers",
    "totaal_bedrag",
    "oudste_ontstaansdatum",
)


class WorldError(ValueError):
    """Arguments that cannot make a world; the message is Dutch."""


@dataclass
class WorldResult:
    out: Path
    households: int
    residents: int
    addresses: int
    buurten: int
    delivery_files: int
    delivery_rows: int
    truth_rows: int
    seconds: float

    @property
    def rows(self) -> int:
        """All rows written: addresses, delivery rows and ground-truth rows."""
        return self.addresses + self.delivery_rows + self.truth_rows


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else f"-{euros(-cents)}"


def yes_no(value: bool) -> str:
    return "ja" if value else "nee"


@dataclass
class _MonthTotals:
    arrears_open: int = 0
    arrears_visible: int = 0
    arrears_counting: int = 0
    households_in_arrears: int = 0
    households_visible: int = 0
    new_counting: int = 0
    signals: Counter = field(default_factory=Counter)
    mix_type: Counter = field(default_factory=Counter)
    mix_creditor: Counter = field(default_factory=Counter)
    per_municipality: dict = field(default_factory=dict)


class _World:
    """The state of one run of the generator."""

    def __init__(
        self, out: Path, households: int, municipalities: int, months: int, seed: int, noise: str
    ):
        self.out = out
        self.seed = seed
        self.noise = noise
        self.households = households
        self.plans = plan_municipalities(seed, households, municipalities)
        self.peildata = peildata_for(months)
        self.ordinals = [p.toordinal() for p in self.peildata]
        self.covenants = plan_covenants(self.plans, self.peildata)
        self.covenant_index = CovenantIndex(self.covenants)
        self.config = build_config(self.plans, self.covenants)
        self.rules = {m.code: Rules.from_config(rules_for(m.index)) for m in self.plans}
        self.state = WorldState(seed=seed, peildata=self.peildata, total_households=households)
        self.reference = self.peildata[-1]
        # Customer numbers must stay unique for real and fictitious (ghost) customers.
        self.ghost_base = households
        self.ghost_limit = households + 100_000 + households // 10
        width = len(str(self.ghost_limit * 8))
        self.klant_digits = [max(c.klant_digits, width) for c in ROSTER]
        self.ghost_counter = 0
        self.dialects = {c.code: self._dialect(c.code) for c in ROSTER}
        self.totals = [_MonthTotals() for _ in self.peildata]
        self.achterstanden = {
            (c.code, m): Counter() for c in ROSTER for m in range(len(self.peildata))
        }
        self.residents = 0
        self.addresses = 0
        self.buurten = 0

    def _dialect(self, code: str) -> Dialect:
        base = DIALECTS[CREDITORS_BY_CODE[code].dialect]
        if self.noise == "none":
            return canonical(base)
        if self.noise == "hostile":
            return hostile(base)
        return base

    def soort(self, code: str, month: int) -> str:
        return "mutatie" if CREDITORS_BY_CODE[code].kind == "mutatie" and month > 0 else "stand"

    # -- output ---------------------------------------------------------------------

    def open_outputs(self) -> None:
        out = self.out
        (out / "ground_truth").mkdir(parents=True, exist_ok=True)
        write_config(out / "config.yaml", self.config)
        self.address_writer = AddressWriter(out / "adressen.csv")
        self.neighbourhood_writer = NeighbourhoodWriter(out / "buurten.geojson")
        self.streams: dict[tuple[str, int], DeliveryStream] = {}
        for m, peildatum in enumerate(self.peildata):
            for c in ROSTER:
                soort = self.soort(c.code, m)
                dialect = self.dialects[c.code]
                if soort == "mutatie":
                    dialect = with_status(dialect)
                path = out / "leveringen" / c.code / f"{peildatum.isoformat()}.{dialect.format}"
                covenant_municipalities = frozenset(
                    p.code
                    for p in self.plans
                    if self.covenant_index.active(c.code, p.code, peildatum)
                )
                self.streams[(c.code, m)] = DeliveryStream(
                    file=open_delivery(path, dialect, peildatum, soort),
                    creditor=c.code,
                    peildatum=peildatum,
                    soort=soort,
                    noise=self.noise,
                    seed=self.seed,
                    relative_path=path.relative_to(out).as_posix(),
                    covenant_municipalities=covenant_municipalities,
                    rng=rng(self.seed, "levering", c.code, peildatum.isoformat()),
                )
        self.arrears_writers = []
        self.signal_writers = []
        for peildatum in self.peildata:
            folder = out / "ground_truth" / peildatum.isoformat()
            self.arrears_writers.append(DelimitedWriter(folder / "arrears.csv", ARREARS_HEADER))
            self.signal_writers.append(DelimitedWriter(folder / "signals.csv", SIGNALS_HEADER))

    # -- per buurt --------------------------------------------------------------------

    def run(self, progress=None) -> None:
        last = None
        for sim in _simulations(self.state, self.plans):
            if progress and last is not None and sim.municipality is not last:
                progress(last)
            last = sim.municipality
            self.emit(sim)
        if progress and last is not None:
            progress(last)

    def emit(self, sim: BuurtSim) -> None:
        m_plan, buurt = sim.municipality, sim.buurt
        self.address_writer.write(sim.addresses, m_plan, buurt.woonplaats)
        self.neighbourhood_writer.write(m_plan, buurt, sim.residents, len(sim.households))
        self.residents += sim.residents
        self.addresses += len(sim.addresses)
        self.buurten += 1
        persons: dict[int, list[people.Person]] = {}
        numbers = Counter((a.postcode, a.number) for a in sim.addresses)

        def person(hi: int, member: int) -> people.Person:
            if hi not in persons:
                h = sim.households[hi]
                persons[hi] = people.make_people(
                    self.seed, h.hid, h.size, h.adults, h.kind, self.reference
                )
            return persons[hi][member]

        histories: dict[int, list[list[VisibleArrear]]] = {}
        months = len(self.peildata)
        previous: dict[tuple[int, int], Snapshot] = {}
        previous_visible: dict[tuple[int, int], Snapshot] = {}
        for m, snaps in enumerate(sim.snapshots):
            peildatum = self.peildata[m]
            ordinal = self.ordinals[m]
            current = {(s.household, s.rel): s for s in snaps}
            current_visible: dict[tuple[int, int], Snapshot] = {}
            totals = self.totals[m]
            rules = self.rules[m_plan.code]
            households_any: set[int] = set()
            households_visible: set[int] = set()
            for s in snaps:
                h = sim.households[s.household]
                rel = h.rels[s.rel]
                creditor = ROSTER[rel.creditor]
                code = creditor.code
                visible = self.covenant_index.active(code, m_plan.code, peildatum)
                klantnummer = customer_number(
                    rel.creditor, rel.uid, self.klant_digits[rel.creditor]
                )
                address = sim.addresses[s.addr]
                households_any.add(s.household)
                arrear = VisibleArrear(
                    (code, klantnummer), code, creditor.type, s.amount, s.start, bool(s.crisis)
                )
                counts = False
                if visible:
                    current_visible[(s.household, s.rel)] = s
                    households_visible.add(s.household)
                    histories.setdefault(s.addr, [[] for _ in range(months)])[m].append(arrear)
                    counts = bool(counting_arrears([arrear], ordinal, rules))
                    if counts and s.start > (self.ordinals[m - 1] if m else ordinal - 31):
                        totals.new_counting += 1
                totals.arrears_open += 1
                totals.arrears_visible += visible
                totals.arrears_counting += counts
                self.arrears_writers[m].write(
                    (
                        peildatum.isoformat(),
                        code,
                        creditor.type,
                        klantnummer,
                        contract_number(rel.creditor, rel.uid),
                        m_plan.code,
                        buurt.wijk_code,
                        buurt.code,
                        address.postcode,
                        address.number,
                        address.letter,
                        address.addition,
                        h.hid,
                        euros(s.amount),
                        dt.date.fromordinal(s.start).isoformat(),
                        ordinal - s.start,
                        s.terms,
                        s.crisis,
                        yes_no(visible),
                        yes_no(counts),
                    )
                )
            totals.households_in_arrears += len(households_any)
            totals.households_visible += len(households_visible)
            self._delivery_rows(sim, m, snaps, current, previous, numbers, person)
            self._count_changes(m, current_visible, previous_visible, sim)
            previous, previous_visible = current, current_visible
        self._signals(sim, histories)

    def _delivery_rows(self, sim, m, snaps, current, previous, numbers, person) -> None:
        m_plan, buurt = sim.municipality, sim.buurt
        region = f"Regio {m_plan.name}"

        def ghost_factory(candidate: Ghost, stream: DeliveryStream) -> dict:
            return self._ghost_record(candidate, stream)

        def emit(s: Snapshot, status: str | None) -> None:
            h = sim.households[s.household]
            rel = h.rels[s.rel]
            code = ROSTER[rel.creditor].code
            stream = self.streams[(code, m)]
            address = sim.addresses[s.addr]
            uid = rel.uid
            record = make_record(
                person=person(s.household, rel.member),
                address=address,
                woonplaats=buurt.woonplaats,
                klantnummer=customer_number(rel.creditor, uid, self.klant_digits[rel.creditor]),
                contractnummer=contract_number(rel.creditor, uid),
                amount=s.amount,
                start=dt.date.fromordinal(s.start),
                terms=s.terms,
                crisis=s.crisis,
                signaal_id=f"{code}-{uid}-{s.serial}",
                status=status,
                warm=stable_fraction(self.seed, code, uid, s.serial, "warm") < 0.5,
            )
            record["onbekend"] = region
            stream.add_real(
                record,
                municipality=m_plan.code,
                in_covenant=m_plan.code in stream.covenant_municipalities,
                address=address,
                alone_on_number=numbers[(address.postcode, address.number)] == 1,
                woonplaats=buurt.woonplaats,
                ghost_factory=ghost_factory,
            )

        for s in snaps:
            h = sim.households[s.household]
            code = ROSTER[h.rels[s.rel].creditor].code
            if self.soort(code, m) == "mutatie":
                before = previous.get((s.household, s.rel))
                if before is None or before.serial != s.serial:
                    emit(s, "nieuw" if before is None else "gewijzigd")
                elif _changed(before, s):
                    emit(s, "gewijzigd")
                continue
            emit(s, None)
        for key, before in previous.items():
            if key in current:
                continue
            code = ROSTER[sim.households[key[0]].rels[key[1]].creditor].code
            if self.soort(code, m) == "mutatie":
                emit(before, "afgemeld")

    def _count_changes(self, m: int, current: dict, previous: dict, sim: BuurtSim) -> None:
        """The arrears a correct system opens, changes and clears with this month's deliveries."""
        for key, s in current.items():
            code = ROSTER[sim.households[key[0]].rels[key[1]].creditor].code
            counter = self.achterstanden[(code, m)]
            before = previous.get(key)
            if before is None:
                counter["nieuw"] += 1
            elif before.serial != s.serial or _changed(before, s):
                counter["gewijzigd"] += 1
        for key in previous:
            code = ROSTER[sim.households[key[0]].rels[key[1]].creditor].code
            self.achterstanden[(code, m)]["open_voor"] += 1
            if key not in current:
                self.achterstanden[(code, m)]["afgemeld"] += 1

    def _ghost_record(self, candidate: Ghost, stream: DeliveryStream) -> dict:
        if self.ghost_counter >= self.ghost_limit - self.ghost_base:
            raise WorldError("Te veel ongeldige rijen voor de ruimte aan klantnummers.")
        hid = self.ghost_base + self.ghost_counter
        self.ghost_counter += 1
        person = people.make_people(self.seed, hid, 1, 1, people.ALONE, self.reference)[0]
        creditor_index = next(i for i, c in enumerate(ROSTER) if c.code == stream.creditor)
        c = ROSTER[creditor_index]
        uid = hid * 8
        r = stream.rng
        terms = r.randint(1, 3)
        start = stream.peildatum - dt.timedelta(days=r.randint(5, 90))
        record = make_record(
            person=person,
            address=candidate.address,
            woonplaats=candidate.woonplaats,
            klantnummer=customer_number(creditor_index, uid, self.klant_digits[creditor_index]),
            contractnummer=contract_number(creditor_index, uid),
            amount=terms * (c.unit_cents[0] + c.unit_cents[1]) // 2,
            start=start,
            terms=terms,
            crisis="",
            signaal_id=f"{c.code}-{uid}-1",
            status="nieuw" if stream.soort == "mutatie" else None,
            warm=False,
        )
        record["onbekend"] = "Regio"
        return record

    def _signals(self, sim: BuurtSim, histories: dict[int, list[list[VisibleArrear]]]) -> None:
        m_plan, buurt = sim.municipality, sim.buurt
        rules = self.rules[m_plan.code]
        occupant: list[dict[int, int]] = []
        for snaps in sim.snapshots:
            occupant.append({s.addr: sim.households[s.household].hid for s in snaps})
        for addr in sorted(histories, key=lambda i: sim.addresses[i].key):
            address = sim.addresses[addr]
            for m, signal in enumerate(evaluate_address(histories[addr], self.ordinals, rules)):
                if signal is None:
                    continue
                totals = self.totals[m]
                per = totals.per_municipality.setdefault(m_plan.code, Counter())
                for name, flag in (
                    ("totaal", True),
                    (signal.soort, True),
                    ("crisis", signal.crisis),
                    ("herhaald", signal.herhaald),
                    ("schuldverschuiving", signal.schuldverschuiving),
                    ("nieuw", signal.nieuw),
                ):
                    if flag:
                        totals.signals[name] += 1
                        per[name] += 1
                for code in signal.creditors:
                    totals.mix_type[CREDITORS_BY_CODE[code].type] += 1
                    totals.mix_creditor[code] += 1
                self.signal_writers[m].write(
                    (
                        self.peildata[m].isoformat(),
                        m_plan.code,
                        buurt.wijk_code,
                        buurt.code,
                        address.postcode,
                        address.number,
                        address.letter,
                        address.addition,
                        address.street,
                        buurt.woonplaats,
                        occupant[m].get(addr, ""),
                        signal.soort,
                        yes_no(signal.crisis),
                        yes_no(signal.herhaald),
                        yes_no(signal.schuldverschuiving),
                        yes_no(signal.nieuw),
                        self.peildata[signal.run_start].isoformat(),
                        len(signal.creditors),
                        ",".join(signal.creditors),
                        euros(signal.total_cents),
                        dt.date.fromordinal(signal.oldest_start).isoformat(),
                    )
                )

    # -- closing ------------------------------------------------------------------------

    def close(self) -> tuple[int, int]:
        self.address_writer.close()
        self.neighbourhood_writer.close()
        truth_rows = 0
        for w in (*self.arrears_writers, *self.signal_writers):
            truth_rows += w.count
            w.close()
        reports = []
        delivery_rows = 0
        for m in range(len(self.peildata)):
            for c in ROSTER:
                stream = self.streams[(c.code, m)]
                stream.close(lambda candidate, s=stream: self._ghost_record(candidate, s))
                delivery_rows += stream.rows
                report = stream.report()
                changes = self.achterstanden[(c.code, m)]
                open_before = changes.get("open_voor", 0)
                cleared = changes.get("afgemeld", 0)
                report["achterstanden"] = {
                    "nieuw": changes.get("nieuw", 0),
                    "gewijzigd": changes.get("gewijzigd", 0),
                    "afgemeld": cleared,
                    "open_voor_levering": open_before,
                    "open_na_levering": open_before - cleared + changes.get("nieuw", 0),
                }
                report["veiligheidscontrole"] = (
                    stream.soort == "stand" and open_before > 0 and cleared * 2 > open_before
                )
                if stream.rows == 0:
                    # A mutatie month without changes: refused as empty, which changes nothing either.
                    report["verwachte_weigering"] = "BESTAND_LEEG"
                path = self.out / stream.relative_path
                report["bytes"] = path.stat().st_size
                report["sha256"] = sha256_of(path)
                reports.append(report)
        if self.noise == "hostile":
            reports = hostile_files.add_malformed(self, reports)
        for order, report in enumerate(reports, start=1):
            report["volgorde"] = order
        write_json(
            self.out / "ground_truth" / "deliveries.json",
            {
                "toelichting": DELIVERIES_NOTE,
                "leveringen": reports,
            },
        )
        self._write_dialects()
        self._write_summaries()
        return delivery_rows, truth_rows

    def _write_dialects(self) -> None:
        data = {}
        for c in ROSTER:
            kinds = {p.isoformat(): self.soort(c.code, m) for m, p in enumerate(self.peildata)}
            entry = describe(self.dialects[c.code], kinds)
            entry["schuldeiser"] = c.code
            entry["extra_kolommen_bij_mutatie"] = (
                [{"kop": "status", "veld": "status"}] if c.kind == "mutatie" else []
            )
            data[c.code] = entry
        write_json(self.out / "ground_truth" / "dialects.json", data)

    def _write_summaries(self) -> None:
        households = self.households
        for m, peildatum in enumerate(self.peildata):
            t = self.totals[m]
            n = t.signals.get("totaal", 0)
            main_types = ("Zorg", "Energie", "Huur", "Water")
            main_total = sum(t.mix_type.get(k, 0) for k in main_types)
            all_total = sum(t.mix_type.values())
            write_json(
                self.out / "ground_truth" / peildatum.isoformat() / "summary.json",
                {
                    "peildatum": peildatum.isoformat(),
                    "huishoudens": households,
                    "inwoners": self.residents,
                    "achterstanden_open": t.arrears_open,
                    "achterstanden_zichtbaar": t.arrears_visible,
                    "achterstanden_tellen_mee": t.arrears_counting,
                    "huishoudens_met_achterstand": t.households_in_arrears,
                    "huishoudens_met_zichtbare_achterstand": t.households_visible,
                    "nieuwe_meetellende_achterstanden": t.new_counting,
                    "nieuwe_achterstanden_per_1000_inwoners": round(
                        t.new_counting * 1000 / max(1, self.residents), 3
                    ),
                    "signalen": {
                        k: t.signals.get(k, 0)
                        for k in (
                            "totaal",
                            "meervoudig",
                            "enkelvoudig",
                            "crisis",
                            "herhaald",
                            "schuldverschuiving",
                            "nieuw",
                        )
                    },
                    "aandeel_meervoudig": _share(t.signals.get("meervoudig", 0), n),
                    "aandeel_herhaald": _share(t.signals.get("herhaald", 0), n),
                    "aandeel_crisis": _share(t.signals.get("crisis", 0), n),
                    "aandeel_schuldverschuiving": _share(t.signals.get("schuldverschuiving", 0), n),
                    "schuldeisers_in_signalen_per_soort": {k: t.mix_type.get(k, 0) for k in TYPES},
                    "aandeel_per_soort": {
                        k: _share(t.mix_type.get(k, 0), all_total) for k in TYPES
                    },
                    "aandeel_per_soort_vier_grootste": {
                        k: _share(t.mix_type.get(k, 0), main_total) for k in main_types
                    },
                    "schuldeisers_in_signalen": dict(sorted(t.mix_creditor.items())),
                    "per_gemeente": {
                        code: dict(sorted(c.items()))
                        for code, c in sorted(t.per_municipality.items())
                    },
                },
            )
        write_json(self.out / "ground_truth" / "world.json", self._world_json())

    def _world_json(self) -> dict:
        return {
            "generator_versie": GENERATOR_VERSION,
            "parameters": {
                "huishoudens": self.households,
                "gemeenten": len(self.plans),
                "maanden": len(self.peildata),
                "seed": self.seed,
                "ruis": self.noise,
            },
            "peildata": [p.isoformat() for p in self.peildata],
            "inwoners": self.residents,
            "adressen": self.addresses,
            "buurten": self.buurten,
            "gemeenten": [
                {
                    "code": m.code,
                    "naam": m.name,
                    "provincie": m.province,
                    "huishoudens": m.households,
                    "wijken": len(m.wijken),
                    "buurten": len(m.buurten()),
                    "woonplaatsen": m.woonplaatsen(),
                    "regels": rules_for(m.index),
                }
                for m in self.plans
            ],
            "schuldeisers": [
                {
                    "code": c.code,
                    "naam": c.name,
                    "soort": c.type,
                    "levering": c.kind,
                    "formaat": self.dialects[c.code].format,
                }
                for c in ROSTER
            ],
            "definities": TRUTH_NOTE,
        }


def _simulations(state: WorldState, plans) -> Iterator[BuurtSim]:
    for municipality in plans:
        for wijk in municipality.wijken:
            state.postcodes.new_area()
            for buurt in wijk.buurten:
                yield simulate_buurt(state, municipality, buurt)
        for woonplaats in municipality.woonplaatsen():
            state.namer.forget(woonplaats)


def simulate_world(
    households: int = 20_000, municipalities: int = 1, months: int = 12, seed: int = 1
) -> Iterator[BuurtSim]:
    """The simulation alone, buurt by buurt, exactly as ``generate_world`` runs it (for tests and analysis)."""
    validate(households, municipalities, months, "none")
    plans = plan_municipalities(seed, households, municipalities)
    state = WorldState(seed=seed, peildata=peildata_for(months), total_households=households)
    yield from _simulations(state, plans)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _changed(before: Snapshot, after: Snapshot) -> bool:
    return (before.amount, before.start, before.crisis, before.terms) != (
        after.amount,
        after.start,
        after.crisis,
        after.terms,
    )


TRUTH_NOTE = (
    "signals.csv per peildatum: de adressen die een correct systeem signaleert, berekend uit de gesimuleerde "
    "waarheid (niet uit de bestanden), alleen voor schuldeisers met een actief convenant met de gemeente op de "
    "peildatum, met de regels van die gemeente uit config.yaml. Een achterstand telt mee als zij zichtbaar is "
    "(convenant), 0..max_age_days oud is en het bedrag >= min_amount_eur. meervoudig: >= min_creditors "
    "verschillende schuldeisers (per organisatie, of per soort bij count_distinct: type); enkelvoudig: één (alleen "
    "met single_signals, of bij een crisis). nieuw: het adres was op de vorige peildatum niet gesignaleerd. herhaald: het adres was "
    "gesignaleerd op een peildatum binnen repeat_window_days vóór het begin van de huidige reeks aaneengesloten "
    "signaleringen (signaal_sinds). schuldverschuiving: een meetellende achterstand bij schuldeiser B begon binnen "
    "debt_swap_window_days van het interval [laatste peildatum met, eerste peildatum zonder] een achterstand bij een "
    "andere schuldeiser A op hetzelfde adres (schuldeisers verschillen per organisatie). crisis: een meetellende "
    "achterstand draagt een crisissignaal. Geschiedenis begint bij de eerste geleverde peildatum. Huishouden = "
    "adres; verhuizingen komen alleen voor bij huishoudens zonder achterstand in het halfjaar ervoor. Bedragen in "
    "euro met een punt; schuldeisers gescheiden door komma's, gesorteerd."
)
DELIVERIES_NOTE = (
    "Per bestand het verslag dat een correcte intake geeft. Lever in de volgorde van 'volgorde' (per map ook de "
    "volgorde van de bestandsnamen). rij = het volgnummer van de gegevensrij (1 = eerste rij na de kop; bij JSON "
    "de positie in achterstanden). Afgewezen rijen zijn extra rijen van fictieve klanten met precies één gebrek; "
    "bij DUBBEL_IN_LEVERING zijn beide rijen afgewezen. buiten_convenant telt geldige rijen in gemeenten zonder "
    "actief convenant (geen afwijzing: zij tellen niet mee voor TE_VEEL_FOUTEN). verwerkt = rijen - afgewezen - "
    "buiten_convenant. achterstanden: wat de levering in het systeem opent, wijzigt (bedrag, ontstaansdatum, "
    "termijnen of crisis) en afmeldt. veiligheidscontrole: een stand die meer dan de helft van de open "
    "achterstanden zou afmelden (wacht_op_bevestiging). verwachte_weigering: de code waarmee het hele bestand "
    "wordt geweigerd (alleen bij ruis 'hostile'). opvallende_rijen: geldige rijen met typefouten of vijandige "
    "inhoud (formule, stuurtekens, lange_waarde), die gewoon verwerkt worden."
)


def _prepare(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise WorldError(f"{out} is geen map.")
        entries = list(out.iterdir())
        if entries:
            if not (out / "ground_truth" / "world.json").exists():
                raise WorldError(f"{out} is niet leeg en bevat geen eerder gegenereerde wereld.")
            for name in OUTPUT_ENTRIES:
                target = out / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def validate(households: int, municipalities: int, months: int, noise: str) -> None:
    if noise not in NOISE_LEVELS:
        raise WorldError(f"Onbekend ruisniveau '{noise}'; kies uit {', '.join(NOISE_LEVELS)}.")
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise WorldError(f"Het aantal huishoudens moet tussen 1 en {MAX_HOUSEHOLDS} liggen.")
    if municipalities < 1 or municipalities > households:
        raise WorldError(
            "Er is ten minste één gemeente nodig, en niet meer gemeenten dan huishoudens."
        )
    if not 1 <= months <= MAX_MONTHS:
        raise WorldError(f"Het aantal maanden moet tussen 1 en {MAX_MONTHS} liggen.")


def generate_world(
    out: str | Path,
    *,
    households: int = 20_000,
    municipalities: int = 1,
    months: int = 12,
    seed: int = 1,
    noise: str = "realistic",
    progress=None,
) -> WorldResult:
    """Write a synthetic world to ``out`` (see the module docstring for the layout)."""
    validate(households, municipalities, months, noise)
    started = time.perf_counter()
    out = Path(out)
    try:
        _prepare(out)
        try:
            world = _World(out, households, municipalities, months, seed, noise)
        except ValueError as exc:
            raise WorldError(str(exc)) from exc
        world.open_outputs()
        world.run(progress)
        delivery_rows, truth_rows = world.close()
    except OSError as exc:  # a folder that cannot be made or written, a full disk, a name too long
        raise WorldError(f"Kan de wereld niet schrijven in {shown(out)}: {reason(exc)}.") from exc
    return WorldResult(
        out=out,
        households=households,
        residents=world.residents,
        addresses=world.addresses,
        buurten=world.buurten,
        delivery_files=sum(1 for _ in (out / "leveringen").rglob("*") if _.is_file()),
        delivery_rows=delivery_rows,
        truth_rows=truth_rows,
        seconds=time.perf_counter() - started,
    )


__all__ = ["NOISE_LEVELS", "WorldError", "WorldResult", "generate_world", "simulate_world"]
