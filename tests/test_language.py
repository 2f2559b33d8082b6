"""The portal speaks Dutch to every browser, whatever language the browser asks for."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"


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
