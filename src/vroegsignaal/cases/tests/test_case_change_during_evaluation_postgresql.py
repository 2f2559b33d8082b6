"""Closing or assigning a case while an evaluation makes its signal a crisis signal, on PostgreSQL.

The evaluation updates the signal (row lock on the signal) and then gives the case the crisis
deadline (row lock on the case). A change of the case that touches its signal too (closing,
assigning) must take the two locks in that same order — signal, then case — or the two wait
for each other and PostgreSQL aborts one of them ("deadlock detected"): a 500 for the worker,
or a delivery whose processing breaks off. Skipped on SQLite, where one database write lock
serialises all writers anyway.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from tests.concurrency import at_the_same_moment
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Case, CaseStatus, Outcome
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import Signal, SignalStatus

from .conftest import PEILDATUM

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_audit_lock"),
]


def in_thread(target, failures: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as error:  # reported by the test
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def evaluation_paused_after_signal_update(
    monkeypatch, world
) -> tuple[threading.Event, threading.Event]:
    """Run a real evaluation that stops right after its UPDATE of the signals (it holds their
    row locks then) until ``go`` is set; ``updated`` tells that it got there."""
    updated, go = threading.Event(), threading.Event()
    tell = signal_services._tell_creditors_who_joined

    def paused(changed, on):
        updated.set()
        assert go.wait(20)
        tell(changed, on)

    monkeypatch.setattr(signal_services, "_tell_creditors_who_joined", paused)
    return updated, go


def picked_up_case_turning_crisis(world, coordinator, team) -> Case:
    """A picked-up case whose household gets an eviction arrear: the next evaluation makes its
    signal a crisis signal and gives the case the crisis deadline."""
    household = world.household()
    world.arrear(household, "WOONBRUG")
    world.arrear(household, "ENERGIENOORD")
    signal_services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    signal = Signal.objects.get(household=household)
    case = case_services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM)
    world.arrear(household, "WATERNET", crisis=True, reason="afsluiting")
    return case


@pytest.mark.parametrize("change", ["close", "assign"])
def test_a_case_change_during_an_evaluation_that_makes_its_signal_a_crisis_does_not_deadlock(
    monkeypatch, world, coordinator, team, other_team, change
):
    case = picked_up_case_turning_crisis(world, coordinator, team)
    updated, go = evaluation_paused_after_signal_update(monkeypatch, world)
    failures: list[Exception] = []

    def evaluate():
        signal_services.evaluate(
            world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM
        )

    def change_case():
        if change == "close":
            case_services.close_case(case.pk, coordinator, Outcome.ZELF_BETAALD, on=PEILDATUM)
        else:
            case_services.assign(case.pk, coordinator, team=other_team)

    evaluation = in_thread(evaluate, failures)
    assert updated.wait(20), failures
    worker = in_thread(change_case, failures)
    time.sleep(0.5)  # the case change now waits for a lock the evaluation holds
    go.set()
    evaluation.join(30)
    worker.join(30)
    assert not evaluation.is_alive() and not worker.is_alive()
    assert failures == []
    case.refresh_from_db()
    assert case.crisis  # the evaluation went through whole
    assert Signal.objects.get(pk=case.signal_id).crisis
    if change == "close":
        assert case.status == CaseStatus.AFGESLOTEN
        assert Signal.objects.get(pk=case.signal_id).status == SignalStatus.AFGESLOTEN
    else:
        assert case.team_id == other_team.pk
        assert Signal.objects.get(pk=case.signal_id).team_id == other_team.pk


def lapsing_signal(world) -> Signal:
    """A new signal whose arrears have all been paid: the next evaluation lets it lapse."""
    household = world.household()
    arrears = [world.arrear(household, code) for code in ("WOONBRUG", "ENERGIENOORD")]
    signal_services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    for arrear in arrears:
        world.clear(arrear, PEILDATUM)
    return Signal.objects.get(household=household)


def evaluate_world(world):
    return signal_services.evaluate(
        world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM
    )


def test_a_signal_picked_up_while_an_evaluation_lets_it_lapse_keeps_its_case(
    world, coordinator, team
):
    signal = lapsing_signal(world)
    case, report = at_the_same_moment(
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM),
        lambda: evaluate_world(world),
    )
    assert isinstance(case, Case), case
    assert not isinstance(report, Exception), repr(report)
    assert report.expired == 0  # the lapse found it picked up
    signal.refresh_from_db()
    assert signal.status == SignalStatus.OPGEPAKT and Case.objects.filter(signal=signal).exists()


def test_a_pick_up_of_a_signal_an_evaluation_is_letting_lapse_is_refused_with_a_message(
    world, coordinator, team
):
    signal = lapsing_signal(world)
    report, refused = at_the_same_moment(
        lambda: evaluate_world(world),
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM),
    )
    assert report.expired == 1
    assert str(refused) == (
        "Dit signaal heeft al de eindstatus 'vervallen' en kan niet meer veranderen."
    )
    assert not Case.objects.filter(signal=signal).exists()


def test_a_pick_up_does_not_wait_for_an_evaluation_of_other_households(
    monkeypatch, world, coordinator, team
):
    """The evaluation holds its municipality's lock to the end; a new case refers to that
    municipality, and its foreign-key check must not wait for the lock (minutes, after a
    large delivery) while the coordinator's page hangs."""
    household = world.household()
    world.arrear(household, "WOONBRUG")
    world.arrear(household, "ENERGIENOORD")
    evaluate_world(world)
    signal = Signal.objects.get(household=household)
    updated, go = evaluation_paused_after_signal_update(monkeypatch, world)
    failures: list[Exception] = []
    evaluation = in_thread(lambda: evaluate_world(world), failures)
    assert updated.wait(20), failures
    picked_up = threading.Event()

    def pick_up():
        case_services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM)
        picked_up.set()

    coordinator_request = in_thread(pick_up, failures)
    waited = not picked_up.wait(5)
    go.set()
    evaluation.join(30)
    coordinator_request.join(30)
    assert failures == []
    assert not waited, "the pick-up waited for the evaluation to finish"
    assert Case.objects.filter(signal=signal).exists()
