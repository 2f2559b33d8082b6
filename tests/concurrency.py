"""Running two requests at the same moment against PostgreSQL, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, transaction


def at_the_same_moment(first: Callable, second: Callable) -> tuple[object, object]:
    """Run ``first`` in a transaction that stays open until ``second`` (in another thread and
    connection) is waiting for it; return what each returned, or the exception it raised.

    The second must really wait for a lock the first holds (asserted): that is the moment two
    users hit when their requests overlap."""
    first_outcome, second_outcome, without_waiting = while_the_first_is_open(
        first, second, patience=0.5
    )
    assert not without_waiting, "the second request should wait for the first one's lock"
    return first_outcome, second_outcome


def while_the_first_is_open(
    first: Callable, second: Callable, *, patience: float = 5
) -> tuple[object, object, bool]:
    """Run ``first`` in a transaction held open while ``second`` runs in another thread and
    connection; then let ``first`` commit. Returns what each returned (or raised) and whether
    ``second`` finished within ``patience`` seconds while ``first`` was still open, i.e. without
    waiting for it."""
    outcome: dict[str, object] = {}
    opened, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def run(name: str, work: Callable, hold: bool) -> None:
        try:
            with transaction.atomic():
                outcome[name] = work()
                if hold:
                    opened.set()
                    assert release.wait(20)
        except Exception as error:  # returned to the test, which checks it
            outcome[name] = error
        finally:
            opened.set()
            if not hold:
                second_done.set()
            connections.close_all()

    a = threading.Thread(target=run, args=("first", first, True), daemon=True)
    a.start()
    assert opened.wait(20)
    b = threading.Thread(target=run, args=("second", second, False), daemon=True)
    b.start()
    without_waiting = second_done.wait(patience)
    release.set()
    a.join(20)
    b.join(20)
    return outcome["first"], outcome["second"], without_waiting
