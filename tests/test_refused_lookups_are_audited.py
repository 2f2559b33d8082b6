"""A look-up of another organisation's object by its id is refused (404) and audited.

The privacy officer sees someone probing ids (BIO 12.4.1): one ``access_denied`` event per
refused request, with the object's type and the id asked for. An id that does not exist gets
the same 404 and the same event, so neither the answer nor the log tells whether it exists;
an object the user may see writes no such event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Max
from django.urls import reverse
from rest_framework.test import APIClient

from tests.test_tenant_isolation import World, build_world
from vroegsignaal.intake.models import ApiKey, Delivery
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Lookup:
    """A page or endpoint that takes an object's id; ``own`` makes an object the viewer may see."""

    viewer: str
    method: str
    url: Callable[[int], str]
    object_type: str
    purpose: str
    foreign: Callable[[World], int]
    own: Callable[[World], int]
    data: Callable[[int], dict] | None = None  # the posted form, when the id travels in it


def _own_tray(world: World) -> int:
    from vroegsignaal.signals.models import Tray

    a = world.viewers["coordinator"].municipality
    return Tray.objects.create(municipality=a, name="Bakje A", position=1).pk


def _own_signal(world: World) -> int:
    from vroegsignaal.signals.models import Signal

    return Signal.objects.get(household=world.objects["household_case_a2"]).pk


def _own_delivery(world: World) -> int:
    creditor = world.viewers["schuldeiser"].creditor
    return Delivery.objects.create(
        creditor=creditor, kind="stand", reference_date=dt.date(2026, 1, 1), status="verwerkt",
        sha256="1" * 64, via="portaal", filename="eigen.csv",
    ).pk  # fmt: skip


def _own_api_key(world: World) -> int:
    creditor = world.viewers["schuldeiser"].creditor
    return ApiKey.objects.create(
        creditor=creditor, name="Sleutel X", prefix="beefbeefbeef", secret_hash="0" * 64
    ).pk


def _own_case(world: World) -> int:
    """The case of team A2 handed to the viewer's team A1."""
    from vroegsignaal.cases.models import Case

    case = world.objects["case_a2"]
    Case.objects.filter(pk=case.pk).update(team=world.viewers["hulpverlener"].team)
    return case.pk


def _household(world: World) -> int:
    return world.objects["household_case_a2"].pk


def _pk_of(key: str) -> Callable[[World], int]:
    return lambda world: world.objects[key].pk


def _url(name: str, kwarg: str) -> Callable[[int], str]:
    return lambda pk: reverse(name, kwargs={kwarg: pk})


LOOKUPS = {
    "household": Lookup(
        "coordinator", "get", _url("reporting:household", "household_id"),
        "households.household", "huishouden openen buiten eigen bereik",
        _pk_of("household_b"), _household,
    ),
    "signal (picked up)": Lookup(
        "coordinator", "post", lambda pk: reverse("cases:pick_up"),
        "signals.signal", "signaal openen buiten eigen bereik",
        _pk_of("signal_b"), _own_signal, data=lambda pk: {"signal": pk},
    ),
    "signal (not picked up)": Lookup(
        "coordinator", "post", lambda pk: reverse("cases:not_picked_up"),
        "signals.signal", "signaal openen buiten eigen bereik",
        _pk_of("signal_b"), _own_signal, data=lambda pk: {"signal": pk, "reason": ""},
    ),
    "tray": Lookup(
        "coordinator", "get", _url("reporting:tray", "tray_id"),
        "signals.tray", "werkbakje openen buiten eigen bereik",
        _pk_of("tray_b"), _own_tray,
    ),
    "tray (managed)": Lookup(
        "coordinator", "get", _url("signals:tray_edit", "tray_id"),
        "signals.tray", "werkbakje openen buiten eigen bereik",
        _pk_of("tray_b"), _own_tray,
    ),
    "delivery": Lookup(
        "schuldeiser", "get", _url("intake:detail", "delivery_id"),
        "intake.delivery", "levering openen buiten eigen bereik",
        _pk_of("delivery_y"), _own_delivery,
    ),
    "delivery (API)": Lookup(
        "api", "get", _url("intake_api:delivery-detail", "delivery_id"),
        "intake.delivery", "levering openen buiten eigen bereik",
        _pk_of("delivery_y"), _own_delivery,
    ),
    "API key": Lookup(
        "schuldeiser", "get", _url("intake:revoke_api_key", "api_key_id"),
        "intake.apikey", "API-sleutel openen buiten eigen bereik",
        _pk_of("api_key_y"), _own_api_key,
    ),
    "case": Lookup(
        "hulpverlener", "get", _url("cases:detail", "case_id"),
        "cases.case", "zaak openen buiten eigen bereik",
        _pk_of("case_b"), _own_case,
    ),
}  # fmt: skip


def _ask(lookup: Lookup, world: World, client, verified_client, pk: int):
    """The viewer's request for object ``pk``; returns the response and who asked (user name)."""
    if lookup.viewer == "api":
        from vroegsignaal.intake import services

        creditor = world.viewers["schuldeiser"].creditor
        key, text = services.create_api_key(
            creditor, "Incassosysteem", world.viewers["schuldeiser"]
        )
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
        return api.get(lookup.url(pk)), f"api-{key.prefix}"
    user = world.viewers[lookup.viewer]
    verified_client(user)
    send = getattr(client, lookup.method)
    response = send(lookup.url(pk), lookup.data(pk)) if lookup.data else send(lookup.url(pk))
    return response, user.username


def _denied():
    return AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED)


def _unknown_id(object_type: str) -> int:
    from django.apps import apps

    model = apps.get_model(object_type)
    return (model._base_manager.aggregate(last=Max("pk"))["last"] or 0) + 1000


@pytest.mark.parametrize("what", sorted(LOOKUPS))
def test_asking_for_another_organisations_object_is_a_404_and_one_access_denied_event(
    what, client, verified_client
):
    lookup = LOOKUPS[what]
    world = build_world()
    foreign = lookup.foreign(world)
    before = set(_denied().values_list("seq", flat=True))
    response, asker = _ask(lookup, world, client, verified_client, foreign)
    events = [e for e in _denied() if e.seq not in before]
    assert response.status_code == 404
    assert [(e.object_type, e.object_id, e.purpose, e.actor_username) for e in events] == [
        (lookup.object_type, str(foreign), lookup.purpose, asker)
    ]


@pytest.mark.parametrize("what", sorted(LOOKUPS))
def test_an_id_that_does_not_exist_gets_the_same_answer_and_the_same_event(
    what, client, verified_client
):
    lookup = LOOKUPS[what]
    world = build_world()
    _ask(lookup, world, client, verified_client, lookup.foreign(world))
    unknown = _unknown_id(lookup.object_type)
    response, _asker = _ask(lookup, world, client, verified_client, unknown)
    unknown_event, foreign_event = _denied()  # newest first
    assert response.status_code == 404
    same = ("object_type", "purpose", "organisation", "municipality_id", "details", "ip_address")
    assert {f: getattr(unknown_event, f) for f in same} == {
        f: getattr(foreign_event, f) for f in same
    }
    assert unknown_event.object_id == str(unknown)


@pytest.mark.parametrize("what", sorted(LOOKUPS))
def test_an_object_the_user_may_see_writes_no_access_denied_event(what, client, verified_client):
    lookup = LOOKUPS[what]
    world = build_world()
    own = lookup.own(world)
    response, _asker = _ask(lookup, world, client, verified_client, own)
    assert response.status_code in (200, 302) and not _denied().exists()
