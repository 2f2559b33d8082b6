"""axes names a lock-out "Attempted Access: 2026-11-29 09:12:03.123456+00:00" in code, where no
catalog reaches it: the beheerder's page of it, its breadcrumbs and the message after lifting it
say it in Dutch, with the user name the page shows anyway."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.utils import timezone

from vroegsignaal.organisations.tests.conftest import locked_out

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    attempt = locked_out("k.jansen")
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
