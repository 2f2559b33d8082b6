"""Removing a user's second factor or lifting a lock-out in the admin is in the audit log, under
the user's municipality, as the command line's repair is: only the admin's history had it."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.tests.conftest import locked_out
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return UserFactory(
        username="werker",
        role=Role.COORDINATOR,
        municipality=MunicipalityFactory(code="0999", name="Voorbeeldstad"),
    )


def _events(purpose: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(purpose=purpose).order_by("pk"))


@pytest.mark.parametrize(
    ("model", "path", "kind"),
    [
        (TOTPDevice, "otp_totp/totpdevice", "authenticator-app"),
        (StaticDevice, "otp_static/staticdevice", "reservecodes"),
    ],
)
def test_removing_a_second_factor_is_in_the_users_audit_trail(
    beheerder_client, worker, model, path, kind
):
    device = model.objects.create(user=worker, name="telefoon")
    response = beheerder_client.post(f"/beheer/{path}/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not model.objects.filter(pk=device.pk).exists()
    [event] = _events("tweede factor verwijderd")
    assert (event.action, event.actor_username) == (AuditAction.DELETE, "beheer")
    assert (event.object_type, event.object_id) == ("organisations.user", str(worker.pk))
    assert event.municipality_id == worker.municipality_id  # the privacy officer sees it
    assert event.details == {"tweede_factor": kind}


def test_removing_several_second_factors_from_the_list_records_each(beheerder_client, worker):
    other = UserFactory(username="ander", role=Role.COORDINATOR, municipality=worker.municipality)
    devices = [TOTPDevice.objects.create(user=u, name="telefoon") for u in (worker, other)]
    response = beheerder_client.post(
        "/beheer/otp_totp/totpdevice/",
        {
            "action": "delete_selected",
            "_selected_action": [d.pk for d in devices],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).exists()
    assert sorted(e.object_id for e in _events("tweede factor verwijderd")) == sorted(
        [str(worker.pk), str(other.pk)]
    )


def test_lifting_a_lock_out_is_in_the_users_audit_trail(beheerder_client, worker):
    attempt = locked_out("werker")
    beheerder_client.post(f"/beheer/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    [event] = _events("blokkade opgeheven")
    assert (event.action, event.object_id) == (AuditAction.UPDATE, str(worker.pk))
    assert event.municipality_id == worker.municipality_id
    assert event.details == {"pogingen": 5}
