"""The nightly retention run and a coordinator picking up one of the signals it deletes.

A signal never picked up goes six months after its last day; a coordinator may pick it up
in the very minute the purge runs. The purge took no lock: its statements each read the
database anew, so the signal whose case was committed while the purge ran was deleted all
the same, and the purge failed at its commit on the case's foreign key (PROTECT), rolled the
municipality back and tried again the next night. Now it locks the signals it deletes, passes
over one being picked up (``retention.lock_set``, ``FOR UPDATE SKIP LOCKED``), and completes;
the picked-up signal stays whole, with its case, history and arrears. Skipped on SQLite, where
the purge's write lock keeps every other writer out until it commits.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.concurrency import at_the_same_moment, while_the_first_is_open
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Case
from vroegsignaal.privacy import retention
from vroegsignaal.signals.models import Signal, SignalArrear, SignalStatusChange
from vroegsignaal.signals.workflow import SignalGone

from .conftest import make_signal

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_audit_lock"),
]

PICKED_UP = dt.date(2026, 3, 2)
# The test signals were last signalled on 1 March 2026: six months and the repeat window later
# they are past their term.
PURGE_DAY = dt.date(2027, 1, 4)


def purge(municipality):
    return retention.purge(today=PURGE_DAY, municipalities=[municipality], intake=False)


def test_the_purge_passes_over_a_signal_being_picked_up_and_completes(world, coordinator, team):
    picked, other = make_signal(world), make_signal(world)
    members = SignalArrear.objects.filter(signal=picked).count()
    case, report, without_waiting = while_the_first_is_open(
        lambda: case_services.pick_up_signal(picked, coordinator, team=team, on=PICKED_UP),
        lambda: purge(world.municipality),
    )
    assert isinstance(case, Case), case
    assert isinstance(report, retention.PurgeReport), report  # completed, nothing rolled back
    assert without_waiting, "the purge should not wait for the pick-up"
    assert report.counts[world.municipality.code]["signalen"] == 1  # the other one
    assert not Signal.objects.filter(pk=other.pk).exists()
    assert Case.objects.get(signal=picked).pk == case.pk
    history = SignalStatusChange.objects.filter(signal=picked).values_list("to_status", flat=True)
    assert sorted(history) == ["nieuw", "opgepakt"]
    assert SignalArrear.objects.filter(signal=picked).count() == members


def test_the_next_purge_leaves_the_picked_up_signal_alone(world, coordinator, team):
    picked = make_signal(world)
    case_services.pick_up_signal(picked, coordinator, team=team, on=PICKED_UP)
    assert purge(world.municipality).counts[world.municipality.code]["signalen"] == 0
    assert Signal.objects.filter(pk=picked.pk).exists()


def test_a_pick_up_that_comes_while_the_purge_deletes_its_signal_says_it_is_gone(
    world, coordinator, team
):
    signal = make_signal(world)
    report, refused = at_the_same_moment(
        lambda: purge(world.municipality),
        lambda: case_services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP),
    )
    assert isinstance(report, retention.PurgeReport), report
    assert isinstance(refused, SignalGone), refused
    assert not Signal.objects.filter(pk=signal.pk).exists() and not Case.objects.exists()
