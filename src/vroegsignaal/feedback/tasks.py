"""Background work of the feedback app, run by ``vroegsignaal db_worker``."""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def notify_creditor_task(creditor_id: int, attempt: int = 1) -> bool:
    """E-mail the creditor that new feedback is ready (see :func:`.services.notify_creditor`)."""
    from .services import notify_creditor

    return notify_creditor(creditor_id, attempt=attempt)
