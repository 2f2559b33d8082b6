"""The main menu tells assistive technology where the user is: the page itself, or a page below it."""

from __future__ import annotations

from vroegsignaal.portal.navigation import _current


def test_menu_item_is_the_current_page_on_its_own_page():
    assert _current("/zaken/", "/zaken/") == "page"


def test_menu_item_is_current_on_a_page_below_it():
    assert _current("/zaken/", "/zaken/12/") == "true"


def test_start_page_is_not_current_on_every_other_page():
    assert _current("/", "/zaken/") == ""


def test_menu_item_is_not_current_elsewhere():
    assert _current("/zaken/", "/werkbakjes/") == ""


def test_a_coordinator_reaches_the_map_and_the_dashboard_from_the_menu(db):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import MunicipalityFactory, UserFactory
    from vroegsignaal.organisations.models import Role
    from vroegsignaal.portal.navigation import navigation_for

    coordinator = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory())
    urls = [item["url"] for item in navigation_for(coordinator, "/")]
    assert {"/signalen/kaart/", "/signalen/dashboard/"} <= set(urls)
    assert navigation_for(AnonymousUser(), "/") == []
