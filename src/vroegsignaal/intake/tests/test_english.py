"""English in the creditor's delivery pages; Dutch in what leaves the system (spec 1.6, 1.7).

The pages speak the language the user chose with the switch (a cookie). The
codes, the Dutch messages of the report, the rejected-rows CSV, the API and the
command stay Dutch whatever the user chose, also when a page request in English
is what runs the processing.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.test import APIClient

from tests.english import in_english, main_html
from vroegsignaal.intake import services
from vroegsignaal.intake.codes import Code, message
from vroegsignaal.intake.models import Delivery, DeliveryRowIssue
from vroegsignaal.intake.report import report_lines

from .support import csv_bytes, row, run_deliver, stand

ADDRESS_UNKNOWN = message(Code.ADRES_ONBEKEND)
PHONE_INVALID = message(Code.TELEFOON_ONGELDIG, veld="telefoonnummer")


@pytest.fixture
def english(world, verified_client):
    """The creditor's user, logged in, with English chosen."""
    return in_english(verified_client(world.user))


def rows_with_a_rejection_and_a_warning() -> bytes:
    return csv_bytes(
        [row(n) for n in range(1, 5)] + [row(5, postcode="1234AZ"), row(6, telefoonnummer="12")]
    )


def delivered(world, content: bytes | None = None) -> Delivery:
    return services.receive_delivery(
        world.creditor,
        content or rows_with_a_rejection_and_a_warning(),
        filename="a.csv",
        reference_date="2026-11-01",
        via="upload",
    )


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def csv_rows(response, *, bom: bool = True) -> list[list[str]]:
    """The page's download starts with a BOM (for Excel), the API's does not (for programs)."""
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf") == bom
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


# --- the pages speak English ------------------------------------------------------------


def test_upload_page_speaks_english_when_chosen(english):
    response = english.get("/leveringen/nieuw/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in text(response)
    html = main_html(response)
    for english_text in (
        "New delivery",
        "Step 1 of 2: choose the file.",
        "Reference date",
        "Kind of delivery",
        "Snapshot (complete overview)",
        "Change delivery (changes only)",
        "View preview",
        "Column mapping",
        "API keys",
    ):
        assert english_text in html, english_text
    for dutch in (
        "Nieuwe levering",
        "Stap 1 van 2",
        "Peildatum",
        "Soort levering",
        "Stand (volledig overzicht)",
        "Voorbeeld bekijken",
        "Kolomindeling",
        "API-sleutels",
    ):
        assert dutch not in html, dutch


def test_upload_page_stays_dutch_without_a_choice(world, verified_client):
    html = main_html(verified_client(world.user).get("/leveringen/nieuw/"))
    assert "Stap 1 van 2" in html and "Stand (volledig overzicht)" in html
    assert "Step 1 of 2" not in html


def test_an_english_form_error_on_the_upload_page(world, households, english):
    response = english.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("a.csv", stand([1])),
            "peildatum": "2999-01-01",
            "soort": "stand",
        },
    )
    html = main_html(response)
    assert "The reference date is in the future." in html
    assert "De peildatum ligt in de toekomst." not in html


def test_preview_speaks_english_when_chosen(world, households, english):
    english.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("a.csv", stand([1, 2])),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    html = main_html(english.get("/leveringen/nieuw/voorbeeld/"))
    for english_text in (
        "Preview of the delivery",
        "Step 2 of 2",
        "Recognised columns",
        "Column in your file",
        "The first rows",
        "Submit delivery",
        "Cancel",
        "Adjust the column mapping",
        "— ignore —",
    ):
        assert english_text in html, english_text
    for dutch in (
        "Voorbeeld van de levering",
        "Herkende kolommen",
        "Levering indienen",
        "Annuleren",
    ):
        assert dutch not in html, dutch
    # The contract's field names stay as creditors write them.
    assert "<code>klantnummer</code>" in html and "<code>achternaam</code>" in html


