"""Test helpers for pages in English: the user's choice (the language cookie) and a page's own content."""

from __future__ import annotations

from django.conf import settings


def in_english(client):
    """The test client with English chosen, as the switch at the foot of every page chooses it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def main_html(response) -> str:
    """The page's own content (``<main>``), without the portal's header and footer."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]
