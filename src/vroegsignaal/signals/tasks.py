"""Background work of the signals app, run by ``vroegsignaal db_worker``."""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def notify_crisis_task(
    municipality_id: int, count: int, attempt: int = 1, user_ids: list[int] | None = None
) -> int:
    """E-mail the coordinators that new crisis signals wait (see :func:`.notices.notify_crisis_signals`)."""
    from .notices import notify_crisis_signals

    return notify_crisis_signals(municipality_id, count, attempt, user_ids)


@task()
@without_exception_text  # the stored traceback: no exception text
def evaluate_municipality_task(municipality_id: int) -> int:
    """Evaluate all of a municipality's households again (after its coordinator changed the rules).

    One transaction (:func:`.services.evaluate`): a worker stopped at once in the middle (a second
    TERM) keeps nothing of it and queues it again at once, for the next worker; otherwise the
    households no later delivery touches kept their signals of the old rules until someone ran
    ``vroegsignaal evaluate``. Evaluating again is safe: what is already right is not written.
    """
    from vroegsignaal.portal.retry import queue_again

    from .services import evaluate

    try:
        return evaluate(municipality_id).households
    except (KeyboardInterrupt, SystemExit):
        queue_again(
            evaluate_municipality_task,
            (municipality_id,),
            what=f"Beoordeling van gemeente {_code(municipality_id)} na nieuwe signaalregels",
        )
        raise


def _code(municipality_id: int) -> str:
    """The municipality's code for a log line (its id when it is gone)."""
    from vroegsignaal.organisations.models import Municipality

    code = Municipality.objects.filter(pk=municipality_id).values_list("code", flat=True).first()
    return code or str(municipality_id)
