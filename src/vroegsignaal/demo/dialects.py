"""How each creditor writes its export: the dialects of the ``realistic`` noise level.

A dialect is fixed per creditor and kept for every month: file format,
encoding, delimiter, header names (canonical or an alias of spec 1.5) and
their order, date form, decimal comma and thousands dots, how the house
number carries its letter and addition, how the surname carries its
tussenvoegsel, how initials are written. With noise ``none`` every creditor
writes the canonical dialect of its file format instead.

:func:`describe` gives each dialect as plain data (``ground_truth/dialects.json``)
so a test can read each file with a plain ``csv``/``openpyxl``/``json`` reader.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

# Canonical field order (spec 1.5).
FIELD_ORDER = (
    "klantnummer",
    "contractnummer",
    "voorletters",
    "voornamen",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "geslacht",
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
    "bedrag_achterstand",
    "ontstaansdatum",
    "aantal_termijnen",
    "crisissignaal",
    "crisis_reden",
    "warme_overdracht",
    "telefoonnummer",
    "email",
    "bsn",
    "signaal_id",
    "status",
)
# Columns the contract does not know (ignored by the intake and listed as unknown):
# a creditor's own region column, and the free-text column of the hostile level.
UNKNOWN_FIELD = "onbekend"
FREE_TEXT_FIELD = "opmerking"


def is_unknown_field(name: str) -> bool:
    return name not in FIELD_ORDER


DATE_FORMATS = {
    # name: (strftime for writing, strptime for reading)
    "iso": ("%Y-%m-%d", "%Y-%m-%d"),
    "dmy": ("%d-%m-%Y", "%d-%m-%Y"),
    "dmy_slash": ("%d/%m/%Y", "%d/%m/%Y"),
    "dmy_short": ("D-M-YYYY", "%d-%m-%Y"),
    "ymd_compact": ("%Y%m%d", "%Y%m%d"),
}
BOOLEANS = {
    "ja_nee": ("ja", "nee"),
    "j_n": ("J", "N"),
    "true_false": ("true", "false"),
    "1_0": ("1", "0"),
    "x_leeg": ("x", ""),
}


@dataclass(frozen=True)
class Dialect:
    name: str
    format: str  # csv | xlsx | json
    columns: tuple[tuple[str, str], ...]  # (header as written, field)
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252 (CSV only)
    delimiter: str = ","
    lineterminator: str = "\n"
    quote_all: bool = False
    date_format: str = "iso"
    decimal: str = "."
    thousands: str = ""
    currency: str = ""
    postcode_style: str = "compact"  # compact | space | lower | space_lower | dash
    house_style: str = "separate"  # separate | compact | dash_lower | space
    surname_style: str = "separate"  # separate | prefix | comma | suffix
    initials_style: str = "dots"  # dots | plain | spaces | lower_dots
    tussenvoegsel_abbreviated: bool = False  # "van der" written "v.d."
    booleans: str = "ja_nee"
    gender_style: str = "letter"  # letter | word
    # XLSX
    sheet_name: str = "achterstanden"
    empty_rows_above: int = 0
    excel_dates: bool = False
    excel_numbers: bool = False
    # JSON
    json_numbers: bool = True  # amounts as JSON numbers, else as text in the dialect's form
    # Realistic noise on values (rates per row)
    typo_rate: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for _, f in self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(h for h, _ in self.columns)

    def has(self, name: str) -> bool:
        return name in self.fields


def _cols(*pairs: str) -> tuple[tuple[str, str], ...]:
    """``_cols("Klantnr=klantnummer", "postcode")`` → (("Klantnr", "klantnummer"), ("postcode", "postcode"))."""
    out = []
    for pair in pairs:
        header, _, name = pair.partition("=")
        out.append((header, name or header))
    return tuple(out)


DIALECTS: dict[str, Dialect] = {
    "polderzorg": Dialect(
        "polderzorg",
        "json",
        _cols(
            "klantnummer",
            "contractnummer",
            "voorletters",
            "voornamen",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "geslacht",
            "straatnaam",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "postcode",
            "woonplaats",
            "bedrag_achterstand",
            "ontstaansdatum",
            "aantal_termijnen",
            "crisissignaal",
            "crisis_reden",
            "bsn",
            "signaal_id",
        ),
        postcode_style="space",
        typo_rate=0.01,
    ),
    "delinde": Dialect(
        "delinde",
        "csv",
        _cols(
            "Klantnr=klantnummer",
            "Polisnummer=contractnummer",
            "Voorletters=voorletters",
            "Tussenvoegsel=tussenvoegsel",
            "Achternaam=achternaam",
            "Geboortedatum=geboortedatum",
            "Geslacht=geslacht",
            "Straat=straatnaam",
            "Huisnr=huisnummer",
            "Postcode=postcode",
            "Woonplaats=woonplaats",
            "Openstaand bedrag=bedrag_achterstand",
            "Datum achterstand=ontstaansdatum",
            "Termijnen=aantal_termijnen",
            "BSN=bsn",
            f"Regio={UNKNOWN_FIELD}",
        ),
        encoding="cp1252",
        delimiter=";",
        lineterminator="\r\n",
        date_format="dmy",
        decimal=",",
        thousands=".",
        postcode_style="space",
        house_style="compact",
        tussenvoegsel_abbreviated=True,
        typo_rate=0.015,
    ),
    "zorgzaam": Dialect(
        "zorgzaam",
        "csv",
        _cols(
            "klantnummer",
            "contractnr=contractnummer",
            "achternaam",
            "voornamen",
            "geboren=geboortedatum",
            "geslacht",
            "postcode",
            "huisnummer",
            "huisletter",
            "toevoeging=huisnummertoevoeging",
            "adres=straatnaam",
            "plaats=woonplaats",
            "saldo=bedrag_achterstand",
            "ontstaansdatum",
            "crisis=crisissignaal",
            "crisis_reden",
            "email",
            "bsn",
        ),
        encoding="utf-8-sig",
        date_format="dmy_short",
        postcode_style="lower",
        surname_style="comma",
        gender_style="word",
        typo_rate=0.01,
    ),
    "dijkzorg": Dialect(
        "dijkzorg",
        "csv",
        _cols(
            "customer_id=klantnummer",
            "polisnummer=contractnummer",
            "voorletters",
            "naam=achternaam",
            "gebdat=geboortedatum",
            "postcode",
            "nr=huisnummer",
            "woonplaats",
            "bedrag=bedrag_achterstand",
            "vervaldatum_oudste=ontstaansdatum",
            "termijnen=aantal_termijnen",
            "telefoon=telefoonnummer",
            "burgerservicenummer=bsn",
        ),
        delimiter="\t",
        lineterminator="\r\n",
        date_format="dmy_slash",
        decimal=",",
        thousands=".",
        currency="€ ",
        postcode_style="dash",
        house_style="space",
        surname_style="prefix",
        initials_style="plain",
        typo_rate=0.01,
    ),
    "energienoord": Dialect(
        "energienoord",
        "csv",
        _cols(
            "KLANTNUMMER=klantnummer",
            "CONTRACTNR=contractnummer",
            "INITIALEN=voorletters",
            "TUSSENVOEGSEL=tussenvoegsel",
            "ACHTERNAAM=achternaam",
            "GEBOORTEDATUM=geboortedatum",
            "STRAATNAAM=straatnaam",
            "HUISNUMMER=huisnummer",
            "HUISLETTER=huisletter",
            "HUISNUMMERTOEVOEGING=huisnummertoevoeging",
            "POSTCODE=postcode",
            "WOONPLAATS=woonplaats",
            "BEDRAG_ACHTERSTAND=bedrag_achterstand",
            "ONTSTAANSDATUM=ontstaansdatum",
            "AANTAL_TERMIJNEN=aantal_termijnen",
            "CRISISSIGNAAL=crisissignaal",
            "CRISIS_REDEN=crisis_reden",
            "WARME_OVERDRACHT=warme_overdracht",
            "TELEFOONNUMMER=telefoonnummer",
            "EMAIL=email",
            f"LEVERANCIERSREGIO={UNKNOWN_FIELD}",
        ),
        delimiter="|",
        lineterminator="\r\n",
        booleans="j_n",
        typo_rate=0.01,
    ),
    "windkracht": Dialect(
        "windkracht",
        "json",
        _cols(
            "klantnummer",
            "contractnummer",
            "voornamen",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "straatnaam",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "postcode",
            "woonplaats",
            "bedrag_achterstand",
            "ontstaansdatum",
            "aantal_termijnen",
            "crisissignaal",
            "crisis_reden",
            "email",
            "signaal_id",
        ),
        typo_rate=0.01,
    ),
    "stroomlijn": Dialect(
        "stroomlijn",
        "xlsx",
        _cols(
            "Klantnummer=klantnummer",
            "Contractnummer=contractnummer",
            "Voornaam=voornamen",
            "Tussenvoegsel=tussenvoegsel",
            "Achternaam=achternaam",
            "Geboortedatum=geboortedatum",
            "Straatnaam=straatnaam",
            "Huisnummer=huisnummer",
            "Huisletter=huisletter",
            "Toevoeging=huisnummertoevoeging",
            "Postcode=postcode",
            "Woonplaats=woonplaats",
            "Achterstand=bedrag_achterstand",
            "Ontstaansdatum=ontstaansdatum",
            "Aantal termijnen=aantal_termijnen",
            "Crisis=crisissignaal",
            "Crisis reden=crisis_reden",
        ),
        excel_dates=True,
        excel_numbers=True,
        booleans="x_leeg",
        typo_rate=0.01,
    ),
    "woonbrug": Dialect(
        "woonbrug",
        "xlsx",
        _cols(
            "Relatienummer=klantnummer",
            "Contractnr=contractnummer",
            "Voorletters=voorletters",
            "Achternaam=achternaam",
            "Geboortedatum=geboortedatum",
            "Straat=straatnaam",
            "Huisnummer=huisnummer",
            "Postcode=postcode",
            "Plaats=woonplaats",
            "Achterstand=bedrag_achterstand",
            "Datum achterstand=ontstaansdatum",
            "Termijnen=aantal_termijnen",
            "Crisissignaal=crisissignaal",
            "Crisis_reden=crisis_reden",
            "Warme overdracht=warme_overdracht",
            "Telefoon=telefoonnummer",
        ),
        sheet_name="Huurachterstand",
        empty_rows_above=1,
        date_format="dmy",
        decimal=",",
        thousands=".",
        postcode_style="space_lower",
        house_style="dash_lower",
        surname_style="suffix",
        typo_rate=0.015,
    ),
    "woonthuis": Dialect(
        "woonthuis",
        "csv",
        _cols(
            "klantnr=klantnummer",
            "contractnr=contractnummer",
            "voorletters",
            "achternaam",
            "geboortedatum",
            "adres=straatnaam",
            "huisnummer",
            "postcode",
            "woonplaats",
            "achterstand=bedrag_achterstand",
            "datum_achterstand=ontstaansdatum",
            "aantal_termijnen",
            "crisis=crisissignaal",
            "crisis_reden",
        ),
        encoding="utf-8-sig",
        delimiter=";",
        lineterminator="\r\n",
        date_format="dmy_short",
        decimal=",",
        house_style="space",
        surname_style="comma",
        initials_style="spaces",
        booleans="1_0",
        typo_rate=0.015,
    ),
    "watermidden": Dialect(
        "watermidden",
        "csv",
        _cols(
            "Debiteurnummer=klantnummer",
            "Voorletters=voorletters",
            "Voorvoegsel=tussenvoegsel",
            "Geslachtsnaam=achternaam",
            "Gebdat=geboortedatum",
            "Straatnaam=straatnaam",
            "Huisnr=huisnummer",
            "Huisletter=huisletter",
            "Toev=huisnummertoevoeging",
            "Pc=postcode",
            "Plaatsnaam=woonplaats",
            "Saldo=bedrag_achterstand",
            "Vervaldatum oudste=ontstaansdatum",
            "Termijnen=aantal_termijnen",
            "Crisis=crisissignaal",
            "Crisis reden=crisis_reden",
        ),
        encoding="cp1252",
        lineterminator="\r\n",
        quote_all=True,
        date_format="ymd_compact",
        booleans="true_false",
        initials_style="lower_dots",
        typo_rate=0.01,
    ),
    "lagelanden": Dialect(
        "lagelanden",
        "csv",
        _cols(
            "relatienummer=klantnummer",
            "contractnummer",
            "initialen=voorletters",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "straatnaam",
            "huisnummer",
            "postcode",
            "woonplaats",
            "openstaand_bedrag=bedrag_achterstand",
            "ontstaansdatum",
            "aantal_termijnen",
        ),
        delimiter=";",
        date_format="dmy",
        decimal=",",
        thousands=".",
        house_style="compact",
        typo_rate=0.01,
    ),
    "cpk": Dialect(
        "cpk",
        "csv",
        _cols(
            "bsn",
            "klantnummer",
            "voornamen",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "geslacht",
            "straatnaam",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "postcode",
            "woonplaats",
            "bedrag_achterstand",
            "ontstaansdatum",
            "aantal_termijnen",
        ),
        typo_rate=0.005,
    ),
    "telpolder": Dialect(
        "telpolder",
        "json",
        _cols(
            "klantnummer",
            "contractnummer",
            "voornamen",
            "achternaam",
            "geboortedatum",
            "postcode",
            "huisnummer",
            "woonplaats",
            "bedrag_achterstand",
            "ontstaansdatum",
            "email",
            "telefoonnummer",
        ),
        date_format="dmy",
        decimal=",",
        json_numbers=False,
        house_style="dash_lower",
        surname_style="prefix",
        typo_rate=0.01,
    ),
}


def canonical(dialect: Dialect) -> Dialect:
    """The ``none`` noise level: same file format and fields, canonical names, order and values."""
    names = [f for f in FIELD_ORDER if dialect.has(f)]
    # Canonical form always carries tussenvoegsel, huisletter and toevoeging as own columns.
    for extra in ("tussenvoegsel", "huisletter", "huisnummertoevoeging"):
        if extra not in names:
            names.append(extra)
    names = [f for f in FIELD_ORDER if f in names]
    return Dialect(
        name=f"{dialect.name}-schoon",
        format=dialect.format,
        columns=tuple((f, f) for f in names),
        excel_dates=dialect.format == "xlsx",
        excel_numbers=dialect.format == "xlsx",
    )


def hostile(dialect: Dialect) -> Dialect:
    """The ``hostile`` level: the realistic dialect plus a free-text column (for 10,000-character values)."""
    header = "opmerking" if dialect.format == "json" else "Opmerking"
    return replace(dialect, columns=(*dialect.columns, (header, FREE_TEXT_FIELD)))


def with_status(dialect: Dialect) -> Dialect:
    """A mutatie delivery's dialect: ``status`` added after the last column."""
    return replace(dialect, columns=(*dialect.columns, ("status", "status")))


