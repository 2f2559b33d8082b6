from __future__ import annotations

import pytest

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import AuditAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(verified_client):
    user = UserFactory(role=Role.BEHEERDER, municipality=None, is_superuser=True)
    return verified_client(user)


def test_admin_shows_audit_log_read_only(admin_client):
    event = audit.record(None, AuditAction.PURGE, object_type="signals.signal", object_id="12")
    assert admin_client.get("/beheer/privacy/auditevent/").status_code == 200
    detail = admin_client.get(f"/beheer/privacy/auditevent/{event.seq}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content


@pytest.mark.parametrize(
    "path", ["/beheer/privacy/auditevent/add/", "/beheer/privacy/auditevent/1/delete/"]
)
def test_admin_cannot_add_or_delete_audit_events(admin_client, path):
    audit.record(None, AuditAction.PURGE)
    assert admin_client.get(path).status_code == 403
    assert admin_client.post(path, {"post": "yes"}).status_code == 403
    assert audit.verify_chain().checked == 1
