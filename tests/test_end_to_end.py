"""One household from two creditors' deliveries to its anonymisation (issue 7's end-to-end walk).

Deliveries arrive through the API with each creditor's key, the household gets
a meervoudig signal, the coordinator picks it up for a wijkteam, the wijkteam
worker logs a home visit on the case page and closes the case; each creditor
reads ``opgepakt`` (with its own collection pause) and ``afgesloten`` through
``GET /api/v1/feedback/``. A year later, with the clock moved, the purge
anonymises the closed case — and the monitor figures stay what they were.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Case, CaseNote, Outcome
from vroegsignaal.households.models import Person
from vroegsignaal.intake import services as intake_services
from vroegsignaal.organisations import services as organisation_services
from vroegsignaal.organisations.models import Creditor, Municipality, Role, Team
from vroegsignaal.privacy import services as privacy_services
from vroegsignaal.privacy.models import AuditEvent, RetentionRun
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.reporting import services as reporting_services
from vroegsignaal.reporting.models import MonitorFigure
from vroegsignaal.signals.models import Signal

PEILDATUM = dt.date(2026, 3, 1)
PICKED_UP = dt.date(2026, 3, 3)  # a Tuesday
VISITED = dt.date(2026, 3, 10)
CLOSED = dt.date(2026, 4, 15)

CONFIG = {
    "municipalities": [
        {
            "code": "0999",
            "name": "Voorbeeldstad",
            "teams": [{"name": "Wijkteam Noord", "neighbourhoods": ["WK099901"]}],
        }
    ],
    "creditors": [
        {"code": "WOONBRUG", "name": "Woonstichting De Brug", "type": "Huur"},
        {"code": "ENNOORD", "name": "Energie Noord", "type": "Energie"},
    ],
    "covenants": [
        {
            "creditor": "WOONBRUG",
            "municipality": "0999",
            "valid_from": "2026-01-01",
            "collection_pause_days": 30,
        },
        {
            "creditor": "ENNOORD",
            "municipality": "0999",
            "valid_from": "2026-01-01",
            "collection_pause_days": 45,
        },
    ],
}
HEADER = ["klantnummer", "voorletters", "achternaam", "geboortedatum", "postcode", "huisnummer",
          "bedrag_achterstand", "ontstaansdatum"]  # fmt: skip


def stand(klantnummer: str, amount: str, since: str, *others: tuple[str, int]) -> bytes:
    """A stand with our household (1234AB 7) and a few one-creditor neighbours."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerow(
        [klantnummer, "J.", "van der Berg", "17-05-1980", "1234 ab", "7", amount, since]
    )
    for number, huisnummer in others:
        writer.writerow(
            [number, "P.", "Jansen", "01-02-1975", "1234AB", str(huisnummer), "120,50", since]
        )
    return buffer.getvalue().encode("utf-8")


def api_client(creditor: Creditor) -> APIClient:
    _key, text = intake_services.create_api_key(creditor, "Incassosysteem")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


