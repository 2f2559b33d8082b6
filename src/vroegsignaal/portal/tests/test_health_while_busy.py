"""``/health/`` while a large delivery holds SQLite's write lock: ``"database": "bezet"``, still 200.

It said ``"database": "ok"`` while every request that writes waited up to 30 s and was then
answered 503. An operator's monitor now sees it; a load balancer keeps the web server, which still
answers every page that only reads. The lock is real, as in ``test_busy27_database_busy``: the
test database as a file in WAL mode, another connection in ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection
from django.test import Client

from vroegsignaal.portal.busy import WRITE_LOCK_PROBE_TIMEOUT, write_lock_held_elsewhere
from vroegsignaal.portal.tests.test_busy27_database_busy import (  # noqa: F401 - a fixture
    on_a_file,
    write_lock_held,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's write lock; PostgreSQL has none like it"
)


def test_health_says_the_database_is_busy_while_another_process_holds_the_write_lock(
    on_a_file,  # noqa: F811
):
    path = on_a_file()
    with write_lock_held(path):
        started = time.monotonic()
        response = Client().get("/health/")
        waited = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "bezet", "verwerking": "ok"}
    assert waited < WRITE_LOCK_PROBE_TIMEOUT + 2  # not the 30 s a writing request waits


def test_health_says_ok_again_once_the_lock_is_given_back(on_a_file):  # noqa: F811
    path = on_a_file()
    with write_lock_held(path):
        assert Client().get("/health/").json()["database"] == "bezet"
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "verwerking": "ok"}


def test_the_health_check_gives_the_write_lock_back_at_once(on_a_file):  # noqa: F811
    path = on_a_file()
    assert Client().get("/health/").json()["database"] == "ok"
    writer = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # would fail with "database is locked" if still held
        writer.execute("ROLLBACK")
    finally:
        writer.close()


def test_a_locked_shared_database_is_busy_too(transactional_db):
    """SQLITE_LOCKED: the suite's own in-memory database, shared between connections."""
    holder = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert write_lock_held_elsewhere()
        response = Client().get("/health/")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200
    assert response.json()["database"] == "bezet"
    assert not write_lock_held_elsewhere()


def test_a_request_in_a_transaction_of_its_own_is_not_told_busy_by_its_own_lock(db):
    """In ``transaction_mode`` IMMEDIATE the connection's own transaction holds the lock."""
    assert connection.in_atomic_block
    assert not write_lock_held_elsewhere()
    assert Client().get("/health/").json()["database"] == "ok"
