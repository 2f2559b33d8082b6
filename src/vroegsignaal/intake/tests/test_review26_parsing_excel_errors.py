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


# --- an optional field's error cells: the rows are kept, the report has a note ---------------

OPTIONAL_HEADER = [*REQUIRED_HEADER, "telefoonnummer", "straatnaam", "contractnummer"]
TAIL = "als leeg gelezen. Herstel de formule of de cel en lever opnieuw als de waarde ertoe doet."


def sheet_with_optional_errors() -> bytes:
    """Row 2: telefoonnummer #N/A, straatnaam #VALUE!; row 3: straatnaam #NAME?, contractnummer
    #DIV/0!; row 4: telefoonnummer #N/A and its amount an error (rejected); row 5: no errors."""
    values = ["Jansen", "J.", "1980-02-01", "12", "1234AB", "150,00", "2026-01-01"]
    optional = {
        2: [error_cell("I2", "#N/A"), error_cell("J2", "#VALUE!"), text_cell("K2", "C-1")],
        3: [
            text_cell("I3", "0612345678"),
            error_cell("J3", "#NAME?"),
            error_cell("K3", "#DIV/0!"),
        ],
        4: [error_cell("I4", "#N/A"), text_cell("J4", "Dorpsstraat"), text_cell("K4", "")],
        5: [text_cell("I5", ""), text_cell("J5", "Dorpsstraat"), text_cell("K5", "")],
    }
    rows = [table([OPTIONAL_HEADER])]
    for n, cells in optional.items():
        own = text_cells([f"K-{n}", *values], n)
        if n == 4:
            own = own.replace(text_cell("G4", "150,00"), error_cell("G4", "#DIV/0!"))
        rows.append(f'<row r="{n}">{own}{"".join(cells)}</row>')
    return xlsx({"achterstanden": worksheet("".join(rows))})


# One note per field, in the order of the contract's fields (spec 1.5), of the accepted rows only
# (row 4's telefoonnummer is not counted): the field, the count and the first row, no value.
EXCEL_ERROR_NOTES = [
    {
        "veld": "contractnummer",
        "code": "",
        "melding": "In rij 3 bevat het veld contractnummer een Excel-foutwaarde (zoals #N/A); "
        f"die cel is {TAIL}",
    },
    {
        "veld": "straatnaam",
        "code": "",
        "melding": "In 2 rijen bevat het veld straatnaam een Excel-foutwaarde (zoals #N/A), "
        f"eerste in rij 2; die cellen zijn {TAIL}",
    },
    {
        "veld": "telefoonnummer",
        "code": "",
        "melding": "In rij 2 bevat het veld telefoonnummer een Excel-foutwaarde (zoals #N/A); "
        f"die cel is {TAIL}",
    },
]


def test_an_optional_fields_excel_errors_keep_the_rows_with_a_note_in_the_report(
    world, households, verified_client
):
    """Before, the cells were read as empty without a word: the creditor did not learn that its
    phone number, street or contract number was lost to a formula. Spec 1.6 has no code for it,
    so it is a report note (code empty), as the encoding note, not a finding of a row."""
    import html

    from rest_framework.test import APIClient

    from vroegsignaal.intake import services
    from vroegsignaal.intake.models import Via
    from vroegsignaal.intake.report import delivery_report, report_lines

    delivery = services.receive_delivery(
        world.creditor,
        sheet_with_optional_errors(),
        filename="levering.xlsx",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    delivery.refresh_from_db()
    assert (delivery.rows_accepted, delivery.rows_rejected) == (3, 1)
    report = delivery_report(delivery)
    assert report["opmerkingen"] == EXCEL_ERROR_NOTES
    assert report["waarschuwingen_per_code"] == {}
    assert report["afgewezen_per_code"] == {"VERPLICHT_VELD_LEEG": 1}
    found = [
        (i.row, i.field, i.code, i.is_warning)
        for i in services.rejected_rows(delivery, warnings=True)
    ]
    assert found == [(4, "bedrag_achterstand", "VERPLICHT_VELD_LEEG", False)]

    page = verified_client(world.user).get(f"/leveringen/{delivery.pk}/")
    shown = html.unescape(page.content.decode())
    lines = report_lines(delivery)
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    by_api = api.get(f"/api/v1/deliveries/{delivery.pk}/").json()["verslag"]["opmerkingen"]
    for note in EXCEL_ERROR_NOTES:
        assert note["melding"] in shown
        assert f"Opmerking {note['veld']}: {note['melding']}" in lines  # vroegsignaal deliver
        assert note in by_api
    for value in ("#VALUE!", "#NAME?", "#DIV/0!", "C-1", "0612345678"):
        assert all(value not in note["melding"] for note in report["opmerkingen"])


def test_a_csv_delivery_has_no_excel_error_note(world, households):
    from vroegsignaal.intake import services
    from vroegsignaal.intake.models import Via
    from vroegsignaal.intake.report import delivery_report

    from .support import csv_bytes, row

    delivery = services.receive_delivery(
        world.creditor,
        csv_bytes([row(1), row(2, telefoonnummer="#N/A")]),
        filename="a.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    assert not any("Excel" in n["melding"] for n in delivery_report(delivery)["opmerkingen"])
