"""An XLSX number cell and a JSON number are read as the numbers they are (review 26, P5).

Spec 1.3 accepts Excel numbers "as such" and 1.5 lists "number cell" among the amounts; only
text has a decimal separator to be decided per column. A number cell ``12.345`` was read as
the text ``12.345`` and rejected as ambiguous (a dot and three digits), and one JSON number
``12.5`` among ``"1.234,56"`` strings made the column mixed and rejected every row.
"""

from __future__ import annotations

import json

import pytest

from vroegsignaal.intake.normalise import normalise_delivery
from vroegsignaal.intake.parsing import parse_delivery

from .support import (
    PEILDATUM,
    REQUIRED_HEADER,
    number_cell,
    table,
    text_cell,
    text_cells,
    worksheet,
    xlsx,
)


def sheet_with_amounts(amounts: list[tuple[str, str]]) -> bytes:
    """A sheet whose amount cells are ``("getal", "12.345")`` or ``("tekst", "1.234,56")``."""
    rows = [table([REQUIRED_HEADER])]
    for n, (kind, amount) in enumerate(amounts, 2):
        values = [f"K-{n}", "Jansen", "J.", "1980-02-01", "12", "1234AB"]
        cells = text_cells(values, n)
        cells += number_cell(f"G{n}", amount) if kind == "getal" else text_cell(f"G{n}", amount)
        cells += text_cell(f"H{n}", "2026-01-01")
        rows.append(f'<row r="{n}">{cells}</row>')
    return xlsx({"achterstanden": worksheet("".join(rows))})


def read(data: bytes, filename: str, **kwargs):
    parsed = parse_delivery(data, filename=filename, soort="stand", **kwargs)
    normalised = normalise_delivery(parsed.table, peildatum=PEILDATUM, soort="stand")
    cents = dict(zip(normalised.table["rij"], normalised.table["bedrag_cents"], strict=True))
    issues = normalised.issues
    problems = (
        {}
        if issues is None or issues.height == 0
        else {r: (c, m) for r, c, m in issues.select("rij", "code", "melding").iter_rows()}
    )
    return parsed, cents, problems


@pytest.mark.parametrize("head_rows", [None, 10], ids=["fast reader", "preview, openpyxl"])
def test_xlsx_number_cells_are_read_as_numbers_not_as_ambiguous_text(head_rows):
    data = sheet_with_amounts(
        [
            ("getal", "12.345"),
            ("getal", "1E-3"),
            ("getal", "1234.5599999999999"),
            ("getal", "999.999"),
        ]
    )
    parsed, cents, problems = read(data, "levering.xlsx", head_rows=head_rows)
    assert cents[2] == 1235  # 12.345 rounded half up to a cent, as every amount is
    assert cents[4] == 123456
    assert cents[5] == 100000
    # 0.001 is a number, and rounds to nothing: no more than zero, not "ambiguous".
    assert problems[3] == (
        "BEDRAG_ONGELDIG",
        "Het veld bedrag_achterstand bevat geen bedrag groter dan nul (zoals 1234,56 of 1234.56, "
        "zonder minteken).",
    )
    assert not any("dubbelzinnig" in m for _, m in problems.values())


def test_xlsx_number_cells_among_amounts_with_a_decimal_comma_are_read_with_them():
    data = sheet_with_amounts(
        [("tekst", "1.234,56"), ("getal", "12.5"), ("getal", "0.125"), ("tekst", "50,-")]
    )
    parsed, cents, problems = read(data, "levering.xlsx")
    assert cents == {2: 123456, 3: 1250, 4: 13, 5: 5000}
    assert problems == {}


def test_xlsx_text_that_is_ambiguous_is_still_reported_not_guessed():
    data = sheet_with_amounts([("tekst", "12.345"), ("getal", "12.5")])
    parsed, cents, problems = read(data, "levering.xlsx")
    assert cents[3] == 1250
    assert problems[2] == (
        "BEDRAG_ONGELDIG",
        "Het veld bedrag_achterstand is dubbelzinnig: een punt gevolgd door drie cijfers kan "
        "zowel duizendtallen als decimalen aangeven.",
    )


def json_body(amounts: list) -> bytes:
    rows = [
        {
            "klantnummer": f"K-{n}",
            "achternaam": "Jansen",
            "voorletters": "J.",
            "geboortedatum": "1980-02-01",
            "huisnummer": "12",
            "postcode": "1234AB",
            "bedrag_achterstand": amount,
            "ontstaansdatum": "2026-01-01",
        }
        for n, amount in enumerate(amounts, 1)
    ]
    return json.dumps({"soort": "stand", "achterstanden": rows}).encode()


def test_a_json_number_among_amounts_with_a_decimal_comma_is_read_and_so_are_they():
    data = json_body(["1.234,56", "1.234,56", "1.234,56", "1.234,56", 12.5])
    parsed, cents, problems = read(data, "levering.json")
    assert cents == {1: 123456, 2: 123456, 3: 123456, 4: 123456, 5: 1250}
    assert problems == {}


def test_json_numbers_are_never_ambiguous_whatever_their_form():
    text = json_body([12.345, 1.5e2, 1000.125, 99]).replace(b"150.0", b"1.5E2")
    parsed, cents, problems = read(text, "levering.json")
    assert cents == {1: 1235, 2: 15000, 3: 100013, 4: 9900}
    assert problems == {}


def test_a_json_string_that_is_ambiguous_is_still_reported():
    parsed, cents, problems = read(json_body(["12.345", 12.5]), "levering.json")
    assert cents[2] == 1250
    assert problems[1][0] == "BEDRAG_ONGELDIG" and "dubbelzinnig" in problems[1][1]


def test_numbers_that_need_no_rewriting_keep_the_text_they_were_written_as():
    parsed = parse_delivery(
        json_body([1234.5, "10"]).replace(b"1234.5", b"1234.50"), filename="levering.json"
    )
    assert parsed.table.get_column("bedrag_achterstand").to_list() == ["1234.50", "10"]


def test_a_nested_value_beside_a_number_is_named_not_the_number():
    body = json.loads(json_body([12.5]))
    body["achterstanden"][0]["ontstaansdatum"] = {"dag": 1, "maand": 1}  # after the amount
    text = json.dumps(body).encode()
    from vroegsignaal.intake.refusals import DeliveryRefused

    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(text, filename="levering.json")
    assert caught.value.message == (
        "Het bestand kan niet worden gelezen: het veld 'ontstaansdatum' van achterstand 1 is geen "
        "tekst, getal of ja/nee-waarde."
    )
