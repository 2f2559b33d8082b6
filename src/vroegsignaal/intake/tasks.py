"""Background work of the intake: large deliveries and confirmations, run by ``vroegsignaal db_worker``."""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def process_delivery_task(delivery_id: int) -> str:
    """Process one delivery to its outcome (see :func:`.services.process_delivery`); returns the status."""
    from .services import process_delivery

    return process_delivery(delivery_id).status
