"""Monitor figures (Divosa monitor vroegsignalering): computed set-based, stored, and kept through the purge."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Outcome
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.reporting import monitor
from vroegsignaal.reporting.models import MonitorFigure, MonitorMonth
from vroegsignaal.reporting.models import MonitorFigureKind as K
from vroegsignaal.reporting.services import snapshot_monitor_figures
from vroegsignaal.signals.models import Signal, SignalStatus

from .conftest import Town

pytestmark = pytest.mark.django_db

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
THROUGH = dt.date(2026, 6, 30)


def figures(town, month=MARCH, wijk="") -> dict:
    rows = MonitorFigure.objects.filter(
        monitor_month__municipality=town.municipality, monitor_month__month=month, wijk_code=wijk
    )
    return {(r.figure, r.category): r.value for r in rows}


def all_figures(town) -> dict:
    return {
        (r.monitor_month.month, r.wijk_code, r.figure, r.category): r.value
        for r in MonitorFigure.objects.filter(
            monitor_month__municipality=town.municipality
        ).select_related("monitor_month")
    }


def signal_with(town, *creditors, signal_date=MARCH, buurt=None, kind="meervoudig"):
    household = town.household(buurt=buurt)
    arrears = [town.arrear(household, c, {signal_date: 20_000}) for c in creditors]
    signal = town.signal(household, arrears=arrears, signal_date=signal_date)
    if kind != "meervoudig":
        Signal.objects.filter(pk=signal.pk).update(kind=kind, creditor_count=1)
    return signal


@pytest.fixture
def worked_town(town):
    """March: four signals — one declined, one never touched, one reached and helped, one closed unreached.
    April: one signal of a household without a known buurt."""
    declined = signal_with(town, town.energie, kind="enkelvoudig")
    signal_with(town, town.huur)
    helped = signal_with(town, town.energie, town.huur)
    unreached = signal_with(town, town.huur, buurt=town.other_buurt)
    user = town.coordinator
    case_services.mark_not_picked_up(
        declined, user, "Niet opgepakt: onterecht signaal", on=dt.date(2026, 3, 5)
    )
    case = case_services.pick_up_signal(helped, user, on=dt.date(2026, 3, 2))
    case_services.log_contact_attempt(
        case, user, kind="Telefoon", reached=False, on=dt.date(2026, 3, 3)
    )
    case_services.log_contact_attempt(
        case, user, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 4)
    )
    case_services.record_offer(
        case, user, made_on=dt.date(2026, 3, 4), answer="aanvaard", answered_on=dt.date(2026, 3, 4)
    )
    case_services.close_case(case, user, Outcome.VERVOLG_FINANCIEEL, on=dt.date(2026, 3, 20))
    other = case_services.pick_up_signal(unreached, user, on=dt.date(2026, 3, 2))
    case_services.close_case(other, user, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 25))
    household = town.household()
    household.address.buurt = None
    household.address.save()
    town.signal(household, signal_date=APRIL)
    return town


def test_snapshot_counts_the_core_figures_of_the_month(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    march = figures(worked_town)
    assert (march[(K.SIGNALEN, "")], march[(K.OPGEPAKT, "")], march[(K.BEREIKT, "")], march[(K.HULP_AANVAARD, "")]) == (
        4, 2, 1, 1,
    )  # fmt: skip


def test_snapshot_counts_single_and_multiple_signals(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    march = figures(worked_town)
    assert (march[(K.SOORT_SIGNAAL, "enkelvoudig")], march[(K.SOORT_SIGNAAL, "meervoudig")]) == (
        1,
        3,
    )


def test_snapshot_counts_signals_per_creditor_type(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    march = figures(worked_town)
    assert (march[(K.SOORT_SCHULDEISER, "Energie")], march[(K.SOORT_SCHULDEISER, "Huur")]) == (2, 3)


def test_outcomes_include_closed_cases_and_reasons_for_not_picking_up(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    outcomes = {c: v for (f, c), v in figures(worked_town).items() if f == K.EINDRESULTAAT}
    assert outcomes == {
        "Vervolghulp en/of verwijzing financieel": 1,
        "Definitief geen contact kunnen krijgen": 1,
        "Niet opgepakt: onterecht signaal": 1,
    }


def test_figures_per_wijk_add_up_and_unknown_wijk_is_its_own_row(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    assert figures(worked_town, wijk=worked_town.wijk.code)[(K.SIGNALEN, "")] == 4
    assert figures(worked_town, month=APRIL, wijk=monitor.UNKNOWN)[(K.SIGNALEN, "")] == 1
    assert figures(worked_town, month=APRIL)[(K.SIGNALEN, "")] == 1


def test_inhabitants_of_a_wijk_come_from_its_buurten_when_it_has_no_count(town):
    town.buurt.inhabitants, town.other_buurt.inhabitants = 1500, 500
    town.buurt.save()
    town.other_buurt.save()
    signal_with(town, town.energie)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert figures(town)[(K.INWONERS, "")] == 2000
    assert figures(town, wijk=town.wijk.code)[(K.INWONERS, "")] == 2000


def test_snapshot_is_idempotent(worked_town):
    first = snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    before = all_figures(worked_town)
    second = snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    assert (second, all_figures(worked_town)) == (first, before)


def test_snapshot_follows_later_work_on_an_unpurged_month(town):
    signal = signal_with(town, town.energie)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    case_services.pick_up_signal(signal, town.coordinator, on=dt.date(2026, 3, 10))
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert figures(town)[(K.OPGEPAKT, "")] == 1


def test_snapshot_takes_the_same_few_queries_for_many_signals(town):
    for _ in range(3):
        signal_with(town, town.energie)
    with CaptureQueriesContext(connection) as few:
        monitor.compute(town.municipality, through=THROUGH)
    for _ in range(12):
        signal_with(town, town.energie, town.huur, signal_date=APRIL)
    with CaptureQueriesContext(connection) as many:
        monitor.compute(town.municipality, through=THROUGH)
    assert len(many.captured_queries) == len(few.captured_queries) == 4


def purge_signals_never_picked_up(municipality):
    """What the retention purge does to signals that were never picked up (their members cascade)."""
    return Signal.objects.filter(
        municipality=municipality,
        status__in=[SignalStatus.NIEUW, SignalStatus.NIET_OPGEPAKT, SignalStatus.VERVALLEN],
    ).delete()


def test_figures_after_a_purge_equal_the_figures_before_it(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    before = all_figures(worked_town)
    purge_signals_never_picked_up(worked_town.municipality)
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    assert all_figures(worked_town) == before


def test_a_month_that_lost_data_is_frozen_and_stays_frozen(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    purge_signals_never_picked_up(worked_town.municipality)
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    frozen = MonitorMonth.objects.get(municipality=worked_town.municipality, month=MARCH)
    assert frozen.is_frozen
    snapshot_monitor_figures(worked_town.municipality, through=THROUGH)
    assert figures(worked_town)[(K.SIGNALEN, "")] == 4


def test_a_month_whose_signals_were_all_purged_keeps_its_figures(town):
    signal_with(town, town.energie, signal_date=APRIL)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    purge_signals_never_picked_up(town.municipality)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert figures(town, month=APRIL)[(K.SIGNALEN, "")] == 1


def test_months_after_through_are_left_alone(worked_town):
    snapshot_monitor_figures(worked_town.municipality, through=dt.date(2026, 3, 31))
    assert list(MonitorMonth.objects.values_list("month", flat=True)) == [MARCH]


def test_freeze_makes_months_final(town):
    signal = signal_with(town, town.energie)
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert monitor.freeze(town.municipality, through=MARCH) == 1
    case_services.pick_up_signal(signal, town.coordinator, on=dt.date(2026, 3, 10))
    snapshot_monitor_figures(town.municipality, through=THROUGH)
    assert figures(town).get((K.OPGEPAKT, "")) is None


# --- the page and the downloads ---------------------------------------------


def test_monitor_page_shows_the_latest_month_by_default(worked_town, client, verified_client):
    verified_client(worked_town.coordinator)
    response = client.get(reverse("reporting:monitor"))
    assert response.status_code == 200
    assert (response.context["selected"].month, response.context["tables"]["total"]["signals"]) == (
        APRIL,
        1,
    )


def test_monitor_page_shows_the_chosen_month_with_shares(worked_town, client, verified_client):
    verified_client(worked_town.coordinator)
    total = client.get(reverse("reporting:monitor"), {"maand": "2026-03"}).context["tables"][
        "total"
    ]
    assert (total["picked_share"], total["reached_share"], total["accepted_share"]) == (
        50.0,
        50.0,
        100.0,
    )


def test_monitor_page_computes_per_thousand_inhabitants(town, client, verified_client):
    town.wijk.inhabitants = 2000
    town.wijk.save()
    signal_with(town, town.energie)
    verified_client(town.coordinator)
    total = client.get(reverse("reporting:monitor")).context["tables"]["total"]
    assert total["per_1000"] == 0.5


def test_monitor_page_refreshes_after_a_change(town, client, verified_client):
    signal = signal_with(town, town.energie)
    verified_client(town.coordinator)
    client.get(reverse("reporting:monitor"))
    case_services.pick_up_signal(signal, town.coordinator, on=dt.date(2026, 3, 10))
    total = client.get(reverse("reporting:monitor")).context["tables"]["total"]
    assert total["picked"] == 1


def test_privacy_officer_of_the_municipality_sees_the_figures(worked_town, client, verified_client):
    officer = UserFactory(
        username="fg", role=Role.PRIVACY_OFFICER, municipality=worked_town.municipality
    )
    verified_client(officer)
    response = client.get(reverse("reporting:monitor"), {"maand": "2026-03"})
    assert response.context["tables"]["total"]["signals"] == 4
    assert b"ddas.json" not in response.content


def test_privacy_officer_cannot_choose_another_municipality(worked_town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    officer = UserFactory(
        username="fg", role=Role.PRIVACY_OFFICER, municipality=worked_town.municipality
    )
    verified_client(officer)
    assert (
        client.get(reverse("reporting:monitor"), {"gemeente": other.municipality.code}).status_code
        == 404
    )


def test_platform_privacy_officer_chooses_a_municipality(worked_town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    signal_with(other, other.energie)
    officer = UserFactory(username="fg-landelijk", role=Role.PRIVACY_OFFICER, municipality=None)
    verified_client(officer)
    response = client.get(reverse("reporting:monitor"), {"gemeente": "0888"})
    assert (
        response.context["municipality"].code,
        response.context["tables"]["total"]["signals"],
    ) == ("0888", 1)


def test_hulpverlener_may_not_open_the_monitor(town, client, verified_client):
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=town.team, municipality=town.municipality
    )
    verified_client(worker)
    assert client.get(reverse("reporting:monitor")).status_code == 403


def test_monitor_page_without_signals_says_what_to_expect(town, client, verified_client):
    verified_client(town.coordinator)
    assert "Nog geen signalen" in client.get(reverse("reporting:monitor")).content.decode()


def test_csv_download_lists_every_stored_figure(worked_town, client, verified_client):
    verified_client(worked_town.coordinator)
    response = client.get(reverse("reporting:monitor_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    total_march = [
        r
        for r in rows
        if (r["maand"], r["wijkcode"], r["cijfer"]) == ("2026-03", "", "Signalen (huishoudens)")
    ]
    assert [r["aantal"] for r in total_march] == ["4"]
    assert len(rows) == MonitorFigure.objects.count()


def test_xlsx_download_is_audited(worked_town, client, verified_client):
    verified_client(worked_town.coordinator)
    response = client.get(reverse("reporting:monitor_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True))[:3] == ("gemeentecode", "maand", "wijkcode")
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("seq")
    assert (event.purpose, event.details["formaat"]) == ("export monitorcijfers", "xlsx")


def test_monitor_page_query_count_does_not_grow_with_signals(
    worked_town, client, verified_client, django_assert_max_num_queries
):
    for _ in range(20):
        signal_with(worked_town, worked_town.energie, worked_town.huur)
    verified_client(worked_town.coordinator)
    client.get(reverse("reporting:monitor"))  # the snapshot after the changes
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reporting:monitor"), {"maand": "2026-03"})
    assert response.context["tables"]["total"]["signals"] == 24


def test_monitor_page_writes_signals_per_thousand_inhabitants_with_two_decimals(
    town, client, verified_client
):
    town.wijk.inhabitants = 2000
    town.wijk.save()
    signal_with(town, town.energie)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:monitor")).content.decode()
    assert '<td class="utrecht-table__cell numeric">0,50</td>' in body
    assert '<td class="utrecht-table__cell numeric">0,5</td>' not in body
