from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations import services
from vroegsignaal.organisations.models import Role
from vroegsignaal.portal.links import portal_address


class Command(BaseCommand):
    help = "Maak een portaalgebruiker aan; drukt een eenmalig wachtwoord en de inschrijflink voor tweestapsverificatie af."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--organisation",
            help="gemeentecode, wijkteamcode of schuldeisercode (niet voor beheerder)",
        )
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        try:
            user, password = services.create_user(
                options["username"],
                options["role"],
                options["organisation"],
                email=options["email"],
            )
        except services.UserError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"Gebruiker '{user.username}' aangemaakt ({user.get_role_display()})."
            )
        )
        self.stdout.write(f"Eenmalig wachtwoord: {password}")
        self.stdout.write(
            f"Inloggen op {portal_address('two_factor:login')}; daarna schrijft de gebruiker een authenticator-app in "
            f"op {portal_address('two_factor:setup')} en kiest een eigen wachtwoord."
        )
