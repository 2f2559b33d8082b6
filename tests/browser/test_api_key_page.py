"""A creditor makes an API key in a real browser: the key is shown whole and can be copied."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from vroegsignaal.intake.models import ApiKey
from vroegsignaal.intake.tests.support import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_creditor_sees_the_whole_new_key_and_copies_it_with_one_button(
    page, live_server, screenshot
):
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    # The live server is on localhost: a secure context, where a page may write to the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server, world.user, device)

    page.goto(f"{live_server.url}/leveringen/api-sleutels/")
    page.get_by_label("Naam van de sleutel").fill("Incassosysteem productie")
    page.get_by_role("button", name="Sleutel aanmaken").click()
    field = page.get_by_label("Sleutel", exact=True)
    field.wait_for()
    key = field.input_value()
    assert ApiKey.objects.get(creditor=world.creditor).prefix == key.split(".")[0]

    # The whole key is in view, not cut off at the field's edge, nor its underscores at the bottom
    # (with the browser's default line height they fell below it and read as spaces).
    assert field.evaluate("f => f.scrollWidth <= f.clientWidth")
    assert field.evaluate(
        "f => parseFloat(getComputedStyle(f).lineHeight) >= 1.5 * parseFloat(getComputedStyle(f).fontSize)"
    )
    # The alert's parts stack: the warning to copy it now is below the field, not beside it.
    warning = page.get_by_text("Kopieer de sleutel nu")
    assert warning.bounding_box()["y"] > field.bounding_box()["y"] + field.bounding_box()["height"]

    page.get_by_role("button", name="Kopiëren").click()
    page.get_by_role("status").filter(has_text="De sleutel staat op het klembord.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    screenshot("intake-api-key-made")


def test_without_a_clipboard_the_copy_button_stays_hidden(page, live_server):
    """Over plain http to another host the browser gives no clipboard: the field alone remains."""
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.set_viewport_size({"width": 390, "height": 844})  # and on a phone
    log_in(page, live_server, world.user, device)

    page.goto(f"{live_server.url}/leveringen/api-sleutels/")
    page.get_by_label("Naam van de sleutel").fill("Incassosysteem test")
    page.get_by_role("button", name="Sleutel aanmaken").click()
    page.get_by_label("Sleutel", exact=True).wait_for()
    assert page.get_by_role("button", name="Kopiëren").count() == 0
    assert (
        page.get_by_label("Sleutel", exact=True)
        .input_value()
        .startswith(ApiKey.objects.get(creditor=world.creditor).prefix)
    )
    # Nothing widens the page: the API's address breaks, the table's hidden header stays in its box.
    assert (
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 1
    )
