"""Writing the world to disk, streamed: rows go out as they are made.

Every writer is deterministic: no timestamps, no dict-ordering surprises.
XLSX files carry a fixed creation date and are written in constant-memory
mode; JSON deliveries are written object by object.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import yaml

from .addresses import Address, rd_coordinates
from .dialects import Dialect
from .geography import BuurtPlan, MunicipalityPlan

# XLSX properties need a creation date; a fixed one keeps files byte-identical.
XLSX_CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)
XLSX_MAX_ROWS = 1_048_576

ADDRESS_HEADER = (
    "straat",
    "huisnummer",
    "toevoeging",
    "postcode",
    "gemeente",
    "woonplaats",
    "provincie",
    "object_id",
    "object_type",
    "x",
    "y",
    "latitude",
    "longitude",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )


def write_config(path: Path, config: dict) -> None:
    """``config.yaml``; dates are written as YAML dates, codes as quoted strings."""

    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        return value

    text = yaml.dump(
        convert(config),
        Dumper=_ConfigDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=120,
    )
    header = "# Configuratie van de synthetische wereld (vroegsignaal generate_world); laden met load_config.\n"
    path.write_text(header + text, encoding="utf-8")


class _ConfigDumper(yaml.SafeDumper):
    """Writes digit-only strings (gemeentecodes such as "0999") in double quotes, as spec 3 does,
    so no YAML reader takes them for numbers."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if value.isdigit() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ConfigDumper.add_representer(str, _represent_str)


class AddressWriter:
    """``adressen.csv`` in the common BAG CSV export form."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.writer.writerow(ADDRESS_HEADER)
        self.count = 0

    def write(
        self, addresses: list[Address], municipality: MunicipalityPlan, woonplaats: str
    ) -> None:
        rows = []
        for a in sorted(addresses, key=lambda a: a.object_id):
            x, y = rd_coordinates(a)
            rows.append(
                (
                    a.street,
                    a.number,
                    a.toevoeging,
                    a.postcode,
                    municipality.name,
                    woonplaats,
                    municipality.province,
                    a.object_id,
                    "verblijfsobject",
                    f"{x:.3f}",
                    f"{y:.3f}",
                    f"{a.lat:.7f}",
                    f"{a.lon:.7f}",
                )
            )
        self.writer.writerows(rows)
        self.count += len(rows)

    def close(self) -> None:
        self.file.close()


class NeighbourhoodWriter:
    """``buurten.geojson``: a FeatureCollection of CBS buurten, one feature at a time."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8", newline="\n")
        self.file.write('{"type": "FeatureCollection", "name": "buurten", ')
        self.file.write(
            '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},\n'
        )
        self.file.write('"features": [\n')
        self.first = True

    def write(
        self, municipality: MunicipalityPlan, buurt: BuurtPlan, inhabitants: int, households: int
    ) -> None:
        feature = {
            "type": "Feature",
            "properties": {
                "BU_CODE": buurt.code,
                "BU_NAAM": buurt.name,
                "WK_CODE": buurt.wijk_code,
                "WK_NAAM": buurt.wijk_name,
                "GM_CODE": municipality.gm_code,
                "GM_NAAM": municipality.name,
                "AANT_INW": inhabitants,
                "AANTAL_HH": households,
            },
            "geometry": {"type": "Polygon", "coordinates": [buurt.bbox.ring()]},
        }
        self.file.write(("" if self.first else ",\n") + json.dumps(feature, ensure_ascii=False))
        self.first = False

    def close(self) -> None:
        self.file.write("\n]}\n")
        self.file.close()


class DelimitedWriter:
    """A ``;``-separated UTF-8 CSV (the ground-truth tables, like the spec's exports)."""

    def __init__(self, path: Path, header: tuple[str, ...]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file, delimiter=";", lineterminator="\n")
        self.writer.writerow(header)
        self.count = 0

    def write(self, row) -> None:
        self.writer.writerow(row)
        self.count += 1

    def close(self) -> None:
        self.file.close()


# --- deliveries ----------------------------------------------------------------------


