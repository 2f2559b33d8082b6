"""An XLSX sheet that reaches too far, or unpacks to too much, is refused before a reader
holds it (review 26, P1).

fastexcel (calamine) allocates the whole rectangle from the first to the last cell of a sheet
and aborts the process when that does not fit: a 2 KB file with one cell at XFD1048576 asked
for 512 GiB and killed the worker. These tests build the packages by hand (the XML as written)
and make both readers fail loudly: a refusal must come before either is called.
"""

from __future__ import annotations

import io
import zipfile

import fastexcel
import pytest

from vroegsignaal.intake import parsing_xlsx, parsing_xlsx_scan
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

from .support import (
    REQUIRED_HEADER as HEADER,
)
from .support import (
    column,
    number_cell,
    parse_refusal,
    table,
    text_cell,
    text_cells,
    worksheet,
    xlsx,
)

ROW = ["K-1", "Jansen", "J.", "1980-02-01", "12", "1234AB", "150,00", "2026-01-01"]


def refusal(data: bytes, **kwargs) -> DeliveryRefused:
    return parse_refusal(data, filename="levering.xlsx", **kwargs)


@pytest.fixture
def no_reader(monkeypatch):
    """Both readers fail loudly: what is refused must be refused before either reads."""

    def called(*args, **kwargs):
        raise AssertionError("a reader was handed the sheet")

    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_fastexcel", called)
    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_openpyxl", called)


def far_message(cell: str, columns: str, rows: str) -> str:
    return (
        f'Het werkblad "Blad1" is te groot om te lezen: het gebruikt cellen tot {cell} '
        f"({columns} kolommen en {rows} rijen), en er worden ten hoogste 256 kolommen en "
        "33.554.432 cellen (rijen maal kolommen) gelezen. Verwijder lege opmaak en losse cellen "
        "buiten de tabel, of kopieer de gegevens naar een nieuw werkblad."
    )


def test_one_cell_at_xfd1048576_is_refused_before_a_reader_holds_the_sheet(no_reader):
    rows = table([HEADER, ROW]) + '<row r="1048576">' + text_cell("XFD1048576", "x") + "</row>"
    refused = refusal(xlsx({"Blad1": worksheet(rows)}))
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message == far_message("XFD1048576", "16.384", "1.048.576")


@pytest.mark.parametrize("head_rows", [None, 10], ids=["delivery", "preview"])
def test_a_stated_size_of_the_whole_sheet_is_refused_too(no_reader, head_rows):
    data = xlsx({"Blad1": worksheet(table([HEADER, ROW]), dimension="A1:XFD1048576")})
    refused = refusal(data, head_rows=head_rows)
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message == far_message("XFD1048576", "16.384", "1.048.576")


def test_a_cell_below_excels_last_row_is_refused(no_reader):
    rows = table([HEADER, ROW]) + '<row r="2000000">' + text_cell("A2000000", "x") + "</row>"
    refused = refusal(xlsx({"Blad1": worksheet(rows)}))
    assert refused.message == far_message("H2000000", "8", "2.000.000")


def test_rows_times_columns_beyond_the_limit_is_refused(no_reader):
    wide = [f"kolom {n}" for n in range(1, 41)]  # 40 columns: AN
    rows = table([HEADER + wide[8:], ROW]) + '<row r="900000">' + text_cell("A900000", "x")
    refused = refusal(xlsx({"Blad1": worksheet(rows + "</row>")}))
    assert refused.message == far_message("AN900000", "40", "900.000")


def test_cells_and_rows_without_a_reference_are_counted_on_as_the_readers_count_them(no_reader):
    header = "".join(text_cell(None, h) for h in HEADER)
    filler = "".join(text_cell(None, "x") for _ in range(300 - len(HEADER)))
    rows = f"<row>{header}{filler}</row><row>{''.join(text_cell(None, v) for v in ROW)}</row>"
    refused = refusal(xlsx({"Blad1": worksheet(rows)}))
    assert refused.message == far_message("KN2", "300", "2")


