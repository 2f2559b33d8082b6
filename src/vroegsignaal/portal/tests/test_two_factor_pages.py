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


def _at_code_step(client, username: str) -> TOTPDevice:
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": PASSWORD,
        },
    )
    return device


def _post_code(client, code: str) -> str:
    response = client.post(LOGIN, {"login_view-current_step": "token", "token-otp_token": code})
    return response.content.decode()


def _wrong_code(device: TOTPDevice) -> str:
    from tests.browser.steps import code_for

    return "123456" if code_for(device) != "123456" else "654321"


def test_a_wrong_code_is_refused_in_dutch_and_the_next_try_too_is_throttled_in_dutch(client):
    device = _at_code_step(client, "tikfout")
    body = _post_code(client, _wrong_code(device))
    assert "Deze code is niet juist of al gebruikt." in body
    assert "Invalid token" not in body
    # django-otp refuses any code for a moment after a wrong one; that, too, in Dutch.
    body = _post_code(client, _wrong_code(device))
    assert "Na 1 onjuiste code kunt u het even niet opnieuw proberen." in body
    assert "Verification temporarily disabled" not in body


def test_a_wrong_backup_code_is_refused_in_dutch(client):
    _at_code_step(client, "reserve")
    response = client.post(
        LOGIN, {"login_view-current_step": "backup", "backup-otp_token": "abcdefgh"}
    )
    body = response.content.decode()
    assert "Deze reservecode is niet juist of al gebruikt." in body
    assert "Invalid token" not in body


# --- a refused log-in opens with the summary of its errors, which takes the focus -------------


SUMMARY = '<div class="utrecht-alert utrecht-alert--error error-summary" role="alert" id="foutmeldingen" tabindex="-1" autofocus>'


def _summary(body: str) -> str:
    assert SUMMARY in body, "no error summary"
    return body[body.index(SUMMARY) : body.index("</div>", body.index(SUMMARY))]


def test_a_wrong_password_opens_the_log_in_with_the_summary_of_its_error(client):
    user = UserFactory(username="verkeerd")
    body = client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": "niet-het-wachtwoord",
        },
    ).content.decode()
    summary = _summary(body)
    assert "Niet ingelogd." in summary and "gebruikersnaam" in summary
    assert body.index(SUMMARY) < body.index('id="id_auth-username"')  # first, before the fields
    assert "<title>Fout: Inloggen · Vroegsignaal</title>" in body


def test_a_wrong_code_opens_the_code_step_with_the_summary_of_its_error(client):
    device = _at_code_step(client, "codefout")
    body = _post_code(client, _wrong_code(device))
    summary = _summary(body)
    assert "Niet ingelogd." in summary and "Deze code is niet juist of al gebruikt." in summary
    assert body.count("Deze code is niet juist of al gebruikt.") == 1  # not again under it
    assert "<title>Fout: Inloggen · Vroegsignaal</title>" in body


def test_the_log_in_has_no_summary_before_it_is_sent(client):
    assert "error-summary" not in client.get(LOGIN).content.decode()


# --- a refused step of the set-up wizard opens with the summary of its errors, too -------------


SETUP = "/account/two_factor/setup/"


def _at_setup_code_step(client) -> str:
    """The set-up wizard's page that asks for the app's code (a GET starts the wizard again)."""
    client.force_login(UserFactory(username="nieuw"))
    client.get(SETUP)
    return client.post(SETUP, {"setup_view-current_step": "welcome"}).content.decode()


def test_a_wrong_code_in_the_set_up_opens_it_with_the_summary_of_its_error(client):
    _at_setup_code_step(client)
    body = client.post(
        SETUP, {"setup_view-current_step": "generator", "generator-token": "12"}
    ).content.decode()
    summary = _summary(body)
    assert "De authenticator-app is nog niet gekoppeld." in summary
    assert 'href="#id_generator-token"' in summary  # the link to the field
    assert body.index(SUMMARY) < body.index('id="id_generator-token"')  # first, before the field
    assert "<title>Fout: Tweestapsverificatie instellen · Vroegsignaal</title>" in body


def test_the_set_up_has_no_summary_before_the_code_is_sent(client):
    body = _at_setup_code_step(client)
    assert 'id="id_generator-token"' in body and "error-summary" not in body


def test_a_wrong_code_in_the_set_up_is_told_in_the_portal_s_words(client):
    _at_setup_code_step(client)
    body = client.post(
        SETUP, {"setup_view-current_step": "generator", "generator-token": "123456"}
    ).content.decode()
    summary = _summary(body)
    assert "Deze code is niet juist of al gebruikt." in summary
    assert "Ingevoerde token" not in summary  # the package's own Dutch
