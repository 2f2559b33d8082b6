"""Reading deliveries (spec 1.3, 1.4) and refusing whole files (spec 1.6)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import openpyxl
import polars as pl
import pytest

from vroegsignaal.intake import parsing, parsing_xlsx
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.fields import FIELDS
from vroegsignaal.intake.parsing import parse_delivery

from .support import REQUIRED_HEADER as HEADER
from .support import parse_refusal as refusal
from .support import xlsx_bytes

ROW_1 = ["K-1", "Müller", "J.P.", "01-02-1980", "12a", "1234 AB", "1.234,56", "01-01-2026"]
ROW_2 = ["K-2", "Dijk, van", "A", "1990-05-05", "3", "1234AB", "€ 12,50", "2026-01-02"]


def csv_bytes(rows, sep=";", eol="\r\n", encoding="utf-8", bom=False) -> bytes:
    text = eol.join(sep.join(r) for r in rows) + eol
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# --- CSV --------------------------------------------------------------------


def test_cp1252_csv_with_semicolons_and_decimal_comma_is_read(tmp_path):
    path = tmp_path / "levering.csv"
    path.write_bytes(csv_bytes([HEADER, ROW_1, ROW_2], encoding="cp1252"))
    parsed = parse_delivery(path)
    assert parsed.encoding == "cp1252"
    assert parsed.delimiter == ";"
    assert parsed.table.get_column("achternaam").to_list() == ["Müller", "Dijk, van"]
    assert parsed.table.get_column("bedrag_achterstand").to_list() == ["1.234,56", "€ 12,50"]


def test_utf8_csv_with_bom_and_tabs_is_read(tmp_path):
    path = tmp_path / "levering.txt"
    path.write_bytes(csv_bytes([HEADER, ROW_1], sep="\t", eol="\n", bom=True))
    parsed = parse_delivery(path)
    assert (parsed.encoding, parsed.delimiter) == ("utf-8", "\t")
    assert parsed.columns["klantnummer"] == "klantnummer"
    assert parsed.table.row(0, named=True) == {"rij": 2, **dict(zip(HEADER, ROW_1, strict=True))}


@pytest.mark.parametrize("sep", [",", "|", ";", "\t"])
def test_each_delimiter_of_the_spec_is_detected(sep):
    rows = [HEADER, [v.replace(",", ".") for v in ROW_1]]
    parsed = parse_delivery(csv_bytes(rows, sep=sep))
    assert parsed.delimiter == sep
    assert parsed.table.height == 1


def test_comma_separated_file_with_quoted_decimal_commas_is_read():
    rows = [HEADER, [f'"{v}"' if "," in v else v for v in ROW_2]]
    parsed = parse_delivery(csv_bytes(rows, sep=","))
    assert parsed.delimiter == ","
    assert parsed.table.get_column("achternaam").to_list() == ["Dijk, van"]


def test_crlf_and_lf_line_ends_give_the_same_table():
    crlf = parse_delivery(csv_bytes([HEADER, ROW_1, ROW_2], eol="\r\n"))
    lf = parse_delivery(csv_bytes([HEADER, ROW_1, ROW_2], eol="\n"))
    assert crlf.table.equals(lf.table)


def test_old_mac_line_ends_are_read():
    parsed = parse_delivery(csv_bytes([HEADER, ROW_1, ROW_2], eol="\r"))
    assert parsed.table.height == 2


def test_quoted_value_may_hold_the_delimiter_a_quote_and_a_line_break():
    row = ['"K-1"', '"Jansen; ""de"" oude\r\nregel"', *ROW_1[2:]]
    parsed = parse_delivery(csv_bytes([HEADER, row, ROW_2]))
    assert parsed.table.get_column("achternaam").to_list() == [
        'Jansen; "de" oude\r\nregel',
        "Dijk, van",
    ]
    assert parsed.table.get_column("rij").to_list() == [2, 3]


def test_row_numbers_count_the_header_as_row_one_and_blank_lines_too():
    data = csv_bytes([HEADER, ROW_1, [""], ROW_2])
    assert parse_delivery(data).table.get_column("rij").to_list() == [2, 4]


def test_leading_blank_lines_are_skipped_and_counted_in_the_row_numbers():
    data = b"\r\n;;;\r\n" + csv_bytes([HEADER, ROW_1])
    assert parse_delivery(data).table.get_column("rij").to_list() == [4]


def test_excel_sep_line_sets_the_delimiter():
    data = b"sep=|\r\n" + csv_bytes([HEADER, ROW_1], sep="|")
    parsed = parse_delivery(data)
    assert parsed.delimiter == "|"
    assert parsed.table.get_column("rij").to_list() == [3]


def test_rows_of_only_delimiters_are_dropped():
    data = csv_bytes([HEADER, ROW_1, [""] * len(HEADER), ROW_2])
    assert parse_delivery(data).table.get_column("klantnummer").to_list() == ["K-1", "K-2"]


def test_iso_8859_1_bytes_that_windows_1252_leaves_undefined_are_still_read():
    data = csv_bytes([HEADER, ROW_1], encoding="latin-1").replace(b"K-1", b"K\x81-1")
    parsed = parse_delivery(data)
    assert parsed.encoding == "latin-1"
    assert parsed.table.get_column("klantnummer").to_list() == ["K\x81-1"]


def test_path_bytes_and_file_object_give_the_same_result(tmp_path):
    data = csv_bytes([HEADER, ROW_1, ROW_2])
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    from_path = parse_delivery(path)
    from_bytes = parse_delivery(data)
    from_file = parse_delivery(io.BytesIO(data))
    assert from_path.table.equals(from_bytes.table)
    assert from_file.table.equals(from_bytes.table)
    assert from_path.sha256 == from_bytes.sha256 == from_file.sha256
    assert from_path.size == len(data)


# --- headers ----------------------------------------------------------------


def test_headers_match_ignoring_case_spaces_underscores_dashes_and_dots():
    header = [
        "KLANT NUMMER",
        "Achter-naam",
        "voor.letters",
        "Geboorte_Datum",
        "huis nummer",
        "POST-CODE",
        "Bedrag Achterstand",
        "ontstaans.datum",
    ]
    parsed = parse_delivery(csv_bytes([header, ROW_1]))
    assert list(parsed.columns) == HEADER
    assert parsed.columns["postcode"] == "POST-CODE"


ALIASES = [(alias, f.name) for f in FIELDS for alias in f.aliases]


@pytest.mark.parametrize(("alias", "field"), ALIASES)
def test_every_alias_of_the_spec_is_recognised(alias, field):
    header = [h for h in HEADER if h != field] + [alias]
    row = ROW_1[: len(header) - 1] + ["x"]
    parsed = parse_delivery(csv_bytes([header, row]))
    assert parsed.columns[field] == alias


def test_saved_column_mapping_takes_precedence_over_names_and_aliases():
    header = [*HEADER, "Naam"]
    mapping = {"Naam": "achternaam", "achternaam": None}
    parsed = parse_delivery(csv_bytes([header, [*ROW_1, "Jansen"]]), column_mapping=mapping)
    assert parsed.columns["achternaam"] == "Naam"
    assert parsed.table.get_column("achternaam").to_list() == ["Jansen"]


def test_saved_mapping_to_an_unknown_field_is_an_error():
    with pytest.raises(ValueError, match="geen veld"):
        parse_delivery(csv_bytes([HEADER, ROW_1]), column_mapping={"x": "schoenmaat"})


def test_unknown_columns_are_ignored_and_listed():
    parsed = parse_delivery(csv_bytes([[*HEADER, "Opmerking"], [*ROW_1, "let op"]]))
    assert parsed.unknown_columns == ["Opmerking"]
    assert "Opmerking" not in parsed.table.columns


def test_a_second_column_for_the_same_field_is_listed_as_duplicate():
    parsed = parse_delivery(csv_bytes([[*HEADER, "naam"], [*ROW_1, "Jansen"]]))
    assert parsed.columns["achternaam"] == "achternaam"
    assert parsed.duplicate_columns == ["naam"]


def test_the_field_name_wins_over_an_alias_whatever_the_order():
    header = ["naam", *HEADER]
    parsed = parse_delivery(csv_bytes([header, ["alias", *ROW_1]]))
    assert parsed.table.get_column("achternaam").to_list() == ["Müller"]


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n"], ids=["no bytes", "white space"])
def test_file_without_content_is_refused_as_empty(data):
    assert refusal(data).code == Code.BESTAND_LEEG


def test_header_only_csv_is_refused_as_empty():
    assert refusal(csv_bytes([HEADER])).code == Code.BESTAND_LEEG


def test_header_with_only_blank_rows_is_refused_as_empty():
    assert refusal(csv_bytes([HEADER, [""], [""] * 8])).code == Code.BESTAND_LEEG


def test_missing_required_columns_are_named_in_the_message():
    header = ["klantnummer", "achternaam", "postcode"]
    refused = refusal(csv_bytes([header, ["K-1", "Jansen", "1234AB"]]))
    assert refused.code == Code.KOLOM_ONTBREEKT
    assert refused.missing_columns == (
        "voorletters of voornamen",
        "geboortedatum",
        "huisnummer",
        "bedrag_achterstand",
        "ontstaansdatum",
    )
    assert refused.message == (
        "Verplichte kolommen ontbreken: voorletters (ook: initialen) of voornamen (ook: voornaam), "
        "geboortedatum (ook: gebdat, geboren), huisnummer (ook: huisnr, nr), bedrag_achterstand "
        "(ook: achterstand, openstaand_bedrag, saldo, bedrag) en ontstaansdatum (ook: "
        "datum_achterstand, vervaldatum_oudste). Hoofdletters, spaties, _, - en . in een kolomnaam "
        "tellen niet mee. Geef de kolom een van deze namen, of leg in het portaal onder Kolomindeling "
        "vast welke kolom van uw bestand het is."
    )


def test_voornamen_satisfies_the_name_requirement_without_voorletters():
    header = [h if h != "voorletters" else "voornamen" for h in HEADER]
    parsed = parse_delivery(csv_bytes([header, ROW_1]))
    assert "voornamen" in parsed.table.columns


def test_status_column_is_required_in_a_mutatie_only():
    data = csv_bytes([HEADER, ROW_1])
    assert parse_delivery(data, soort="stand").table.height == 1
    refused = refusal(data, soort="mutatie")
    assert refused.code == Code.KOLOM_ONTBREEKT
    assert refused.missing_columns == ("status",)


def test_row_with_more_fields_than_the_header_refuses_the_file():
    refused = refusal(csv_bytes([HEADER, ROW_1, [*ROW_2, "extra"]]))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert "rij 3" in refused.message


def test_unquoted_decimal_comma_in_a_comma_separated_file_refuses_it():
    rows = [HEADER, ["K-1", "Jansen", "A", "1980-01-01", "1", "1234AB", "12,50", "2026-01-01"]]
    refused = refusal(csv_bytes(rows, sep=","))
    assert refused.code == Code.BESTAND_ONLEESBAAR


def test_row_with_fewer_fields_than_the_header_refuses_the_file():
    refused = refusal(csv_bytes([HEADER, ROW_1[:5], ROW_2]))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert "rij 2" in refused.message


def test_truncated_last_line_refuses_the_file():
    data = csv_bytes([HEADER, ROW_1, ROW_2])
    assert refusal(data[:-30]).code == Code.BESTAND_ONLEESBAAR


def test_unclosed_quote_refuses_the_file():
    data = csv_bytes([HEADER, ['"K-1', *ROW_1[1:]], ROW_2])
    assert refusal(data).code == Code.BESTAND_ONLEESBAAR


def test_field_count_problem_across_a_multiline_value_is_found_exactly():
    row = ['"K-1"', '"twee\nregels"', *ROW_1[2:]]
    refused = refusal(csv_bytes([HEADER, row, ROW_2[:3]]))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert "rij 3" in refused.message


def test_utf16_file_is_refused_as_unreadable():
    data = csv_bytes([HEADER, ROW_1]).decode().encode("utf-16")
    assert refusal(data).code == Code.BESTAND_ONLEESBAAR


def test_binary_file_is_refused_as_unreadable():
    assert refusal(b"\x00\x01\x02binary\x00" * 10).code == Code.BESTAND_ONLEESBAAR


def test_old_excel_format_is_refused_as_unreadable():
    refused = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, filename="x.xls")
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert ".xls" in refused.message


@pytest.mark.parametrize("as_path", [False, True])
def test_file_over_the_size_limit_is_refused_as_too_big(tmp_path, as_path):
    data = csv_bytes([HEADER, ROW_1, ROW_2])
    source = data
    if as_path:
        source = tmp_path / "big.csv"
        source.write_bytes(data)
    refused = refusal(source, max_bytes=100)
    assert refused.code == Code.BESTAND_TE_GROOT
    assert refused.message == "Het bestand is groter dan de toegestane 100 bytes."


def test_default_size_limit_is_one_gibibyte():
    assert parsing.DEFAULT_MAX_BYTES == 1024**3


def test_refusal_messages_carry_no_delivered_values():
    rows = [HEADER, ["K-1", "Geheimnaam", "A", "1980-01-01", "1", "1234AB", "12,50", "2026-01-01"]]
    refused = refusal(csv_bytes(rows, sep=","))
    for value in rows[1]:
        assert value not in refused.message


# --- XLSX ---------------------------------------------------------------------


XLSX_ROW = ["K-1", "Jansen", "J", dt.date(1980, 2, 1), 12, "1234AB", 1234.56, dt.date(2026, 1, 1)]


def test_xlsx_sheet_named_achterstanden_is_read_before_the_first_sheet():
    data = xlsx_bytes({"Toelichting": [["lees mij"]], "Achterstanden": [HEADER, XLSX_ROW]})
    parsed = parse_delivery(data)
    assert (parsed.format, parsed.sheet) == ("xlsx", "Achterstanden")
    assert parsed.table.height == 1


def test_xlsx_without_sheet_achterstanden_reads_the_first_sheet():
    data = xlsx_bytes({"Blad1": [HEADER, XLSX_ROW], "Blad2": [["x"]]})
    assert parse_delivery(data).sheet == "Blad1"


def test_xlsx_first_non_empty_row_is_the_header_and_rows_are_sheet_rows(tmp_path):
    path = tmp_path / "levering.xlsx"
    path.write_bytes(xlsx_bytes({"achterstanden": [[], [], HEADER, XLSX_ROW, [], XLSX_ROW]}))
    parsed = parse_delivery(path)
    assert parsed.table.get_column("rij").to_list() == [4, 6]


def test_xlsx_date_and_number_cells_are_read_as_recognisable_text():
    parsed = parse_delivery(xlsx_bytes({"achterstanden": [HEADER, XLSX_ROW]}))
    row = parsed.table.row(0, named=True)
    assert row["geboortedatum"].startswith("1980-02-01")
    assert row["huisnummer"] == "12"
    assert row["bedrag_achterstand"] == "1234.56"


def test_xlsx_serial_number_in_a_date_column_is_read_as_a_date():
    row = [*XLSX_ROW[:7], 46023]
    parsed = parse_delivery(xlsx_bytes({"achterstanden": [HEADER, row]}))
    assert parsed.table.get_column("ontstaansdatum").to_list() == ["2026-01-01"]


def test_xlsx_with_a_header_only_is_refused_as_empty():
    assert refusal(xlsx_bytes({"achterstanden": [HEADER]})).code == Code.BESTAND_LEEG


def test_xlsx_missing_columns_are_refused():
    refused = refusal(xlsx_bytes({"achterstanden": [HEADER[:3], XLSX_ROW[:3]]}))
    assert refused.code == Code.KOLOM_ONTBREEKT


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 this is not really a zip",
        xlsx_bytes({"achterstanden": [HEADER, XLSX_ROW]})[:400],
    ],
    ids=["garbage", "truncated"],
)
def test_corrupt_xlsx_is_refused_as_unreadable(data):
    assert refusal(data).code == Code.BESTAND_ONLEESBAAR


def test_zip_that_is_no_workbook_is_refused_as_unreadable():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    assert refusal(out.getvalue()).code == Code.BESTAND_ONLEESBAAR


def test_declared_xlsx_that_is_no_zip_is_refused_as_unreadable():
    assert refusal(csv_bytes([HEADER, ROW_1]), filename="x.xlsx").code == Code.BESTAND_ONLEESBAAR


def test_openpyxl_fallback_reads_the_same_table_as_fastexcel():
    data = xlsx_bytes({"achterstanden": [[], HEADER, XLSX_ROW, [], XLSX_ROW]})
    fast, _ = parsing_xlsx._read_xlsx_fastexcel(data, {"achterstanden": "xl/worksheets/sheet1.xml"})
    careful, _ = parsing_xlsx._read_xlsx_openpyxl(data)
    assert fast.filter(pl.col("rij") >= 2).rows() == careful.filter(pl.col("rij") >= 2).rows()


def write_only_xlsx_bytes(rows: list[list]) -> bytes:
    """A workbook as openpyxl's write-only mode saves it: its sheet does not state its size."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("achterstanden")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    assert b"<dimension" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    return out.getvalue()


