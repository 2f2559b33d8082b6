"""English by the switch: the coordinator's pages speak it; the downloads, the DDAS file and stored texts stay Dutch."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from tests.english import in_english
from vroegsignaal.cases.models import Case
from vroegsignaal.reporting import ddas, monitor
from vroegsignaal.reporting.models import MonitorFigure, MonitorMonth
from vroegsignaal.signals.exports import COLUMNS
from vroegsignaal.signals.models import Signal, SignalStatus

from .conftest import Town

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def english(client):
    return in_english(client)


def dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _sheet_rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


@pytest.fixture
def town_with_signals(town: Town) -> Town:
    household = town.household()
    energy = town.arrear(household, town.energie, {dt.date(2026, 2, 1): 10_000, MARCH: 12_000})
    rent = town.arrear(household, town.huur, {MARCH: 80_000})
    town.signal(household, arrears=[energy, rent], crisis=True, signal_date=MARCH)
    town.signal(signal_date=dt.date(2026, 2, 1), status="opgepakt")
    town.signal(signal_date=MARCH)
    return town


# --- the pages in English ------------------------------------------------------


def test_tray_page_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    # A filter set (all statuses: the same three signals), so "Clear filters" is offered too.
    body = (
        english(client)
        .get(reverse("reporting:tray", args=[town.tray.pk]), {"status": "alle"})
        .content.decode()
    )
    for text in (
        "Tray Meervoudig</h1>", "All trays", "District or neighbourhood", "Type of creditor",
        "Total amount from (€)", "Oldest arrear at least (days)", "Characteristics", "Debt swap",
        "Open (new and picked up)", "Neighbourhood team", "Clear filters", "3 signals",
        "Download with the current filters:", "With the ticked signals", "Assign to neighbourhood team (a new signal is picked up)",
        "Do not pick up", "Choose a reason", "Carry out", "Signals in this tray", "Priority", "Total amount",
        "Oldest arrear", "Signal since",
    ):  # fmt: skip
        assert text in body, text
    for text in (
        "Werkbakje Meervoudig", "Alle werkbakjes", "Wijk of buurt", "Soort schuldeiser", "Totaalbedrag",
        "Oudste achterstand", "Kenmerken", "Schuldverschuiving", "Filters wissen", "3 signalen",
        "Downloaden als Excel", "Met de aangevinkte signalen", "Toewijzen aan wijkteam", "Niet oppakken",
        "Kies een reden", "Uitvoeren", "Prioriteit", "Signaaldatum",
        "Open (nieuw en opgepakt)",
    ):  # fmt: skip
        assert text not in body, text


def test_tray_page_stays_dutch_by_default(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    body = client.get(
        reverse("reporting:tray", args=[town.tray.pk]), {"status": "alle"}
    ).content.decode()
    assert "Werkbakje Meervoudig</h1>" in body and "Filters wissen" in body and "3 signalen" in body
    assert "Clear filters" not in body


def test_tray_list_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    body = (
        english(client).get(reverse("reporting:trays"), {"buurt": town.buurt.code}).content.decode()
    )
    assert '<h1 class="utrecht-heading-1">Trays</h1>' in body
    assert f"Only signals in {town.buurt.name} ({town.buurt.code})." in body
    assert "Open signals" in body and "All areas" in body
    assert (
        "Werkbakjes" not in body and "Open signalen" not in body and "Alleen signalen" not in body
    )


def test_household_page_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    household = Signal.objects.filter(crisis=True).get().household
    verified_client(town.coordinator)
    url = reverse("reporting:household", args=[household.pk])
    body = english(client).get(url, {"doel": "signaalbehandeling"}).content.decode()
    for text in (
        "Purpose of this view: <strong>Handling the signal</strong>.", "Open for another purpose", "People", "Date of birth",
        "Arrears by creditor", "Creditor", "Started", "March 2026", "No earlier signals.",
        "Cases", "No cases for this household.", "Who viewed this household", "Organisation",
        f"Neighbourhood {town.buurt.name}", f"district {town.wijk.name}",
        f">municipality {town.municipality.code}<",  # the viewer's organisation in "who viewed"
    ):  # fmt: skip
        assert text in body, text
    for text in (
        f">gemeente {town.municipality.code}<", "Doel van deze inzage", "Signaalbehandeling", "Personen", "Geboortedatum", "Achterstanden per schuldeiser",
        "Ontstaan", "maart", "Geen eerdere signalen", "Zaken", "Wie keek", "Organisatie", "Buurt ",
    ):  # fmt: skip
        assert text not in body, text


def test_dashboard_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    response = english(client).get(reverse("reporting:dashboard"))
    body = response.content.decode()
    assert '<h1 class="utrecht-heading-1">Dashboard</h1>' in body
    for text in ("Signals by type of creditor", "Signals by type of signal", "Share picked up, reached and help accepted",
                 "— table", "February 2026"):  # fmt: skip
        assert text in body, text
    names = [s["name"] for s in response.context["trends"]["picked_up"]["series"]]
    assert names == [
        "Signals",
        "Picked up",
        "Reached",
        "Help accepted",
        "% picked up (of signals)",
        "% reached (of picked up)",
        "% help accepted (of reached)",
    ]
    assert "Signalen per soort" not in body and "— tabel" not in body and "februari" not in body


def test_dashboard_figures_kept_in_dutch_are_not_shown_in_english(
    town_with_signals, client, verified_client, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "english",
        }
    }
    town = town_with_signals
    verified_client(town.coordinator)
    dutch_trends = dutch(client).get(reverse("reporting:dashboard")).context["trends"]
    english_trends = english(client).get(reverse("reporting:dashboard")).context["trends"]
    assert dutch_trends["picked_up"]["series"][1]["name"] == "Opgepakt"
    assert english_trends["picked_up"]["series"][1]["name"] == "Picked up"
    assert english_trends["by_kind"]["labels"] == ["February 2026", "March 2026"]


def test_map_page_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    body = english(client).get(reverse("reporting:map")).content.decode()
    for text in (
        "Signals by neighbourhood", "Show districts", "Open signals per 1,000 households (CBS).",
        "Open signals by area", "Area", "Households",
        'data-tooltip="{naam}: {signalen} signals, {per_1000} per 1,000 households"',
        'data-tooltip-one="{naam}: {signalen} signal, {per_1000} per 1,000 households"',
        'data-unknown="unknown"', 'data-decimal="."', 'data-zoom-in="Zoom in"',
        'data-zoom-out="Zoom out"',
    ):  # fmt: skip
        assert text in body, text
    # The sort links' keys are codes (sorteer=huishoudens), not text.
    shown = re.sub(r'href="[^"]*"', "", body)
    assert "Signalen per buurt" not in shown and "huishoudens" not in shown
    assert "onbekend" not in shown


def test_map_page_writes_decimals_the_dutch_way_by_default(
    town_with_signals, client, verified_client
):
    verified_client(town_with_signals.coordinator)
    body = client.get(reverse("reporting:map")).content.decode()
    assert 'data-decimal=","' in body and "per 1.000 huishoudens" in body


def test_monitor_page_speaks_english_when_chosen(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    body = english(client).get(reverse("reporting:monitor"), {"maand": "2026-03"}).content.decode()
    for text in (
        "Early detection monitor", "Key figures March 2026", "District", "Per 1,000 inhabitants", "Single",
        "Multiple", "% picked up (of signals)", "Whole municipality", "By type of creditor", "Status of the signals",
        "Outcomes (DDAS)", "Trend by month (whole municipality)", "Download all months as CSV", "DDAS export for CBS",
        "Download DDAS file",
    ):  # fmt: skip
        assert text in body, text
    for text in ("Monitor vroegsignalering</h1>", "Kerncijfers", "Hele gemeente", "Per soort schuldeiser",
                 "Verloop per maand", "downloaden", "maart"):  # fmt: skip
        assert text not in body, text


def test_monitor_page_shows_stored_dutch_texts_in_english_and_keeps_them_dutch(
    town, client, verified_client
):
    """The unknown wijk's name and the purge's reason are stored in Dutch, shown in the page's language."""
    household = town.household()
    household.address.buurt = None
    household.address.save()
    town.signal(household, signal_date=MARCH)
    verified_client(town.coordinator)
    english(client).get(reverse("reporting:monitor"))  # the snapshot runs in an English request
    assert set(
        MonitorFigure.objects.filter(wijk_code=monitor.UNKNOWN).values_list("wijk_name", flat=True)
    ) == {"Onbekende wijk"}
    monitor.freeze(town.municipality, through=MARCH)
    body = english(client).get(reverse("reporting:monitor")).content.decode()
    assert "Unknown district" in body and "Onbekende wijk" not in body
    assert "Data behind these figures have been deleted (retention period)" in body
    assert MonitorMonth.objects.get().frozen_reason == monitor.FROZEN_REASON
    assert monitor.FROZEN_REASON.startswith("Gegevens achter deze cijfers zijn verwijderd")


