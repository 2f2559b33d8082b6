"""A creditor's staff member uploads a CSV or an XLSX in a real browser: preview, progress, report."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery
from vroegsignaal.intake.tests.support import build_world, csv_bytes, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def creditor_user(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    return world.user, device


def test_creditor_uploads_a_csv_and_sees_preview_progress_and_report(
    page, live_server, creditor_user, screenshot, tmp_path, monkeypatch
):
    user, device = creditor_user
    # The worker is played by this test, so the page can be seen while the delivery waits and runs.
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    rows = [row(n) for n in range(1, 9)] + [
        row(9, postcode="1234AZ"),
        row(10, telefoonnummer="geen"),
    ]
    upload = tmp_path / "achterstanden-november.csv"
    upload.write_bytes(csv_bytes(rows))

    log_in(page, live_server, user, device)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Leveringen").click()
    page.get_by_role("heading", name="Leveringen", level=1).wait_for()
    page.get_by_role("link", name="Nieuwe levering aanleveren").click()
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_label("Peildatum").fill("2026-11-01")
    page.get_by_label("Soort levering").select_option("stand")
    screenshot("intake-upload-form")
    page.get_by_role("button", name="Voorbeeld bekijken").click()

    page.get_by_role("heading", name="Voorbeeld van de levering").wait_for()
    assert page.get_by_role("cell", name="K-00001", exact=True).is_visible()
    assert page.get_by_role("cell", name="bedrag_achterstand").count() >= 1
    screenshot("intake-preview")
    page.get_by_role("button", name="Levering indienen").click()

    page.get_by_role("heading", name="Status").wait_for()
    delivery = Delivery.objects.get()
    assert queued == [delivery.pk]
    assert page.get_by_role("progressbar").is_visible() or page.locator("progress").is_visible()
    assert page.get_by_text("Wacht op verwerking; er is nog niets gewijzigd.").is_visible()
    screenshot("intake-progress")

    services.process_delivery(delivery.pk)  # the worker's turn

    page.get_by_role("heading", name="Verslag").wait_for(timeout=15000)
    assert page.get_by_text(
        "De achterstanden zijn bijgewerkt; het verslag staat hieronder."
    ).is_visible()
    report = page.locator(".report-table")
    assert "Regels ontvangen" in report.inner_text() and "10" in report.inner_text()
    assert page.get_by_role("cell", name="ADRES_ONBEKEND").is_visible()
    assert page.get_by_role("cell", name="TELEFOON_ONGELDIG").is_visible()
    assert page.get_by_role("cell", name="Voorbeeldstad").is_visible()
    assert page.get_by_role("link", name="Afgewezen regels downloaden (CSV)").is_visible()
    screenshot("intake-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Afgewezen regels downloaden (CSV)").click()
    # UTF-8 with a BOM, so that Excel on Windows reads accented letters right.
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    content = raw.decode("utf-8-sig").splitlines()
    assert content[0] == "rij;klantnummer;veld;code;melding"
    assert content[1].startswith("10;K-00009;postcode;ADRES_ONBEKEND;")


def test_creditor_previews_and_delivers_an_xlsx(
    page, live_server, creditor_user, tmp_path, monkeypatch
):
    """The preview of a workbook streams the head of its sheet (the whole sheet is read by the worker)."""
    import openpyxl

    from vroegsignaal.intake import parsing_xlsx
    from vroegsignaal.intake.tests.support import HEADER

    user, device = creditor_user
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Achterstanden"
    sheet.append(HEADER)
    for n in range(1, 31):
        sheet.append([row(n).get(column, "") for column in HEADER])
    upload = tmp_path / "achterstanden-november.xlsx"
    workbook.save(upload)
    whole_sheet_reads: list[int] = []
    fast = parsing_xlsx._read_xlsx_fastexcel
    monkeypatch.setattr(
        parsing_xlsx, "_read_xlsx_fastexcel", lambda *a: whole_sheet_reads.append(1) or fast(*a)
    )

    log_in(page, live_server, user, device)
    page.goto(f"{live_server.url}/leveringen/nieuw/")
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_label("Peildatum").fill("2026-11-01")
    page.get_by_role("button", name="Voorbeeld bekijken").click()

    page.get_by_role("heading", name="Voorbeeld van de levering").wait_for()
    assert page.get_by_role("cell", name="K-00001", exact=True).is_visible()
    assert page.get_by_role("cell", name="K-00011", exact=True).count() == 0  # the first ten rows
    assert whole_sheet_reads == []
    page.get_by_role("button", name="Levering indienen").click()
    page.get_by_role("heading", name="Status").wait_for()

    services.process_delivery(Delivery.objects.get().pk)  # the worker reads the whole sheet
    page.get_by_role("heading", name="Verslag").wait_for(timeout=15000)
    assert "30" in page.locator(".report-table").inner_text()
    assert whole_sheet_reads == [1]


def test_a_json_file_that_names_another_peildatum_is_flagged_and_the_choice_matched_to_it(
    page, live_server, creditor_user, screenshot, tmp_path, monkeypatch
):
    """The creditor typed 1 October for a file that says 1 November: the preview says so before
    anything is submitted, and one button takes the file's date."""
    import json

    user, device = creditor_user
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    upload = tmp_path / "achterstanden.json"
    body = {
        "peildatum": "2026-11-01",
        "soort": "stand",
        "achterstanden": [row(n) for n in range(1, 4)],
    }
    upload.write_text(json.dumps(body), encoding="utf-8")

    log_in(page, live_server, user, device)
    page.goto(f"{live_server.url}/leveringen/nieuw/")
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_label("Peildatum").fill("2026-10-01")
    page.get_by_label("Soort levering").select_option("stand")
    page.get_by_role("button", name="Voorbeeld bekijken").click()

    warning = page.locator(".header-mismatch")
    warning.wait_for()
    assert warning.inner_text().strip() == (
        "Het bestand zegt peildatum 1 november 2026; u koos 1 oktober 2026. "
        "Pas de keuze aan of kies een ander bestand."
    )
    assert page.get_by_role("button", name="Levering indienen").count() == 0
    screenshot("intake-json-mismatch")
    page.get_by_role("button", name="Keuze aanpassen aan het bestand").click()

    page.get_by_role("heading", name="Voorbeeld van de levering").wait_for()
    assert page.locator(".header-mismatch").count() == 0
    assert "1 november 2026 (uit het bestand)" in page.locator(".summary-list").inner_text()
    page.get_by_role("button", name="Levering indienen").click()
    page.get_by_role("heading", name="Status").wait_for()
    delivery = Delivery.objects.get()
    assert str(delivery.reference_date) == "2026-11-01" and queued == [delivery.pk]
