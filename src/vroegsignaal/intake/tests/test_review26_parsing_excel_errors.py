"""An XLSX cell that holds an Excel error (``#DIV/0!``) is known as such (review 26, P4a).

Both readers give such a cell as empty, so the row was rejected as "Het verplichte veld
bedrag_achterstand is leeg." while the creditor sees ``#DIV/0!`` in the cell. The parser now
hands the errors on (:attr:`ParsedDelivery.excel_errors`: row, field, error) for the row's
check to name them; saying so in the rejected row's message is normalising's part.
"""

from __future__ import annotations

import pytest

from vroegsignaal.intake.parsing import parse_delivery

from .support import PEILDATUM, REQUIRED_HEADER, table, text_cell, text_cells, worksheet, xlsx

HEADER = [*REQUIRED_HEADER, "opmerking"]


def error_cell(ref: str, error: str) -> str:
    return f'<c r="{ref}" t="e"><v>{error}</v></c>'


def sheet() -> bytes:
    rows = [table([HEADER])]
    values = ["Jansen", "J.", "1980-02-01", "12", "1234AB"]
    for n, (amount, date, note) in enumerate(
        [
            (error_cell("G2", "#DIV/0!"), text_cell("H2", "2026-01-01"), ""),
            (text_cell("G3", "150,00"), error_cell("H3", "#N/A"), error_cell("I3", "#REF!")),
            (text_cell("G4", "150,00"), text_cell("H4", "2026-01-01"), ""),
        ],
        2,
    ):
        cells = text_cells([f"K-{n}", *values], n)
        rows.append(f'<row r="{n}">{cells}{amount}{date}{note}</row>')
    return xlsx({"achterstanden": worksheet("".join(rows))})


@pytest.mark.parametrize("head_rows", [None, 10], ids=["fast reader", "preview, openpyxl"])
def test_cells_holding_an_excel_error_are_named_with_their_row_and_field(head_rows):
    parsed = parse_delivery(sheet(), filename="levering.xlsx", soort="stand", head_rows=head_rows)
    assert parsed.excel_errors == (
        (2, "bedrag_achterstand", "#DIV/0!"),
        (3, "ontstaansdatum", "#N/A"),
    )  # the error in "opmerking", a column of no field, is none of the delivery's business
    amounts = parsed.table.get_column("bedrag_achterstand").to_list()
    assert amounts == [None, "150,00", "150,00"]  # read as empty, as before, by both readers


def test_a_delivery_without_error_cells_has_none():
    csv = ";".join(HEADER[:8]) + "\nK-1;Jansen;J.;1980-02-01;12;1234AB;150,00;2026-01-01\n"
    assert parse_delivery(csv.encode(), soort="stand").excel_errors == ()


def test_a_rejected_row_says_the_cell_holds_an_excel_error_not_that_it_is_empty(world, households):
    """The row's finding keeps its code (spec 1.6 has no other) but says what the cell holds."""
    from vroegsignaal.intake import services
    from vroegsignaal.intake.models import Via

    delivery = services.receive_delivery(
        world.creditor, sheet(), filename="levering.xlsx", reference_date=PEILDATUM, via=Via.CLI
    )
    delivery.refresh_from_db()
    found = {(i.row, i.field): (i.code, i.message) for i in services.rejected_rows(delivery)}
    assert found[(2, "bedrag_achterstand")] == (
        "VERPLICHT_VELD_LEEG",
        "Het veld bedrag_achterstand bevat in het werkblad een Excel-foutwaarde (#DIV/0!) in "
        "plaats van een waarde; herstel de formule of de cel.",
    )
    assert found[(3, "ontstaansdatum")][1].startswith(
        "Het veld ontstaansdatum bevat in het werkblad een Excel-foutwaarde (#N/A)"
    )
