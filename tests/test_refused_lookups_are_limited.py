"""A user who keeps asking for ids outside their scope is stopped, and cannot fill the audit log.

Each refused look-up is an ``access_denied`` event (test_refused_lookups_are_audited.py). Past
``REFUSED_LOOKUPS_PER_USER`` of them in ``REFUSED_LOOKUP_WINDOW`` seconds the answer is 429 with
``Retry-After``: one more event says so ("te veel geweigerde opvragingen"), the refusals after it
write none, until the oldest refusals leave the window. What the user may see still opens.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.test_refused_lookups_are_audited import LOOKUPS, _ask
from tests.test_tenant_isolation import build_world
from vroegsignaal.intake import services as intake_services
from vroegsignaal.organisations.scoping import TOO_MANY_PURPOSE
from vroegsignaal.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LIMIT = 3
WINDOW = 600


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.REFUSED_LOOKUPS_PER_USER = LIMIT
    settings.REFUSED_LOOKUP_WINDOW = WINDOW


def denied() -> list[tuple[str, str]]:
    """The access_denied events, oldest first: (purpose, object id)."""
    return list(
        AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED)
        .order_by("seq")
        .values_list("purpose", "object_id")
    )


def test_past_the_limit_a_page_answers_429_and_one_event_says_so(client, verified_client):
    lookup = LOOKUPS["household"]
    world = build_world()
    foreign = lookup.foreign(world)
    answers = [_ask(lookup, world, client, verified_client, foreign)[0] for _ in range(LIMIT + 3)]
    assert [r.status_code for r in answers] == [404] * LIMIT + [429] * 3
    assert denied() == [(lookup.purpose, str(foreign))] * LIMIT + [(TOO_MANY_PURPOSE, str(foreign))]
    stopped = answers[LIMIT]
    assert 0 < int(stopped["Retry-After"]) <= WINDOW
    body = stopped.content.decode()
    assert (
        "Te veel geweigerde opvragingen" in body and "Probeer het over 10 minuten opnieuw." in body
    )
    event = AuditEvent.objects.get(purpose=TOO_MANY_PURPOSE)
    assert event.details == {"grens": LIMIT, "venster_seconden": WINDOW}
    assert event.actor_username == world.viewers["coordinator"].username
    # What the user may see still opens, and writes nothing.
    own = lookup.own(world)
    assert _ask(lookup, world, client, verified_client, own)[0].status_code == 200
    assert len(denied()) == LIMIT + 1


def test_once_the_oldest_refusals_leave_the_window_a_refusal_is_a_404_and_an_event_again(
    client, verified_client, monkeypatch
):
    lookup = LOOKUPS["case"]
    world = build_world()
    foreign = lookup.foreign(world)
    for _ in range(LIMIT + 1):
        _ask(lookup, world, client, verified_client, foreign)
    later = timezone.now() + dt.timedelta(seconds=WINDOW + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = _ask(lookup, world, client, verified_client, foreign)[0]
    assert response.status_code == 404
    assert denied()[-1] == (lookup.purpose, str(foreign))


def test_each_user_has_a_limit_of_their_own(client, verified_client):
    world = build_world()
    household = LOOKUPS["household"]
    for _ in range(LIMIT + 1):
        _ask(household, world, client, verified_client, household.foreign(world))
    case = LOOKUPS["case"]  # a wijkteam worker of the same municipality
    assert _ask(case, world, client, verified_client, case.foreign(world))[0].status_code == 404


def test_an_api_key_past_the_limit_gets_429_with_a_dutch_melding():
    lookup = LOOKUPS["delivery (API)"]
    world = build_world()
    creditor = world.viewers["schuldeiser"].creditor
    _key, text = intake_services.create_api_key(
        creditor, "Incassosysteem", world.viewers["schuldeiser"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    foreign = lookup.foreign(world)
    answers = [api.get(lookup.url(foreign)) for _ in range(LIMIT + 2)]
    assert [r.status_code for r in answers] == [404] * LIMIT + [429] * 2
    assert (
        answers[-1]
        .json()["melding"]
        .startswith(
            "Te veel opvragingen van leveringen die niet bestaan of niet van uw organisatie zijn; "
            "probeer het over "
        )
    )
    assert int(answers[-1]["Retry-After"]) > 0
    assert [p for p, _ in denied()] == [lookup.purpose] * LIMIT + [TOO_MANY_PURPOSE]


def test_no_limit_when_it_is_switched_off(client, verified_client, settings):
    settings.REFUSED_LOOKUPS_PER_USER = 0
    lookup = LOOKUPS["tray"]
    world = build_world()
    foreign = lookup.foreign(world)
    answers = [_ask(lookup, world, client, verified_client, foreign)[0] for _ in range(LIMIT + 2)]
    assert [r.status_code for r in answers] == [404] * (LIMIT + 2)
    assert len(denied()) == LIMIT + 2


def test_the_page_is_in_english_for_a_user_who_chose_english(client, verified_client):
    lookup = LOOKUPS["tray"]
    world = build_world()
    foreign = lookup.foreign(world)
    for _ in range(LIMIT):
        _ask(lookup, world, client, verified_client, foreign)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("reporting:tray", args=[foreign]))
    assert response.status_code == 429
    assert "Too many refused requests" in response.content.decode()


def test_after_retry_after_seconds_a_refusal_is_a_404_again_not_a_second_marker(
    client, verified_client, monkeypatch
):
    """Retry-After once said when the oldest refusal left the window; the marker event counts too,
    so a user who waited that long was refused past the limit again, with a second marker."""
    lookup = LOOKUPS["tray"]
    world = build_world()
    foreign = lookup.foreign(world)
    clock = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    for _ in range(LIMIT):  # a minute apart
        _ask(lookup, world, client, verified_client, foreign)
        clock[0] += dt.timedelta(minutes=1)
    stopped = _ask(lookup, world, client, verified_client, foreign)[0]
    assert stopped.status_code == 429
    clock[0] += dt.timedelta(seconds=int(stopped["Retry-After"]))
    assert _ask(lookup, world, client, verified_client, foreign)[0].status_code == 404
    assert [p for p, _ in denied()].count(TOO_MANY_PURPOSE) == 1
