"""Background work of the intake: large deliveries and confirmations, run by ``vroegsignaal db_worker``.

Stopping the worker (``systemctl stop``, a deploy, Ctrl-C): at the first TERM or INT ``db_worker``
finishes the task it is running and then stops, so a delivery is applied whole. At a second one it
stops the task at once (``SystemExit`` inside it): the apply transaction rolls back and nothing of
the delivery is kept. :func:`.services.process_delivery` then notes the failure on the delivery, as
a crash is noted, so that its page and ``/health/`` show it stalled at once — with *Opnieuw
verwerken*, and ``vroegsignaal deliver --opnieuw ID`` without ``--forceer`` — instead of a
progress that stands still for ``DELIVERY_STALLED_AFTER``. A ``kill -9`` says nothing; that
delivery shows stalled after ``DELIVERY_STALLED_AFTER``.
"""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def process_delivery_task(delivery_id: int) -> str:
    """Process one delivery to its outcome (see :func:`.services.process_delivery`); returns the status."""
    from .services import process_delivery

    return process_delivery(delivery_id).status
