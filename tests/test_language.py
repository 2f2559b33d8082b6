"""The portal speaks Dutch unless the user picks English; the browser's wish is not followed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
SWITCH = "/i18n/taal/"
FOOTER = "Vroegsignaal — vroegsignalering van schulden. Open source."


def test_page_is_marked_dutch_for_a_browser_that_asks_for_english(client):
    body = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nl"' in body


def test_form_errors_are_dutch_for_a_browser_that_asks_for_english(client):
    response = client.post(
        LOGIN,
        {"login_view-current_step": "auth", "auth-username": "", "auth-password": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert "Dit veld is vereist." in body and "This field is required." not in body


def test_every_page_offers_the_switch_with_the_current_language_pressed(client):
    body = client.get(LOGIN).content.decode()
    assert f'action="{SWITCH}"' in body
    assert (
        'value="nl" lang="nl" class="utrecht-button utrecht-button--subtle" aria-pressed="true" disabled'
        in body
    )
    assert '<button type="submit" name="language" value="en" lang="en"' in body
    # Each language by its own name, whichever is current.
    assert ">Nederlands</button>" in body and ">English</button>" in body


def test_choosing_english_sets_a_cookie_and_returns_to_the_page(client):
    response = client.post(SWITCH, {"language": "en", "next": LOGIN})
    assert response.status_code == 302 and response["Location"] == LOGIN
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) == settings.LANGUAGE_COOKIE_SECURE

    page = client.get(LOGIN)
    body = page.content.decode()
    assert '<html lang="en"' in body and page["Content-Language"] == "en"
    assert "Cookie" in page["Vary"]
    with translation.override("en"):
        english_footer = translation.gettext(FOOTER)
    assert english_footer != FOOTER  # the portal's catalog has it
    assert english_footer in body and FOOTER not in body


def test_english_form_errors_once_english_is_chosen(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        LOGIN, {"login_view-current_step": "auth", "auth-username": "", "auth-password": ""}
    )
    assert "This field is required." in response.content.decode()


def test_switching_back_to_dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(SWITCH, {"language": "nl", "next": LOGIN})
    assert '<html lang="nl"' in client.get(LOGIN).content.decode()


def test_a_cookie_with_an_unknown_language_gives_dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert '<html lang="nl"' in client.get(LOGIN).content.decode()


def test_the_switch_does_not_send_the_user_to_another_site(client):
    response = client.post(SWITCH, {"language": "en", "next": "https://evil.invalid/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_api_answers_in_dutch_whatever_the_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        "/api/v1/deliveries/", HTTP_AUTHORIZATION="Token nep.sleutel", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code in (401, 403)
    assert response["Content-Language"] == "nl"
    assert "Ongeldige of ingetrokken API-sleutel." in response.content.decode()


def test_the_chosen_language_ends_with_the_request(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.get(LOGIN)
    assert translation.get_language() == "nl"