def deliver(client: APIClient, content: bytes) -> dict:
    upload = SimpleUploadedFile("levering.csv", content, content_type="text/csv")
    response = client.post(
        "/api/v1/deliveries/",
        {"file": upload, "peildatum": PEILDATUM.isoformat(), "soort": "stand"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "verwerkt", status
    return status


def poll(client: APIClient, cursor: int) -> dict:
    response = client.get("/api/v1/feedback/", {"sinds": cursor})
    assert response.status_code == 200, response.content
    return response.json()


def monitor_figures(municipality) -> set[tuple]:
    return set(
        MonitorFigure.objects.filter(monitor_month__municipality=municipality).values_list(
            "monitor_month__month", "wijk_code", "figure", "category", "value"
        )
    )


@pytest.fixture
def voorbeeldstad(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    organisation_services.load_config(CONFIG)
    municipality = Municipality.objects.get(code="0999")
    wijk = Neighbourhood.objects.create(
        code="WK099901", name="Noord", kind="wijk", municipality=municipality, inhabitants=2000
    )
    buurt = Neighbourhood.objects.create(
        code="BU09990101",
        name="Oude Dorp",
        kind="buurt",
        wijk=wijk,
        municipality=municipality,
        inhabitants=2000,
    )
    Address.objects.bulk_create(
        Address(postcode="1234AB", huisnummer=n, straatnaam="Dorpsweg", woonplaats="Voorbeeldstad",
                municipality=municipality, buurt=buurt)
        for n in range(1, 21)
    )  # fmt: skip
    return municipality


def test_a_household_goes_from_delivery_to_feedback_to_anonymisation_with_the_monitor_unchanged(
    voorbeeldstad, client, verified_client
):
    team = Team.objects.get(municipality=voorbeeldstad)
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=voorbeeldstad
    )
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=team, municipality=voorbeeldstad
    )
    woonbrug = api_client(Creditor.objects.get(code="WOONBRUG"))
    ennoord = api_client(Creditor.objects.get(code="ENNOORD"))

    # 1. Two creditors deliver; the household at 1234AB 7 has arrears at both.
    report = deliver(woonbrug, stand("WB-1", "650,00", "05-01-2026", ("WB-2", 3), ("WB-3", 4)))
    assert report["verslag"]["achterstanden"]["nieuw"] == 3
    deliver(ennoord, stand("EN-1", "210,00", "10-02-2026", ("EN-2", 5)))

    # 2. One meervoudig signal for that household, explained in plain Dutch.
    signal = Signal.objects.get(household__address__huisnummer=7)
    assert (signal.kind, signal.status, signal.creditor_count, signal.total_amount_cents) == (
        "meervoudig", "nieuw", 2, 86_000,
    )  # fmt: skip
    assert "Woonstichting De Brug" in signal.explanation and "Energie Noord" in signal.explanation
    assert Person.objects.filter(household=signal.household).count() == 1

    # 3. The coordinator picks it up for the wijkteam; the worker visits and closes the case.
    case = case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    verified_client(worker)
    response = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": "Huisbezoek", "poging-reached": "ja", "poging-on": VISITED.isoformat(),
         "poging-part_of_day": "Ochtend", "poging-note": "Mevrouw thuis getroffen."},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    case.refresh_from_db()
    assert case.contacted_on == VISITED
    case_services.add_note(case, worker, "Budgetcoach ingeschakeld.")
    case_services.record_offer(case, worker, made_on=VISITED)  # help comes after the offer
    case_services.close_case(case, worker, Outcome.ADVIES_QUICK_FIX, on=CLOSED)

    # 4. Each creditor reads its own events in order, with its own collection pause.
    brug_events = poll(woonbrug, 0)["terugkoppeling"]
    assert [(e["klantnummer"], e["gebeurtenis"], e["datum"], e["incasso_uitstel_tot"], e["resultaat"])
            for e in brug_events] == [
        ("WB-1", "opgepakt", "2026-03-03", "2026-04-02", None),
        ("WB-1", "afgesloten", "2026-04-15", None, "hulp_in_gang_gezet"),
    ]  # fmt: skip
    noord = poll(ennoord, 0)
    assert [
        (e["klantnummer"], e["gebeurtenis"], e["incasso_uitstel_tot"])
        for e in noord["terugkoppeling"]
    ] == [
        ("EN-1", "opgepakt", "2026-04-17"),
        ("EN-1", "afgesloten", None),
    ]
    assert poll(ennoord, noord["volgende"])["terugkoppeling"] == []
    assert {e["gemeentecode"] for e in brug_events + noord["terugkoppeling"]} == {"0999"}

    # 5. The monitor figures of the month, then a purge 13 months after closing.
    reporting_services.snapshot_monitor_figures(voorbeeldstad, through=CLOSED)
    before = monitor_figures(voorbeeldstad)
    month = {(f, c): v for m, w, f, c, v in before if m == dt.date(2026, 3, 1) and w == "WK099901"}
    assert (
        month[("signalen", "")],
        month[("soort_signaal", "meervoudig")],
        month[("opgepakt", "")],
    ) == (4, 1, 1)
    assert (month[("bereikt", "")], month[("eindresultaat", Outcome.ADVIES_QUICK_FIX.value)]) == (
        1,
        1,
    )
    dry = privacy_services.purge(dry_run=True, today=dt.date(2027, 5, 20))
    assert dry.counts["0999"].get("zaken_geanonimiseerd") == 1
    assert (
        Case.objects.get(pk=case.pk).household_id == signal.household_id
    )  # a dry run changes nothing
    privacy_services.purge(today=dt.date(2027, 5, 20))

    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.outcome, case.closed_on, case.team_id) == (
        "afgesloten", Outcome.ADVIES_QUICK_FIX.value, CLOSED, team.pk,
    )  # fmt: skip
    assert case.household.address_id is None and case.household.unregistered_address.startswith(
        "anoniem:"
    )
    assert not CaseNote.objects.filter(case=case).exists()
    assert not Person.objects.filter(household__address__huisnummer=7).exists()
    assert case.contact_attempts.get().note == ""
    assert monitor_figures(voorbeeldstad) == before
    reporting_services.snapshot_monitor_figures(voorbeeldstad, through=dt.date(2027, 5, 20))
    assert monitor_figures(voorbeeldstad) == before

    run = RetentionRun.objects.get(municipality=voorbeeldstad)
    assert run.counts["zaken_geanonimiseerd"] == 1
    assert AuditEvent.objects.filter(
        object_type="privacy.retentionrun", object_id=str(run.pk)
    ).exists()
