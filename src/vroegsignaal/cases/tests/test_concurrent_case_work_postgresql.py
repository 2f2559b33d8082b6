"""Two people (or one person's double-click) changing one signal or case at the same moment.

On PostgreSQL, with real row locks and commits: the first request has done its work and not
committed yet when the second arrives; the second must wait for it and then either find its
twin's result (the same user's double-click), or be refused with a clear Dutch message (a
colleague was first) — never a second case, a half-applied change or a database error.
Skipped on SQLite, where one database write lock serialises all writers anyway.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.concurrency import at_the_same_moment
from tests.factories import UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    ContactAttempt,
    NotPickedUpReason,
    Outcome,
)
from vroegsignaal.cases.workflow import InvalidTransition as CaseTransition
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.models import SignalStatus
from vroegsignaal.signals.workflow import InvalidTransition as SignalTransition

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_audit_lock"),
]

PICKED_UP = dt.date(2026, 3, 2)
CLOSED = dt.date(2026, 3, 20)


@pytest.fixture
def case(signal, coordinator, team):
    return case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)


def test_two_coordinators_picking_up_one_signal_open_one_case(coordinator, team, signal):
    colleague = UserFactory(role=Role.COORDINATOR, municipality=signal.municipality)
    first, second = at_the_same_moment(
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP),
        lambda: case_services.pick_up_signal(signal, colleague, team=team, on=PICKED_UP),
    )
    assert isinstance(first, Case)
    assert isinstance(second, SignalTransition) and str(second) == "Dit signaal is al opgepakt."
    assert Case.objects.filter(signal=signal).count() == 1


def test_a_double_clicked_pick_up_gives_both_requests_the_one_case(coordinator, team, signal):
    first, second = at_the_same_moment(
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP),
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP),
    )
    assert isinstance(first, Case) and isinstance(second, Case) and first.pk == second.pk
    assert Case.objects.filter(signal=signal).count() == 1


def test_a_pick_up_and_a_decline_at_once_leave_one_of_them_whole(coordinator, team, signal):
    colleague = UserFactory(role=Role.COORDINATOR, municipality=signal.municipality)
    first, second = at_the_same_moment(
        lambda: case_services.mark_not_picked_up(signal, colleague, NotPickedUpReason.ANDERS),
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP),
    )
    assert isinstance(second, SignalTransition) and "eindstatus 'niet opgepakt'" in str(second)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NIET_OPGEPAKT and not Case.objects.exists()


def test_a_double_clicked_contact_attempt_is_recorded_once(worker, case):
    def attempt():
        return case_services.log_contact_attempt(
            case, worker, kind="Telefoon", reached=False, on=dt.date(2026, 3, 3), note="Geen gehoor"
        )

    first, second = at_the_same_moment(attempt, attempt)
    assert isinstance(first, ContactAttempt) and getattr(second, "pk", None) == first.pk
    assert ContactAttempt.objects.filter(case=case).count() == 1


def test_two_workers_attempts_at_once_are_both_recorded_in_order(worker, team, case):
    colleague = UserFactory(role=Role.HULPVERLENER, team=team, municipality=team.municipality)
    first, second = at_the_same_moment(
        lambda: case_services.log_contact_attempt(
            case, worker, kind="Telefoon", reached=False, on=dt.date(2026, 3, 3)
        ),
        lambda: case_services.log_contact_attempt(
            case, colleague, kind="Huisbezoek", reached=True, on=dt.date(2026, 3, 3)
        ),
    )
    assert isinstance(first, ContactAttempt) and isinstance(second, ContactAttempt)
    steps = CaseStatusChange.objects.filter(case=case).order_by("pk")
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("", CaseStatus.OPGEPAKT),
        (CaseStatus.OPGEPAKT, CaseStatus.CONTACT_GEZOCHT),
        (CaseStatus.CONTACT_GEZOCHT, CaseStatus.IN_CONTACT),
    ]


def test_a_double_clicked_close_closes_once_and_both_requests_see_it_closed(worker, case):
    def close():
        return case_services.close_case(case, worker, Outcome.ZELF_BETAALD, on=CLOSED)

    first, second = at_the_same_moment(close, close)
    assert isinstance(first, Case) and isinstance(second, Case)
    assert second.status == CaseStatus.AFGESLOTEN
    assert CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.AFGESLOTEN).count() == 1


def test_assigning_a_case_its_worker_is_closing_is_refused_with_a_message(
    coordinator, worker, other_team, case
):
    first, second = at_the_same_moment(
        lambda: case_services.close_case(case, worker, Outcome.ZELF_BETAALD, on=CLOSED),
        lambda: case_services.assign(case, coordinator, team=other_team),
    )
    assert isinstance(first, Case)
    assert isinstance(second, CaseTransition) and "eindstatus 'afgesloten'" in str(second)
    case.refresh_from_db()
    assert (case.status, case.team_id) == (CaseStatus.AFGESLOTEN, worker.team_id)
