"""Shared set-up for the intake's tests: a small world, delivery files (CSV, and XLSX built by
openpyxl or by hand), the parser's refusals and the upload page's preview."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.core.management import call_command

from tests.factories import CovenantFactory, CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.intake import services
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused
from vroegsignaal.organisations.models import Role
from vroegsignaal.registry.models import Address

PEILDATUM = dt.date(2026, 11, 1)
HEADER = [
    "klantnummer",
    "contractnummer",
    "voorletters",
    "achternaam",
    "geboortedatum",
    "postcode",
    "huisnummer",
    "bedrag_achterstand",
    "ontstaansdatum",
    "telefoonnummer",
]
# The required columns of a stand only, in the order the parsing tests deliver them.
REQUIRED_HEADER = [
    "klantnummer",
    "achternaam",
    "voorletters",
    "geboortedatum",
    "huisnummer",
    "postcode",
    "bedrag_achterstand",
    "ontstaansdatum",
]


@dataclass
class World:
    voorbeeldstad: object
    proefdorp: object
    creditor: object
    other_creditor: object
    user: object


def build_world() -> World:
    """Voorbeeldstad (0999, covenant) and Proefdorp (0998, none) with a few streets."""
    voorbeeldstad = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    proefdorp = MunicipalityFactory(code="0998", name="Proefdorp")
    creditor = CreditorFactory(code="WOONBRUG", name="Woonstichting De Brug")
    other = CreditorFactory(code="ENNOORD", name="Energie Noord")
    CovenantFactory(creditor=creditor, municipality=voorbeeldstad, valid_from=dt.date(2026, 1, 1))
    CovenantFactory(creditor=other, municipality=voorbeeldstad, valid_from=dt.date(2026, 1, 1))
    addresses = [
        Address(postcode="1234AB", huisnummer=n, municipality=voorbeeldstad) for n in range(1, 61)
    ]
    addresses += [
        Address(postcode="1234AC", huisnummer=7, huisletter="A", municipality=voorbeeldstad),
        Address(postcode="1234AC", huisnummer=7, huisletter="B", municipality=voorbeeldstad),
        Address(postcode="1234AC", huisnummer=9, toevoeging="2", municipality=voorbeeldstad),
    ]
    addresses += [
        Address(postcode="9999ZZ", huisnummer=n, municipality=proefdorp) for n in range(1, 21)
    ]
    Address.objects.bulk_create(addresses)
    user = UserFactory(
        username="schuldeiser", role=Role.SCHULDEISER, creditor=creditor, municipality=None
    )
    return World(voorbeeldstad, proefdorp, creditor, other, user)


def row(n: int, **values) -> dict:
    """A valid row for customer ``n`` at 1234AB ``n`` (1–60)."""
    base = {
        "klantnummer": f"K-{n:05d}",
        "contractnummer": "",
        "voorletters": "J.",
        "achternaam": "Jansen",
        "geboortedatum": "1980-05-17",
        "postcode": "1234AB",
        "huisnummer": str(n),
        "bedrag_achterstand": "150,00",
        "ontstaansdatum": "2026-09-01",
        "telefoonnummer": "",
    }
    base.update(values)
    return base


def csv_bytes(rows: list[dict], header: list[str] | None = None) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=header, delimiter=";", extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def stand(numbers, **values) -> bytes:
    return csv_bytes([row(n, **values) for n in numbers])


def run_deliver(*args) -> tuple[int, str, str]:
    """``vroegsignaal deliver`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("deliver", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def parse_refusal(data, **kwargs) -> DeliveryRefused:
    """The refusal ``parse_delivery(data, **kwargs)`` raises (the test fails if it reads it)."""
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(data, **kwargs)
    return caught.value


def preview_of(world, data: bytes, filename: str = "levering.xlsx") -> services.Preview:
    """The upload page's preview of ``data`` as a stand, with the peildatum chosen."""
    staged = services.stage_file(data)
    try:
        return services.preview_delivery(
            world.creditor, staged.path, filename=filename, kind="stand", reference_date=PEILDATUM
        )
    finally:
        staged.path.unlink()


# --- XLSX, as openpyxl saves it -----------------------------------------------


def xlsx_bytes(sheets: dict[str, list[list]], formats: dict[str, str] | None = None) -> bytes:
    """A workbook of ``sheets`` (name: rows of values), with ``formats`` (cell: number format)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell, number_format in (formats or {}).items():
            sheet[cell].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- XLSX, built by hand (the XML as written) ---------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def column(number: int) -> str:
    """The letters of column ``number`` (1: A, 27: AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_cell(ref: str | None, value: str) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def number_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def text_cells(values: list[str], row: int) -> str:
    """Inline text cells of sheet row ``row`` from column A, each with its r."""
    return "".join(text_cell(f"{column(i)}{row}", v) for i, v in enumerate(values, 1))


def table(rows: list[list[str]], first_row: int = 1) -> str:
    """Rows of inline text cells from column A, each with its r (as Excel writes them)."""
    return "".join(
        f'<row r="{n}">{text_cells(values, n)}</row>' for n, values in enumerate(rows, first_row)
    )


def worksheet(rows: str, *, dimension: str | None = None, after: str = "") -> str:
    stated = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}">'
        f"{stated}<sheetData>{rows}</sheetData>{after}</worksheet>"
    )


def xlsx(sheets: dict[str, str | bytes], shared: list[str] | None = None, **parts) -> bytes:
    """A package as a writer saves it: the workbook, its sheets (their XML) and shared texts;
    ``parts`` adds other parts (``docProps__custom_xml``: ``docProps/custom.xml``)."""
    names = list(sheets)
    workbook = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship '
            f'Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"<sheets>{workbook}</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">{rels}'
            "</Relationships>",
        )
        for i, name in enumerate(names, 1):
            package.writestr(f"xl/worksheets/sheet{i}.xml", sheets[name])
        if shared is not None:
            items = "".join(f"<si><t>{escape(t)}</t></si>" for t in shared)
            package.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" '
                f'count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>',
            )
        for name, data in parts.items():
            package.writestr(name.replace("__", "/"), data)
    return out.getvalue()
