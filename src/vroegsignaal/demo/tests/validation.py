"""A small, independent reading of the row checks of spec 1.6, for testing the generator's promises."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from vroegsignaal.demo.ids import bsn_is_valid
from vroegsignaal.registry.addressing import normalise_postcode, parse_house_number

from .reading import parse_cents, parse_date

REQUIRED = (
    "klantnummer",
    "achternaam",
    "geboortedatum",
    "huisnummer",
    "postcode",
    "bedrag_achterstand",
    "ontstaansdatum",
)


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def row_defects(
    row: dict, dialect: dict, peildatum: dt.date, known_postcodes: set[str], soort: str
) -> set[str]:
    """The codes a correct intake gives this row (without DUBBEL_IN_LEVERING, which needs the whole file)."""
    empty = {f for f in REQUIRED if f in row and _empty(row[f])} | {
        f for f in REQUIRED if f not in row
    }
    if _empty(row.get("voorletters")) and _empty(row.get("voornamen")):
        empty.add("voorletters")
    if soort == "mutatie" and _empty(row.get("status")):
        empty.add("status")
    codes = {"VERPLICHT_VELD_LEEG"} if empty else set()
    if "postcode" not in empty:
        postcode = normalise_postcode(str(row["postcode"]))
        if postcode is None:
            codes.add("POSTCODE_ONGELDIG")
        elif postcode not in known_postcodes:
            codes.add("ADRES_ONBEKEND")
    if "huisnummer" not in empty:
        house = row["huisnummer"]
        text = (
            str(house)
            + ("" if _empty(row.get("huisletter")) else str(row["huisletter"]))
            + ("" if _empty(row.get("huisnummertoevoeging")) else f"-{row['huisnummertoevoeging']}")
        )
        if (
            parse_house_number(
                house if isinstance(house, int | float) and not row.get("huisletter") else text
            )
            is None
        ):
            codes.add("HUISNUMMER_ONGELDIG")
    for field in ("geboortedatum", "ontstaansdatum"):
        if field in empty:
            continue
        try:
            day = parse_date(row[field], dialect)
        except ValueError:
            codes.add("DATUM_ONGELDIG")
            continue
        if field == "geboortedatum" and (
            day > peildatum or day < peildatum.replace(year=peildatum.year - 120)
        ):
            codes.add("GEBOORTEDATUM_ONWAARSCHIJNLIJK")
        if field == "ontstaansdatum" and day > peildatum:
            codes.add("ONTSTAANSDATUM_NA_PEILDATUM")
    if "bedrag_achterstand" not in empty:
        try:
            if parse_cents(row["bedrag_achterstand"], dialect) <= 0:
                codes.add("BEDRAG_ONGELDIG")
        except ValueError:
            codes.add("BEDRAG_ONGELDIG")
    if not _empty(row.get("bsn")) and not bsn_is_valid(str(row["bsn"]).zfill(9)):
        codes.add("BSN_ONGELDIG")
    return codes


def duplicates(rows: list[dict]) -> set[int]:
    """Indexes of rows whose klantnummer + contractnummer occurs more than once."""
    keys = [(str(r.get("klantnummer")), str(r.get("contractnummer", ""))) for r in rows]
    counts = Counter(keys)
    return {i for i, k in enumerate(keys) if counts[k] > 1}
