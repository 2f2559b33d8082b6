"""Background work of the privacy app, run by ``vroegsignaal db_worker``."""

from __future__ import annotations

from django_tasks import task

from vroegsignaal.conf.logsafety import without_exception_text


@task()
@without_exception_text  # the stored traceback: no exception text
def verify_audit_task(verification_id: int) -> bool | None:
    """Check the audit log for one requested verification; returns its verdict."""
    from .officer import run_verification

    return run_verification(verification_id).ok
