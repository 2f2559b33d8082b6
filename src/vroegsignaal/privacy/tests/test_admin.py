from __future__ import annotations

import pytest

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit
from vroegsignaal.privacy.models import AuditAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(verified_client):
    """A superuser: the audit log is in no role's admin (a beheerder sees no personal data)."""
    user = UserFactory(role=Role.BEHEERDER, municipality=None, is_superuser=True)
    return verified_client(user)


@pytest.fixture
def beheerder_client(verified_client):
    return verified_client(UserFactory(role=Role.BEHEERDER, municipality=None))


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


def test_admin_edits_a_municipalitys_retention_periods(beheerder_client):
    from tests.factories import MunicipalityFactory
    from vroegsignaal.privacy.models import RetentionPolicy

    municipality = MunicipalityFactory(code="0999")
    response = beheerder_client.post(
        "/beheer/privacy/retentionpolicy/add/",
        {"municipality": municipality.pk, "unpicked_signal_months": 9, "closed_case_months": 24},
    )
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(municipality=municipality)
    assert (policy.unpicked_signal_months, policy.closed_case_months) == (9, 24)


def test_one_municipalitys_retention_periods_are_named_in_the_singular(beheerder_client):
    """One row is one municipality's "bewaartermijn": "bewaartermijn toevoegen", not
    "bewaartermijnen toevoegen"."""
    page = beheerder_client.get("/beheer/privacy/retentionpolicy/add/")
    assert page.context["title"] == "bewaartermijn toevoegen"


def test_admin_refuses_a_retention_period_of_zero_months(beheerder_client):
    from tests.factories import MunicipalityFactory
    from vroegsignaal.privacy.models import RetentionPolicy

    municipality = MunicipalityFactory(code="0999")
    response = beheerder_client.post(
        "/beheer/privacy/retentionpolicy/add/",
        {"municipality": municipality.pk, "unpicked_signal_months": 0, "closed_case_months": 12},
    )
    assert response.status_code == 200
    assert "unpicked_signal_months" in response.context["adminform"].form.errors
    assert not RetentionPolicy.objects.exists()


def test_admin_shows_retention_runs_read_only(beheerder_client):
    assert beheerder_client.get("/beheer/privacy/retentionrun/").status_code == 200
    assert beheerder_client.get("/beheer/privacy/retentionrun/add/").status_code == 403


def test_retention_policies_list_says_the_defaults_and_which_municipalities_follow_them(
    beheerder_client,
):
    from tests.factories import MunicipalityFactory
    from vroegsignaal.privacy.models import RetentionPolicy

    MunicipalityFactory(name="Voorbeeldstad")
    RetentionPolicy.objects.create(
        municipality=MunicipalityFactory(name="Proefdorp"), unpicked_signal_months=3
    )
    body = beheerder_client.get("/beheer/privacy/retentionpolicy/").content.decode()
    assert "niet opgepakte signalen 6 maanden, afgesloten zaken 12 maanden" in body
    assert "Gemeenten met de standaard: Voorbeeldstad." in body


def test_the_admin_names_a_changed_retention_policy_by_its_municipality(beheerder_client):
    """Django's message says "De bewaartermijn ‘…’ is … gewijzigd": the name inside it is the
    municipality's, not a second "Bewaartermijnen" (and not untranslated Dutch in English)."""
    from django.contrib.messages import get_messages
    from django.utils.html import strip_tags

    from tests.factories import MunicipalityFactory
    from vroegsignaal.privacy.models import RetentionPolicy

    policy = RetentionPolicy.objects.create(
        municipality=MunicipalityFactory(name="Proefdorp", code="0999")
    )
    response = beheerder_client.post(
        f"/beheer/privacy/retentionpolicy/{policy.pk}/change/",
        {
            "municipality": policy.municipality_id,
            "unpicked_signal_months": 9,
            "closed_case_months": 24,
        },
    )
    assert response.status_code == 302
    [message] = [strip_tags(str(m)) for m in get_messages(response.wsgi_request)]
    assert message == "De bewaartermijn ‘gemeente Proefdorp (0999)’ is met succes gewijzigd."
