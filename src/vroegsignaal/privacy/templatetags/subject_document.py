"""Filters for the inzageverzoek's printable document: its data holds ISO dates as text."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def dag(value: str | None) -> str:
    """``2026-03-01`` → ``1 maart 2026``; ``—`` for nothing."""
    if not value:
        return "—"
    return formats.date_format(dt.date.fromisoformat(value[:10]), "j F Y")


@register.filter
def moment(value: str | None) -> str:
    """An ISO date and time → ``1 maart 2026 14:05`` in local time; ``—`` for nothing."""
    if not value:
        return "—"
    return formats.date_format(timezone.localtime(dt.datetime.fromisoformat(value)), "j F Y H:i")


@register.filter
def ja_nee(value: bool | None) -> str:
    return "ja" if value else "nee"
