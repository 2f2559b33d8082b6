"""The ``sinds`` cursor under concurrent writers, on PostgreSQL (real row locks, real commits).

Skipped on SQLite, where one database write lock serialises all writers anyway.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback.models import FeedbackEvent

from .conftest import PICKED_UP, make_signal

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_audit_lock"),
]

URL = "/api/v1/feedback/"


def in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def poll_all(client, cursor: int) -> tuple[list[int], int]:
    ids: list[int] = []
    while True:
        body = client.get(URL, {"sinds": cursor, "limiet": 3}).json()
        ids += [e["id"] for e in body["terugkoppeling"]]
        cursor = body["volgende"]
        if not body["meer"]:
            return ids, cursor


def woonbrug_ids() -> list[int]:
    return list(
        FeedbackEvent.objects.filter(creditor__code="WOONBRUG")
        .order_by("id")
        .values_list("id", flat=True)
    )


def test_a_writer_that_commits_late_never_slips_behind_the_pollers_cursor(
    world, covenants, coordinator, api
):
    first, second = make_signal(world), make_signal(world)
    client = api("WOONBRUG")
    written, release, failures = threading.Event(), threading.Event(), []

    def slow_pick_up():  # takes the lower ids, then waits before committing
        try:
            with transaction.atomic():
                case_services.pick_up_signal(first, coordinator, on=PICKED_UP)
                written.set()
                assert release.wait(20)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
            written.set()

    def fast_pick_up():  # would take higher ids and commit first, without the stream lock
        try:
            case_services.pick_up_signal(second, coordinator, on=PICKED_UP)
        except Exception as error:  # pragma: no cover
            failures.append(error)

    slow = in_thread(slow_pick_up)
    assert written.wait(20)
    fast = in_thread(fast_pick_up)
    time.sleep(0.5)
    assert fast.is_alive(), "the second writer should wait for the first one's stream lock"
    seen, cursor = poll_all(client, 0)
    assert seen == []  # nothing committed yet: the cursor stays at 0
    release.set()
    slow.join(20)
    fast.join(20)
    assert failures == []
    more, cursor = poll_all(client, cursor)
    seen += more
    assert seen == woonbrug_ids() and len(seen) == 2
    assert poll_all(client, cursor)[0] == []


def test_polling_while_many_writers_commit_sees_every_event_exactly_once(
    world, covenants, coordinator, api
):
    signals = [make_signal(world) for _ in range(12)]
    client = api("WOONBRUG")
    failures: list[Exception] = []

    def pick_up(batch):
        def run():
            for signal in batch:
                try:
                    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
                except Exception as error:  # pragma: no cover
                    failures.append(error)

        return run

    writers = [in_thread(pick_up(signals[i::4])) for i in range(4)]
    seen: list[int] = []
    cursor = 0
    while any(w.is_alive() for w in writers):
        ids, cursor = poll_all(client, cursor)
        seen += ids
    for writer in writers:
        writer.join(30)
    ids, cursor = poll_all(client, cursor)
    seen += ids
    assert failures == []
    assert seen == woonbrug_ids() and len(seen) == 12