class DeliveryFile:
    """One delivery file being written in its creditor's dialect."""

    def __init__(self, path: Path, dialect: Dialect, peildatum: dt.date, soort: str) -> None:
        self.path = path
        self.dialect = dialect
        self.peildatum = peildatum
        self.soort = soort
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, cells: list) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class CsvDeliveryFile(DeliveryFile):
    def __init__(self, path: Path, dialect: Dialect, peildatum: dt.date, soort: str) -> None:
        super().__init__(path, dialect, peildatum, soort)
        self.file = path.open("w", encoding=dialect.encoding, newline="", errors="strict")
        self.writer = csv.writer(
            self.file,
            delimiter=dialect.delimiter,
            lineterminator=dialect.lineterminator,
            quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
        )
        self.writer.writerow(dialect.headers)

    def write(self, cells: list) -> None:
        self.writer.writerow(cells)
        self.rows += 1

    def close(self) -> None:
        self.file.close()


_OPTIONAL_JSON_KEYS = frozenset(
    {
        "crisis_reden",
        "signaal_id",
        "huisletter",
        "huisnummertoevoeging",
        "tussenvoegsel",
        "opmerking",
        "email",
        "telefoonnummer",
        "bsn",
        "contractnummer",
    }
)


class JsonDeliveryFile(DeliveryFile):
    """Spec 1.4: ``{"peildatum": …, "soort": …, "achterstanden": [ … ]}``, one object per line."""

    def __init__(self, path: Path, dialect: Dialect, peildatum: dt.date, soort: str) -> None:
        super().__init__(path, dialect, peildatum, soort)
        self.file = path.open("w", encoding="utf-8", newline="\n")
        self.file.write(
            f'{{"peildatum": "{peildatum.isoformat()}", "soort": "{soort}", "achterstanden": [\n'
        )

    def write(self, cells: list) -> None:
        obj = {}
        for (header, _), value in zip(self.dialect.columns, cells, strict=True):
            if (value == "" or value is None) and header in _OPTIONAL_JSON_KEYS:
                continue  # an optional value a JSON export simply leaves out
            obj[header] = value
        self.file.write(("" if self.rows == 0 else ",\n") + json.dumps(obj, ensure_ascii=False))
        self.rows += 1

    def close(self) -> None:
        self.file.write("\n]}\n")
        self.file.close()


class XlsxDeliveryFile(DeliveryFile):
    def __init__(self, path: Path, dialect: Dialect, peildatum: dt.date, soort: str) -> None:
        import xlsxwriter

        super().__init__(path, dialect, peildatum, soort)
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "tmpdir": str(path.parent),
            },
        )
        self.workbook.set_properties({"created": XLSX_CREATED, "author": "Vroegsignaal demo"})
        self.sheet = self.workbook.add_worksheet(dialect.sheet_name)
        self.date_format = self.workbook.add_format({"num_format": "dd-mm-yyyy"})
        self.row = dialect.empty_rows_above
        for col, header in enumerate(dialect.headers):
            self.sheet.write_string(self.row, col, header)
        self.row += 1

    def write(self, cells: list) -> None:
        if self.row >= XLSX_MAX_ROWS:
            raise ValueError(f"{self.path}: meer rijen dan een werkblad kan bevatten")
        for col, value in enumerate(cells):
            if isinstance(value, dt.date):
                self.sheet.write_datetime(
                    self.row, col, dt.datetime(value.year, value.month, value.day), self.date_format
                )
            elif isinstance(value, bool):
                self.sheet.write_string(self.row, col, "ja" if value else "nee")
            elif isinstance(value, int | float):
                self.sheet.write_number(self.row, col, value)
            elif value is None or value == "":
                continue
            else:
                self.sheet.write_string(self.row, col, str(value))
        self.row += 1
        self.rows += 1

    def close(self) -> None:
        self.workbook.close()


def open_delivery(path: Path, dialect: Dialect, peildatum: dt.date, soort: str) -> DeliveryFile:
    cls = {"csv": CsvDeliveryFile, "json": JsonDeliveryFile, "xlsx": XlsxDeliveryFile}[
        dialect.format
    ]
    return cls(path, dialect, peildatum, soort)
