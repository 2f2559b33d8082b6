"""The page header lines up with the page: its edges are the content's, however full its menu."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from tests.factories import CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDGES = """() => {
  const box = (s) => document.querySelector(s).getBoundingClientRect();
  const main = document.querySelector('main');
  const style = getComputedStyle(main);
  return {
    title: box('.site-title').left,
    logout: box('.site-user button').right,
    content_left: box('main').left + parseFloat(style.paddingLeft),
    content_right: box('main').right - parseFloat(style.paddingRight),
  };
}"""


@pytest.mark.parametrize(
    ("role", "width"),
    [("coordinator", 1280), ("coordinator", 1920), ("schuldeiser", 1280), ("schuldeiser", 1920)],
)
def test_header_starts_and_ends_where_the_content_does(page, live_server, role, width):
    """A short menu (a creditor's) once shrank the header to its contents, centred: the
    title stood to the right of the page's headings."""
    if role == "schuldeiser":
        user = UserFactory(
            username="schuldeiser",
            role=Role.SCHULDEISER,
            creditor=CreditorFactory(),
            municipality=None,
        )
    else:
        user = UserFactory(
            username="coordinator", role=Role.COORDINATOR, municipality=MunicipalityFactory()
        )
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, user, device)
    page.get_by_role("heading", level=1).wait_for()

    edges = page.evaluate(EDGES)
    assert edges["title"] == pytest.approx(edges["content_left"], abs=1)
    # Also when the user's name and the button go to a line of their own: at the right.
    assert edges["logout"] == pytest.approx(edges["content_right"], abs=1)
