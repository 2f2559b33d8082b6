"""What the portal's home page shows for each role."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vroegsignaal.organisations.models import Role


def home_for(user) -> dict:
    """The home page's context: a greeting, the case worker's deadlines and this role's pages."""
    from django.utils import timezone

    from vroegsignaal.cases.selectors import home_cases  # the case worker's deadlines come first

    return {
        "home_cases": home_cases(user, timezone.localdate()),
        "organisation": user.organisation,
        "role_label": Role(user.role).label if user.role else "",
        "links": _links_for(user),
    }


def _links_for(user) -> list[tuple[str, str]]:
    """The role's pages, each with a line on what it is for."""
    from django.urls import reverse

    pages = {
        Role.COORDINATOR: [
            (_("Werkbakjes met de vroegsignalen van uw gemeente"), "reporting:trays"),
            (_("Zaken: de opgepakte signalen en hun termijnen"), "cases:list"),
            (_("Een huishouden zoeken op adres, of een zaak op nummer"), "reporting:search"),
            (_("De kaart per wijk en buurt"), "reporting:map"),
            (_("Het dashboard met de signalen per maand"), "reporting:dashboard"),
            (_("De monitor vroegsignalering en de DDAS-export"), "reporting:monitor"),
        ],
        Role.HULPVERLENER: [
            (_("De zaken van uw wijkteam"), "cases:list"),
            (_("Een huishouden zoeken op adres, of een zaak op nummer"), "reporting:search"),
        ],
        Role.SCHULDEISER: [
            (_("Leveringen aanleveren en hun verslag bekijken"), "intake:list"),
            (_("Terugkoppeling en incasso-uitstel per klant"), "feedback:list"),
            (_("API-sleutels beheren"), "intake:api_keys"),
        ],
        Role.PRIVACY_OFFICER: [
            (_("Het auditlog doorzoeken en exporteren"), "privacy:audit_log"),
            (_("Het auditlog laten controleren"), "privacy:verification"),
            (_("Bewaartermijnen en opschoonrondes"), "privacy:retention_runs"),
            (_("Een inzageverzoek beantwoorden: alles over één persoon"), "privacy:subject_access"),
            (_("Geaggregeerde monitorcijfers"), "reporting:monitor"),
        ],
        Role.BEHEERDER: [
            (
                _("Gemeenten, schuldeisers, convenanten, wijkteams en gebruikers beheren"),
                "admin:index",
            ),
        ],
    }
    return [(label, reverse(url_name)) for label, url_name in pages.get(user.role, [])]
