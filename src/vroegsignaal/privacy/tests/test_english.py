"""The privacy officer's pages in English once chosen; what leaves the system or is stored stays Dutch."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from tests.english import in_english
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import AuditAction, AuditEvent, RetentionRun
from vroegsignaal.privacy.officer import EXPORT_COLUMNS
from vroegsignaal.privacy.retention import PurgeReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return MunicipalityFactory(code="0101", name="Gemeente A")


@pytest.fixture
def officer(town):
    return UserFactory(username="fg-en", role=Role.PRIVACY_OFFICER, municipality=town)


@pytest.fixture
def english(client, verified_client, officer):
    verified_client(officer)
    return in_english(client)


def test_audit_log_page_speaks_english_when_chosen(town, officer, english):
    TeamFactory(municipality=town, code="T-NOORD", name="Noord")
    audit.record(officer, AuditAction.LOGIN, purpose="inloggen")

    body = english.get("/privacy/auditlog/").content.decode()

    assert '<h1 class="utrecht-heading-1">Audit log</h1>' in body
    assert 'aria-current="page">Audit log</a>' in body  # the main navigation
    assert ">Search the audit log</a>" in body and ">Audit log check</a>" in body
    assert "Who did what with the data of the municipality of Gemeente A" in body
    assert (
        ">All organisations</option>" in body
        and ">Neighbourhood team Noord (T-NOORD)</option>" in body
    )
    assert ">The system itself</option>" in body and ">All types</option>" in body
    assert ">All actions</option>" in body and ">Failed log-in attempt</option>" in body
    assert "Events, newest first" in body and '<td class="utrecht-table__cell">Log in</td>' in body
    assert (
        '<td class="utrecht-table__cell">Log-in</td>' in body
    )  # the purpose "inloggen", as a label
    assert "Download as CSV (all events of this search)" in body
    assert (
        f'<td class="utrecht-table__cell">municipality {town.code}</td>' in body
    )  # stored "gemeente …"
    for dutch in (
        "Auditlog doorzoeken",
        "Zoeken in het auditlog",
        "Alle organisaties",
        "Wijkteam Noord",
        "Het systeem zelf",
        "Alle handelingen",
        "Gebeurtenissen, nieuwste eerst",
        "Downloaden als CSV",
        "Wie wat deed",
        f">gemeente {town.code}<",
    ):
        assert dutch not in body


def test_what_the_audit_log_records_stays_dutch_when_english_is_chosen(officer, english):
    shown = audit.record(officer, AuditAction.LOGIN, purpose="inloggen")

    english.get("/privacy/auditlog/")
    english.get("/privacy/auditlog/export.csv")

    purposes = set(AuditEvent.objects.exclude(pk=shown.pk).values_list("purpose", flat=True))
    assert purposes == {"auditlog ingezien", "auditlog geëxporteerd"}


def test_audit_log_export_stays_dutch_when_english_is_chosen(officer, english):
    audit.record(officer, AuditAction.LOGIN_FAILED, purpose="tweede factor onjuist")

    response = english.get("/privacy/auditlog/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))

    assert rows[0] == list(EXPORT_COLUMNS) and rows[0][:3] == [
        "volgnummer",
        "tijdstip",
        "gebruiker",
    ]
    assert (rows[1][5], rows[1][8]) == ("login_failed", "tweede factor onjuist")
    assert "Failed" not in text and "Log in" not in text


def test_retention_runs_page_names_what_was_purged_in_english(town, english):
    moment = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
    RetentionRun.objects.create(
        municipality=town, today=dt.date(2026, 9, 1), started_at=moment, finished_at=moment,
        counts={"signalen": 4, "zaken_geanonimiseerd": 2, "afmeldingen_zonder_achterstand": 3},
    )  # fmt: skip

    body = english.get("/privacy/opschoonrondes/").content.decode()

    assert '<h1 class="utrecht-heading-1">Retention periods and purge runs</h1>' in body
    assert "signals not picked up: 4" in body and "closed cases (anonymised): 2" in body
    assert "clearings without an arrear: 3" in body
    assert "deleted 6 months after their last date" in body
    assert "niet opgepakte signalen" not in body and "Opschoonrondes" not in body


def test_purge_report_for_the_command_line_stays_dutch_when_english_is_active():
    report = PurgeReport(
        today=dt.date(2026, 9, 1),
        dry_run=True,
        counts={"0101": {"signalen": 2, "personen": 0}, "": {"afgewezen_regels": 0}},
    )
    with translation.override("en"):
        lines = report.lines()
    assert lines == [
        "gemeente 0101: 2 niet opgepakte signalen",
        "leveringen (alle schuldeisers): niets",
    ]


def test_verification_page_speaks_english_when_chosen(english):
    body = english.get("/privacy/controle/").content.decode()
    assert '<h1 class="utrecht-heading-1">Audit log check</h1>' in body
    assert ">Start check</button>" in body and "Controle starten" not in body


def test_refused_check_is_explained_in_english_when_chosen(client, verified_client):
    in_english(verified_client(UserFactory(role=Role.PRIVACY_OFFICER, municipality=None)))
    response = client.post("/privacy/controle/starten/", {"omvang": "gemeente"}, follow=True)
    body = response.content.decode()
    assert (
        "Only a privacy officer of a municipality can check a municipality&#x27;s events." in body
    )
    assert "Alleen een privacy officer" not in body
