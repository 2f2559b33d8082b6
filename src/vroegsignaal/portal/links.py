"""Links to portal pages in e-mail notices (which have no request to build them from)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def notice_link(url_name: str) -> str:
    """`` (https://…/page/)`` for a sentence in a notice; ``""`` without ``PORTAL_URL``."""
    base = (getattr(settings, "PORTAL_URL", "") or "").rstrip("/")
    return f" ({base}{reverse(url_name)})" if base else ""