def test_a_snapshot_in_an_english_request_freezes_with_the_dutch_reason(town):
    from vroegsignaal.reporting.services import snapshot_monitor_figures

    town.signal(signal_date=MARCH)
    snapshot_monitor_figures(town.municipality, through=dt.date(2026, 6, 30))
    Signal.objects.filter(status=SignalStatus.NIEUW).delete()
    with translation.override("en"):
        snapshot_monitor_figures(town.municipality, through=dt.date(2026, 6, 30))
    assert MonitorMonth.objects.get().frozen_reason == (
        "Gegevens achter deze cijfers zijn verwijderd (bewaartermijn); de cijfers van voor het opschonen blijven."
    )


def test_bulk_action_messages_speak_english_when_chosen(town, client, verified_client):
    signals = [town.signal(), town.signal()]
    verified_client(town.coordinator)
    url = reverse("reporting:tray_bulk_action", args=[town.tray.pk])
    english(client)
    # Each answer adds its message to the ones not yet shown (the tests follow no redirects).
    assert (
        _messages(client.post(url, {"actie": "oppakken"}))[-1] == "Tick one or more signals first."
    )
    response = client.post(url, {"signaal": [signals[0].pk], "actie": "toewijzen"})
    assert _messages(response)[-1] == "Choose a neighbourhood team to assign to."
    assert (
        _messages(client.post(url, {"signaal": [signals[0].pk], "actie": "weg"}))[-1]
        == "Unknown action 'weg'."
    )
    response = client.post(url, {"signaal": [s.pk for s in signals], "actie": "oppakken"})
    first, second = Case.objects.order_by("pk").values_list("pk", flat=True)
    assert _messages(response)[-2:] == [
        f"2 signals picked up (cases {first}, {second}).",
        f"Cases {first}, {second} have no neighbourhood team: assign one, otherwise no support worker sees them.",
    ]


