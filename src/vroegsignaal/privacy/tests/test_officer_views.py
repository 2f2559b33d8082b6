"""The privacy officer's pages: audit log search and export, audit checks, retention runs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import (
    CovenantFactory,
    CreditorFactory,
    MunicipalityFactory,
    TeamFactory,
    UserFactory,
)
from vroegsignaal.organisations.models import Creditor, Role, Team
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import AuditAction, AuditEvent, AuditVerification, RetentionRun
from vroegsignaal.privacy.selectors import AUDIT_PAGE_SIZE

pytestmark = pytest.mark.django_db

PAGES = [
    "/privacy/auditlog/",
    "/privacy/auditlog/export.csv",
    "/privacy/controle/",
    "/privacy/opschoonrondes/",
]


@pytest.fixture
def towns():
    a = MunicipalityFactory(code="0101", name="Gemeente A")
    b = MunicipalityFactory(code="0202", name="Gemeente B")
    return a, b


@pytest.fixture
def officer(towns):
    return UserFactory(username="fg-a", role=Role.PRIVACY_OFFICER, municipality=towns[0])


@pytest.fixture
def client_of(verified_client):
    return verified_client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.HULPVERLENER, Role.SCHULDEISER, Role.BEHEERDER]
)
@pytest.mark.parametrize("path", PAGES)
def test_only_privacy_officers_open_the_privacy_pages(towns, client_of, role, path):
    a = towns[0]
    kwargs = {"municipality": a}
    if role == Role.HULPVERLENER:
        kwargs["team"] = TeamFactory(municipality=a)
    if role == Role.SCHULDEISER:
        kwargs = {"municipality": None, "creditor": CreditorFactory()}
    if role == Role.BEHEERDER:
        kwargs = {"municipality": None}
    client = client_of(UserFactory(role=role, **kwargs))
    assert client.get(path).status_code == 403


def test_officer_of_a_sees_the_events_of_a_only(towns, officer, client_of):
    a, b = towns
    coordinator_a = UserFactory(username="coord-a", role=Role.COORDINATOR, municipality=a)
    coordinator_b = UserFactory(username="coord-b", role=Role.COORDINATOR, municipality=b)
    creditor = CreditorFactory(code="WOONBRUG")
    creditor_user = UserFactory(
        username="se-1", role=Role.SCHULDEISER, municipality=None, creditor=creditor
    )
    audit.record(coordinator_a, AuditAction.VIEW, a, purpose="eigen gemeente bekeken")
    audit.record(coordinator_b, AuditAction.VIEW, b, purpose="andere gemeente bekeken")
    audit.record(
        creditor_user, AuditAction.DELIVER, a, purpose="levering voor A"
    )  # a creditor, on A's object
    audit.record("onbekend", AuditAction.LOGIN_FAILED, purpose="mislukte inlog")  # no municipality

    page = client_of(officer).get("/privacy/auditlog/").content.decode()

    assert "eigen gemeente bekeken" in page and "levering voor A" in page
    assert "andere gemeente bekeken" not in page and "mislukte inlog" not in page


def test_platform_officer_sees_every_event(towns, client_of):
    a, b = towns
    audit.record(
        UserFactory(role=Role.COORDINATOR, municipality=b), AuditAction.VIEW, b, purpose="in B"
    )
    audit.record("onbekend", AuditAction.LOGIN_FAILED, purpose="mislukte inlog")
    platform = UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=None)

    page = client_of(platform).get("/privacy/auditlog/").content.decode()

    assert "in B" in page and "mislukte inlog" in page


def test_search_by_user_organisation_object_and_period_keeps_its_filters(towns, officer, client_of):
    a = towns[0]
    team = TeamFactory(municipality=a, code="NOORD")
    worker = UserFactory(username="werker", role=Role.HULPVERLENER, team=team, municipality=a)
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, municipality=a)
    audit.record(
        worker,
        AuditAction.VIEW,
        object_type="cases.case",
        object_id=7,
        purpose="zaak 7 door werker",
    )
    audit.record(
        worker,
        AuditAction.VIEW,
        object_type="cases.case",
        object_id=8,
        purpose="zaak 8 door werker",
    )
    audit.record(
        coordinator,
        AuditAction.VIEW,
        object_type="cases.case",
        object_id=7,
        purpose="zaak 7 door coord",
    )
    client = client_of(officer)

    by_user = client.get("/privacy/auditlog/", {"gebruiker": "werker"}).content.decode()
    by_org = client.get(
        "/privacy/auditlog/",
        {"organisatie": "wijkteam NOORD", "object": "7", "soort": "cases.case"},
    )
    today = timezone.localdate().isoformat()  # the filter reads dates in Amsterdam time, not UTC
    in_period = client.get("/privacy/auditlog/", {"van": today, "tot": today}).content.decode()
    before = client.get("/privacy/auditlog/", {"tot": "2020-01-01"}).content.decode()

    assert "zaak 7 door werker" in by_user and "zaak 8 door werker" in by_user
    assert "zaak 7 door coord" not in by_user
    assert 'value="werker"' in by_user  # the filter stays in the form
    assert "gebruiker=werker" in by_user  # … and in the export link
    org_page = by_org.content.decode()
    assert "zaak 7 door werker" in org_page
    assert "zaak 8 door werker" not in org_page and "zaak 7 door coord" not in org_page
    assert '<option value="wijkteam NOORD" selected>' in org_page
    assert "zaak 7 door coord" in in_period
    assert "Geen gebeurtenissen die aan deze zoekopdracht voldoen" in before


def test_the_log_pages_by_sequence_number_with_the_filters_kept(towns, officer, client_of):
    a = towns[0]
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, municipality=a)
    for i in range(AUDIT_PAGE_SIZE + 5):
        audit.record(
            coordinator, AuditAction.VIEW, object_type="cases.case", object_id=i, purpose=f"p{i}"
        )
    client = client_of(officer)

    first = client.get("/privacy/auditlog/", {"gebruiker": "coord"})
    oldest_on_first = first.context["page"].events[-1].seq
    second = client.get("/privacy/auditlog/", {"gebruiker": "coord", "voor": oldest_on_first})
    back = client.get(
        "/privacy/auditlog/", {"gebruiker": "coord", "na": second.context["page"].events[0].seq}
    )

    assert len(first.context["page"].events) == AUDIT_PAGE_SIZE
    assert f"gebruiker=coord&amp;voor={oldest_on_first}" in first.content.decode()
    assert [e.purpose for e in second.context["page"].events] == [f"p{i}" for i in range(4, -1, -1)]
    assert second.context["page"].older is None and second.context["page"].newer is not None
    assert [e.seq for e in back.context["page"].events] == [
        e.seq for e in first.context["page"].events
    ]


def test_empty_log_says_what_to_expect(officer, client_of):
    page = client_of(officer).get("/privacy/auditlog/").content.decode()
    assert "Er staan nog geen gebeurtenissen in het auditlog die u mag zien" in page


def test_export_is_formula_safe_scoped_and_itself_audited(towns, officer, client_of):
    a, b = towns
    coordinator = UserFactory(username="=coord", role=Role.COORDINATOR, municipality=a)
    audit.record(coordinator, AuditAction.VIEW, a, purpose='=HYPERLINK("http://x")')
    audit.record(
        UserFactory(role=Role.COORDINATOR, municipality=b), AuditAction.VIEW, b, purpose="in B"
    )

    response = client_of(officer).get("/privacy/auditlog/export.csv", {"handeling": "view"})
    rows = csv_rows(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:3] == ["volgnummer", "tijdstip", "gebruiker"]
    assert len(rows) == 2
    assert rows[1][2] == "'=coord"
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    export = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert (export.actor_username, export.object_type) == ("fg-a", "privacy.auditevent")
    assert export.details == {"filters": {"handeling": "view"}}
    assert export.municipality_id == a.pk


def test_verification_runs_in_the_background_and_shows_an_intact_chain(
    officer, client_of, django_capture_on_commit_callbacks
):
    audit.record(officer, AuditAction.LOGIN)
    client = client_of(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/privacy/controle/starten/", {"omvang": "keten"})
    page = client.get("/privacy/controle/").content.decode()

    assert response.status_code == 302
    verification = AuditVerification.objects.get()
    # The log-in and the request for this check.
    assert (verification.ok, verification.checked, verification.requested_by) == (True, 2, officer)
    assert "Intact" in page and f"{verification.head_seq}:{verification.head_hash}" in page
    assert AuditEvent.objects.filter(purpose="auditlog laten controleren").exists()


def tamper(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET purpose = 'vervalst' WHERE seq = %s",  # noqa: S608
            [seq],
        )


def test_a_changed_event_makes_the_check_fail_with_its_number(
    officer, client_of, django_capture_on_commit_callbacks
):
    first = audit.record(officer, AuditAction.LOGIN)
    audit.record(officer, AuditAction.LOGOUT)
    tamper(first.seq)
    client = client_of(officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "keten"})
    page = client.get("/privacy/controle/").content.decode()

    assert "Niet intact" in page
    assert f"Gebeurtenis {first.seq} is gewijzigd nadat ze is vastgelegd." in page


def test_checking_the_municipality_looks_at_its_own_events_only(
    towns, officer, client_of, django_capture_on_commit_callbacks
):
    a, b = towns
    other = audit.record(UserFactory(role=Role.COORDINATOR, municipality=b), AuditAction.VIEW, b)
    audit.record(officer, AuditAction.LOGIN)
    audit.record(UserFactory(role=Role.COORDINATOR, municipality=b), AuditAction.VIEW, b)
    tamper(other.seq)
    client = client_of(officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "gemeente"})
    own = AuditVerification.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "keten"})
    whole = AuditVerification.objects.exclude(pk=own.pk).get()

    # A's events: the officer's log-in and the request for this check; B's changed event is not among them.
    assert (own.ok, own.checked) == (True, 2)
    assert whole.ok is False and whole.first_bad_seq == other.seq


def test_a_municipal_check_sees_a_changed_predecessor(towns, officer, client_of):
    from vroegsignaal.privacy.officer import run_verification, start_verification

    a, b = towns
    before = audit.record(UserFactory(role=Role.COORDINATOR, municipality=b), AuditAction.VIEW, b)
    audit.record(officer, AuditAction.LOGIN)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET hash = %s WHERE seq = %s",  # noqa: S608
            ["f" * 64, before.seq],
        )

    verification = run_verification(start_verification(officer, "gemeente").pk)

    assert verification.ok is False
    assert verification.first_bad_seq == before.seq + 1


def test_platform_officer_cannot_check_a_municipality(client_of):
    platform = UserFactory(role=Role.PRIVACY_OFFICER, municipality=None)
    response = client_of(platform).post(
        "/privacy/controle/starten/", {"omvang": "gemeente"}, follow=True
    )
    assert "Alleen een privacy officer van een gemeente" in response.content.decode()
    assert not AuditVerification.objects.exists()


def test_retention_runs_show_counts_of_own_municipality_only(towns, officer, client_of):
    a, b = towns
    moment = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
    RetentionRun.objects.create(
        municipality=a, today=dt.date(2026, 9, 1), started_at=moment, finished_at=moment,
        counts={"signalen": 4, "personen": 0, "zaken_geanonimiseerd": 2, "afmeldingen_zonder_achterstand": 3},
    )  # fmt: skip
    RetentionRun.objects.create(
        municipality=b,
        today=dt.date(2026, 8, 1),
        started_at=moment,
        finished_at=moment,
        counts={"signalen": 987654},
    )

    page = client_of(officer).get("/privacy/opschoonrondes/").content.decode()

    assert "niet opgepakte signalen: 4" in page
    assert "afgesloten zaken (geanonimiseerd): 2" in page
    assert "afmeldingen zonder achterstand: 3" in page
    assert "personen: 0" not in page
    assert "987654" not in page and "Gemeente B" not in page
    assert "6 maanden na hun laatste datum verwijderd" in page


def test_no_retention_runs_yet_says_how_they_come(officer, client_of):
    page = client_of(officer).get("/privacy/opschoonrondes/").content.decode()
    assert "Er is nog niet opgeschoond." in page


def test_privacy_officer_sees_teams_and_covenant_creditors_of_own_municipality_only(towns, officer):
    a, b = towns
    team_a, team_b = TeamFactory(municipality=a), TeamFactory(municipality=b)
    with_covenant, without = CreditorFactory(), CreditorFactory()
    CovenantFactory(creditor=with_covenant, municipality=a)
    CovenantFactory(creditor=without, municipality=b)

    assert list(scoped(officer, Team)) == [team_a]
    assert list(scoped(officer, Creditor)) == [with_covenant]
    assert team_b not in scoped(officer, Team)


def test_navigation_of_a_privacy_officer_has_the_privacy_pages(officer, client_of):
    page = client_of(officer).get("/privacy/auditlog/").content.decode()
    assert 'href="/privacy/auditlog/" aria-current="page">Auditlog<' in page
    assert 'href="/privacy/opschoonrondes/"' in page


def test_home_page_of_a_privacy_officer_links_to_the_privacy_pages(officer, client_of):
    page = client_of(officer).get("/").content.decode()
    assert 'href="/privacy/auditlog/">Het auditlog doorzoeken en exporteren<' in page
    assert 'href="/privacy/controle/">Het auditlog laten controleren<' in page
    assert "Wat u hier straks vindt" not in page


def test_the_verdict_of_audit_verify_on_the_command_line_shows_for_a_platform_officer(client_of):
    from django.core.management import call_command

    platform = UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=None)
    audit.record(platform, AuditAction.LOGIN)

    call_command("audit_verify")
    page = client_of(platform).get("/privacy/controle/").content.decode()

    verification = AuditVerification.objects.get()
    assert (verification.ok, verification.checked, verification.requested_by) == (True, 1, None)
    assert "Intact" in page and "1 gebeurtenissen gecontroleerd" in page


def test_reading_a_page_of_the_audit_log_is_itself_audited(towns, officer, client_of):
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, municipality=towns[0])
    shown = audit.record(
        coordinator, AuditAction.VIEW, object_type="cases.case", object_id=1, purpose="p"
    )
    client_of(officer).get("/privacy/auditlog/", {"gebruiker": "coord"})
    read = AuditEvent.objects.get(actor_username=officer.username, object_type="privacy.auditevent")
    assert (read.action, read.purpose, read.object_id) == (
        "view",
        "auditlog ingezien",
        f"{shown.seq}-{shown.seq}",
    )
    assert read.details["filters"] == {"gebruiker": "coord"}


def test_organisation_filter_does_not_repeat_the_kind_already_in_the_name(
    towns, officer, client_of
):
    TeamFactory(municipality=towns[0], code="T-NOORD", name="Wijkteam Noord")
    TeamFactory(municipality=towns[0], code="T-ZUID", name="Zuid")
    page = client_of(officer).get("/privacy/auditlog/").content.decode()
    assert (
        ">Wijkteam Noord (T-NOORD)</option>" in page and ">Wijkteam Zuid (T-ZUID)</option>" in page
    )
    assert ">Gemeente A (0101)</option>" in page
    assert "Wijkteam Wijkteam" not in page and "Gemeente Gemeente" not in page


def test_audit_log_names_the_object_in_dutch_not_by_its_model_label(towns, officer, client_of):
    coordinator = UserFactory(username="coord-obj", role=Role.COORDINATOR, municipality=towns[0])
    team = TeamFactory(municipality=towns[0], code="T-OBJ", name="Wijkteam Obj")
    audit.record(coordinator, AuditAction.UPDATE, team, purpose="wijkteam gewijzigd")
    page = client_of(officer).get("/privacy/auditlog/").content.decode()
    assert f'&amp;object={team.pk}">wijkteam {team.pk}</a>' in page
    assert f">organisations.team {team.pk}</a>" not in page


def test_the_search_stays_put_until_it_is_wiped(towns, officer, client_of):
    client = client_of(officer)
    assert client.get("/privacy/auditlog/?handeling=export").status_code == 200
    back = client.get("/privacy/auditlog/")
    assert back.status_code == 302 and back["Location"] == "/privacy/auditlog/?handeling=export"
    wiped = client.get("/privacy/auditlog/?wissen=1")
    assert wiped.status_code == 302 and wiped["Location"] == "/privacy/auditlog/"
    page = client.get("/privacy/auditlog/")
    assert page.status_code == 200 and not page.context["filtered"]


def test_an_unreadable_date_or_a_reversed_period_is_said_not_silently_empty(
    towns, officer, client_of
):
    client = client_of(officer)
    html = client.get("/privacy/auditlog/", {"van": "31-02-2026"}).content.decode()
    assert "„Van” is geen datum (JJJJ-MM-DD); dat filter is weggelaten." in html
    html = client.get(
        "/privacy/auditlog/", {"van": "2026-03-01", "tot": "2026-02-01"}
    ).content.decode()
    assert "De periode begint na haar einde" in html
    html = client.get(
        "/privacy/auditlog/", {"van": "2026-02-01", "tot": "2026-03-01"}
    ).content.decode()
    assert "utrecht-alert--warning" not in html


@pytest.mark.parametrize(
    ("name", "label", "day"), [("van", "Van", "0001-01-01"), ("tot", "Tot en met", "9999-12-31")]
)
def test_a_date_far_out_is_said_and_left_out_not_a_crash(
    towns, officer, client_of, name, label, day
):
    """The first day of year 1 in Amsterdam time, or the day after 9999-12-31, fit no date: a 500."""
    client = client_of(officer)
    response = client.get("/privacy/auditlog/", {name: day})
    assert response.status_code == 200
    assert (
        f"„{label}” ligt niet tussen 1900 en 2999; dat filter is weggelaten."
        in response.content.decode()
    )
    assert (
        client.get("/privacy/auditlog/export.csv", {name: day}).status_code == 302
    )  # nothing exported


def test_a_nul_byte_in_a_search_field_finds_nothing_more_than_without_it(towns, officer, client_of):
    """PostgreSQL refuses a NUL in a query: a 500 there."""
    response = client_of(officer).get(
        "/privacy/auditlog/", {"gebruiker": "coord\x00", "organisatie": "\x00"}
    )
    assert response.status_code == 200 and response.context["query"].gebruiker == "coord"


def test_a_search_with_a_problem_does_not_advise_widening_it(towns, officer, client_of):
    client = client_of(officer)
    html = client.get(
        "/privacy/auditlog/", {"van": "2026-03-01", "tot": "2026-02-01"}
    ).content.decode()
    assert "De periode begint na haar einde" in html
    assert "Maak de periode ruimer" not in html and "Geen gebeurtenissen" not in html
    assert "Pas de zoekopdracht aan." in html
    # An unreadable date alone: no "nothing in the log yet" either.
    html = client.get("/privacy/auditlog/", {"van": "2026-13-45"}).content.decode()
    assert "is geen datum" in html and "Er staan nog geen gebeurtenissen" not in html


def test_a_search_with_a_dropped_filter_offers_no_download(towns, officer, client_of):
    audit.record(
        UserFactory(role=Role.COORDINATOR, municipality=towns[0]), AuditAction.VIEW, towns[0]
    )
    html = client_of(officer).get("/privacy/auditlog/", {"van": "2026-13-45"}).content.decode()
    assert "is geen datum" in html and "utrecht-table__row" in html  # the events, with the warning
    assert "/privacy/auditlog/export.csv" not in html
    assert "Downloaden kan zodra de zoekopdracht klopt." in html


@pytest.mark.parametrize(
    "params", [{"van": "2026-13-45"}, {"tot": "morgen"}, {"van": "2026-03-01", "tot": "2026-02-01"}]
)
def test_the_export_refuses_a_search_with_a_problem_and_exports_nothing(
    towns, officer, client_of, params
):
    audit.record(
        UserFactory(role=Role.COORDINATOR, municipality=towns[0]), AuditAction.VIEW, towns[0]
    )
    client = client_of(officer)

    response = client.get("/privacy/auditlog/export.csv", {**params, "handeling": "view"})

    assert response.status_code == 302
    assert response["Location"].startswith("/privacy/auditlog/?")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Niet gedownload: de zoekopdracht klopt niet." in page
    assert "utrecht-alert--warning" in page  # and what is wrong


@pytest.mark.parametrize("hostile", ["²", "9" * 5000, "9" * 40, "-1"])
def test_a_page_position_that_is_no_number_opens_the_newest_page(
    towns, officer, client_of, hostile
):
    """``voor``/``na`` of ``²`` (a digit to ``isdigit()``, not to ``int()``) or 5000 digits were a
    server error; such a position is ignored."""
    client = client_of(officer)
    for key in ("voor", "na"):
        response = client.get("/privacy/auditlog/", {key: hostile})
        assert response.status_code == 200


# --- the user review: scope of a verdict, a check waiting, unreadable filters, the export -------


def test_a_municipal_verdict_names_its_scope_and_keeps_the_whole_chain_verdict_in_view(
    towns, officer, client_of, django_capture_on_commit_callbacks
):
    """The municipality's check cannot see a deleted event: its verdict must not say "niets
    verwijderd", and the whole chain's verdict, which can, stays on the page with its date."""
    audit.record(officer, AuditAction.LOGIN)
    client = client_of(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "keten"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "gemeente"})
    whole = AuditVerification.objects.get(scope_kind="keten")
    own = AuditVerification.objects.get(scope_kind="gemeente")
    assert whole.ok and own.ok

    page = client.get("/privacy/controle/").content.decode()
    latest, _sep, rest = page.partition('id="starten"')

    assert "Gemeente A" in latest and "de gebeurtenissen van gemeente" in latest.lower()
    assert (
        "geen ervan is gewijzigd en elk sluit aan op de gebeurtenis ervoor. Of er gebeurtenissen "
        "zijn verwijderd, stelt alleen de controle van het hele auditlog vast." in latest
    )
    assert latest.count("niets gewijzigd of verwijderd") == 1  # the whole chain's verdict only
    assert "Laatste controle van het hele auditlog" in latest
    when = timezone.localtime(whole.finished_at).strftime("%Y")
    assert f"{whole.checked} gebeurtenissen gecontroleerd op" in latest and when in latest
    # The table of earlier checks words them alike: "intact" for the whole chain only.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "gemeente"})
    earlier = client.get("/privacy/controle/").content.decode().partition('id="eerder"')[2]
    assert f"intact ({whole.checked} gecontroleerd)" in earlier
    assert (
        f"niets gewijzigd ({own.checked} gecontroleerd; verwijderingen niet vastgesteld)" in earlier
    )
    assert earlier.count("intact (") == 1


