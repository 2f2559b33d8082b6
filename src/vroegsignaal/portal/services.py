"""What the portal's home page shows for each role."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vroegsignaal.organisations.models import Role


def home_for(user) -> dict:
    """The home page's context: a greeting and what this role will find here."""
    coming = {
        Role.COORDINATOR: [
            _("Werkbakjes met de vroegsignalen van uw gemeente"),
            _("De huishoudweergave met achterstanden en de uitleg van elk signaal"),
            _("De kaart en het dashboard per wijk en buurt"),
        ],
        Role.SCHULDEISER: [
            _("Leveringen aanleveren en hun verslag bekijken"),
            _("Terugkoppeling en incasso-uitstel per klant"),
            _("API-sleutels beheren"),
        ],
        Role.BEHEERDER: [
            _("Gemeenten, schuldeisers, convenanten, wijkteams en gebruikers beheren"),
        ],
    }
    from django.utils import timezone

    from vroegsignaal.cases.selectors import home_cases  # the case worker's deadlines come first

    return {
        "home_cases": home_cases(user, timezone.localdate()),
        "organisation": user.organisation,
        "role_label": Role(user.role).label if user.role else "",
        "coming": coming.get(user.role, []),
        "links": _links_for(user),
    }


def _links_for(user) -> list[tuple[str, str]]:
    """Pages that exist, with a line on what they are for (the privacy officer's, for now)."""
    from django.urls import reverse

    if user.role != Role.PRIVACY_OFFICER:
        return []
    return [
        (_("Het auditlog doorzoeken en exporteren"), reverse("privacy:audit_log")),
        (_("Het auditlog laten controleren"), reverse("privacy:verification")),
        (_("Bewaartermijnen en opschoonrondes"), reverse("privacy:retention_runs")),
        (_("Geaggregeerde monitorcijfers"), reverse("reporting:monitor")),
    ]
