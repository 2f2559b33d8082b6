"""An exception's text stays out of the log and out of stored task results.

The message of a database error can carry personal data: PostgreSQL's
unique-violation ``DETAIL`` names the key's values (``Key
(klantnummer)=(…)``), other errors quote a row. Two places would keep it:

* django-tasks logs every failed task with ``logger.exception`` (the
  traceback, message included, on the worker's console):
  :class:`ExceptionClassOnly`, a filter on the ``django_tasks`` and
  ``django_tasks_db`` loggers (``LOGGING`` in ``settings.py``), keeps the
  record and the exception's class and drops the rest;
* django-tasks-db stores the traceback in its result table (``traceback``):
  :func:`without_exception_text` wraps each task function of the project, so
  that what fails there is a :class:`TaskFailed` that names only the task,
  its id arguments and the original exception's class.

The original traceback is not kept anywhere; for a delivery,
``vroegsignaal deliver --opnieuw ID --traceback`` shows it on the terminal.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def class_path(exc_type: type[BaseException]) -> str:
    """``django.db.utils.IntegrityError``: the class, as django-tasks names it, never the message."""
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


class TaskFailed(Exception):
    """A task of the project broke off; its text holds only the task, ints and a class name."""

    text_is_safe = True  # see ExceptionClassOnly


def text_is_safe(exc: BaseException | None) -> bool:
    """An exception whose message is written never to hold personal data or a secret.

    Such a class says so with a class attribute ``text_is_safe = True``
    (:class:`TaskFailed`; ``privacy.crypto.DecryptionError``, whose message
    names the key id that is missing, which is what an operator needs to read).
    """
    return getattr(type(exc), "text_is_safe", False) is True


def _ids(args: tuple, kwargs: dict) -> str:
    shown = [str(value) for value in args if isinstance(value, int)]
    shown += [f"{name}={value}" for name, value in kwargs.items() if isinstance(value, int)]
    return ", ".join(shown)


def without_exception_text(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a task function (under ``@task()``): an exception becomes a :class:`TaskFailed`.

    The new exception is raised outside the ``except`` block, so it has no
    ``__context__``: the original exception (and its message) is neither in
    the stored traceback nor reachable from the result. Only ``int``
    arguments (ids, counts) are named.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - replaced by a text-free one below
            failure = TaskFailed(
                f"{func.__name__}({_ids(args, kwargs)}) afgebroken door {class_path(type(error))}"
            )
        raise failure

    return wrapper


class ExceptionClassOnly(logging.Filter):
    """Keep a record that carries an exception, with its class appended, but not its text or traceback.

    ``Task id=… path=… state=FAILED`` becomes ``… state=FAILED
    exception=django.db.utils.IntegrityError``; a :class:`TaskFailed` is
    named by its own (text-free) message, and an exception that declares its
    text safe (:func:`text_is_safe`) keeps its message after its class. ``exc_info``, ``exc_text`` and
    ``stack_info`` are dropped, so no handler formats a traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc_type, exc, _ = record.exc_info
            if exc_type is not None:
                if isinstance(exc, TaskFailed):
                    name = str(exc)
                elif text_is_safe(exc):
                    name = f"{class_path(exc_type)}: {exc}"
                else:
                    name = class_path(exc_type)
                record.msg = f"{_message(record)} exception={name}"
                record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def _message(record: logging.LogRecord) -> Any:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format must not break the caller (logging would report it)
        return record.msg