@pytest.mark.parametrize("write", [None, write_only_xlsx_bytes], ids=["sized", "unsized"])
def test_xlsx_head_rows_reads_the_same_first_rows_as_the_whole_sheet(write):
    rows = [[f"K-{n}", f"Jansen-{n}", *XLSX_ROW[2:]] for n in range(1, 30)]
    rows[4] = []
    sheet = [[], [], HEADER, *rows]
    data = write(sheet) if write else xlsx_bytes({"achterstanden": sheet})
    whole = parse_delivery(data)
    head = parse_delivery(data, head_rows=10)
    assert head.table.height == 9  # ten sheet rows after the header, one of them empty
    assert head.table.rows() == whole.table.head(head.table.height).rows()
    assert (head.columns, head.header_row) == (whole.columns, whole.header_row)


def test_xlsx_head_rows_is_read_without_the_whole_sheet(monkeypatch):
    data = xlsx_bytes({"achterstanden": [HEADER, XLSX_ROW, XLSX_ROW]})
    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_fastexcel", None)  # would raise if called
    assert parse_delivery(data, head_rows=1).table.height == 1


def _xlsx_with_part(name: str, transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"achterstanden": [HEADER, XLSX_ROW]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, transform(data) if info.filename == name else data)
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


@pytest.mark.parametrize("head_rows", [None, 10], ids=["whole", "head"])
@pytest.mark.parametrize(
    "prolog",
    [BILLION_LAUGHS, b'<?xml version="1.0"?><!-- ' + b"x" * 70_000 + b" --><!DOCTYPE a>"],
    ids=["entities", "behind-a-long-comment"],
)
def test_xlsx_sheet_with_a_document_type_is_refused_before_any_reader_parses_it(
    monkeypatch, head_rows, prolog
):
    def with_doctype(sheet: bytes) -> bytes:
        return prolog + sheet[sheet.index(b"<worksheet") :]

    data = _xlsx_with_part("xl/worksheets/sheet1.xml", with_doctype)
    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_fastexcel", None)
    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_openpyxl", None)
    refused = refusal(data, head_rows=head_rows)
    assert refused.code == Code.BESTAND_ONLEESBAAR
    assert "niet-toegestane XML" in refused.message


