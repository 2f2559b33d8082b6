"""A refused delivery's message says what is wrong and what to change, so a creditor can fix
its export from the message alone (spec 1.6: the codes stay the contract's)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from vroegsignaal.intake import services
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.models import DeliveryStatus, Via
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

from .support import HEADER, PEILDATUM, row, stand


def deliver(world, content: bytes, **kwargs):
    kwargs.setdefault("filename", "levering.csv")
    kwargs.setdefault("reference_date", PEILDATUM)
    return services.receive_delivery(world.creditor, content, via=Via.API, **kwargs)


def refusal(delivery) -> dict:
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    return delivery.report["weigering"]


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("peildatum", "expected"),
    [
        (
            None,
            "De peildatum ontbreekt; geef de datum waarop de achterstanden gelden mee als JJJJ-MM-DD "
            "(bijvoorbeeld {today}).",
        ),
        (
            "01-11-2026",
            "De peildatum is geen geldige datum; schrijf hem als JJJJ-MM-DD (bijvoorbeeld {today}).",
        ),
        (
            "2026-02-30",
            "De peildatum is geen geldige datum; schrijf hem als JJJJ-MM-DD (bijvoorbeeld {today}).",
        ),
        (
            "2999-01-01",
            "De peildatum 2999-01-01 ligt in de toekomst; de peildatum is de datum waarop de achterstanden "
            "in het bestand gelden, uiterlijk vandaag ({today}).",
        ),
        # Year 1 (a typing error) passed the receipt and failed the processing: no birth date fits 120
        # years before it.
        (
            "0001-01-01",
            "De peildatum 0001-01-01 ligt vóór 2000-01-01; de peildatum is de datum waarop de achterstanden "
            "in het bestand gelden (bijvoorbeeld {today}).",
        ),
    ],
)
def test_peildatum_refusal_says_which_problem_it_is(world, households, peildatum, expected):
    delivery = deliver(world, stand(range(1, 4)), reference_date=peildatum)
    assert refusal(delivery) == {
        "codes": ["PEILDATUM_ONGELDIG"],
        "melding": expected.format(today=today()),
    }


def test_a_json_body_with_a_future_peildatum_names_it(world, households):
    body = {"peildatum": "2099-01-01", "achterstanden": [row(n) for n in range(1, 4)]}
    delivery = deliver(
        world, json.dumps(body).encode(), filename="levering.json", reference_date=None, kind=None
    )
    assert refusal(delivery)["melding"].startswith("De peildatum 2099-01-01 ligt in de toekomst;")


def test_a_json_body_with_a_peildatum_before_2000_is_refused_not_a_failed_processing(
    world, households
):
    body = {"peildatum": "0001-01-01", "achterstanden": [row(n) for n in range(1, 4)]}
    delivery = deliver(
        world, json.dumps(body).encode(), filename="levering.json", reference_date=None, kind=None
    )
    assert refusal(delivery)["melding"].startswith("De peildatum 0001-01-01 ligt vóór 2000-01-01;")


def test_a_json_body_without_peildatum_says_it_is_missing(world, households):
    body = {"achterstanden": [row(n) for n in range(1, 4)]}
    delivery = deliver(
        world, json.dumps(body).encode(), filename="levering.json", reference_date=None, kind=None
    )
    assert refusal(delivery)["melding"].startswith("De peildatum ontbreekt;")


def test_a_json_body_whose_peildatum_differs_from_the_given_one_names_both(world, households):
    body = {"peildatum": "2026-10-01", "achterstanden": [row(n) for n in range(1, 4)]}
    delivery = deliver(
        world,
        json.dumps(body).encode(),
        filename="levering.json",
        reference_date=dt.date(2026, 11, 1),
    )
    assert refusal(delivery) == {
        "codes": ["PEILDATUM_ONGELDIG"],
        "melding": "De peildatum in het bestand (2026-10-01) wijkt af van de opgegeven peildatum "
        "(2026-11-01); laat er een weg of maak ze gelijk.",
    }


def raw_csv(header: list[str]) -> bytes:
    """The header and one row (``row(1)``'s values, ``9`` under the other headers), ``;``-separated."""
    values = [row(1).get(h, "9") for h in header]
    return "\n".join(";".join(cells) for cells in (header, values)).encode("utf-8") + b"\n"


def kolom_refusal(header: list[str], soort: str = "stand") -> DeliveryRefused:
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(raw_csv(header), filename="a.csv", soort=soort)
    assert caught.value.code == Code.KOLOM_ONTBREEKT
    return caught.value


def test_a_missing_column_is_named_with_its_other_names_and_the_files_unrecognised_headers():
    header = [h if h != "postcode" else "Postcd" for h in HEADER] + ["Opmerking"]
    refused = kolom_refusal(header)
    assert refused.missing_columns == ("postcode",)
    assert refused.message == (
        "Verplichte kolom ontbreekt: postcode (ook: pc, postcode_nl). Hoofdletters, spaties, _, - en . "
        "in een kolomnaam tellen niet mee. Niet herkende kolommen in uw bestand: Postcd en Opmerking. "
        "Geef de kolom een van deze namen, of leg in het portaal onder Kolomindeling vast welke kolom "
        "van uw bestand het is."
    )


def test_a_mutatie_without_status_names_its_alias():
    assert kolom_refusal(HEADER, soort="mutatie").message.startswith(
        "Verplichte kolom ontbreekt: status (ook: mutatiesoort)."
    )


def test_unrecognised_headers_are_named_cleaned_shortened_and_at_most_ten():
    hostile = "=cmd\x07|" + "x" * 60
    header = [h for h in HEADER if h != "postcode"] + [hostile] + [f"extra{n}" for n in range(12)]
    message = kolom_refusal(header).message
    assert "=cmd|" + "x" * 34 + "…" in message and "\x07" not in message
    assert "extra8 en 3 andere." in message and "extra9" not in message


def test_the_refused_delivery_carries_the_same_message(world, households):
    header = [h if h != "huisnummer" else "Huis nummer?" for h in HEADER]
    delivery = deliver(world, raw_csv(header))
    assert refusal(delivery)["codes"] == ["KOLOM_ONTBREEKT"]
    assert "Niet herkende kolommen in uw bestand: Huis nummer?." in refusal(delivery)["melding"]


# --- a title above the column names -------------------------------------------------------

LOWER = (
    "De kolomnamen staan op rij {row}, maar de eerste regel die niet leeg is moet de kopregel zijn. "
    "Verwijder de {above} boven de kolomnamen (bijvoorbeeld een titel of een exportdatum) en lever "
    "het bestand opnieuw aan."
)


@pytest.mark.parametrize(
    ("above", "row", "said"),
    [
        (["Achterstanden Woonstichting De Brug per 01-10-2026"], 2, "regel"),
        (
            ["Achterstanden Woonstichting De Brug;;;;;;;;", "Export: 02-10-2026 07:00"],
            3,
            "2 regels",
        ),
        (["Achterstanden", ""], 3, "2 regels"),
        (["Achterstanden, export van 1 oktober"], 2, "regel"),  # a comma in the title: no delimiter
    ],
    ids=["titel", "titel-met-puntkommas-en-datum", "titel-en-lege-regel", "titel-met-komma"],
)
def test_a_csv_with_a_title_above_the_column_names_is_refused_saying_where_they_are(
    above, row, said
):
    content = "\n".join(above).encode() + b"\n" + raw_csv(HEADER)
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(content, filename="a.csv", soort="stand")
    assert caught.value.code == Code.KOLOM_ONTBREEKT
    assert caught.value.message == LOWER.format(row=row, above=said)


def test_an_xlsx_with_a_title_above_the_column_names_is_refused_saying_where_they_are():
    from .support import REQUIRED_HEADER as XLSX_HEADER
    from .support import xlsx_bytes
    from .test_parsing import XLSX_ROW

    data = xlsx_bytes(
        {"Achterstanden": [["Achterstanden per 1 oktober 2026"], [], XLSX_HEADER, XLSX_ROW]}
    )
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(data, soort="stand")
    assert caught.value.code == Code.KOLOM_ONTBREEKT
    assert caught.value.message == LOWER.format(row=3, above="2 regels")


def test_without_the_column_names_further_down_the_missing_columns_are_named():
    content = b"Achterstanden per 1 oktober 2026\n" + raw_csv(
        [h for h in HEADER if h != "postcode"]
    )
    with pytest.raises(DeliveryRefused) as caught:
        parse_delivery(content, filename="a.csv", soort="stand")
    assert caught.value.message.startswith("Verplichte kolommen ontbreken: ")


def test_a_title_over_a_delivery_refuses_it_and_changes_nothing(world, households):
    from vroegsignaal.households.models import Arrear

    delivery = deliver(world, b"Achterstanden oktober\n" + stand(range(1, 4)))
    assert refusal(delivery) == {
        "codes": ["KOLOM_ONTBREEKT"],
        "melding": LOWER.format(row=2, above="regel"),
    }
    assert not Arrear.objects.exists()
