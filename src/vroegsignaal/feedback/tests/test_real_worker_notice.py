"""The creditor's notice through a real ``vroegsignaal db_worker``, stopped in the middle of sending.

A second TERM while the mail is being sent stops the task at once (``SystemExit`` in it). The notice
is not noted as sent, it is queued again, and the next worker sends it: the creditor gets it once.
Before, the task was only marked failed: the notice was lost until the creditor's next feedback.
The worker, its database and the helpers are those of ``intake/tests/test_real_worker.py``; the
mail goes through ``held_mail`` (``EMAIL_BACKEND``), which waits in the middle of a send.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from vroegsignaal.intake.tests.test_real_worker import (
    HELPER,
    VROEGSIGNAAL,
    environment,
    query,
    run,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow

NOTICE_WAITING = """
import django
django.setup()
from vroegsignaal.feedback.models import FeedbackStream
from vroegsignaal.feedback.tasks import notify_creditor_task
from vroegsignaal.organisations.models import Creditor
creditor = Creditor.objects.get(code="WOONBRUG")
creditor.contact_email = "incasso@debrug.example"
creditor.save()
FeedbackStream.objects.create(creditor=creditor)
notify_creditor_task.enqueue(creditor.pk)
"""
TASKS = "SELECT status, args_kwargs FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at"
RUN_AFTER = "SELECT run_after FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at"
NOTIFIED = "SELECT notified_on FROM feedback_feedbackstream"


def test_a_second_sigterm_while_the_notice_is_sent_queues_it_again_and_the_next_worker_sends_it_once(
    tmp_path,
):
    database = tmp_path / "vroegsignaal.sqlite3"
    mails = tmp_path / "mail"
    mails.mkdir()
    env = {
        **environment(database, tmp_path / "data"),
        "EMAIL_BACKEND": "vroegsignaal.feedback.tests.held_mail.EmailBackend",
        "HELD_MAIL_DIR": str(mails),
    }
    run([VROEGSIGNAAL, "migrate", "--no-input", "-v", "0"], env)
    run([sys.executable, HELPER, "setup"], env)
    run([sys.executable, "-c", NOTICE_WAITING], env)
    (mails / "hold").touch()
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        wait_for(lambda: (mails / "sending").exists(), "the notice being sent", worker)
        worker.send_signal(signal.SIGTERM)
        wait_for(lambda: "Received Terminated" in log.read_text(), "first TERM", worker)
        worker.send_signal(signal.SIGTERM)  # "terminating current task"
        worker.wait(timeout=60)
    finally:
        stop(worker)
    assert "terminating current task" in log.read_text()
    assert sent(mails) == []
    assert query(database, NOTIFIED) == [(None,)]
    (stopped, stopped_args), (again, again_args) = query(database, TASKS)
    assert (stopped, again) == ("FAILED", "READY")
    (creditor_id,) = json.loads(stopped_args)["args"]
    # The same notice, the same attempt (no mail failure), for the next worker.
    assert json.loads(again_args) == {"args": [creditor_id, 1], "kwargs": {}}
    first, queued_again = query(database, RUN_AFTER)
    assert queued_again == first  # no wait: as the notice was first queued
    assert "Melding aan schuldeiser WOONBRUG is onderbroken (de worker stopte)" in log.read_text()

    (mails / "hold").unlink()  # the next start (systemctl start, the deploy done)
    log = tmp_path / "worker-2.log"
    worker = start_worker(env, log)
    try:
        wait_for(lambda: query(database, TASKS)[1][0] == "SUCCESSFUL", "the notice sent", worker)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        stop(worker)
    assert [text.splitlines() for text in sent(mails)] == [
        ["['incasso@debrug.example']", "Nieuwe terugkoppeling in Vroegsignaal"]
    ]
    assert query(database, NOTIFIED) == [(timezone.localdate().isoformat(),)]
    assert [status for status, _ in query(database, TASKS)] == ["FAILED", "SUCCESSFUL"]


def sent(mails: Path) -> list[str]:
    return (
        [p.read_text() for p in sorted((mails / "sent").glob("*.txt"))]
        if (mails / "sent").exists()
        else []
    )
