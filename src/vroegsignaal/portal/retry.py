"""Trying an e-mail notice again later, for the notices that background tasks send.

A notice that fails (the mail server is down for the night) must not be lost
after one try: the crisis notice carries a three-working-day deadline, the
creditor's notice tells it to pause collection. The task queues itself again
after :data:`RETRY_AFTER_MINUTES` (5 minutes, half an hour, 2 and 8 hours),
each wait announced by a warning; after the last try an error tells the
operator what to do instead. ``what`` in the log lines names the notice by
codes only (a municipality's, a creditor's): never a person or an address.

A task the worker is made to stop in the middle (a second TERM, Ctrl-C twice:
``SystemExit`` or ``KeyboardInterrupt`` inside it) is queued again at once by
:func:`queue_again` and re-raised: the next worker to start takes it up. Its
own work rolled back (or, for a notice, was not sent), so it is done once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

logger = logging.getLogger(__name__)

# After a failed send, the next try waits this long; after the last one the notice is given up.
RETRY_AFTER_MINUTES = (5, 30, 120, 480)


def retry_later(
    task, args: tuple, attempt: int, *, what: str, otherwise: str, kwargs: dict | None = None
) -> bool:
    """Queue ``task(*args, attempt + 1, **kwargs)`` after the wait for ``attempt``; whether it was queued.

    After the last try, or when the queue cannot take it, log an error that ``what`` was not sent,
    followed by ``otherwise`` (what the operator should do instead).
    """
    if attempt > len(RETRY_AFTER_MINUTES):
        logger.error("%s ook na %s pogingen niet verstuurd; %s", what, attempt, otherwise)
        return False
    minutes = RETRY_AFTER_MINUTES[attempt - 1]
    try:
        task.using(run_after=timezone.now() + dt.timedelta(minutes=minutes)).enqueue(
            *args, attempt + 1, **(kwargs or {})
        )
    except Exception:  # a backend that cannot wait (the tests' immediate one) or is down: say so
        logger.exception("%s niet opnieuw ingepland; %s", what, otherwise)
        return False
    logger.warning(
        "%s wordt over %s minuten opnieuw verstuurd (poging %s).", what, minutes, attempt + 1
    )
    return True


def queue_again(task, args: tuple, *, what: str) -> bool:
    """Queue ``task(*args)`` again at once, after a stop in its middle; whether it was queued.

    Called while the ``SystemExit`` or ``KeyboardInterrupt`` is handled, outside the task's
    transaction (rolled back): the next worker to start takes it up. A warning says so; an
    error if the queue cannot take it (``what`` is then not done: the operator must).
    """
    try:
        task.enqueue(*args)
    except Exception:  # noqa: BLE001 - stopping anyway; say what is lost
        logger.exception("%s is onderbroken en kon niet opnieuw worden ingepland.", what)
        return False
    logger.warning(
        "%s is onderbroken (de worker stopte) en opnieuw ingepland; de volgende worker doet het.",
        what,
    )
    return True
