"""``vroegsignaal import_neighbourhoods FILE.geojson``: load or refresh the CBS wijken and buurten."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.registry.services import RegistryImportError, import_neighbourhoods

from ._report import neighbourhood_report, refusal


class Command(BaseCommand):
    help = "Wijken en buurten van het CBS (GeoJSON, EPSG:4326 of EPSG:28992) inlezen of bijwerken."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="GeoJSON-bestand (FeatureCollection) met buurten of wijken"
        )

    def handle(self, *args, file: str, **options):
        progress = self.stdout if options["verbosity"] >= 2 else None
        try:
            result = import_neighbourhoods(file, stdout=progress)
        except RegistryImportError as exc:
            raise CommandError(refusal(file, exc))
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(neighbourhood_report(file, result)))
