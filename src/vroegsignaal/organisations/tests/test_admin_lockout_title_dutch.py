"""axes names a lock-out "Attempted Access: 2026-11-29 09:12:03.123456+00:00" in code, where no
catalog reaches it: the beheerder's page of it, its breadcrumbs and the message after lifting it
say it in Dutch, with the user name the page shows anyway."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.utils import timezone

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.services import create_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def beheerder_client(verified_client):
    user, _ = create_user("beheer", Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    user.must_change_password = False
    user.save()
    return verified_client(user)


@pytest.fixture
def attempt():
    attempt = AccessAttempt.objects.create(
        username="k.jansen",
        path_info="/account/login/",
        failures_since_start=5,
        user_agent="Firefox",
        ip_address="192.0.2.1",
        http_accept="*/*",
        get_data="",
        post_data="",
    )
    moment = timezone.make_aware(dt.datetime(2026, 11, 29, 9, 12), timezone.get_default_timezone())
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=moment)
    attempt.refresh_from_db()
    return attempt


def test_the_lock_outs_page_is_titled_in_dutch(beheerder_client, attempt):
    page = beheerder_client.get(f"/beheer/axes/accessattempt/{attempt.pk}/change/")
    body = page.content.decode()
    assert "Attempted Access" not in body
    assert "Toegangspoging van k.jansen, 29 november 2026 09:12" in body


def test_lifting_it_says_so_in_dutch(beheerder_client, attempt):
    response = beheerder_client.post(
        f"/beheer/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        "De toegangspoging ‘Toegangspoging van k.jansen, 29 november 2026 09:12’ "
        "is met succes verwijderd."
    )