def test_xlsx_with_comments_and_an_empty_part_before_the_root_is_read():
    def with_comment(sheet: bytes) -> bytes:
        return (
            b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- door een export -->\n"
            + sheet[sheet.index(b"<worksheet") :]
        )

    data = _xlsx_with_part("xl/worksheets/sheet1.xml", with_comment)
    with zipfile.ZipFile(io.BytesIO(data), "a") as package:
        package.writestr("docProps/custom.xml", b"")
    assert parse_delivery(data).table.height == 1


# --- JSON ---------------------------------------------------------------------


def json_body(**overrides) -> dict:
    row = dict(zip(HEADER, ROW_1, strict=True))
    body = {"peildatum": "2026-03-01", "soort": "stand", "achterstanden": [row]}
    body.update(overrides)
    return body


def test_json_body_gives_peildatum_soort_and_rows():
    parsed = parse_delivery(json.dumps(json_body()).encode())
    assert (parsed.format, parsed.peildatum, parsed.soort) == ("json", "2026-03-01", "stand")
    assert parsed.table.get_column("rij").to_list() == [1]
    assert parsed.table.get_column("klantnummer").to_list() == ["K-1"]


def test_json_numbers_keep_their_digits_and_booleans_read_as_words():
    row = {**dict(zip(HEADER, ROW_1, strict=True)), "bedrag_achterstand": 1234.5}
    row.update(crisissignaal=True, huisnummer=12)
    text = json.dumps(json_body(achterstanden=[row])).replace("1234.5", "1234.50")
    parsed = parse_delivery(text.encode())
    assert parsed.table.get_column("bedrag_achterstand").to_list() == ["1234.50"]
    assert parsed.table.get_column("huisnummer").to_list() == ["12"]
    assert parsed.table.get_column("crisissignaal").to_list() == ["true"]


