"""The navigation per role: one table, read by the base template."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]


ALL_ROLES = frozenset(Role.values)

NAVIGATION: list[NavItem] = [
    NavItem(_("Start"), "portal:home", ALL_ROLES),
    NavItem(_("Beheer"), "admin:index", frozenset({Role.BEHEERDER})),
    NavItem(_("Leveringen"), "intake:list", frozenset({Role.SCHULDEISER})),
    NavItem(_("Terugkoppeling"), "feedback:list", frozenset({Role.SCHULDEISER})),
    NavItem(_("Werkbakjes"), "reporting:trays", frozenset({Role.COORDINATOR})),
    NavItem(_("Kaart"), "reporting:map", frozenset({Role.COORDINATOR})),
    NavItem(_("Dashboard"), "reporting:dashboard", frozenset({Role.COORDINATOR})),
    NavItem(_("Zaken"), "cases:list", frozenset({Role.COORDINATOR, Role.HULPVERLENER})),
    NavItem(_("Zoeken"), "reporting:search", frozenset({Role.COORDINATOR, Role.HULPVERLENER})),
    NavItem(_("Monitor"), "reporting:monitor", frozenset({Role.COORDINATOR, Role.PRIVACY_OFFICER})),
    NavItem(_("Signaalregels"), "signals:rules", frozenset({Role.COORDINATOR})),
    NavItem(_("Auditlog"), "privacy:audit_log", frozenset({Role.PRIVACY_OFFICER})),
    NavItem(_("Bewaartermijnen"), "privacy:retention_runs", frozenset({Role.PRIVACY_OFFICER})),
    NavItem(_("Inzageverzoek"), "privacy:subject_access", frozenset({Role.PRIVACY_OFFICER})),
    NavItem(_("Accountbeveiliging"), "two_factor:profile", ALL_ROLES),
]


def _current(url: str, path: str | None) -> str:
    """The item's aria-current: ``page`` on its own page, ``true`` on a page below it (a case
    under Zaken), nothing elsewhere; the start page ``/`` is above everything, so only itself."""
    if path == url:
        return "page"
    if path and url != "/" and path.startswith(url):
        return "true"
    return ""


def navigation_for(user, path: str | None = None) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in NAVIGATION:
        if user.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "current": _current(url, path)})
    return items
