"""Links to portal pages in e-mail notices and command output (which have no request to build them from)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def portal_address(url_name: str) -> str:
    """The page's full address with ``PORTAL_URL``, else its path (for an operator's command output)."""
    return (getattr(settings, "PORTAL_URL", "") or "").rstrip("/") + reverse(url_name)


def notice_link(url_name: str) -> str:
    """`` (https://…/page/)`` for a sentence in a notice; ``""`` without ``PORTAL_URL``."""
    base = (getattr(settings, "PORTAL_URL", "") or "").rstrip("/")
    return f" ({base}{reverse(url_name)})" if base else ""