def test_json_keys_are_columns_in_the_order_first_seen_and_may_be_absent():
    rows = [dict(zip(HEADER, r, strict=True)) for r in (ROW_1, ROW_2)]
    rows[1]["opmerking"] = "extra"
    del rows[0]["voorletters"]
    parsed = parse_delivery(json.dumps(json_body(achterstanden=rows)).encode())
    assert parsed.unknown_columns == ["opmerking"]
    assert parsed.table.get_column("voorletters").to_list() == [None, "A"]


def test_json_soort_mutatie_from_the_body_requires_status():
    refused = refusal(json.dumps(json_body(soort="mutatie")).encode())
    assert refused.code == Code.KOLOM_ONTBREEKT
    assert refused.missing_columns == ("status",)


@pytest.mark.parametrize(
    "text",
    [
        b'{"peildatum": "2026-03-01", "achterstanden": [',
        b'{"peildatum": "2026-03-01"}',
        b'{"achterstanden": ["niet een object"]}',
        b'{"achterstanden": [{"klantnummer": {"genest": 1}}]}',
        b"\xff\xfe{}",
    ],
    ids=["broken", "no rows", "row not an object", "nested value", "not utf-8"],
)
def test_malformed_json_is_refused_as_unreadable(text):
    assert refusal(text, filename="levering.json").code == Code.BESTAND_ONLEESBAAR


