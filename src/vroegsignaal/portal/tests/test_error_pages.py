"""Error pages speak Dutch in the portal's look, instead of Django's English defaults."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.factories import CreditorFactory, UserFactory
from vroegsignaal.organisations.models import Role


@pytest.mark.django_db
def test_unknown_page_says_in_dutch_that_it_was_not_found(client, verified_client):
    verified_client(
        UserFactory(role=Role.SCHULDEISER, creditor=CreditorFactory(code="NF"), municipality=None)
    )
    response = client.get("/bestaat-niet/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Pagina niet gevonden" in body and '<html lang="nl"' in body and "Not Found" not in body


@pytest.mark.django_db
def test_refused_page_says_in_dutch_there_is_no_access(client, verified_client):
    user = UserFactory(
        role=Role.SCHULDEISER, creditor=CreditorFactory(code="ERR"), municipality=None
    )
    verified_client(user)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 403 and "Geen toegang" in response.content.decode()


@pytest.mark.django_db
def test_expired_form_says_in_dutch_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/account/login/", {})
    body = response.content.decode()
    assert response.status_code == 403
    assert "Formulier verlopen" in body and "CSRF verification failed" not in body


def test_server_error_page_renders_without_a_request():
    body = render_to_string("500.html")
    assert "Er ging iets mis" in body and '<html lang="nl"' in body