def test_bulk_action_refusals_stay_dutch_by_default(town, client, verified_client):
    signal = town.signal()
    verified_client(town.coordinator)
    response = client.post(
        reverse("reporting:tray_bulk_action", args=[town.tray.pk]),
        {"signaal": [signal.pk], "actie": "niet_opgepakt"},
    )
    assert _messages(response) == ["Kies een reden waarom de signalen niet worden opgepakt."]


# --- what leaves the system stays Dutch ----------------------------------------


def test_tray_export_is_dutch_when_the_page_is_english(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    url = reverse("reporting:tray_export", args=[town.tray.pk])
    in_dutch = _sheet_rows(dutch(client).get(url).content)
    in_english = _sheet_rows(english(client).get(url).content)
    assert in_english == in_dutch
    assert in_english[0] == COLUMNS
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in in_english[1:]]
    assert {r["crisis"] for r in rows} == {"ja", "nee"}
    assert {r["status"] for r in rows} == {"nieuw", "opgepakt"}


def test_monitor_csv_is_dutch_when_the_page_is_english(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    in_dutch = dutch(client).get(reverse("reporting:monitor_csv")).content
    in_english = english(client).get(reverse("reporting:monitor_csv")).content
    assert in_english == in_dutch
    text = in_english.decode()
    assert text.startswith("gemeentecode;maand;wijkcode;wijk;cijfer;categorie;aantal;definitief")
    assert (
        "Signalen (huishoudens)" in text
        and "Hele gemeente" in text
        and "Per soort schuldeiser" in text
    )
    assert "Signals" not in text and "Whole municipality" not in text


def test_monitor_xlsx_is_dutch_when_the_page_is_english(town_with_signals, client, verified_client):
    town = town_with_signals
    verified_client(town.coordinator)
    in_dutch = _sheet_rows(dutch(client).get(reverse("reporting:monitor_xlsx")).content)
    in_english = _sheet_rows(english(client).get(reverse("reporting:monitor_xlsx")).content)
    assert in_english == in_dutch
    assert in_english[0][:5] == ("gemeentecode", "maand", "wijkcode", "wijk", "cijfer")
    assert {"Signalen (huishoudens)", "Crisissignalen"} <= {row[4] for row in in_english[1:]}


def test_ddas_download_is_dutch_when_the_page_is_english(
    town_with_signals, client, verified_client
):
    town = town_with_signals
    verified_client(town.coordinator)
    period = {"van": "2026-02-01", "tot": "2026-03-31"}
    in_dutch = json.loads(dutch(client).get(reverse("reporting:ddas_export"), period).content)
    in_english = json.loads(english(client).get(reverse("reporting:ddas_export"), period).content)
    for document in (in_dutch, in_english):
        document.pop("aanleverdatumEnTijd")
    assert in_english == in_dutch
    statuses = {v.get("status") for v in in_english["leveringen"][0]["vroegsignalen"]}
    assert ddas.NOT_YET_PICKED_UP in statuses


def test_invalid_ddas_download_is_refused_in_english_but_the_command_says_it_in_dutch(
    town_with_signals, client, verified_client, monkeypatch, tmp_path
):
    town = town_with_signals
    monkeypatch.setitem(
        ddas.SIGNAL_STATUS, SignalStatus.NIEUW, "Opgepakt"
    )  # not an EnumSignaalstatus value
    verified_client(town.coordinator)
    response = english(client).get(
        reverse("reporting:ddas_export"), {"van": "2026-03-01", "tot": "2026-03-31"}
    )
    message = client.get(response["Location"]).context["ddas_refusal"]  # shown by the form
    assert message.startswith(
        "The DDAS export does not conform to the DDAS-vroegsignalering v0.9 schema: "
    )
    assert "value not allowed (allowed: Nog niet opgepakt, " in message, message
    with (
        translation.override("en"),
        pytest.raises(CommandError, match="voldoet niet aan het schema"),
    ):
        call_command(
            "export_ddas", municipality=town.municipality.code, start="2026-03-01", end="2026-03-31",
            output=str(tmp_path / "ddas.json"),
        )  # fmt: skip


def test_ddas_refusal_counts_the_errors_it_leaves_out():
    error = ddas.DdasExportInvalid([f"pad/{i}: fout" for i in range(7)])
    assert str(error).endswith("pad/4: fout (en nog 2)")
    with translation.override("en"):
        assert error.describe().endswith("pad/4: fout (and 2 more)")
        assert str(error).startswith("De DDAS-export voldoet niet")


def test_amounts_are_written_as_the_chosen_language_reads_them():
    from vroegsignaal.reporting.templatetags.reporting import euros

    assert euros(212302) == "€\u00a02.123,02"  # a no-break space: the sign never ends a line
    assert euros(-65000) == "€\u00a0-650,00"
    with translation.override("en"):
        assert (euros(212302), euros(-65000), euros(5), euros(None)) == (
            "€2,123.02",
            "-€650.00",
            "€0.05",
            "—",
        )
