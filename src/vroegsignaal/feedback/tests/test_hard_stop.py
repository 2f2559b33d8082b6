"""The creditor's notice when the worker is stopped at once in the middle of sending it.

A second TERM (``systemctl kill``, Ctrl-C twice) raises ``SystemExit`` inside the task, wherever it
is: here in the middle of sending the mail. The day is not noted (the transaction rolls back), and
the notice is queued again at once, so the next worker sends it, once.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks import default_task_backend

from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback import notices, services
from vroegsignaal.feedback.models import FeedbackStream

from .conftest import PICKED_UP, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback_waiting(world, covenants, coordinator, django_capture_on_commit_callbacks, settings):
    """WOONBRUG has new feedback and a contact address; its notice not yet sent."""
    world.creditors["WOONBRUG"].contact_email = "incasso@debrug.example"
    world.creditors["WOONBRUG"].save()
    with django_capture_on_commit_callbacks(execute=False):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return world.creditors["WOONBRUG"].pk


def test_a_notice_stopped_in_the_middle_of_sending_is_queued_again_and_then_sent_once(
    feedback_waiting, monkeypatch, caplog
):
    creditor_id = feedback_waiting

    def stopped(*args, **kwargs):
        raise SystemExit(1)  # what the worker's second TERM raises, here in the mail's sending

    monkeypatch.setattr(notices, "send_mail", stopped)
    with pytest.raises(SystemExit):
        services.notify_creditor(creditor_id, attempt=2)

    assert mail.outbox == []
    assert FeedbackStream.objects.get(creditor_id=creditor_id).notified_on is None
    (queued,) = default_task_backend.results
    assert queued.task.name == "notify_creditor_task"
    assert queued.args == [creditor_id, 2]  # the same attempt: it was no mail failure
    assert queued.task.run_after is None  # at once, for the next worker
    assert "Melding aan schuldeiser WOONBRUG is onderbroken (de worker stopte)" in caplog.text

    monkeypatch.undo()  # the next worker runs the queued task
    assert queued.task.call(*queued.args) is True
    assert queued.task.call(*queued.args) is False  # run twice, still one mail
    assert [m.to for m in mail.outbox] == [["incasso@debrug.example"]]
