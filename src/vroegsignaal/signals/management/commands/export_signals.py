from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.signals import exports


class Command(BaseCommand):
    help = "Exporteer de vroegsignalen van een gemeente naar CSV of XLSX (aanleverformaat, sectie 5)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", metavar="CODE", required=True, help="gemeentecode")
        parser.add_argument(
            "--status",
            choices=exports.status_choices(),
            help="'open' (nieuw en opgepakt) of één status; zonder: alle signalen",
        )
        parser.add_argument("--format", choices=exports.FORMATS, help="csv of xlsx; zonder: naar de extensie van --output")
        parser.add_argument("--output", metavar="BESTAND", required=True)

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Gemeente {options['municipality']} bestaat niet.")
        fmt = options["format"] or ("xlsx" if options["output"].lower().endswith(".xlsx") else "csv")
        try:
            count = exports.export_signals(
                options["output"], municipality=municipality, status=options["status"], fmt=fmt
            )
        except OSError as exc:
            raise CommandError(f"Kan {options['output']} niet schrijven: {exc.strerror or exc}.")
        noun = "signaal" if count == 1 else "signalen"
        self.stdout.write(self.style.SUCCESS(f"{count} {noun} geschreven naar {options['output']} ({fmt})."))