# --- rendering values ------------------------------------------------------------


def format_date(day: dt.date, fmt: str) -> str:
    if fmt == "dmy_short":
        return f"{day.day}-{day.month}-{day.year:04d}"
    return f"{day:{DATE_FORMATS[fmt][0]}}"


def format_impossible_date(fmt: str, year: int) -> str:
    """A date that does not exist (31 February) in the dialect's form."""
    if fmt == "iso":
        return f"{year:04d}-02-31"
    if fmt == "dmy":
        return f"31-02-{year:04d}"
    if fmt == "dmy_slash":
        return f"31/02/{year:04d}"
    if fmt == "dmy_short":
        return f"31-2-{year:04d}"
    return f"{year:04d}0231"


def format_amount(cents: int, decimal: str = ".", thousands: str = "", currency: str = "") -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    digits = str(whole)
    if thousands:
        groups = []
        while len(digits) > 3:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        groups.insert(0, digits)
        digits = thousands.join(groups)
    return f"{currency}{sign}{digits}{decimal}{frac:02d}"


def parse_amount(text: str, decimal: str, thousands: str, currency: str) -> int:
    """Inverse of :func:`format_amount` (cents) — for tests and readers given the dialect."""
    value = text.strip()
    if currency and value.startswith(currency.strip()):
        value = value[len(currency.strip()) :].strip()
    if thousands:
        value = value.replace(thousands, "")
    if decimal != ".":
        value = value.replace(decimal, ".")
    whole, _, frac = value.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))


