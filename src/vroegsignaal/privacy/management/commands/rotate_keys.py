"""``vroegsignaal rotate_keys``: re-encrypt stored values under the current key."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.formats import thousands
from vroegsignaal.privacy.crypto import DecryptionError, current_key_id
from vroegsignaal.privacy.keys import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, rotate_keys, values_phrase

WORKING_EVERY_SECONDS = 10  # how often a long model's progress is said


class Command(BaseCommand):
    help = (
        "Versleutelt alle versleutelde velden die nog een oude sleutel gebruiken opnieuw met de huidige "
        "(eerste) sleutel uit VROEGSIGNAAL_ENCRYPTION_KEYS. Kan veilig opnieuw worden gedraaid."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rijen per transactie."
        )
        parser.add_argument("--dry-run", action="store_true", help="Alleen tellen, niets wijzigen.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size moet tussen 1 en {MAX_BATCH_SIZE} liggen.")
        verb = "te versleutelen" if dry_run else "opnieuw versleuteld"
        self.stdout.write(f"Huidige sleutel: {current_key_id()}")

        def progress(
            label: str, count: int
        ) -> None:  # as each model is done: a long run shows it goes on
            self.stdout.write(f"{label}: {values_phrase(count)} {verb}")
            self.stdout.flush()

        last_shown = time.monotonic()

        def working(label: str, done: int, total: int) -> None:  # within a model, every 10 s
            nonlocal last_shown
            if done < total and time.monotonic() - last_shown >= WORKING_EVERY_SECONDS:
                last_shown = time.monotonic()
                self.stdout.write(f"{label}: {thousands(done)} van {values_phrase(total)}…")
                self.stdout.flush()

        try:
            report = rotate_keys(
                batch_size=batch_size, dry_run=dry_run, progress=progress, working=working
            )
        except DecryptionError as exc:
            raise CommandError(
                f"{exc} Wat al klaar was, blijft opnieuw versleuteld; draai daarna opnieuw."
            )
        if not report.counts:
            self.stdout.write("Geen modellen met versleutelde velden gevonden.")
        summary = f"Totaal: {values_phrase(report.total)} {verb}."
        if dry_run:
            self.stdout.write(summary + " Proefdraai: er is niets gewijzigd.")
            return
        self.stdout.write(self.style.SUCCESS(summary))
        self.stdout.write(
            "Controleer met 'vroegsignaal check_keys' welke oude sleutels nog nodig zijn (leveringen die nog "
            "wachten, en reservekopieën van vóór deze rotatie)."
        )
