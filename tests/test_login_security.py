"""Log-in security: password plus TOTP for everyone, lock-out, idle time-out, headers."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from vroegsignaal.portal.middleware import IdleTimeoutMiddleware

PASSWORD = "een-lang-wachtwoord-123"
LOGIN = "/account/login/"


def current_token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def post_password(client, username: str, password: str = PASSWORD):
    return client.post(
        LOGIN,
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
    )


def post_token(client, token: str):
    return client.post(LOGIN, {"login_view-current_step": "token", "token-otp_token": token})


@pytest.fixture
def user_with_device(db):
    user = UserFactory(username="coordinator-login")
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user, device


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_path_cannot_add_parameters_to_the_log_in_link(client, db):
    """The path goes into ``next`` encoded: "&next=…" written %26 in a link stays part of it
    (it chose which ``next`` the log-in followed, or added ``verlopen=1``)."""
    response = client.get("/x%26next=https://evil.example/%26verlopen=1")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"next": ["/x&next=https://evil.example/&verlopen=1"]}
    assert client.get("/zaken/")["Location"] == "/account/login/?next=/zaken/"


def test_password_and_totp_open_the_portal(client, user_with_device):
    user, device = user_with_device
    assert post_password(client, user.username).status_code == 200
    response = post_token(client, current_token(device))
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Welkom" in home.content.decode()


def test_password_alone_does_not_open_the_portal(client, user_with_device):
    user, _ = user_with_device
    post_password(client, user.username)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_user_without_device_must_enrol_before_anything_else(client, db):
    user = UserFactory(username="nieuw")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")


def test_five_wrong_totp_codes_lock_the_account(client, user_with_device):
    user, device = user_with_device
    post_password(client, user.username)
    for _ in range(5):
        response = post_token(client, "000000" if current_token(device) != "000000" else "111111")
    assert response.status_code == 429
    # Starting over with the right password no longer helps.
    assert post_password(client, user.username).status_code == 429
    post_token(client, current_token(device))
    assert client.get("/").status_code == 302


def test_five_wrong_passwords_lock_the_account(client, user_with_device):
    user, device = user_with_device
    for _ in range(5):
        post_password(client, user.username, "fout-wachtwoord-123")
    response = post_password(client, user.username)
    assert response.status_code == 429


def test_idle_session_is_logged_out(client, verified_client, db):
    user = UserFactory()
    verified_client(user)
    assert client.get("/").status_code == 200
    session = client.session
    session[IdleTimeoutMiddleware.key] = int(time.time()) - 16 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert "verlopen" in response["Location"]


def test_must_change_one_time_password_first(client, verified_client, db):
    user = UserFactory(must_change_password=True)
    verified_client(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_change")


def test_pages_carry_a_strict_content_security_policy(client, verified_client, db):
    verified_client(UserFactory())
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_demo_mode_is_announced_on_every_page(client, db):
    response = client.get(LOGIN)
    assert "Demonstratieomgeving" in response.content.decode()


@pytest.mark.parametrize("password", ["kort-12345", "qwertyuiop123", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_health_check_answers_json_without_data(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "verwerking": "ok"}


def test_a_user_made_inactive_is_logged_out_at_the_next_request(db, verified_client):
    user = UserFactory()  # a coordinator
    client = verified_client(user)
    assert client.get(reverse("portal:home")).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


@pytest.mark.parametrize("url", [LOGIN, "/beheer/login/"])
def test_a_name_longer_than_any_user_is_refused_before_anyone_is_asked(
    client, user_with_device, url
):
    """Django sets the name's max_length without checking it: django-axes then recorded the failed
    log-in with the whole name, a 500 on PostgreSQL (character varying(255))."""
    from axes.models import AccessAttempt

    from conftest import login_verified

    if url != LOGIN:  # the admin's own log-in: reached by someone signed in to the portal
        login_verified(client, UserFactory(username="iemand"))
        data = {"username": "x" * 100_000, "password": PASSWORD}
    else:
        data = {
            "login_view-current_step": "auth",
            "auth-username": "x" * 100_000,
            "auth-password": PASSWORD,
        }
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "Zorg dat deze waarde niet meer dan 150 tekens bevat (het zijn er nu 100000)."
        in response.content.decode()
    )
    assert not AccessAttempt.objects.exists()