def format_postcode(postcode: str, style: str) -> str:
    digits, letters = postcode[:4], postcode[4:]
    if style == "space":
        return f"{digits} {letters}"
    if style == "lower":
        return f"{digits}{letters.lower()}"
    if style == "space_lower":
        return f"{digits} {letters.lower()}"
    if style == "dash":
        return f"{digits}-{letters}"
    return postcode


def format_house_number(number: int, letter: str, addition: str, style: str) -> str:
    """The house number with its letter and addition written into it.

    Every form reads back to the same (number, letter, addition) through
    ``registry.addressing.parse_house_number``: a numeric addition is always
    separated from the number (``12-1``, never ``121``).
    """
    if not letter and not addition:
        return str(number)
    if style == "compact":  # 12A, 12A1, 12-1, 12-HS, 12BIS
        if letter:
            return f"{number}{letter}{addition}"
        return f"{number}-{addition}" if addition[0].isdigit() else f"{number}{addition}"
    if style == "dash_lower":  # 12-a, 12-a1, 12-1, 12-hs
        return f"{number}-{letter.lower()}{addition.lower()}"
    if style == "space":  # 12 A, 12 A1, 12 1, 12 hs
        tail = (
            f"{letter}{addition}"
            if letter
            else addition.lower()
            if addition.isalpha()
            else addition
        )
        return f"{number} {tail}"
    raise ValueError(style)


