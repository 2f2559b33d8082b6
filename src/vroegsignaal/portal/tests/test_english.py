"""The portal's own pages in English once the user chose it; the health check stays Dutch."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tests.english import in_english
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    return in_english(client)


def test_log_in_page_speaks_english_when_chosen(english):
    body = english.get("/account/login/").content.decode()

    assert '<html lang="en"' in body
    assert '<h1 class="utrecht-heading-1">Log in</h1>' in body
    assert "Log in with your username and password." in body
    assert ">Next</button>" in body
    assert "Skip to content" in body and "early detection of payment arrears" in body
    for dutch in (
        "Inloggen",
        "Log in met uw gebruikersnaam",
        "Volgende",
        "Naar de inhoud",
        "vroegsignalering van schulden",
    ):
        assert dutch not in body


def test_log_in_page_stays_dutch_without_a_choice(client):
    body = client.get("/account/login/").content.decode()
    assert '<h1 class="utrecht-heading-1">Inloggen</h1>' in body and "Log in with" not in body


def test_home_page_speaks_english_when_chosen(english, verified_client):
    municipality = MunicipalityFactory(code="0996", name="Engelsdorp")
    verified_client(
        UserFactory(username="coord-en", role=Role.COORDINATOR, municipality=municipality)
    )

    body = english.get("/").content.decode()

    assert "<title>Home · Vroegsignaal</title>" in body
    assert "Welcome, coord-en" in body
    assert "You are logged in as early detection coordinator (Engelsdorp)." in body
    assert 'aria-label="Main menu"' in body
    for label in ("Home", "Trays", "Cases", "Monitor", "Account security"):
        assert f">{label}</a>" in body
    assert ">Log out</button>" in body
    assert (
        "What you will find here" in body
        and ">Trays with your municipality&#x27;s signals</a>" in body
    )
    for dutch in (
        "Welkom",
        "U bent ingelogd",
        "Hoofdmenu",
        ">Werkbakjes<",
        ">Zaken<",
        "Accountbeveiliging",
        "Uitloggen",
        "Wat u hier vindt",
    ):
        assert dutch not in body


def test_home_page_names_the_platform_in_english_for_a_user_without_organisation(
    english, verified_client
):
    verified_client(UserFactory(role=Role.BEHEERDER, municipality=None))
    body = english.get("/").content.decode()
    assert "You are logged in as administrator of the platform." in body
    assert ">Administration</a>" in body and "Manage municipalities, creditors, covenants" in body


def test_unknown_page_speaks_english_when_chosen(english, verified_client):
    verified_client(
        UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0995"))
    )
    response = english.get("/bestaat-niet/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "Pagina niet gevonden" not in body


def test_server_error_page_is_marked_with_the_language_it_speaks():
    with translation.override("en"):
        body = render_to_string("500.html")
    assert (
        '<html lang="en"' in body
        and "Something went wrong" in body
        and "Er ging iets mis" not in body
    )


def test_account_security_page_speaks_english_when_chosen(english, verified_client):
    verified_client(
        UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0994"))
    )
    body = english.get("/mfa/").content.decode()
    assert '<h1 class="utrecht-heading-1">Account security</h1>' in body
    assert "Two-step verification is switched on and is required for every user." in body
    assert "Accountbeveiliging" not in body and "Tweestapsverificatie" not in body


def test_health_check_stays_dutch_when_english_is_chosen(english):
    response = english.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "verwerking": "ok"}
