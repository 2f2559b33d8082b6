"""What a creditors' review of the upload, the report and the rejected rows found.

Too-long values (spec 1.5's maxima), the report accounting for every accepted row (1.7),
the preview of an XLSX's dates and of long cells, the preview of a file without column
names, and what a DUBBEL_IN_LEVERING row says (the rejected-rows CSV of 1.7).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Via
from vroegsignaal.intake.report import delivery_report, report_lines

from . import test_normalise as n
from .support import HEADER, PEILDATUM, csv_bytes, row, stand


def deliver(world, content: bytes, filename="levering.csv", peildatum=PEILDATUM, **kwargs):
    return services.receive_delivery(
        world.creditor,
        content,
        filename=filename,
        reference_date=peildatum,
        via=Via.CLI,
        **kwargs,
    )


@pytest.fixture
def browser(world, verified_client):
    return verified_client(world.user)


def upload(client, content: bytes, name="levering.csv", peildatum="2026-11-01", soort="stand"):
    return client.post(
        "/leveringen/nieuw/",
        {"file": SimpleUploadedFile(name, content), "peildatum": peildatum, "soort": soort},
    )


# --- 1. too-long values ------------------------------------------------------------------


def test_a_csv_with_a_200000_character_achternaam_rejects_that_row_naming_the_field_and_maximum(
    world, households
):
    content = csv_bytes([row(1), row(2, achternaam="A" * 200_000), row(3)])
    delivery = deliver(world, content)
    assert (delivery.rows_accepted, delivery.rows_rejected) == (2, 1)
    assert delivery_report(delivery)["afgewezen_per_code"] == {"VERPLICHT_VELD_LEEG": 1}
    assert [
        (i.row, i.klantnummer, i.field, i.code, i.message) for i in services.rejected_rows(delivery)
    ] == [
        (
            3,
            "K-00002",
            "achternaam",
            "VERPLICHT_VELD_LEEG",
            "Het veld achternaam is langer dan 200 tekens en kan niet worden gebruikt.",
        )
    ]


def test_an_achternaam_longer_than_200_characters_is_rejected_and_200_is_accepted():
    assert n.errors(n.deliver({"achternaam": "B" * 200})) == []
    assert n.only(n.deliver({"achternaam": "B" * 200}), "achternaam") == "B" * 200
    # The spec's 200 is of the delivered text, which may carry the tussenvoegsel.
    for text in ("B" * 201, "van " + "B" * 197):
        result = n.deliver({"achternaam": text})
        assert n.errors(result) == ["VERPLICHT_VELD_LEEG"]
        assert result.issues.select("veld", "melding").rows() == [
            (
                "achternaam",
                "Het veld achternaam is langer dan 200 tekens en kan niet worden gebruikt.",
            )
        ]


def test_text_cut_at_a_maximum_of_our_own_is_told_in_a_report_note(world, households):
    content = csv_bytes(
        [row(1), row(2, woonplaats="W" * 250), row(3, woonplaats="W" * 300)],
        [*HEADER, "woonplaats"],
    )
    delivery = deliver(world, content)
    assert (delivery.rows_accepted, delivery.rows_rejected) == (3, 0)
    assert delivery_report(delivery)["opmerkingen"] == [
        {
            "veld": "woonplaats",
            "code": "",
            "melding": "In 2 regels is woonplaats langer dan 200 tekens; "
            "alleen de eerste 200 tekens zijn overgenomen.",
        }
    ]


def test_the_preview_cuts_a_long_cell_to_60_characters(world, households, browser):
    upload(browser, csv_bytes([row(1, achternaam="A" * 200_000), row(2)]))
    response = browser.get("/leveringen/nieuw/voorbeeld/")
    html = response.content.decode()
    assert "A" * 59 + "…" in html and "A" * 60 not in html
    assert response.context["table"][0][list(response.context["preview"].fields).index(
        "achternaam"
    )] == "A" * 59 + "…"  # fmt: skip


# --- 2. the report accounts for every accepted row ---------------------------------------


def test_afgemeld_rows_without_an_open_arrear_are_accounted_for_in_the_report(world):
    deliver(world, stand([1, 2]))
    mutatie = csv_bytes(
        [row(n, status="afgemeld") for n in (7, 8, 9)] + [row(1, status="afgemeld")],
        [*HEADER, "status"],
    )
    delivery = deliver(world, mutatie, peildatum=dt.date(2026, 11, 8), kind="mutatie")
    report = delivery_report(delivery)
    assert report["regels_geaccepteerd"] == 4
    assert report["achterstanden"] == {"nieuw": 0, "gewijzigd": 0, "afgemeld": 1}
    note = (
        "3 regels met status afgemeld zijn genegeerd: voor die combinatie van klantnummer en "
        "contractnummer stond geen achterstand open."
    )
    assert report["opmerkingen"] == [{"veld": "status", "code": "", "melding": note}]
    assert f"Opmerking status: {note}" in report_lines(delivery)


# --- 3. an XLSX preview's dates ------------------------------------------------------------


@pytest.mark.parametrize("reader", ["openpyxl", "fastexcel"])
def test_the_preview_of_an_xlsx_shows_date_cells_without_a_time(world, monkeypatch, reader):
    import openpyxl

    from vroegsignaal.intake import parsing_xlsx

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "achterstanden"
    sheet.append(HEADER)
    for number in (1, 2):
        values = row(number)
        values["geboortedatum"] = dt.datetime(1966, 1, 20)
        values["ontstaansdatum"] = dt.date(2026, 9, 1)
        sheet.append([values[name] for name in HEADER])
    out = io.BytesIO()
    workbook.save(out)
    if reader == "fastexcel":
        # As a sheet that does not state its size is read: whole, by calamine.
        monkeypatch.setattr(parsing_xlsx, "_DIMENSION", re.compile(rb"(?!)"))
    staged = services.stage_file(out.getvalue())
    try:
        preview = services.preview_delivery(
            world.creditor, staged.path, filename="a.xlsx", kind="stand", reference_date=PEILDATUM
        )
    finally:
        staged.path.unlink()
    assert preview.refusal is None
    assert [(r["geboortedatum"], r["ontstaansdatum"]) for r in preview.rows] == [
        ("1966-01-20", "2026-09-01")
    ] * 2


# --- 4. a file without column names ----------------------------------------------------


def test_a_preview_of_a_file_without_a_header_row_offers_another_file_and_no_mapping(
    world, households, browser
):
    content = b"".join(stand([1, 2]).splitlines(keepends=True)[1:])  # the rows, no header
    upload(browser, content)
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert "KOLOM_ONTBREEKT" in html and "De eerste regel lijkt geen kopregel" in html
    assert "Kolomindeling aanpassen" not in html and "kolom-TOTAL_FORMS" not in html
    assert "Pas zo nodig hieronder de kolomindeling aan" not in html
    assert (
        '<button type="submit" name="actie" value="ander_bestand" '
        'class="utrecht-button utrecht-button--primary-action">Ander bestand kiezen</button>'
    ) in html


def test_a_preview_of_a_file_missing_one_column_offers_the_mapping_and_another_file(
    world, households, browser
):
    upload(browser, csv_bytes([row(1)]).replace(b"geboortedatum;", b"Geb. datum;", 1))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert "KOLOM_ONTBREEKT" in html and "Kolomindeling aanpassen" in html
    assert 'value="ander_bestand"' in html and "Ander bestand kiezen" in html
    assert 'value="indienen"' not in html


# --- 5. the rejected rows ----------------------------------------------------------------


def test_a_duplicate_names_its_klantnummer_and_contractnummer_and_the_other_row(world, households):
    rows = [row(1, contractnummer="C-9"), row(2), row(1, contractnummer="C-8")]
    rows += [row(3), row(1, contractnummer="C-9"), row(4), row(2, bedrag_achterstand="9,00")]
    rows += [row(2)]
    delivery = deliver(world, csv_bytes(rows))
    issues = [(i.row, i.klantnummer, i.message) for i in services.rejected_rows(delivery)]
    tail = "; alle regels met deze combinatie zijn afgewezen."
    pair = "Klantnummer K-00001 met contractnummer C-9 staat meer dan eens in deze levering"
    alone = "Klantnummer K-00002 zonder contractnummer staat meer dan eens in deze levering"
    assert issues == [
        (2, "K-00001", f"{pair} (ook op rij 6){tail}"),
        (3, "K-00002", f"{alone} (ook op rij 8 en 1 andere rij){tail}"),
        (6, "K-00001", f"{pair} (ook op rij 2){tail}"),
        (8, "K-00002", f"{alone} (ook op rij 3 en 1 andere rij){tail}"),
        (9, "K-00002", f"{alone} (ook op rij 3 en 1 andere rij){tail}"),
    ]
    csv_text = "".join(services.rejected_rows_csv_lines(delivery))
    assert csv_text.splitlines()[0] == "rij;klantnummer;veld;code;melding"


def test_a_duplicate_message_of_the_longest_keys_fits_the_stored_message():
    key = "K" * 64
    rows = [{"klantnummer": key, "contractnummer": "C" * 64}] * 3
    result = n.deliver(*rows)
    assert set(result.issues.get_column("code")) == {"DUBBEL_IN_LEVERING"}
    assert max(result.issues.get_column("melding").str.len_chars()) <= 300
    assert all(m.endswith("zijn afgewezen.") for m in result.issues.get_column("melding"))


def test_a_json_delivery_with_rejected_rows_says_that_rij_is_the_place_in_the_list(
    world, households
):
    items = [row(1), row(2, postcode="12"), row(3)]
    body = json.dumps({"peildatum": "2026-11-01", "soort": "stand", "achterstanden": items})
    delivery = deliver(world, body.encode(), filename="levering.json", peildatum=None)
    assert [i.row for i in services.rejected_rows(delivery)] == [2]
    assert delivery_report(delivery)["opmerkingen"] == [
        {
            "veld": "",
            "code": "",
            "melding": "In de afgewezen regels is rij bij een JSON-bestand de plaats van de "
            "achterstand in de lijst achterstanden, geteld vanaf 1.",
        }
    ]
