"""The signals' background tasks when the worker is stopped at once in their middle.

A second TERM (``systemctl kill``, Ctrl-C twice) raises ``SystemExit`` inside the running task. The
re-evaluation after a rule change keeps nothing (one transaction) and is queued again; the crisis
notice is queued again for the coordinators it had not mailed yet, so each gets it once.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks import default_task_backend

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import notices, writing
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.tasks import evaluate_municipality_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    """A queue that keeps what is put in it (no worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def coordinators(world):
    return [
        UserFactory(
            role=Role.COORDINATOR, municipality=world.municipality, email=f"{c}@gemeente.example"
        )
        for c in "abc"
    ]


def stop_at_message(monkeypatch, n: int, error: BaseException) -> None:
    """``send_mass_mail`` sends the messages before the ``n``-th (counted from 1), then ``error``."""
    sent = []
    real = notices.send_mass_mail

    def sending(datatuple, **kwargs):
        if len(sent) + 1 == n:
            raise error
        sent.append(datatuple)
        return real(datatuple, **kwargs)

    monkeypatch.setattr(notices, "send_mass_mail", sending)


def test_a_re_evaluation_stopped_in_the_middle_keeps_nothing_and_is_queued_again(
    world, queue, monkeypatch, caplog
):
    for _ in range(3):
        household = world.household()
        world.arrear(household, "WOONBRUG")
        world.arrear(household, "ENERGIENOORD")
    real_update = writing._update_changed

    def stopped(*args, **kwargs):  # the raised signals are inserted; the worker's second TERM
        raise SystemExit(1)

    monkeypatch.setattr("vroegsignaal.signals.services._update_changed", stopped)
    with pytest.raises(SystemExit):
        evaluate_municipality_task.call(world.municipality.pk)

    assert Signal.objects.count() == 0  # one transaction: nothing of it kept
    (queued,) = queue.results
    assert (queued.task.name, queued.args) == (
        "evaluate_municipality_task",
        [world.municipality.pk],
    )
    assert queued.task.run_after is None
    assert (
        f"Beoordeling van gemeente {world.municipality.code} na nieuwe signaalregels is onderbroken"
        in caplog.text
    )

    monkeypatch.setattr("vroegsignaal.signals.services._update_changed", real_update)
    assert queued.task.call(*queued.args) == 3  # the next worker
    assert Signal.objects.count() == 3


def test_a_crisis_notice_stopped_after_the_first_coordinator_is_queued_again_for_the_others_only(
    world, queue, coordinators, monkeypatch
):
    stop_at_message(monkeypatch, 2, SystemExit(1))
    with pytest.raises(SystemExit):
        notices.notify_crisis_signals(world.municipality.pk, 2)

    assert [m.to for m in mail.outbox] == [["a@gemeente.example"]]
    (queued,) = queue.results
    assert queued.task.name == "notify_crisis_task"
    assert queued.args == [world.municipality.pk, 2, 1, [coordinators[1].pk, coordinators[2].pk]]
    assert queued.task.run_after is None

    monkeypatch.undo()
    assert queued.task.call(*queued.args) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@gemeente.example", "b@gemeente.example", "c@gemeente.example",
    ]  # fmt: skip


def test_a_crisis_notice_stopped_before_any_message_is_queued_again_for_every_coordinator(
    world, queue, coordinators, monkeypatch
):
    stop_at_message(monkeypatch, 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        notices.notify_crisis_signals(world.municipality.pk, 1, 3)

    assert mail.outbox == []
    (queued,) = queue.results
    assert queued.args == [world.municipality.pk, 1, 3, None]
    monkeypatch.undo()
    assert queued.task.call(*queued.args) == 3
    assert len(mail.outbox) == 3


def test_a_crisis_notice_that_fails_part_of_the_way_is_tried_again_for_the_coordinators_not_mailed(
    world, queue, coordinators, monkeypatch
):
    stop_at_message(monkeypatch, 3, ConnectionResetError("smtp weg"))
    assert notices.notify_crisis_signals(world.municipality.pk, 2) == 2

    (queued,) = queue.results
    assert queued.args == [world.municipality.pk, 2, 2]
    assert queued.kwargs == {"user_ids": [coordinators[2].pk]}
    assert queued.task.run_after is not None  # after the first wait

    monkeypatch.undo()
    assert queued.task.call(*queued.args, **queued.kwargs) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@gemeente.example", "b@gemeente.example", "c@gemeente.example",
    ]  # fmt: skip
