"""A failing background task leaves no exception text in the log or in the stored task result.

On PostgreSQL a unique violation's message carries the key's values
(``DETAIL: Key (klantnummer)=(…) already exists``); django-tasks logs every
failed task with ``logger.exception`` and django-tasks-db stores its traceback.
"""

from __future__ import annotations

import logging
import sys

import pytest
from django.db import IntegrityError
from django.test import override_settings
from django_tasks import TaskResultStatus

from vroegsignaal.intake import services as intake_services
from vroegsignaal.intake.tasks import process_delivery_task

SECRET = "KL-GEHEIM-4711"
MESSAGE = (
    'duplicate key value violates unique constraint "arrear_key"\n'
    f"DETAIL:  Key (klantnummer)=({SECRET}) already exists. Kerkstraat 12, 1234 AB Ergens"
)


@pytest.fixture
def failing_delivery(monkeypatch):
    def broken(delivery_id, *args, **kwargs):
        raise IntegrityError(MESSAGE)

    monkeypatch.setattr(intake_services, "process_delivery", broken)


def formatted(records: list[logging.LogRecord]) -> str:
    """Every record as a handler would write it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def assert_log_is_clean(caplog) -> None:
    text = formatted(caplog.records)
    assert SECRET not in text and "Kerkstraat" not in text
    assert SECRET not in caplog.text
    failed = [r for r in caplog.records if r.name == "django_tasks" and "FAILED" in r.getMessage()]
    assert failed, "the failure itself is still logged"
    message = failed[0].getMessage()
    assert "process_delivery_task" in message and "IntegrityError" in message
    assert failed[0].exc_info is None and failed[0].levelno == logging.ERROR


def test_immediate_backend_logs_and_keeps_the_failure_without_its_text(failing_delivery, caplog):
    caplog.set_level(logging.INFO)
    result = process_delivery_task.enqueue(4711)

    assert result.status == TaskResultStatus.FAILED
    assert_log_is_clean(caplog)
    [error] = result.errors
    assert SECRET not in error.traceback and "Kerkstraat" not in error.traceback
    assert "django.db.utils.IntegrityError" in error.traceback and "4711" in error.traceback


@pytest.mark.django_db
def test_database_worker_stores_and_logs_the_failure_without_its_text(failing_delivery, caplog):
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    caplog.set_level(logging.INFO)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = process_delivery_task.enqueue(4711)
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        worker.run_task(DBTaskResult.objects.get(id=result.id))

    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == TaskResultStatus.FAILED
    assert SECRET not in stored.traceback and "Kerkstraat" not in stored.traceback
    assert SECRET not in str(stored.args_kwargs)
    assert "django.db.utils.IntegrityError" in stored.traceback
    assert_log_is_clean(caplog)


def test_every_task_of_the_project_is_wrapped():
    """Found, not listed: a task added later is held to it too."""
    import importlib
    import pkgutil

    from django_tasks.base import Task

    import vroegsignaal

    tasks = {}
    for module in pkgutil.walk_packages(vroegsignaal.__path__, "vroegsignaal."):
        if module.name.endswith(".tasks"):
            for value in vars(importlib.import_module(module.name)).values():
                if isinstance(value, Task):
                    tasks[value.name] = value
    assert {"process_delivery_task", "evaluate_municipality_task"} <= set(tasks), tasks
    for name, task in tasks.items():
        assert getattr(task.func, "__wrapped__", None) is not None, name


def test_the_filter_keeps_the_record_and_the_class_only():
    from vroegsignaal.conf.logsafety import ExceptionClassOnly

    logger = logging.getLogger("vroegsignaal.tests.logsafety")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.addFilter(ExceptionClassOnly())
    logger.propagate = False
    # Its own level: a command run earlier in this process may have left the root at WARNING
    # (commands log warnings only), which would drop the INFO record below.
    logger.setLevel(logging.DEBUG)
    try:
        try:
            raise IntegrityError(MESSAGE)
        except IntegrityError:
            logger.exception("Task id=%s path=%s state=%s", "abc", "x.y", "FAILED")
        logger.info("plain %s", "message")
        try:
            raise IntegrityError(MESSAGE)
        except IntegrityError:
            logger.exception("bad args %s %s", "only one")  # must not break the caller
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.filters.clear()
        logger.setLevel(logging.NOTSET)

    text = formatted(records)
    assert SECRET not in text
    assert records[0].getMessage() == (
        "Task id=abc path=x.y state=FAILED exception=django.db.utils.IntegrityError"
    )
    assert records[0].exc_info is None and records[0].exc_text is None
    assert records[1].getMessage() == "plain message"
    assert records[2].getMessage() == "bad args %s %s exception=django.db.utils.IntegrityError"
    assert len(records) == 3


def test_the_task_loggers_carry_the_filter():
    from vroegsignaal.conf.logsafety import ExceptionClassOnly

    for name in ("django_tasks", "django_tasks_db"):
        filters = logging.getLogger(name).filters
        assert any(isinstance(f, ExceptionClassOnly) for f in filters), name


def test_the_console_handler_drops_every_loggers_exception_text():
    """django.request logs a web request's server error with its traceback; the handler filters it too."""
    from vroegsignaal.conf.logsafety import ExceptionClassOnly

    console = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ExceptionClassOnly) for f in h.filters)
    ]
    assert len(console) == 1
    try:
        raise IntegrityError(MESSAGE)
    except IntegrityError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            sys.exc_info(),
        )
    console[0].filter(record)
    assert SECRET not in console[0].format(record)