@pytest.mark.parametrize("written", ['r="&#88;FD1"', "r='XFD1'", 'r="xfd1"', 'r = "$XFD$1"'])
def test_a_reference_however_written_is_read_as_the_cell_it_names(no_reader, written):
    rows = (
        table([HEADER, ROW]) + f'<row r="3"><c {written} t="inlineStr"><is><t>x</t></is></c></row>'
    )
    refused = refusal(xlsx({"Blad1": worksheet(rows)}))
    assert refused.message == far_message("XFD3", "16.384", "3")


def test_a_reference_that_names_no_cell_is_refused_as_damaged(no_reader):
    rows = table([HEADER, ROW]) + '<row r="3"><c r="A0" t="inlineStr"><is><t>x</t></is></c></row>'
    refused = refusal(xlsx({"Blad1": worksheet(rows)}))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert refused.message == (
        "Het bestand kan niet worden gelezen: het XLSX-bestand is beschadigd: een cel heeft een "
        "ongeldige verwijzing."
    )


def test_a_wide_sheet_within_the_limits_is_read():
    wide = [f"kolom {n}" for n in range(1, 257 - len(HEADER))]  # 256 columns in all: IV
    rows = table([HEADER + wide, ROW]) + table([ROW], first_row=5000)
    parsed = parse_delivery(xlsx({"Blad1": worksheet(rows)}), filename="levering.xlsx")
    assert parsed.table.get_column("rij").to_list() == [2, 5000]


def test_shared_texts_copied_into_many_cells_are_refused_by_what_they_unpack_to(no_reader):
    # 2,000 cells that each show one text of 5,000 characters: 10 MB from a file of a few KB.
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 2001))
    data = xlsx({"Blad1": worksheet(cells)}, shared=["x" * 5000])
    assert len(data) < 64 * 1024
    refused = refusal(data, max_bytes=1 << 20)
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message == (
        'Het werkblad "Blad1" is uitgepakt 9,7 MiB groot (met de teksten die het gebruikt), meer '
        "dan de 2 MiB die wordt gelezen (twee keer de toegestane bestandsgrootte). Lever de "
        "gegevens als CSV of in delen aan."
    )


def test_a_long_shared_text_shown_once_is_not_counted_as_copied_into_every_cell():
    # One note of 20,000 characters in one row: at most (cells) × (the longest text) would be
    # 80 MB, so each cell's text is counted; they come to some 90 KB.
    texts = [*HEADER, "opmerking", *ROW, "y" * 20_000]
    header = "".join(f'<c r="{column(i)}1" t="s"><v>{i - 1}</v></c>' for i in range(1, 10))
    rows = f'<row r="1">{header}</row>' + "".join(
        f'<row r="{n}">'
        + "".join(f'<c r="{column(i)}{n}" t="s"><v>{8 + i}</v></c>' for i in range(1, 9))
        + (f'<c r="I{n}" t="s"><v>17</v></c>' if n == 2 else "")
        + "</row>"
        for n in range(2, 400)
    )
    data = xlsx({"Blad1": worksheet(rows)}, shared=texts)
    parsed = parse_delivery(data, filename="levering.xlsx", max_bytes=1 << 20)
    assert parsed.table.height == 398
    assert parsed.table.row(0, named=True)["achternaam"] == "Jansen"


def test_a_package_that_unpacks_to_more_than_four_times_the_limit_is_refused(no_reader):
    data = xlsx({"Blad1": worksheet(table([HEADER, ROW]))}, docProps__custom_xml=b" " * 300_000)
    refused = refusal(data, max_bytes=64 * 1024)
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message == (
        "Het XLSX-bestand is uitgepakt 295,1 KiB groot, meer dan de 256 KiB die wordt gelezen "
        "(vier keer de toegestane bestandsgrootte). Lever de gegevens als CSV of in delen aan."
    )


def test_a_sheet_in_utf16_is_refused_before_it_is_measured(no_reader):
    # Its markup is no ASCII: the measuring would find no cell in it, not even XFD1048576.
    rows = table([HEADER, ROW]) + '<row r="1048576">' + text_cell("XFD1048576", "x") + "</row>"
    sheet = worksheet(rows).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    refused = refusal(xlsx({"Blad1": sheet.encode("utf-16-le")}))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert refused.message == (
        "Het bestand kan niet worden gelezen: het XLSX-bestand bevat niet-toegestane XML."
    )


