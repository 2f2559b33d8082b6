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
        Role.PRIVACY_OFFICER: [
            _("Het auditlog doorzoeken en exporteren"),
            _("Bewaartermijnen en opschoonrondes"),
            _("Geaggregeerde monitorcijfers"),
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
    }
