"""The log-in and two-factor pages speak the portal's Dutch ("u", "verificatiecode"), not the package's."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
PASSWORD = "een-lang-wachtwoord-123"


def test_login_page_addresses_the_user_with_u(client):
    body = client.get(LOGIN).content.decode()
    assert "Log in met uw gebruikersnaam en wachtwoord." in body and "Voer je" not in body


def test_second_step_asks_for_the_verificatiecode(client):
    user = UserFactory(username="code-vrager")
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    response = client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": PASSWORD,
        },
    )
    body = response.content.decode()
    assert 'for="id_token-otp_token">Verificatiecode' in body
    assert "Voer de zescijferige code in die uw authenticator-app nu toont." in body


def test_setup_page_explains_the_authenticator_app_in_dutch(client):
    user = UserFactory(username="nieuw")
    client.force_login(user)
    body = client.get("/account/two_factor/setup/").content.decode()
    assert "Tweestapsverificatie instellen" in body and "Tweestapsauthenticatie" not in body


def test_security_page_without_backup_codes_offers_to_make_them_instead_of_counting_zero(
    client, verified_client
):
    verified_client(UserFactory(username="zonder-codes"))
    body = client.get("/mfa/").content.decode()
    assert "U heeft nog geen reservecodes." in body and "Reservecodes aanmaken" in body
    assert "U heeft nog 0 reservecodes" not in body
