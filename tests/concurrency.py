"""Running two requests at the same moment against PostgreSQL, for the concurrency tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connections, transaction


def at_the_same_moment(first: Callable, second: Callable) -> tuple[object, object]:
    """Run ``first`` in a transaction that stays open until ``second`` (in another thread and
    connection) is waiting for it; return what each returned, or the exception it raised.

    The second must really wait for a lock the first holds (asserted): that is the moment two
    users hit when their requests overlap."""
    outcome: dict[str, object] = {}
    done, release = threading.Event(), threading.Event()

    def run(name: str, work: Callable, hold: bool) -> None:
        try:
            with transaction.atomic():
                outcome[name] = work()
                if hold:
                    done.set()
                    assert release.wait(20)
        except Exception as error:  # returned to the test, which checks it
            outcome[name] = error
        finally:
            done.set()
            connections.close_all()

    a = threading.Thread(target=run, args=("first", first, True), daemon=True)
    a.start()
    assert done.wait(20)
    b = threading.Thread(target=run, args=("second", second, False), daemon=True)
    b.start()
    time.sleep(0.5)
    waited = b.is_alive()
    release.set()
    a.join(20)
    b.join(20)
    assert waited, "the second request should wait for the first one's lock"
    return outcome["first"], outcome["second"]
