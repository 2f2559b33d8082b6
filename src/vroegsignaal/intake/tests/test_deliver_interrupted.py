"""``vroegsignaal deliver`` stopped with Ctrl-C while it follows a queued delivery.

It once ended in a traceback (``KeyboardInterrupt`` in ``time.sleep``) that left the operator
guessing whether the delivery was lost. Only the following stops: the delivery stays with the
worker, the command says so and how to follow it again, and exits 130 (as a shell reports Ctrl-C).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from vroegsignaal.intake.models import Delivery, DeliveryStatus

from .support import run_deliver, stand


def run(*args) -> tuple[int, str, str]:
    try:
        return run_deliver(*args)
    except KeyboardInterrupt:  # escaped: it would end the test run itself
        pytest.fail("Ctrl-C escaped the command: a traceback")


@pytest.fixture
def queued(monkeypatch, tmp_path):
    """A delivery large enough for the worker, which does not run here."""
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    monkeypatch.setattr(services, "_enqueue", lambda pk: None)
    path = tmp_path / "levering.csv"
    path.write_bytes(stand(range(1, 4)))
    return str(path)


def ctrl_c(monkeypatch, worker=None):
    """Ctrl-C in the command's wait; after one second in which ``worker`` ran, if given."""
    from vroegsignaal.intake.management.commands import deliver

    seconds = []

    def sleep(second):
        seconds.append(second)
        if worker is not None and len(seconds) == 1:
            worker()
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(deliver.time, "sleep", sleep)


def test_ctrl_c_while_waiting_for_the_worker_says_the_delivery_stays_queued(
    world, households, queued, monkeypatch
):
    ctrl_c(monkeypatch)
    code, out, err = run(queued, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    delivery = Delivery.objects.get()
    assert code == 130
    assert delivery.status == DeliveryStatus.ONTVANGEN
    assert err == (
        f"Onderbroken; levering {delivery.pk} staat nog in de wachtrij en wordt verwerkt zodra een worker "
        f"draait. Volg haar met: vroegsignaal deliver --opnieuw {delivery.pk} --wacht\n"
    )
    assert "Traceback" not in out + err


def test_ctrl_c_while_following_with_wacht_says_the_worker_goes_on(
    world, households, queued, monkeypatch
):
    run(queued, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01", "--niet-wachten")
    delivery = Delivery.objects.get()
    # The worker takes it up while the command follows it.
    ctrl_c(
        monkeypatch,
        worker=lambda: Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.IN_BEHANDELING, heartbeat_at=timezone.now()
        ),
    )
    code, _, err = run("--opnieuw", str(delivery.pk), "--wacht")
    assert code == 130
    assert err == (
        f"Onderbroken; levering {delivery.pk} wordt op de achtergrond verder verwerkt. Volg haar met: "
        f"vroegsignaal deliver --opnieuw {delivery.pk} --wacht\n"
    )


def test_the_console_script_exits_130_with_the_command_s_line_only(
    world, households, queued, monkeypatch
):
    from tests.test_hostile_commands import run_command

    ctrl_c(monkeypatch)
    try:
        outcome = run_command(
            "deliver", queued, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
        )
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the console script: a traceback")
    assert (outcome.status, outcome.crash) == (130, "")
    assert outcome.stderr.startswith("Onderbroken; levering ")
    assert outcome.stderr.count("\n") == 1


def test_following_a_queued_delivery_says_it_waits_for_the_worker(monkeypatch):
    """A single "Levering 58: Ontvangen, 0%" stood there for the whole wait."""
    from io import StringIO
    from types import SimpleNamespace

    from vroegsignaal.intake.management.commands import deliver
    from vroegsignaal.intake.models import DeliveryStatus

    steps = iter(
        [
            (DeliveryStatus.ONTVANGEN, 0),
            (DeliveryStatus.ONTVANGEN, 0),
            (DeliveryStatus.IN_BEHANDELING, 40),
            (DeliveryStatus.VERWERKT, 100),
        ]
    )
    labels = {DeliveryStatus.IN_BEHANDELING: "In behandeling"}

    def refresh():
        delivery.status, delivery.progress = next(steps)
        delivery.is_running = delivery.status != DeliveryStatus.VERWERKT

    delivery = SimpleNamespace(
        pk=58, waiting_since=lambda: None, is_stalled=False, refresh_from_db=refresh,
        get_status_display=lambda: labels[delivery.status],
    )  # fmt: skip
    refresh()
    monkeypatch.setattr(deliver.time, "sleep", lambda seconds: None)
    command = deliver.Command(stdout=StringIO())
    command._wait(delivery)
    assert command.stdout._out.getvalue().splitlines() == [
        "Levering 58: in de wachtrij, wacht op 'vroegsignaal db_worker' …",
        "Levering 58: in behandeling, 40%",  # and none for the unchanged second poll
    ]
