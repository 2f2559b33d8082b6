"""``vroegsignaal rotate_blind_index_key``: make every stored blind index again with a new key.

The new key comes from ``VROEGSIGNAAL_NEW_BLIND_INDEX_KEY`` (the environment file), never
from the command line, where ``ps`` would show it. The work is :mod:`vroegsignaal.privacy.reindex`.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from vroegsignaal.privacy.crypto import DecryptionError
from vroegsignaal.privacy.keys import MAX_BATCH_SIZE
from vroegsignaal.privacy.reindex import (
    ARREAR_LABEL,
    DEFAULT_BATCH_SIZE,
    FEEDBACK_LABEL,
    PERSON_LABEL,
    IndexRotation,
    RotationRefused,
    deliveries_in_progress,
    parse_new_key,
    rotate_blind_index_key,
)

PROGRESS_EVERY = 5.0  # seconds between progress lines of one table
NOTHING_CHANGED = "De rotatie is teruggedraaid: er is niets gewijzigd, VROEGSIGNAAL_BLIND_INDEX_KEY blijft de sleutel."
WHAT = {
    PERSON_LABEL: ("persoon", "personen"),
    FEEDBACK_LABEL: ("terugkoppeling", "terugkoppelingen"),
}


def _count(label: str, count: int) -> str:
    one, more = WHAT.get(label, ("rij", "rijen"))
    return f"{count} {one if count == 1 else more}"


class Command(BaseCommand):
    help = (
        "Vervangt VROEGSIGNAAL_BLIND_INDEX_KEY: maakt alle zoekindexen opnieuw met de nieuwe sleutel uit "
        "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY, in één transactie (onderbroken: niets gewijzigd). Stop eerst de "
        "webserver en de worker; de stappen staan in docs/operations.md, 'Key rotation'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="Rijen per keer gelezen en geschreven.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Alles lezen, ontsleutelen en berekenen en tellen, niets wijzigen.",
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size moet tussen 1 en {MAX_BATCH_SIZE} liggen.")
        try:
            key = parse_new_key(getattr(settings, "NEW_BLIND_INDEX_KEY", None))
        except RotationRefused as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            self.stdout.write(
                "Proefdraai: de zoekindexen worden berekend met de nieuwe sleutel, niet opgeslagen."
            )
            busy = deliveries_in_progress()
            if busy:
                self.stdout.write(
                    self.style.WARNING(
                        f"Let op: {len(busy)} {'levering wordt' if len(busy) == 1 else 'leveringen worden'} "
                        "verwerkt of wacht op de worker; zolang dat zo is, weigert de rotatie zelf."
                    )
                )
        else:
            self.stdout.write(
                "Zoekindexen opnieuw maken met de nieuwe sleutel, in één transactie. De webserver en de worker "
                "moeten gestopt zijn."
            )
        shown: dict[str, float] = {}

        def progress(label: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - shown.get(label, 0.0) < PROGRESS_EVERY:
                return
            shown[label] = now
            self.stdout.write(f"  {label}: {done} van {total}")
            self.stdout.flush()

        try:
            report = rotate_blind_index_key(
                key, dry_run=dry_run, batch_size=batch_size, progress=progress
            )
        except RotationRefused as exc:
            raise CommandError(str(exc)) from None
        except DecryptionError as exc:
            raise CommandError(f"{exc} {NOTHING_CHANGED}") from None
        except DatabaseError as exc:
            # The class only: a database message may quote values.
            raise CommandError(
                f"De database gaf een fout ({type(exc).__name__}). {NOTHING_CHANGED}"
            ) from None
        except KeyboardInterrupt:
            raise CommandError(f"Onderbroken. {NOTHING_CHANGED}") from None
        self._summary(report)

    def _summary(self, report: IndexRotation) -> None:
        made = "te maken" if report.dry_run else "opnieuw gemaakt"
        cleared = "te wissen" if report.dry_run else "gewist"
        self.stdout.write(
            f"{_count(PERSON_LABEL, report.counts[PERSON_LABEL])}: zoekindexen {made}."
        )
        self.stdout.write(
            f"{_count(FEEDBACK_LABEL, report.counts[FEEDBACK_LABEL])}: klantnummer-index {made}."
        )
        self.stdout.write(
            f"{report.counts[ARREAR_LABEL]} {'achterstand' if report.counts[ARREAR_LABEL] == 1 else 'achterstanden'}: "
            f"koppelsamenvatting (herhaalde regels) {cleared}; de volgende stand koppelt die regels volledig."
        )
        if report.details_cleared:
            self.stdout.write(
                f"{_count(PERSON_LABEL, report.details_cleared)}: samenvatting van de contactgegevens {cleared} "
                "(gemaakt van gegevens die niet zijn opgeslagen); de volgende levering schrijft hem opnieuw."
            )
        for column, count in sorted(report.deviating.items()):
            self.stdout.write(
                self.style.WARNING(
                    f"Let op: {column}: bij {count} {'rij' if count == 1 else 'rijen'} gaf de huidige sleutel een "
                    "andere index dan opgeslagen; de nieuwe is gemaakt uit de opgeslagen gegevens."
                )
            )
        if report.dry_run:
            self.stdout.write("Proefdraai: er is niets gewijzigd.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "De zoekindexen zijn gemaakt met de nieuwe sleutel (in het auditlog)."
            )
        )
        self.stdout.write(
            "Volgende stappen, vóór de webserver en de worker weer starten:\n"
            "  1. Zet de nieuwe sleutel in VROEGSIGNAAL_BLIND_INDEX_KEY en verwijder VROEGSIGNAAL_NEW_BLIND_INDEX_KEY "
            "(in het omgevingsbestand).\n"
            "  2. Controleer met 'vroegsignaal check_keys' dat de sleutel past.\n"
            "  3. Start de webserver en de worker.\n"
            "Bewaar de oude sleutel apart zolang er reservekopieën van vóór deze rotatie zijn: een teruggezette "
            "kopie heeft hem nodig (en daarna deze rotatie opnieuw)."
        )