_ABBREVIATIONS = {"van der": "v.d."}


def format_initials(voornamen: str, style: str) -> str:
    letters = [n[0] for n in voornamen.split()]
    if style == "plain":
        return "".join(letters)
    if style == "spaces":
        return " ".join(letters)
    if style == "lower_dots":
        return ".".join(letters).lower()
    return "".join(f"{c}." for c in letters)


def format_surname(tussenvoegsel: str, achternaam: str, style: str) -> str:
    """The surname column when the dialect has no tussenvoegsel column of its own."""
    if not tussenvoegsel or style == "separate":
        return achternaam
    if style == "prefix":
        return f"{tussenvoegsel} {achternaam}"
    if style == "comma":
        return f"{achternaam}, {tussenvoegsel}"
    if style == "suffix":
        return f"{achternaam} {tussenvoegsel}"
    raise ValueError(style)


def format_gender(geslacht: str, style: str) -> str:
    if style == "word":
        return {"M": "man", "V": "vrouw"}.get(geslacht, geslacht)
    return geslacht


def typo(r: random.Random, word: str) -> str:
    """A letter swapped with its neighbour or dropped (never the first letter)."""
    if len(word) < 4:
        return word
    i = r.randrange(1, len(word) - 1)
    if r.random() < 0.5 and word[i] != word[i + 1] and word[i].isalpha() and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if word[i].isalpha():
        return word[:i] + word[i + 1 :]
    return word


