"""The rejected rows as the creditor reads them: the row of its own file (the header is row 1, as
a spreadsheet shows it), the contract's field, the code, and a message that names the creditor's
own column where its header is another name for the field."""

from __future__ import annotations

import polars as pl

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Via

from .support import PEILDATUM


def deliver(world, text: str):
    return services.receive_delivery(
        world.creditor,
        text.encode("cp1252"),
        filename="export.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )


OWN_HEADERS = (
    "Klantnr;Initialen;Achternaam;Gebdat;Pc;Huisnr;Openstaand bedrag;Datum achterstand;E-mail\n"
)


def test_messages_name_the_creditors_own_column_and_rows_count_the_header(world, households):
    lines = [
        OWN_HEADERS,
        "K-1;J.;Jansen;17-05-1980;1234AB;1;150,00;01-09-2026;j@example.org\n",
        "K-2;J.;Jansen;31-02-1980;1234AB;2;150,00;01-09-2026;j@example.org\n",  # row 3: date
        "K-3;J.;Jansen;17-05-1980;1234AB;3;-5,00;01-09-2026;geen-adres\n",  # row 4: amount, e-mail
        "K-4;J.;;17-05-1980;12AB;4;150,00;01-09-2026;\n",  # row 5: surname, postcode
        "K-5;J.;Jansen;17-05-1980;1234AB;5;150,00;01-09-2026;geen-adres\n",  # row 6: warning
        "K-6;J.;Jansen;17-05-1980;1234AB;6;150,00;01-09-2026;\n",
        "K-7;J.;Jansen;17-05-1980;1234AB;7;150,00;01-09-2026;\n",
    ]
    delivery = deliver(world, "".join(lines))
    rows = [
        (i.row, i.klantnummer, i.field, i.code, i.message) for i in services.rejected_rows(delivery)
    ]
    assert rows == [
        (
            3,
            "K-2",
            "geboortedatum",
            "DATUM_ONGELDIG",
            "Het veld geboortedatum (kolom 'Gebdat') bevat geen geldige datum "
            "(een bestaande dag, zoals 2026-11-01 of 01-11-2026).",
        ),
        (
            4,
            "K-3",
            "bedrag_achterstand",
            "BEDRAG_ONGELDIG",
            "Het veld bedrag_achterstand (kolom 'Openstaand bedrag') bevat geen bedrag groter dan nul "
            "(zoals 1234,56 of 1234.56, zonder minteken).",
        ),
        (5, "K-4", "achternaam", "VERPLICHT_VELD_LEEG", "Het verplichte veld achternaam is leeg."),
        (
            5,
            "K-4",
            "postcode",
            "POSTCODE_ONGELDIG",
            "Het veld postcode (kolom 'Pc') bevat geen geldige postcode "
            "(vier cijfers, de eerste geen 0, en twee letters).",
        ),
    ]
    # A warning of a kept row; "E-mail" is the field's own name for the creditor: not repeated.
    issues = services.rejected_rows(delivery, warnings=True).filter(is_warning=True)
    assert [(i.row, i.message) for i in issues] == [
        (6, "Het veld email bevat geen geldig e-mailadres; de waarde is niet overgenomen.")
    ]
    assert delivery.rows_rejected == 3


def test_rows_rejected_as_duplicates_say_that_all_of_them_are_rejected(world, households):
    lines = [OWN_HEADERS] + [
        f"K-{n};J.;Jansen;17-05-1980;1234AB;{n};10,00;01-09-2026;\n" for n in range(1, 8)
    ]
    lines.append("K-1;J.;Jansen;17-05-1980;1234AB;1;12,00;01-09-2026;\n")
    delivery = deliver(world, "".join(lines))
    assert [(i.row, i.code, i.message) for i in services.rejected_rows(delivery)] == [
        (
            row,
            "DUBBEL_IN_LEVERING",
            "Klantnummer K-1 zonder contractnummer staat meer dan eens in deze levering (ook op "
            f"rij {other}); alle regels met deze combinatie zijn afgewezen.",
        )
        for row, other in ((2, 9), (9, 2))
    ]


def test_a_header_that_is_the_fields_name_but_for_case_or_separators_is_not_repeated():
    issues = pl.DataFrame(
        {
            "rij": [2, 3],
            "klantnummer": ["K-1", "K-2"],
            "veld": ["email", "geboortedatum"],
            "code": ["EMAIL_ONGELDIG", "DATUM_ONGELDIG"],
            "melding": [
                "Het veld email bevat geen geldig e-mailadres; de waarde is niet overgenomen.",
                "Het veld geboortedatum bevat geen geldige datum.",
            ],
            "is_warning": [True, False],
        }
    )
    named = services.name_columns(issues, {"email": "E-Mail", "geboortedatum": "GEBOORTE_DATUM"})
    assert named["melding"].to_list() == issues["melding"].to_list()


def test_a_hostile_header_is_named_without_control_characters_and_shortened():
    issues = pl.DataFrame(
        {
            "rij": [2],
            "klantnummer": ["K-1"],
            "veld": ["postcode"],
            "code": ["POSTCODE_ONGELDIG"],
            "melding": ["Het veld postcode bevat geen geldige postcode."],
            "is_warning": [False],
        }
    )
    named = services.name_columns(issues, {"postcode": "=HYPERLINK(\x07" + "x" * 80})
    assert named["melding"].to_list() == [
        "Het veld postcode (kolom '=HYPERLINK(" + "x" * 28 + "…') bevat geen geldige postcode."
    ]


def test_the_csv_keeps_a_klantnummer_exact_unless_a_spreadsheet_could_run_it(world, households):
    lines = (
        [OWN_HEADERS]
        + [
            f"{k};J.;Jansen;17-05-1980;1234AB;{n};-1,00;01-09-2026;\n"
            for n, k in enumerate(["-123", "+31612345678", "-2+3", "=1+1"], start=1)
        ]
        + [f"K-{n};J.;Jansen;17-05-1980;1234AB;{n};10,00;01-09-2026;\n" for n in range(5, 10)]
    )
    delivery = deliver(world, "".join(lines))
    text = "".join(services.rejected_rows_csv_lines(delivery))
    assert [line.split(";")[:2] for line in text.splitlines()] == [
        ["rij", "klantnummer"],
        ["2", "-123"],
        ["3", "+31612345678"],
        ["4", "'-2+3"],
        ["5", "'=1+1"],
    ]


def test_a_file_mixing_utf8_and_windows_1252_gets_a_note_naming_the_row(world, households):
    head = OWN_HEADERS.encode("cp1252")
    utf8 = "".join(
        f"K-{n};J.;Müller;17-05-1980;1234AB;{n};10,00;01-09-2026;\n" for n in range(1, 4)
    ).encode("utf-8")
    cp1252 = "K-4;J.;Gruß;17-05-1980;1234AB;4;10,00;01-09-2026;\n".encode("cp1252")
    delivery = services.receive_delivery(
        world.creditor,
        head + utf8 + cp1252,
        filename="export.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    assert delivery.status == "verwerkt"  # read as Windows-1252, as the spec says
    assert delivery.report["opmerkingen"] == [
        {
            "veld": "",
            "code": "",
            "melding": "Het bestand is gelezen als Windows-1252, maar er staan vóór rij 5 tekens in die "
            "UTF-8 zijn: het is waarschijnlijk deels UTF-8 en deels een andere codering. Letters met "
            "accenten in de UTF-8-rijen zijn dan verkeerd overgenomen (bijvoorbeeld 'Ã¼' voor 'ü'). "
            "Lever het hele bestand in één codering, bij voorkeur UTF-8.",
        }
    ]
    assert not deliver(
        world, OWN_HEADERS + "K-9;J.;Gruß;17-05-1980;1234AB;9;10,00;01-09-2026;\n"
    ).report["opmerkingen"]
