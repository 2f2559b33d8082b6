"""The report's unknown columns (spec 1.7) help the creditor fix its export without echoing a
header that may be a person's data: a file without column names has a row of data as its
header, a JSON body keyed by klantnummer has data as its keys (``unknown_columns``)."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vroegsignaal.intake import services
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.fields import match_headers
from vroegsignaal.intake.models import ColumnMapping, DeliveryStatus, Via
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused
from vroegsignaal.intake.report import delivery_report, report_lines
from vroegsignaal.intake.unknown_columns import ignored_columns, looks_like_data

from .support import HEADER, PEILDATUM, csv_bytes, row

# A resident's row as a creditor's export writes it: a klantnummer, initials, a surname, a birth
# date, a postcode, a house number, an amount, a date, a telephone number, a BSN, an IBAN and an
# e-mail address.
PERSON = [
    "K-100234",
    "J.P.",
    "Verbruggen",
    "17-05-1980",
    "1234 AB",
    "12",
    "€ 1.234,56",
    "2026-09-01",
    "06-12345678",
    "123456782",
    "NL91ABNA0417164300",
    "j.verbruggen@example.nl",
]
OTHER_PERSON = [
    "K-100235",
    "A.",
    "Dekker",
    "01-01-1970",
    "1234 AB",
    "14",
    "€ 99,00",
    "2026-08-01",
    "",
    "",
    "",
    "",
]


def without_header(*rows: list[str]) -> bytes:
    return "".join(";".join(cells) + "\n" for cells in rows).encode("utf-8")


def deliver(world, content: bytes, **kwargs):
    kwargs.setdefault("filename", "levering.csv")
    kwargs.setdefault("reference_date", PEILDATUM)
    return services.receive_delivery(world.creditor, content, via=Via.API, **kwargs)


def refused(content: bytes, filename: str = "a.csv") -> DeliveryRefused:
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(content, filename=filename, soort="stand")
    return caught.value


def echoes(text: str, values: list[str]) -> list[str]:
    return [v for v in values if len(v) >= 3 and v in text]


# --- a file without column names ------------------------------------------------------------


def test_a_file_without_column_names_is_refused_naming_its_columns_by_position_not_by_value(
    world, households, caplog
):
    caplog.set_level(logging.DEBUG)
    delivery = deliver(world, without_header(PERSON, OTHER_PERSON))
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    refusal = delivery.report["weigering"]
    assert refusal["codes"] == ["KOLOM_ONTBREEKT"]
    # The spec's wording and the missing columns come first, as for any missing column.
    assert refusal["melding"].startswith("Verplichte kolommen ontbreken: klantnummer (ook: ")
    assert (
        "De eerste regel lijkt geen kopregel maar gegevens (zoals een datum, bedrag of "
        "postcode); wat erin staat wordt daarom niet herhaald. Niet herkende kolommen: kolom 1 "
        "tot en met 12. Lever het bestand met kolomnamen aan: zet de kolomnamen op de regel "
        "boven de gegevens."
    ) in refusal["melding"]
    stored = json.dumps(delivery.report, ensure_ascii=False)
    assert echoes(stored, PERSON) == []
    assert echoes("\n".join(report_lines(delivery)), PERSON) == []
    assert echoes(caplog.text, PERSON) == []


def test_a_first_line_of_names_and_places_only_is_not_named():
    line = ["Verbruggen", "Johanna", "Kerkstraat", "Utrecht", "Nederland"]
    refusal = refused(without_header(line, ["Dekker", "Anna", "Dorpsweg", "Zeist", "Nederland"]))
    assert refusal.code == Code.KOLOM_ONTBREEKT
    assert "De eerste regel lijkt geen kopregel" in refusal.message
    assert "Niet herkende kolommen: kolom 1 tot en met 5." in refusal.message
    assert echoes(refusal.message, line) == []
    assert echoes(" ".join(refusal.unknown_columns), line) == []
    assert refusal.mappable_columns == []


def test_a_header_with_a_misspelt_column_is_still_named_not_taken_for_data():
    header = [h if h != "postcode" else "Postcd" for h in HEADER] + ["Regio"]
    refusal = refused(csv_bytes([row(1)], header=header))
    assert "lijkt geen kopregel" not in refusal.message
    assert "Niet herkende kolommen in uw bestand: Postcd en Regio." in refusal.message


def test_a_preview_of_a_file_without_column_names_offers_none_of_its_cells_for_the_mapping(
    world, households, verified_client
):
    browser = verified_client(world.user)
    browser.post(
        "/leveringen/nieuw/",
        {
            "file": _uploaded(without_header(PERSON, OTHER_PERSON)),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    response = browser.get("/leveringen/nieuw/voorbeeld/")
    html = response.content.decode()
    # A mapping saved from the page would keep the offered headers in the database.
    offered = [f.initial["header"] for f in response.context["formset"] if f.initial]
    assert echoes(" ".join(offered), PERSON) == []
    assert echoes(html, PERSON) == []
    assert "KOLOM_ONTBREEKT" in html and "De eerste regel lijkt geen kopregel" in html
    assert not ColumnMapping.objects.exists()


def _uploaded(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("levering.csv", content)


# --- a JSON body keyed by klantnummer -------------------------------------------------------


def test_a_json_body_keyed_by_klantnummer_does_not_echo_its_keys(world, households):
    body = {
        "peildatum": "2026-11-01",
        "soort": "stand",
        "achterstanden": [{"K-100234": "Verbruggen"}, {"K-100235": "Dekker"}],
    }
    delivery = deliver(world, json.dumps(body).encode(), filename="levering.json")
    refusal = delivery.report["weigering"]
    assert refusal["codes"] == ["KOLOM_ONTBREEKT"]
    assert refusal["melding"].startswith("Verplichte velden ontbreken: klantnummer (ook: ")
    assert "De veldnamen van de achterstanden lijken gegevens" in refusal["melding"]
    assert echoes(json.dumps(delivery.report), ["K-100234", "K-100235", "Verbruggen"]) == []


def test_a_json_entry_with_an_object_under_its_klantnummer_is_refused_without_naming_it():
    body = {"achterstanden": [{"K-100234": {"achternaam": "Verbruggen"}}]}
    refusal = refused(json.dumps(body).encode(), filename="a.json")
    assert refusal.code == Code.BESTAND_ONLEESBAAR
    assert refusal.message == (
        "Het bestand kan niet worden gelezen: veld 1 van achterstand 1 is geen tekst, getal of "
        "ja/nee-waarde."
    )


def test_a_json_entry_with_an_object_under_a_fields_name_names_the_field():
    body = {"achterstanden": [row(1) | {"postcode": {"cijfers": "1234"}}]}
    assert (
        "het veld 'postcode' van achterstand 1"
        in refused(json.dumps(body).encode(), "a.json").message
    )


def test_a_json_body_names_a_data_like_extra_key_by_count_and_a_genuine_one_by_name(
    world, households
):
    entries = [row(n) | {"opmerking": "", f"K-10023{n}": "x"} for n in (1, 2)]
    body = {"peildatum": "2026-11-01", "soort": "stand", "achterstanden": entries}
    delivery = deliver(world, json.dumps(body).encode(), filename="levering.json")
    assert delivery.status == DeliveryStatus.VERWERKT
    assert delivery.report["onbekende_kolommen"] == [
        "opmerking",
        "(2 veldnamen die op gegevens lijken, niet getoond)",
    ]


# --- one unknown header that looks like data --------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "K-100234",
        "123456782",
        "17-05-1980",
        "1234 AB",
        "NL91ABNA0417164300",
        "j.verbruggen@example.nl",
        "€ 1.234,56",
        "37a",
    ],
    ids=["klantnummer", "bsn", "datum", "postcode", "iban", "e-mail", "bedrag", "huisnummer"],
)
def test_a_delivered_header_cell_that_looks_like_data_is_reported_by_its_position(
    world, households, cell
):
    header = [*HEADER, "Opmerking", cell]
    delivery = deliver(world, csv_bytes([row(1), row(2)], header=header))
    assert delivery.status == DeliveryStatus.VERWERKT
    position = len(HEADER) + 2
    expected = ["Opmerking", f"(kolom {position}: naam lijkt een gegeven, niet getoond)"]
    assert delivery.report["onbekende_kolommen"] == expected
    assert delivery_report(delivery)["onbekende_kolommen"] == expected
    assert cell not in json.dumps(delivery.report, ensure_ascii=False)
    assert cell not in "\n".join(report_lines(delivery))


def test_a_header_cell_that_looks_like_data_is_not_offered_for_the_mapping():
    parsed = parse_delivery(
        csv_bytes([row(1)], header=[*HEADER, "Regio", "K-100234"]), filename="a.csv"
    )
    assert parsed.reported_columns == ["Regio", "(kolom 12: naam lijkt een gegeven, niet getoond)"]
    assert parsed.mappable_columns == ["Regio"]


def test_a_long_unknown_header_is_cut_in_the_report(world, households):
    long = "Toelichting van de afdeling incasso " + "x" * 200
    delivery = deliver(world, csv_bytes([row(1), row(2)], header=[*HEADER, long]))
    assert delivery.report["onbekende_kolommen"] == [long[:39] + "…"]


def test_the_report_names_at_most_fifty_ignored_columns(world, households):
    extra = [f"extra{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(60)]
    delivery = deliver(world, csv_bytes([row(1), row(2)], header=[*HEADER, *extra]))
    assert delivery.report["onbekende_kolommen"] == [*extra[:49], "(11 andere kolommen)"]


# --- properties -------------------------------------------------------------------------------

_digits = st.text(alphabet="0123456789", min_size=1, max_size=6)
DATA_CELLS = st.one_of(
    st.builds(lambda n: f"K-{n:06d}", st.integers(0, 999_999)),
    st.builds(lambda n: f"{n:09d}", st.integers(0, 999_999_999)),
    st.dates().map(lambda d: d.strftime("%d-%m-%Y")),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.builds(
        lambda n, a, b, space: f"{n}{' ' if space else ''}{a}{b}",
        st.integers(1000, 9999),
        st.sampled_from("ABCDEFGHJKLMNPRSTVWXZ"),
        st.sampled_from("ABCDEFGHJKLMNPRSTVWXZ"),
        st.booleans(),
    ),
    st.builds(
        lambda c, n: f"NL{c:02d}ABNA{n:010d}", st.integers(0, 99), st.integers(0, 10**10 - 1)
    ),
    st.builds(
        lambda euros, cents: f"{euros},{cents:02d}", st.integers(0, 99_999), st.integers(0, 99)
    ),
    st.builds(
        lambda a, b: f"{a}@{b}.nl",
        st.from_regex(r"[a-z.]{1,12}", fullmatch=True),
        st.from_regex(r"[a-z]{2,10}", fullmatch=True),
    ),
    st.builds(lambda n: f"06-{n:08d}", st.integers(0, 99_999_999)),
    st.builds(
        lambda n, letter: f"{n}{letter}", st.integers(1, 999), st.sampled_from(["", "a", "B"])
    ),
)
SURNAMES = st.sampled_from(["Verbruggen", "Dekker", "Bakker", "Visser", "Mulder", "Brouwer"])


@given(cell=DATA_CELLS)
def test_every_kind_of_value_looks_like_data(cell):
    assert looks_like_data(cell)


@given(cells=st.lists(st.one_of(DATA_CELLS, SURNAMES), min_size=3, max_size=14))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_cell_of_a_first_line_of_data_appears_in_the_refusal(cells):
    content = without_header(cells, cells)
    refusal = refused(content)
    assert refusal.code == Code.KOLOM_ONTBREEKT
    shown = " ".join([refusal.message, *refusal.unknown_columns, *refusal.mappable_columns])
    assert echoes(shown, cells) == []


@given(
    extra=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
        max_size=8,
    ),
    data=st.lists(DATA_CELLS, min_size=1, max_size=4),
)
def test_no_header_that_looks_like_data_is_shown_or_offered(extra, data):
    headers = [*HEADER, *extra, *data]
    match = match_headers(headers)
    ignored = ignored_columns(headers, match)
    hidden = {h.strip() for h in headers if looks_like_data(h)}
    assert hidden.isdisjoint(ignored.labels) and hidden.isdisjoint(ignored.mappable)
    assert all(len(label) <= 60 for label in ignored.labels)


def test_an_xlsx_sheet_without_column_names_is_refused_naming_its_columns_by_position():
    from .support import xlsx_bytes

    refusal = refused(
        xlsx_bytes({"achterstanden": [PERSON, OTHER_PERSON]}), filename="levering.xlsx"
    )
    assert refusal.code == Code.KOLOM_ONTBREEKT
    assert "De eerste regel lijkt geen kopregel" in refusal.message
    assert "Niet herkende kolommen: kolom 1 tot en met 12." in refusal.message
    assert echoes(" ".join([refusal.message, *refusal.unknown_columns]), PERSON) == []


def test_a_named_header_loses_invisible_characters_that_turn_or_hide_text():
    from vroegsignaal.intake.fields import shown_header

    assert shown_header("op\u202emerking\u200b\ufeff") == "opmerking"
    assert shown_header("\u2066regio\u2069") == "regio"