def test_an_ordinary_sheet_with_page_margins_and_number_cells_is_read():
    margins = (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    rows = table([HEADER]) + (
        '<row r="2">'
        + text_cells(ROW[:6], 2)
        + number_cell("G2", "150.5")
        + text_cell("H2", ROW[7])
        + "</row>"
    )
    data = xlsx({"Blad1": worksheet(rows, dimension="A1:H2", after=margins)})
    parsed = parse_delivery(data, filename="levering.xlsx")
    assert parsed.table.row(0, named=True)["bedrag_achterstand"] == "150.5"


LAYOUTS = {
    "explicit": table([HEADER, ROW, ROW]),
    "no references": "".join(
        "<row>" + "".join(text_cell(None, v) for v in values) + "</row>"
        for values in (HEADER, ROW, ROW)
    ),
    "rows without, cells with": "<row>"
    + table([HEADER])[len('<row r="1">') :]
    + '<row r="7">'
    + "".join(text_cell(None, v) for v in ROW)
    + "</row><row>"
    + text_cell("C9", "x")
    + text_cell(None, "y")
    + "</row>",
    "a jump then counted on": '<row r="3">'
    + text_cell("B3", "a")
    + text_cell(None, "b")
    + text_cell("K3", "c")
    + text_cell(None, "d")
    + "</row><row>"
    + text_cell(None, "e")
    + "</row>",
    "empty cells and rows": '<row r="2">'
    + '<c r="A2"/>'
    + text_cell(None, "a")
    + '</row><row r="4"/><row>'
    + text_cell(None, "b")
    + "</row>",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_measured_extent_is_the_one_the_fast_reader_reads(layout):
    data = xlsx({"Blad1": worksheet(LAYOUTS[layout])})
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        # Tag by tag, as a piece with anything out of the ordinary is read (a plain piece is
        # known to stay within column AF and row 1,048,576, which is all that is needed of it).
        scan = parsing_xlsx_scan._sheet_pass(
            package, "Blad1", "xl/worksheets/sheet1.xml", shared=None, exact=True
        )
    sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    last_column = max(c.absolute_index for c in sheet.available_columns()) + 1
    first_row = parsing_xlsx._first_used_row(data, "xl/worksheets/sheet1.xml")
    # Never less than the reader holds (an empty cell or row may count for openpyxl only).
    assert scan.columns >= last_column
    assert scan.rows >= first_row + sheet.height - 1
    assert (scan.columns, scan.rows) == {
        "explicit": (8, 3),
        "no references": (8, 3),
        "rows without, cells with": (8, 9),
        "a jump then counted on": (12, 4),
        "empty cells and rows": (2, 5),
    }[layout]


def test_the_preview_of_a_sheet_with_too_much_shared_text_is_refused_too(no_reader):
    # The head is read by openpyxl, which holds every shared text, whatever it shows.
    data = xlsx(
        {"Blad1": worksheet(table([HEADER, ROW]), dimension="A1:H2")}, shared=["x" * 200_000]
    )
    refused = refusal(data, head_rows=10, max_bytes=64 * 1024)
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message.startswith('Het werkblad "Blad1" is uitgepakt 19')


def test_a_far_cell_between_ordinary_rows_is_found_wherever_it_stands(no_reader, monkeypatch):
    # Pieces of a few KiB: the far cell stands in a piece of its own, rows before and after.
    monkeypatch.setattr(parsing_xlsx_scan, "_CHUNK", 4096)
    rows = [ROW] * 200
    far = '<row r="201">' + text_cell("A2000000", "x") + text_cell("IW201", "y") + "</row>"
    sheet = table([HEADER, *rows]) + far + table(rows, first_row=202)
    refused = refusal(xlsx({"Blad1": worksheet(sheet)}))
    assert refused.message == far_message("IW2000000", "257", "2.000.000")