def render(dialect: Dialect, record: dict, overrides: dict | None = None) -> list:
    """The cells of one row in the dialect: strings for CSV, typed values for XLSX and JSON.

    ``record`` holds canonical values (dates as ``date``, amounts in cents,
    booleans as ``bool``); ``overrides`` maps a field to a raw value written
    as is (how deliberately invalid rows are made).
    """
    overrides = overrides or {}
    typed = dialect.format in ("xlsx", "json")
    separate_surname = dialect.has("tussenvoegsel")
    separate_house = dialect.has("huisletter") or dialect.has("huisnummertoevoeging")
    cells = []
    for _, name in dialect.columns:
        if name in overrides:
            cells.append(overrides[name])
            continue
        value = record.get(name)
        if name == "voorletters":
            cells.append(format_initials(record["voornamen"], dialect.initials_style))
        elif name == "tussenvoegsel":
            tussen = record["tussenvoegsel"]
            if dialect.tussenvoegsel_abbreviated:
                tussen = _ABBREVIATIONS.get(tussen, tussen)
            cells.append(tussen)
        elif name == "achternaam":
            cells.append(
                record["achternaam"]
                if separate_surname
                else format_surname(
                    record["tussenvoegsel"], record["achternaam"], dialect.surname_style
                )
            )
        elif name in ("geboortedatum", "ontstaansdatum"):
            if dialect.excel_dates and dialect.format == "xlsx":
                cells.append(value)
            else:
                cells.append(format_date(value, dialect.date_format))
        elif name == "huisnummer":
            if separate_house:
                cells.append(
                    value
                    if (typed and dialect.format == "xlsx" and dialect.excel_numbers)
                    or (dialect.format == "json" and dialect.json_numbers)
                    else str(value)
                )
            else:
                cells.append(
                    format_house_number(
                        value,
                        record["huisletter"],
                        record["huisnummertoevoeging"],
                        dialect.house_style,
                    )
                )
        elif name == "postcode":
            cells.append(format_postcode(value, dialect.postcode_style))
        elif name == "bedrag_achterstand":
            if (dialect.format == "xlsx" and dialect.excel_numbers) or (
                dialect.format == "json" and dialect.json_numbers
            ):
                cells.append(value / 100)
            else:
                cells.append(
                    format_amount(value, dialect.decimal, dialect.thousands, dialect.currency)
                )
        elif name == "aantal_termijnen":
            cells.append(
                value
                if typed and (dialect.excel_numbers or dialect.format == "json")
                else str(value)
            )
        elif name in ("crisissignaal", "warme_overdracht"):
            if dialect.format == "json":
                cells.append(bool(value))
            else:
                yes, no = BOOLEANS[dialect.booleans]
                cells.append(yes if value else no)
        elif name == "geslacht":
            cells.append(format_gender(value, dialect.gender_style))
        elif is_unknown_field(name):
            cells.append(record.get(name, ""))
        else:
            cells.append("" if value is None else value)
    return cells


