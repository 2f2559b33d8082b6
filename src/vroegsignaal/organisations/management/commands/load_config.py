from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations import services


class Command(BaseCommand):
    help = "Laad gemeenten, wijkteams, schuldeisers, convenanten en regels uit een YAML-bestand (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="YAML-bestand volgens het aanleverformaat, sectie 3")

    def handle(self, *args, **options):
        try:
            result = services.load_config(services.read_config(options["file"]))
        except services.ConfigError as exc:
            raise CommandError(f"Configuratie niet geladen: {exc}")
        self.stdout.write(self.style.SUCCESS(f"Configuratie geladen — {result.summary()}."))
        for code in result.rules_changed:
            self.stdout.write(
                f"De signaalregels van gemeente {code} zijn gewijzigd. Nieuwe beoordelingen "
                "gebruiken ze; beoordeel de open signalen nu opnieuw met: "
                f"vroegsignaal evaluate --municipality {code}"
            )
