"""A cell computed by a formula is read as the value Excel computed and showed.

An export that sums or rounds its amounts in the sheet writes ``<c><f>…</f><v>12.345</v></c>``.
The fast reader's scan looked for the value right after the cell's start, so a formula before
it made the number cell text: ``12.345`` was refused as ambiguous, and an error such a formula
gave (``#DIV/0!``) was said to be an empty cell. The scan also cut the sheet into pieces at any
"<", so a cell split between two pieces lost what it was.
"""

from __future__ import annotations

import pytest

from vroegsignaal.intake import parsing_xlsx_scan
from vroegsignaal.intake.normalise import normalise_delivery
from vroegsignaal.intake.parsing import parse_delivery

from .support import PEILDATUM, REQUIRED_HEADER, number_cell, table, text_cells, worksheet, xlsx

READERS = pytest.mark.parametrize("head_rows", [None, 10], ids=["fast reader", "preview, openpyxl"])


def sheet(amount_cells: list[str]) -> bytes:
    rows = [table([REQUIRED_HEADER])]
    for n, amount in enumerate(amount_cells, 2):
        values = [f"K-{n}", "Jansen", "J.", "1980-02-01", "12", "1234AB"]
        cells = (
            text_cells(values, n)
            + amount
            + f'<c r="H{n}" t="inlineStr"><is><t>2026-01-01</t></is></c>'
        )
        rows.append(f'<row r="{n}">{cells}</row>')
    return xlsx({"achterstanden": worksheet("".join(rows))})


def amounts(data: bytes, **kwargs) -> tuple[dict[int, int | None], dict[int, str]]:
    parsed = parse_delivery(data, filename="levering.xlsx", soort="stand", **kwargs)
    normalised = normalise_delivery(parsed.table, peildatum=PEILDATUM, soort="stand")
    cents = dict(zip(normalised.table["rij"], normalised.table["bedrag_cents"], strict=True))
    issues = normalised.issues
    problems = {} if issues is None else dict(issues.select("rij", "melding").iter_rows())
    return cents, problems


@READERS
def test_a_number_a_formula_computed_is_read_as_a_number(head_rows):
    data = sheet(
        [
            '<c r="G2"><f>SUM(X2:Y2)</f><v>12.345</v></c>',
            '<c r="G3" s="4" t="n"><f t="shared" ref="G3:G4" si="0">ROUND(X3,2)</f><v>999.999</v></c>',
            '<c r="G4"><f t="shared" si="0"/><v>1234.5</v></c>',
            '<c r="G5"><f>IF(X5&gt;0,X5,0)</f><v>0.125</v></c>',
            '<c r="G6"><f>X6*2</f><v>20.005</v></c>',
        ]
    )
    cents, problems = amounts(data, head_rows=head_rows)
    assert cents == {2: 1235, 3: 100000, 4: 123450, 5: 13, 6: 2001}
    assert problems == {}


@READERS
def test_an_error_a_formula_gave_is_named_as_an_excel_error(head_rows):
    data = sheet(
        [
            '<c r="G2" t="e"><f>X2/0</f><v>#DIV/0!</v></c>',
            number_cell("G3", "150.5"),
        ]
    )
    parsed = parse_delivery(data, filename="levering.xlsx", soort="stand", head_rows=head_rows)
    assert parsed.excel_errors == ((2, "bedrag_achterstand", "#DIV/0!"),)


@pytest.mark.parametrize("piece", [64, 97, 150, 211, 333, 1000])
def test_a_cell_is_never_cut_between_two_pieces_of_the_sheet(monkeypatch, piece):
    """Many number cells with decimals, read in pieces of a few bytes (a real sheet is read
    in pieces of 4 MiB): every one of them is still known as a number."""
    data = sheet([number_cell(f"G{n}", f"{n}.125") for n in range(2, 60)])
    whole, _ = amounts(data)
    monkeypatch.setattr(parsing_xlsx_scan, "_CHUNK", piece)
    in_pieces, problems = amounts(data)
    assert in_pieces == whole == {n: n * 100 + 13 for n in range(2, 60)}
    assert problems == {}
