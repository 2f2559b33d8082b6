"""Behaviour that only PostgreSQL shows: a separate audit connection and real row locks.

Run with ``DATABASE_URL=postgres://…``; skipped on SQLite. These tests commit
for real (no test-case transaction around them, which would also forbid the
audit connection) and empty the audit tables afterwards.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import GENESIS_HASH, AuditAction, AuditEvent

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


class CallerFailed(Exception):
    pass


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker, settings):
    settings.AUDIT_SEPARATE_CONNECTION = True
    with django_db_blocker.unblock():
        yield
        if audit.AUDIT_DB_ALIAS in connections.settings:
            connections[audit.AUDIT_DB_ALIAS].close()
            del connections[audit.AUDIT_DB_ALIAS]
            del connections.settings[audit.AUDIT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE privacy_auditevent")
            cursor.execute("DELETE FROM privacy_auditchainhead")
            cursor.execute("INSERT INTO privacy_auditchainhead VALUES (1, 0, %s)", [GENESIS_HASH])
        # This connection committed outside the test transactions; close it, or it stays
        # open to the end of the run and PostgreSQL refuses to drop the test database.
        connection.close()


def test_record_on_postgresql_survives_rollback_of_callers_transaction(committed_db):
    with pytest.raises(CallerFailed), transaction.atomic():
        event = audit.record(None, AuditAction.UPDATE, object_type="cases.case", object_id="7")
        raise CallerFailed
    assert AuditEvent.objects.filter(seq=event.seq, object_id="7").exists()
    assert audit.verify_chain().ok


def test_record_with_separate_connection_off_rolls_back_with_caller(committed_db, settings):
    settings.AUDIT_SEPARATE_CONNECTION = False
    with pytest.raises(CallerFailed), transaction.atomic():
        audit.record(None, AuditAction.UPDATE, object_type="cases.case", object_id="8")
        raise CallerFailed
    assert not AuditEvent.objects.filter(object_id="8").exists()


@pytest.mark.parametrize(
    "separate", [False, True], ids=["shared-connection", "separate-connection"]
)
def test_concurrent_records_form_one_unbroken_chain(committed_db, settings, separate):
    settings.AUDIT_SEPARATE_CONNECTION = separate

    def append_many(worker: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():  # the caller's own transaction, as in a view
                    audit.record(
                        None, AuditAction.VIEW, object_type="test.worker", object_id=f"{worker}-{i}"
                    )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append_many, range(4)))
    result = audit.verify_chain()
    assert (result.ok, result.checked) == (True, 100)
    assert AuditEvent.objects.filter(object_type="test.worker").count() == 100
