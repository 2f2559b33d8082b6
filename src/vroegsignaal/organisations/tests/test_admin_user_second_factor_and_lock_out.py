"""The user's page says whether the user has a second factor and whether failed attempts lock
them out, with links to the lists where the beheerder removes the one and lifts the other; the
list shows both as columns, from two subqueries rather than two queries a row."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from vroegsignaal.organisations.tests.conftest import locked_out

pytestmark = pytest.mark.django_db


def _attempt(username: str, failures: int, *, hours_ago: float = 0) -> AccessAttempt:
    attempt = locked_out(username, failures=failures)
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    return attempt


def _page(client, user) -> str:
    response = client.get(f"/beheer/organisations/user/{user.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_user_without_second_factor_or_lock_out_is_said_to_be_so(beheerder_client):
    user = UserFactory(username="nieuw")
    page = _page(beheerder_client, user)
    assert "Tweede factor" in page and "Niet ingesteld: bij de volgende keer inloggen" in page
    assert "Blokkade" in page and "Niet geblokkeerd." in page


def test_a_second_factor_is_shown_with_links_to_the_users_devices(beheerder_client):
    user = UserFactory(username="werker")
    TOTPDevice.objects.create(user=user, name="telefoon", confirmed=True)
    StaticDevice.objects.create(user=user, name="backup").token_set.create(token="abcd1234")
    page = _page(beheerder_client, user)
    assert "Authenticator-app ingesteld, reservecodes aanwezig." in page
    assert f'href="/beheer/otp_totp/totpdevice/?user__id__exact={user.pk}"' in page
    assert f'href="/beheer/otp_static/staticdevice/?user__id__exact={user.pk}"' in page
    assert "abcd1234" not in page
    # The link shows that user's devices only.
    listed = beheerder_client.get(f"/beheer/otp_totp/totpdevice/?user__id__exact={user.pk}")
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [user.totpdevice_set.get()]


def test_an_unconfirmed_authenticator_is_no_second_factor_yet(beheerder_client):
    user = UserFactory(username="halverwege")
    TOTPDevice.objects.create(user=user, name="telefoon", confirmed=False)
    assert "Authenticator-app nog niet bevestigd." in _page(beheerder_client, user)


def test_a_locked_out_user_is_shown_with_a_link_to_lift_it(beheerder_client, settings):
    user = UserFactory(username="k.jansen")
    _attempt("k.jansen", settings.AXES_FAILURE_LIMIT)
    page = _page(beheerder_client, user)
    assert f"Geblokkeerd na {settings.AXES_FAILURE_LIMIT} mislukte inlogpogingen" in page
    assert "de blokkade vervalt vanzelf om" in page
    assert 'href="/beheer/axes/accessattempt/?username=k.jansen"' in page
    listed = beheerder_client.get("/beheer/axes/accessattempt/?username=k.jansen")
    assert listed.status_code == 200 and len(listed.context["cl"].result_list) == 1


@pytest.mark.parametrize(("failures", "hours_ago"), [(2, 0), (5, 3)])
def test_too_few_or_cooled_off_failures_are_no_lock_out(beheerder_client, failures, hours_ago):
    user = UserFactory(username="k.jansen")
    _attempt("k.jansen", failures, hours_ago=hours_ago)
    assert "Niet geblokkeerd." in _page(beheerder_client, user)


def test_the_list_shows_both_without_a_query_per_row(beheerder_client, settings):
    locked = UserFactory(username="geblokkeerd")
    _attempt("geblokkeerd", settings.AXES_FAILURE_LIMIT)
    TOTPDevice.objects.create(user=locked, name="telefoon", confirmed=True)
    UserFactory(username="zonder")
    response = beheerder_client.get("/beheer/organisations/user/")
    body = response.content.decode()
    assert "Tweede factor" in body and "Geblokkeerd" in body
    rows = {user.username: user for user in response.context["cl"].result_list}
    assert rows["geblokkeerd"]._has_totp and rows["geblokkeerd"]._locked_out
    assert not rows["zonder"]._has_totp and not rows["zonder"]._locked_out

    def count(users: int) -> int:
        UserFactory.create_batch(users)
        with CaptureQueriesContext(connection) as queries:
            assert beheerder_client.get("/beheer/organisations/user/").status_code == 200
        return len(queries)

    assert count(1) == count(5)
