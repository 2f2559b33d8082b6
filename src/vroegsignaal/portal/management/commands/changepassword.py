"""``vroegsignaal changepassword NAME``: a one-time password from the command line.

Django's own command asks for the new password at a terminal (a traceback without
one), and sets a password the user keeps, lock-out and lost phone untouched. This
one, in the first app of ``INSTALLED_APPS`` so that it takes the place of Django's,
is the way back in when the admin cannot be reached: see
``organisations.services.reset_login``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations import services
from vroegsignaal.portal.links import portal_address


class Command(BaseCommand):
    help = (
        "Geef een gebruiker een eenmalig wachtwoord (af te drukken, bij de volgende keer inloggen "
        "te vervangen) en hef een blokkade op; met --tweede-factor ook een nieuwe authenticator-app."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="de gebruikersnaam")
        parser.add_argument(
            "--tweede-factor",
            action="store_true",
            help="verwijder ook de authenticator-app en reservecodes (telefoon kwijt)",
        )

    def handle(self, *args, **options) -> None:
        try:
            reset = services.reset_login(
                options["username"], second_factor=options["tweede_factor"]
            )
        except services.UserError as exc:
            raise CommandError(str(exc))
        user = reset.user
        self.stdout.write(
            self.style.SUCCESS(f"Gebruiker '{user.username}': nieuw eenmalig wachtwoord.")
        )
        self.stdout.write(f"Eenmalig wachtwoord: {reset.password}")
        if options["tweede_factor"]:
            n = reset.devices_removed
            self.stdout.write(
                (
                    f"Authenticator-app en reservecodes verwijderd ({n} {'apparaat' if n == 1 else 'apparaten'})"
                    if n
                    else "De gebruiker had geen authenticator-app of reservecodes"
                )
                + f"; na het wachtwoord koppelt de gebruiker een nieuwe authenticator-app op "
                f"{portal_address('two_factor:setup')}."
            )
        if reset.lock_lifted:
            self.stdout.write("De blokkade na mislukte inlogpogingen is opgeheven.")
        self.stdout.write(
            f"Inloggen op {portal_address('two_factor:login')}; daarna kiest de gebruiker een eigen "
            "wachtwoord. Geef het wachtwoord apart van de gebruikersnaam door."
        )