def test_json_with_no_rows_is_refused_as_empty():
    assert refusal(json.dumps(json_body(achterstanden=[])).encode()).code == Code.BESTAND_LEEG


def test_a_cut_off_csv_names_the_row_where_the_unclosed_quote_opens():
    text = 'klantnummer;achternaam;postcode\nK-1;Jansen;1234AB\n\nK-2;"Jan\nsen";1234AB\nK-3;"Pie'
    refused = refusal(text.encode("utf-8"))
    assert refused.code == Code.BESTAND_ONLEESBAAR
    # Row 5 as a spreadsheet shows it: header 1, K-1 2, the blank line 3, K-2 (two lines) 4.
    assert refused.message == (
        "Het bestand kan niet worden gelezen: de CSV-opmaak klopt niet: het aanhalingsteken dat in "
        "rij 5 een waarde opent, wordt niet gesloten (is het bestand afgekapt?)."
    )


def test_a_quote_inside_a_quoted_value_that_is_not_doubled_names_its_row():
    text = 'klantnummer;achternaam;postcode\nK-1;Jansen;1234AB\nK-2;"Jan"sen";1234AB\n'
    refused = refusal(text.encode("utf-8"))
    assert refused.message == (
        "Het bestand kan niet worden gelezen: de CSV-opmaak klopt niet in rij 3: een aanhalingsteken "
        'in een waarde tussen aanhalingstekens moet dubbel worden geschreven ("").'
    )