def test_a_municipal_check_without_a_whole_chain_check_says_what_is_still_unproven(
    towns, officer, client_of, django_capture_on_commit_callbacks
):
    client = client_of(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/controle/starten/", {"omvang": "gemeente"})
    page = client.get("/privacy/controle/").content.decode()
    assert "niets gewijzigd of verwijderd" not in page
    assert "Het hele auditlog is vanuit dit scherm nog niet gecontroleerd" in page


def test_a_check_waiting_for_the_worker_says_so_not_0_of_0_nor_that_another_runs(
    officer, client_of, django_capture_on_commit_callbacks
):
    client = client_of(officer)
    with django_capture_on_commit_callbacks(execute=False):  # no worker yet
        client.post("/privacy/controle/starten/", {"omvang": "keten"})
    page = client.get("/privacy/controle/").content.decode()

    assert "Wacht op de achtergrondverwerking" in page
    assert "0 van 0" not in page and "Bezig" not in page
    assert "Er loopt al een controle" not in page
    assert "starten kan weer zodra de controle hierboven klaar is." in page  # why it is off


def test_a_second_start_while_a_check_runs_starts_none_and_says_why(
    officer, client_of, django_capture_on_commit_callbacks
):
    client = client_of(officer)
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post("/privacy/controle/starten/", {"omvang": "keten"}, follow=True)
        second = client.post("/privacy/controle/starten/", {"omvang": "keten"}, follow=True)

    assert AuditVerification.objects.count() == 1
    assert "Er loopt al een controle" not in first.content.decode()
    assert "Er loopt al een controle; er is geen nieuwe gestart." in second.content.decode()
    assert "De controle is gestart" not in second.content.decode()


@pytest.mark.parametrize(
    ("name", "typed", "says"),
    [
        ("object", "abc", "„Object-id” is geen nummer; dat filter is weggelaten."),
        ("soort", "xx", "„Soort object” is geen soort die in het auditlog voorkomt; dat filter is weggelaten."),
        ("handeling", "xx", "„Handeling” is geen handeling die het auditlog kent; dat filter is weggelaten."),
        ("organisatie", "xx", "„Organisatie” is geen organisatie zoals het auditlog die schrijft; dat filter is weggelaten."),
    ],
)  # fmt: skip
def test_an_unreadable_filter_is_said_and_left_out_not_silently_empty(
    towns, officer, client_of, name, typed, says
):
    audit.record(
        UserFactory(role=Role.COORDINATOR, municipality=towns[0]), AuditAction.VIEW, towns[0]
    )
    client = client_of(officer)

    response = client.get("/privacy/auditlog/", {name: typed})
    html = response.content.decode()

    assert says in html
    assert getattr(response.context["query"], name) == ""  # left out, as an unreadable date
    assert "Geen gebeurtenissen" not in html and "utrecht-table__row" in html
    assert client.get("/privacy/auditlog/export.csv", {name: typed}).status_code == 302


def test_readable_filters_outside_the_lists_stay_and_show_in_their_lists(
    towns, officer, client_of, tmp_path
):
    """A range of sequence numbers is an object id too; the backup's ``database`` is a kind the
    log holds that is no model; a creditor no longer in a covenant still has its events."""
    audit.record(
        None, AuditAction.EXPORT, object_type="database", purpose="reservekopie",
        municipality=towns[0],
    )  # fmt: skip
    client = client_of(officer)
    response = client.get(
        "/privacy/auditlog/",
        {"soort": "database", "object": "3-9", "organisatie": "schuldeiser OUD"},
    )
    html = response.content.decode()
    query = response.context["query"]
    assert (query.soort, query.object, query.organisatie) == ("database", "3-9", "schuldeiser OUD")
    assert "utrecht-alert--warning" not in html
    assert '<option value="database" selected>' in html
    assert '<option value="schuldeiser OUD" selected>' in html


def test_the_export_names_action_and_object_kind_in_dutch_next_to_the_codes(
    towns, officer, client_of
):
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, municipality=towns[0])
    team = TeamFactory(municipality=towns[0], code="T-EXP", name="Wijkteam Exp")
    audit.record(coordinator, AuditAction.UPDATE, team, purpose="wijkteam gewijzigd")
    client = client_of(officer)

    rows = csv_rows(client.get("/privacy/auditlog/export.csv", {"gebruiker": "coord"}))

    header, row = rows[0], rows[1]
    assert header[:12] == [
        "volgnummer", "tijdstip", "gebruiker", "organisatie", "gemeentecode", "handeling",
        "soort_object", "object_id", "doel", "ip_adres", "details", "hash",
    ]  # fmt: skip
    named = dict(zip(header, row, strict=True))
    assert (named["handeling"], named["handeling_omschrijving"]) == ("update", "Wijzigen")
    assert (named["soort_object"], named["soort_object_omschrijving"]) == (
        "organisations.team",
        "Wijkteam",
    )
    page = client.get("/privacy/auditlog/", {"gebruiker": "coord"}).content.decode()
    assert "oplopend op volgnummer" in page