def test_delivery_report_page_speaks_english_and_shows_the_dutch_messages_as_they_are(
    world, households, english
):
    delivery = delivered(world)
    delivery.report = {
        **delivery.report,
        "opmerkingen": [{"veld": "x", "code": "", "melding": "Een opmerking."}],
    }
    delivery.save(update_fields=["report"])
    html = main_html(english.get(f"/leveringen/{delivery.pk}/"))
    for english_text in (
        f"Delivery {delivery.pk}",
        "File",
        "Reference date",
        "Snapshot (complete overview)",
        "Delivered via",
        "Upload page",
        "Processed</span> The arrears have been updated; the report is below.",
        "Report",
        "Rows received",
        "Rows accepted",
        "Rows rejected",
        "Outside covenant (not stored)",
        "New arrears",
        "Rejected per code",
        "Description",
        "Download rejected rows (CSV)",
        "Warnings per code (row still processed)",
        "Routed per municipality",
        "Municipality code",
    ):
        assert english_text in html, english_text
    for dutch in (
        f"Levering {delivery.pk}",
        "Verslag",
        "Regels ontvangen",
        "Afgewezen per code",
        "Gerouteerd per gemeente",
        "Uploadpagina",
        "De achterstanden zijn bijgewerkt",
    ):
        assert dutch not in html, dutch
    # Codes and the stored Dutch messages are data: shown as they are.
    assert "ADRES_ONBEKEND" in html and "TELEFOON_ONGELDIG" in html
    assert "Een opmerking." in html


def test_delivery_list_and_api_key_pages_speak_english(world, households, english):
    delivered(world)
    listing = main_html(english.get("/leveringen/"))
    assert "Deliveries" in listing and "Submit a new delivery" in listing and "Processed" in listing
    assert "Nieuwe levering aanleveren" not in listing and "Verwerkt" not in listing
    keys = main_html(english.post("/leveringen/api-sleutels/", {"name": "Incasso"}, follow=True))
    assert "Your new API key" in keys and "Create key" in keys and "Revoke" in keys
    assert "Uw nieuwe API-sleutel" not in keys and "Sleutel aanmaken" not in keys


def test_a_refused_action_is_explained_in_english_on_the_page(world, households, english):
    delivery = delivered(world)
    html = main_html(english.post(f"/leveringen/{delivery.pk}/bevestigen/", follow=True))
    assert f"Delivery {delivery.pk} is not awaiting confirmation (status: Processed)." in html
    assert "wacht niet op bevestiging" not in html


def test_status_sentences_follow_the_language(world, households):
    delivery = delivered(world)
    with translation.override("en"):
        from vroegsignaal.intake.report import STATUS_SENTENCES

        assert (
            str(STATUS_SENTENCES[delivery.status])
            == "The arrears have been updated; the report is below."
        )
    with translation.override("nl"):
        assert str(STATUS_SENTENCES[delivery.status]).startswith("De achterstanden zijn bijgewerkt")


# --- what leaves the system stays Dutch ---------------------------------------------


def test_delivery_submitted_from_an_english_page_is_processed_in_dutch(world, households, english):
    english.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("a.csv", rows_with_a_rejection_and_a_warning()),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    english.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    assert delivery.status == "verwerkt"
    messages = set(
        DeliveryRowIssue.objects.filter(delivery=delivery).values_list("message", flat=True)
    )
    assert messages == {ADDRESS_UNKNOWN, PHONE_INVALID}