def describe(dialect: Dialect, kinds: dict[str, str]) -> dict:
    """A dialect as data, enough to read its files with a plain reader."""
    write_fmt, read_fmt = DATE_FORMATS[dialect.date_format]
    yes, no = BOOLEANS[dialect.booleans]
    return {
        "formaat": dialect.format,
        "codering": dialect.encoding if dialect.format == "csv" else "utf-8",
        "scheidingsteken": dialect.delimiter if dialect.format == "csv" else None,
        "regeleinde": dialect.lineterminator if dialect.format == "csv" else None,
        "alles_tussen_aanhalingstekens": dialect.quote_all,
        "kolommen": [{"kop": h, "veld": f} for h, f in dialect.columns],
        "datumformaat": None if dialect.excel_dates else read_fmt,
        "datumvoorbeeld": None
        if dialect.excel_dates
        else format_date(dt.date(2026, 3, 7), dialect.date_format),
        "excel_datums": dialect.excel_dates,
        "excel_getallen": dialect.excel_numbers,
        "json_getallen": dialect.json_numbers if dialect.format == "json" else None,
        "decimaalteken": dialect.decimal,
        "duizendtalteken": dialect.thousands,
        "valuta": dialect.currency,
        "postcode": dialect.postcode_style,
        "huisnummer": dialect.house_style
        if not (dialect.has("huisletter") or dialect.has("huisnummertoevoeging"))
        else "separate",
        "achternaam": dialect.surname_style if not dialect.has("tussenvoegsel") else "separate",
        "voorletters": dialect.initials_style,
        "tussenvoegsel_afgekort": dialect.tussenvoegsel_abbreviated,
        "ja_nee": [yes, no],
        "geslacht": dialect.gender_style,
        "blad": dialect.sheet_name if dialect.format == "xlsx" else None,
        "lege_rijen_boven_kop": dialect.empty_rows_above if dialect.format == "xlsx" else None,
        "soort_per_maand": kinds,
    }
