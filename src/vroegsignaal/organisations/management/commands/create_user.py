from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations import services
from vroegsignaal.organisations.models import Role
from vroegsignaal.portal.links import portal_address


class Command(BaseCommand):
    help = "Maak een portaalgebruiker aan; drukt een eenmalig wachtwoord en de inschrijflink voor tweestapsverificatie af."

    def add_arguments(self, parser):
        parser.add_argument("username", help="gebruikersnaam waarmee de gebruiker inlogt")
        parser.add_argument(
            "--role",
            required=True,
            choices=Role.values,
            help="rol: coordinator en privacy_officer bij een gemeente, hulpverlener bij een "
            "wijkteam, schuldeiser bij een schuldeiser, beheerder van het platform",
        )
        parser.add_argument(
            "--organisation",
            help="gemeentecode, wijkteamcode of schuldeisercode (niet voor beheerder)",
        )
        parser.add_argument(
            "--email",
            default="",
            help="e-mailadres voor meldingen (een coördinator hoort er zo van een crisissignaal)",
        )

    def handle(self, *args, **options):
        try:
            user, password = services.create_user(
                options["username"],
                options["role"],
                options["organisation"],
                email=options["email"],
            )
        except services.UserError as exc:
            hint = (
                " Geef de code met --organisation CODE."
                if options["organisation"] is None and options["role"] != "beheerder"
                else ""
            )
            raise CommandError(f"{exc}{hint}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Gebruiker '{user.username}' aangemaakt ({user.get_role_display()})."
            )
        )
        self.stdout.write(f"Eenmalig wachtwoord: {password}")
        self.stdout.write(
            f"Inloggen op {portal_address('two_factor:login')}; daarna koppelt de gebruiker een authenticator-app "
            f"op {portal_address('two_factor:setup')} en kiest een eigen wachtwoord."
        )
