"""Background work of the signals app, run by ``vroegsignaal db_worker``."""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def notify_crisis_task(municipality_id: int, count: int, attempt: int = 1) -> int:
    """E-mail the coordinators that new crisis signals wait (see :func:`.notices.notify_crisis_signals`)."""
    from .notices import notify_crisis_signals

    return notify_crisis_signals(municipality_id, count, attempt)


@task()
@without_exception_text  # the stored traceback: no exception text
def evaluate_municipality_task(municipality_id: int) -> int:
    """Evaluate all of a municipality's households again (after its coordinator changed the rules)."""
    from .services import evaluate

    return evaluate(municipality_id).households
