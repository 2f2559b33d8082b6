"""``vroegsignaal rotate_keys``: re-encrypt stored values under the current key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.privacy.crypto import DecryptionError
from vroegsignaal.privacy.keys import DEFAULT_BATCH_SIZE, rotate_keys


def _values(count: int) -> str:
    return f"{count} {'waarde' if count == 1 else 'waarden'}"


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
        if batch_size < 1:
            raise CommandError("--batch-size moet ten minste 1 zijn.")
        try:
            report = rotate_keys(batch_size=batch_size, dry_run=dry_run)
        except DecryptionError as exc:
            raise CommandError(str(exc))
        verb = "te versleutelen" if dry_run else "opnieuw versleuteld"
        self.stdout.write(f"Huidige sleutel: {report.key_id}")
        if not report.counts:
            self.stdout.write("Geen modellen met versleutelde velden gevonden.")
        for label, count in report.counts.items():
            self.stdout.write(f"{label}: {_values(count)} {verb}")
        summary = f"Totaal: {_values(report.total)} {verb}."
        if dry_run:
            summary += " Proefdraai: er is niets gewijzigd."
        self.stdout.write(self.style.SUCCESS(summary) if not dry_run else summary)