def test_refusal_stored_from_an_english_page_is_dutch(world, households, english):
    english.post(
        "/leveringen/nieuw/",
        {
            "file": SimpleUploadedFile("a.csv", b"nummer;achternaam\n1;Jansen\n"),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    english.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    assert delivery.status == "afgewezen"
    assert delivery.report["weigering"]["codes"] == ["KOLOM_ONTBREEKT"]
    assert delivery.report["weigering"]["melding"].startswith("Verplichte kolommen ontbreken:")
    html = main_html(english.get(f"/leveringen/{delivery.pk}/"))
    assert "Verplichte kolommen ontbreken:" in html  # the stored message, as it is
    assert (
        '<strong>KOLOM_ONTBREEKT</strong> (Column missing): <span lang="nl">Verplichte' in html
    )  # named, marked
    assert "Nothing was changed; the reason is below." in html  # the page around it


def test_rejected_rows_csv_stays_dutch_when_english_is_chosen(world, households, english):
    delivery = delivered(world)
    assert csv_rows(english.get(f"/leveringen/{delivery.pk}/fouten.csv?waarschuwingen=ja")) == [
        ["rij", "klantnummer", "veld", "code", "melding"],
        ["6", "K-00005", "postcode", "ADRES_ONBEKEND", ADDRESS_UNKNOWN],
        ["7", "K-00006", "telefoonnummer", "TELEFOON_ONGELDIG", PHONE_INVALID],
    ]


@pytest.fixture
def english_api(world):
    """An API client with a key of the creditor, carrying the English cookie."""
    _key, key_text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key_text}")
    return in_english(client)


def test_api_answers_dutch_even_with_the_english_cookie(world, households, english_api):
    response = english_api.post(
        "/api/v1/deliveries/",
        {
            "file": SimpleUploadedFile("a.csv", rows_with_a_rejection_and_a_warning()),
            "peildatum": "2026-11-01",
        },
        format="multipart",
    )
    assert response.status_code == 202
    assert response["Content-Language"] == "nl"
    delivery_id = response.json()["id"]

    refused = english_api.post(f"/api/v1/deliveries/{delivery_id}/bevestig/")
    assert refused.status_code == 409
    assert refused.json() == {
        "melding": f"Levering {delivery_id} wacht niet op bevestiging (status: Verwerkt)."
    }

    rejected = english_api.get(f"/api/v1/deliveries/{delivery_id}/fouten/")
    assert rejected.json()["results"][0]["melding"] == ADDRESS_UNKNOWN
    assert csv_rows(
        english_api.get(f"/api/v1/deliveries/{delivery_id}/fouten/", HTTP_ACCEPT="text/csv"),
        bom=False,
    ) == [
        ["rij", "klantnummer", "veld", "code", "melding"],
        ["6", "K-00005", "postcode", "ADRES_ONBEKEND", ADDRESS_UNKNOWN],
    ]


def test_api_refuses_a_wrong_key_in_dutch_even_with_the_english_cookie(world):
    client = in_english(APIClient())
    client.credentials(HTTP_AUTHORIZATION="Token abc.def")
    response = client.get("/api/v1/deliveries/1/")
    assert response.status_code == 401
    assert response.json() == {
        "melding": "Ongeldige of ingetrokken API-sleutel. Een API-sleutel maakt u aan op de portaalpagina API-sleutels."
    }


def test_command_prints_dutch_when_english_is_active(world, households, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(stand(range(1, 4)))
    with translation.override("en"):
        code, out, err = run_deliver(
            str(path), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
        )
    assert code == 0, err
    assert (
        "Status: verwerkt — De achterstanden zijn bijgewerkt; het verslag staat hieronder." in out
    )
    assert "Regels ontvangen:        3" in out
    assert "The arrears" not in out


def test_command_error_is_dutch_when_english_is_active(world, households):
    delivery = delivered(world, stand([1]))
    with translation.override("en"):
        code, _out, err = run_deliver("--bevestig", str(delivery.pk))
    assert code == 2
    assert err.strip() == f"Levering {delivery.pk} wacht niet op bevestiging (status: Verwerkt)."


def test_report_lines_are_dutch_when_english_is_active(world, households):
    delivery = delivered(world)
    with translation.override("en"):
        lines = report_lines(delivery)
    assert (
        lines[1]
        == "Status: verwerkt — De achterstanden zijn bijgewerkt; het verslag staat hieronder."
    )


def test_code_labels_are_english_on_the_page_and_dutch_in_the_report_data():
    from django.utils import translation

    from vroegsignaal.intake.report import _code_rows

    with translation.override("en"):
        assert _code_rows({"POSTCODE_ONGELDIG": 2}) == [
            {"code": "POSTCODE_ONGELDIG", "omschrijving": "Invalid postcode", "regels": 2}
        ]
    assert _code_rows({"POSTCODE_ONGELDIG": 2})[0]["omschrijving"] == "Postcode ongeldig"


def test_a_delivery_and_a_column_mapping_are_named_in_the_readers_language(world):
    import datetime as dt

    from django.utils import translation

    from vroegsignaal.intake.models import ColumnMapping, Delivery

    delivery = Delivery(pk=27, creditor=world.creditor, reference_date=dt.date(2026, 11, 1))
    mapping = ColumnMapping(creditor=world.creditor)
    with translation.override("en"):
        assert str(delivery) == "Delivery 27 (creditor WOONBRUG, reference date 2026-11-01)"
        assert str(mapping) == f"Column mapping of creditor {world.creditor.pk}"
    with translation.override("nl"):
        assert str(delivery) == "Levering 27 (schuldeiser WOONBRUG, peildatum 2026-11-01)"
        # Without the creditor loaded: by id, not a query per delivery.
        unloaded = Delivery(pk=27, creditor_id=world.creditor.pk, reference_date=None)
        assert str(unloaded) == f"Levering 27 (schuldeiser {world.creditor.pk}, peildatum —)"
