"""A part of the page that htmx updates and whose request fails says so, in a real browser.

htmx swaps nothing when its request is answered with an error: a delivery's status that polls
while a large delivery holds SQLite's write lock (503) just stopped changing, without a word. The
page's alert region (``#verzoekfout``, portal/base.html; portal.js) now says what happened, and
the next request that succeeds takes it away again.
"""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.browser.test_stalled_delivery import delivery_no_worker_runs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUSY = "probeer het over een minuut opnieuw"
FAILED = "Deze pagina kon door een fout niet worden bijgewerkt."


def open_a_polling_status(page, live_server, settings, tmp_path):
    """A delivery received a moment ago, for a worker that does not come: its status asks the
    server every second (intake/_status.html)."""
    world, device, delivery = delivery_no_worker_runs(settings, tmp_path)
    assert isinstance(device, TOTPDevice)
    log_in(page, live_server, world.user, device)
    page.goto(f"{live_server.url}/leveringen/{delivery.pk}/")
    page.get_by_role("heading", name="Status").wait_for()
    assert page.locator("#levering-status[hx-get]").count() == 1
    return delivery


def answer_status_with(page, delivery, status: int, body: str) -> None:
    page.route(
        f"**/leveringen/{delivery.pk}/status/",
        lambda route: route.fulfill(
            status=status,
            headers={"Retry-After": "60"} if status == 503 else {},
            content_type="text/html; charset=utf-8",
            body=body,
        ),
    )


def test_a_status_answered_503_says_the_system_is_busy_until_it_answers_again(
    page, live_server, settings, tmp_path, csp_refusals, screenshot
):
    delivery = open_a_polling_status(page, live_server, settings, tmp_path)
    alert = page.get_by_role("alert").filter(has_text="Het systeem is even bezig")
    assert alert.count() == 0

    answer_status_with(page, delivery, 503, "<h1>Het systeem is even bezig</h1>")
    alert.wait_for()
    text = alert.inner_text()
    assert BUSY in text
    assert "Een pagina die zichzelf bijwerkt, probeert het vanzelf opnieuw" in text
    assert alert.is_visible()
    assert page.locator("#verzoekfout .utrecht-alert.utrecht-alert--warning").count() == 1
    screenshot("htmx-request-busy")

    page.unroute(f"**/leveringen/{delivery.pk}/status/")  # the lock is gone: polling goes on
    alert.wait_for(state="detached")
    assert page.locator("#verzoekfout").inner_text() == ""
    assert csp_refusals == []


def test_a_status_answered_500_says_something_went_wrong(page, live_server, settings, tmp_path):
    delivery = open_a_polling_status(page, live_server, settings, tmp_path)

    answer_status_with(page, delivery, 500, "<h1>Er ging iets mis</h1>")
    alert = page.get_by_role("alert").filter(has_text="Er ging iets mis")
    alert.wait_for()
    assert FAILED in alert.inner_text()
    assert BUSY not in alert.inner_text()
    assert page.locator("#verzoekfout .utrecht-alert.utrecht-alert--error").count() == 1
