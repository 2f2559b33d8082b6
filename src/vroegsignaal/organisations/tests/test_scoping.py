"""The scoping layer decides what each role sees; the default is nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.http import Http404

from tests.factories import (
    CovenantFactory,
    CreditorFactory,
    MunicipalityFactory,
    TeamFactory,
    UserFactory,
)
from vroegsignaal.organisations.models import Covenant, Creditor, Municipality, Role, Team
from vroegsignaal.organisations.scoping import (
    Scope,
    get_scoped_or_404,
    get_scoped_or_404_audited,
    scoped,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities():
    a = MunicipalityFactory(code="0101")
    b = MunicipalityFactory(code="0202")
    x = CreditorFactory(code="SEX")
    y = CreditorFactory(code="SEY")
    CovenantFactory(creditor=x, municipality=a)
    CovenantFactory(creditor=y, municipality=b)
    return a, b, x, y


def test_every_project_model_declares_a_scope():
    undeclared = [
        f"{model._meta.app_label}.{model.__name__}"
        for model in apps.get_models()
        if model.__module__.startswith("vroegsignaal.")
        and not isinstance(getattr(model, "scope", None), Scope)
    ]
    assert undeclared == []


def test_coordinator_sees_only_own_municipality(two_municipalities):
    a, b, x, y = two_municipalities
    user = UserFactory(role=Role.COORDINATOR, municipality=a)
    assert list(scoped(user, Municipality)) == [a]
    assert list(scoped(user, Creditor)) == [x]
    assert set(scoped(user, Covenant).values_list("municipality", flat=True)) == {a.pk}


def test_hulpverlener_sees_only_own_team(two_municipalities):
    a, *_ = two_municipalities
    mine = TeamFactory(municipality=a)
    TeamFactory(municipality=a)
    user = UserFactory(role=Role.HULPVERLENER, team=mine, municipality=a)
    assert list(scoped(user, Team)) == [mine]
    assert list(scoped(user, Creditor)) == []


def test_creditor_sees_only_itself_and_own_covenants(two_municipalities):
    a, b, x, y = two_municipalities
    user = UserFactory(role=Role.SCHULDEISER, creditor=x, municipality=None)
    assert list(scoped(user, Creditor)) == [x]
    assert list(scoped(user, Covenant).values_list("creditor", flat=True)) == [x.pk]
    assert list(scoped(user, Municipality)) == []


def test_scoping_a_join_does_not_duplicate_rows(two_municipalities):
    a, b, x, y = two_municipalities
    CovenantFactory(creditor=x, municipality=a, valid_from="2024-01-01")
    user = UserFactory(role=Role.COORDINATOR, municipality=a)
    assert scoped(user, Creditor).count() == 1


def test_inactive_or_anonymous_users_see_nothing(two_municipalities):
    a, *_ = two_municipalities
    user = UserFactory(role=Role.COORDINATOR, municipality=a, is_active=False)
    assert not scoped(user, Municipality).exists()
    assert not scoped(None, Municipality).exists()


def test_object_of_another_municipality_is_not_found(two_municipalities):
    a, b, *_ = two_municipalities
    user = UserFactory(role=Role.COORDINATOR, municipality=a)
    with pytest.raises(Http404):
        get_scoped_or_404(user, Municipality, pk=b.pk)
    assert get_scoped_or_404(user, Municipality, pk=a.pk) == a


@pytest.mark.parametrize("asked", [10**30, "12; drop table", 12.0])
def test_a_refused_id_that_is_no_well_formed_id_is_left_out_of_the_audit_event(
    two_municipalities, rf, asked
):
    from vroegsignaal.privacy.models import AuditAction, AuditEvent

    a, *_ = two_municipalities
    request = rf.get("/")
    request.user = UserFactory(role=Role.COORDINATOR, municipality=a)
    with pytest.raises(Http404):
        get_scoped_or_404_audited(
            request, Team, asked, purpose="werkbakje openen buiten eigen bereik"
        )
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (event.object_type, event.object_id) == ("organisations.team", "")