MIXED_HEADER = "klantnummer;achternaam;postcode;huisnummer;voorletters;geboortedatum;bedrag_achterstand;ontstaansdatum\n"


def test_a_file_of_utf8_with_a_byte_that_is_not_is_read_as_windows_1252_and_names_the_row(tmp_path):
    rest = ";1234AB;1;J;1980-01-01;10;2026-01-01\n"
    data = (MIXED_HEADER + "K-1;Müller" + rest + "K-2;Jansen" + rest).encode("utf-8") + (
        "K-3;Gruß" + rest
    ).encode("cp1252")
    (tmp_path / "a.csv").write_bytes(data)
    for source in (data, tmp_path / "a.csv"):  # in memory and memory-mapped
        parsed = parse_delivery(source, filename="a.csv", soort="stand")
        assert (parsed.encoding, parsed.mixed_encoding_row) == ("cp1252", 4)
        assert parsed.table["achternaam"].to_list() == ["MÃ¼ller", "Jansen", "Gruß"]


def test_a_windows_1252_or_utf8_file_is_not_mixed():
    rest = ";1234AB;1;J;1980-01-01;10;2026-01-01\n"
    text = MIXED_HEADER + "K-1;Müller" + rest + "K-2;Gruß" + rest
    for encoding in ("cp1252", "utf-8"):
        parsed = parse_delivery(text.encode(encoding), filename="a.csv", soort="stand")
        assert (parsed.encoding, parsed.mixed_encoding_row) == (encoding, None)
