"""``vroegsignaal import_addresses FILE.csv``: load or refresh the address register."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.registry.services import RegistryImportError, import_addresses

from ._report import address_report, refusal


class Command(BaseCommand):
    help = "Adressen (BAG-export of eigen kolommen) inlezen of bijwerken; zie het aanleverformaat, hoofdstuk 2."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV-bestand met adressen")

    def handle(self, *args, file: str, **options):
        progress = self.stdout if options["verbosity"] >= 2 else None
        try:
            result = import_addresses(file, stdout=progress)
        except RegistryImportError as exc:
            raise CommandError(refusal(file, exc))
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(address_report(file, result)))
