from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import RequestFactory

from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def raw_sql(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def coordinator():
    return UserFactory(
        username="coord", role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0999")
    )


@pytest.fixture
def chain(coordinator):
    return [
        audit.record(coordinator, AuditAction.VIEW, object_type="households.household", object_id=i)
        for i in range(1, 6)
    ]


def test_canonical_form_is_pinned():
    values = {
        "seq": 1,
        "timestamp": dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        "actor_id": 7,
        "actor_username": "coord",
        "organisation": "gemeente 0999",
        "municipality_id": 3,
        "municipality_code": "0999",
        "action": "view",
        "object_type": "households.household",
        "object_id": "42",
        "purpose": "contact opnemen",
        "ip_address": "192.0.2.1",
        "details": {"rows": 2.0, "b": [1, "x"]},
    }
    assert audit.canonical_json(values) == (
        '{"action":"view","actor_id":7,"actor_username":"coord","details":{"b":[1,"x"],"rows":2},'
        '"ip_address":"192.0.2.1","municipality_code":"0999","municipality_id":3,"object_id":"42",'
        '"object_type":"households.household","organisation":"gemeente 0999","purpose":"contact opnemen",'
        '"seq":1,"timestamp":"2025-01-02T03:04:05.000006Z"}'
    )
    assert audit.compute_hash(GENESIS_HASH, values) == (
        "46bebe31fda695a53ef5a1e79bdd615aea2e28a366fb9a8edbd441000a3c2eff"
    )


def test_record_chains_each_event_to_the_previous(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (5, chain[-1].hash)


def test_record_derives_organisation_and_municipality_from_coordinator(coordinator):
    event = audit.record(coordinator, "view", coordinator.municipality, purpose="controle")
    assert (event.actor_id, event.actor_username) == (coordinator.pk, "coord")
    assert (event.organisation, event.municipality_code) == ("gemeente 0999", "0999")
    assert event.municipality_id == coordinator.municipality_id
    assert (event.object_type, event.object_id) == (
        "organisations.municipality",
        str(coordinator.municipality.pk),
    )


def test_record_names_creditor_and_team_organisations():
    creditor_user = UserFactory(
        role=Role.SCHULDEISER, municipality=None, creditor=CreditorFactory(code="WOONBRUG")
    )
    team = TeamFactory(code="NOORD", municipality=MunicipalityFactory(code="0363"))
    worker = UserFactory(role=Role.HULPVERLENER, team=team, municipality=team.municipality)
    assert audit.record(creditor_user, AuditAction.DELIVER).organisation == "schuldeiser WOONBRUG"
    event = audit.record(worker, AuditAction.VIEW)
    assert (event.organisation, event.municipality_code) == ("wijkteam NOORD", "0363")


def test_record_scopes_creditor_event_by_object_municipality():
    creditor_user = UserFactory(
        role=Role.SCHULDEISER, municipality=None, creditor=CreditorFactory()
    )
    team = TeamFactory(municipality=MunicipalityFactory(code="0344"))
    event = audit.record(creditor_user, AuditAction.VIEW, team)
    assert event.municipality_code == "0344"


def test_record_without_actor_is_the_system():
    event = audit.record(None, AuditAction.PURGE, details={"purged": 12})
    assert (event.actor_id, event.organisation, event.details) == (None, "systeem", {"purged": 12})


def test_record_takes_ip_from_request(coordinator):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:0:0::1")
    assert audit.record(coordinator, AuditAction.LOGIN, request=request).ip_address == "2001:db8::1"


def test_record_rejects_unknown_action(coordinator):
    with pytest.raises(ValueError):
        audit.record(coordinator, "bekijken")


def test_record_rejects_details_that_are_not_json(coordinator):
    with pytest.raises(TypeError):
        audit.record(coordinator, AuditAction.EXPORT, details={"when": dt.date(2025, 1, 1)})


def test_audit_event_refuses_update_and_delete_through_orm(chain):
    event = AuditEvent.objects.get(seq=1)
    event.purpose = "anders"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(seq=1).update(purpose="anders")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_event_cannot_be_created_outside_record():
    with pytest.raises(PermissionError):
        AuditEvent(
            seq=99, timestamp=dt.datetime.now(dt.UTC), action="view", prev_hash="x", hash="y"
        ).save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.create(
            seq=99, timestamp=dt.datetime.now(dt.UTC), action="view", prev_hash="x", hash="y"
        )


def test_deleting_a_municipality_leaves_the_log_intact(chain, coordinator):
    # No database constraint and DO_NOTHING: the log neither blocks nor follows the deletion.
    field = AuditEvent._meta.get_field("municipality")
    assert (field.db_constraint, field.remote_field.on_delete.__name__) == (False, "DO_NOTHING")
    raw_sql("DELETE FROM organisations_user WHERE id = %s", [coordinator.pk])
    raw_sql("DELETE FROM organisations_municipality WHERE id = %s", [coordinator.municipality_id])
    assert AuditEvent.objects.filter(municipality_code="0999").count() == 5
    assert audit.verify_chain().ok


def test_audit_verify_passes_on_intact_chain(chain):
    result = audit.verify_chain(chunk_size=2)
    assert (result.ok, result.checked, result.first_bad_seq, result.problem) == (True, 5, None, "")


def test_audit_verify_passes_on_empty_log():
    assert audit.verify_chain().ok


def test_audit_verify_detects_row_changed_in_database(chain):
    raw_sql("UPDATE privacy_auditevent SET object_id = %s WHERE seq = 3", ["999"])
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "gewijzigd" in result.problem


def test_audit_verify_detects_row_changed_with_recomputed_hash(chain):
    raw_sql("UPDATE privacy_auditevent SET hash = %s WHERE seq = 3", ["f" * 64])
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_audit_verify_detects_row_deleted_in_database(chain):
    raw_sql("DELETE FROM privacy_auditevent WHERE seq = 2")
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "ontbreekt" in result.problem


def test_audit_verify_detects_truncated_tail(chain):
    raw_sql("DELETE FROM privacy_auditevent WHERE seq >= 4")
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "ingekort" in result.problem


def test_audit_verify_detects_rewritten_log_with_anchor(chain):
    anchor = (3, chain[2].hash)
    assert audit.verify_chain(anchor=anchor).ok
    assert not audit.verify_chain(anchor=(3, "0" * 64)).ok


def test_audit_verify_checks_up_to_the_head_it_read_first(chain, coordinator):
    # As if event 6 was appended by another process after verify read the head.
    audit.record(coordinator, AuditAction.VIEW)
    AuditChainHead.objects.filter(pk=1).update(last_seq=5, last_hash=chain[-1].hash)
    result = audit.verify_chain()
    assert (result.ok, result.checked) == (True, 5)


def test_audit_verify_command_says_intact(chain):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Auditlog intact: 5 gebeurtenissen gecontroleerd." in out.getvalue()
    assert f"Kop: 5:{chain[-1].hash}" in out.getvalue()


def test_audit_verify_command_exits_1_when_broken(chain):
    raw_sql("DELETE FROM privacy_auditevent WHERE seq = 1")
    err = StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert excinfo.value.code == 1
    assert "eerste fout bij gebeurtenis 1;" in err.getvalue()


def test_privacy_officer_sees_only_events_of_own_municipality(coordinator, chain):
    other = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0100"))
    audit.record(other, AuditAction.VIEW)
    officer = UserFactory(role=Role.PRIVACY_OFFICER, municipality=coordinator.municipality)
    assert set(scoped(officer, AuditEvent).values_list("municipality_code", flat=True)) == {"0999"}
    assert scoped(coordinator, AuditEvent).count() == 0


def test_record_on_sqlite_joins_the_callers_transaction(coordinator):
    """The documented trade-off: one writer, so the event rolls back with the caller."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite behaviour")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(coordinator, AuditAction.UPDATE)
        raise RuntimeError("fout na het vastleggen")
    assert not AuditEvent.objects.exists()
