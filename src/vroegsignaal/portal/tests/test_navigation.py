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
