"""A locked-out user: the beheerder lifts the lock in axes's list, and sees neither there nor in
the database what was typed in the password field (axes kept the log-in form as posted, with the
wrong passwords in plain text)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import UserFactory
from vroegsignaal.organisations.tests.conftest import locked_out

pytestmark = pytest.mark.django_db

TYPED = "Zomer2026-bijna-goed"


def _fail_log_in(username: str) -> None:
    Client().post(
        "/account/login/",
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": TYPED,
        },
    )


def test_a_failed_attempt_keeps_no_typed_password():
    UserFactory(username="vergeetachtig")
    _fail_log_in("vergeetachtig")
    attempt = AccessAttempt.objects.get(username="vergeetachtig")
    assert TYPED not in attempt.post_data


def test_the_beheerder_sees_no_typed_form_data_on_an_attempts_page(beheerder_client):
    attempt = locked_out(
        "vergeetachtig", post_data=f"auth-username=vergeetachtig\nauth-password={TYPED}"
    )
    page = beheerder_client.get(f"/beheer/axes/accessattempt/{attempt.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert TYPED not in body
    assert "vergeetachtig" in body  # what the lock-out is about still shows


def test_the_beheerder_lifts_a_lock_out_by_deleting_the_attempt(beheerder_client):
    attempt = locked_out("vergeetachtig")
    response = beheerder_client.post(
        f"/beheer/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def _forget_typed_form_data() -> None:
    """The organisations migration that empties the attempts stored before the masking."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "vroegsignaal.organisations.migrations.0004_forget_typed_log_in_form_data"
    )
    migration.forget_typed_form_data(apps, None)


def test_attempts_stored_before_the_masking_forget_what_was_typed():
    attempt = locked_out(
        "vergeetachtig", post_data=f"auth-username=vergeetachtig\nauth-password={TYPED}"
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(get_data=f"auth-password={TYPED}")
    _forget_typed_form_data()
    attempt.refresh_from_db()
    assert (attempt.get_data, attempt.post_data) == ("", "")


def test_attempts_whose_typed_data_is_forgotten_still_lock_the_user_out():
    from vroegsignaal.organisations.admin.users import lock_outs

    locked_out("vergeetachtig", post_data=f"auth-password={TYPED}")
    _forget_typed_form_data()
    assert lock_outs(AccessAttempt.objects.filter(username="vergeetachtig")).exists()
