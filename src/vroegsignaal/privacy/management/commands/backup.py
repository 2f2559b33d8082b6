"""``vroegsignaal backup BESTAND [--overschrijven]``: a checked copy of the running database.

Written to a temporary file beside ``BESTAND`` that takes the name when it is whole, synced and
in the audit log (:func:`vroegsignaal.privacy.backup.make_backup`; an event that cannot be written
leaves no copy). A failure leaves nothing, and so does a
``SIGTERM`` (``kill``, ``systemctl stop``) or Ctrl-C while it copies: the backup stops as an
interrupted one (exit status 143 or 130), the temporary file is removed and an earlier copy under
that name stays as it was.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.paths import sigterm_unwinds
from vroegsignaal.privacy.audit import at_the_command_line
from vroegsignaal.privacy.services import BackupError, make_backup


def _size(size: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} bytes"


class Command(BaseCommand):
    help = (
        "Maakt een gecontroleerde reservekopie van de hele database terwijl het systeem draait "
        "(SQLite: online backup; PostgreSQL: pg_dump). De kopie bevat alle persoonsgegevens "
        "(versleuteld waar de velden dat zijn) en wordt in het auditlog vastgelegd, met de "
        "gebruiker van het besturingssysteem en het bestand. De database zelf en haar bestanden "
        "(-wal, -shm, -journal) zijn nooit het doel."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("bestand", help="Het bestand dat de kopie wordt (modus 0600).")
        parser.add_argument(
            "--overschrijven", action="store_true", help="Een bestaand bestand vervangen."
        )

    def handle(self, *args, bestand: str, overschrijven: bool = False, **options) -> None:
        try:
            with sigterm_unwinds(), at_the_command_line("backup", bestand):
                report = make_backup(bestand, overwrite=overschrijven)
        except BackupError as error:
            raise CommandError(str(error)) from None
        seconds = f"{report.seconds:.1f}".replace(".", ",")
        self.stdout.write(
            self.style.SUCCESS(
                f"Reservekopie gemaakt: {report.path} ({_size(report.size)}, {report.database}, "
                f"{report.tables} tabellen, gecontroleerd) in {seconds} s."
            )
        )
        self.stdout.write(
            "Bewaar VROEGSIGNAAL_ENCRYPTION_KEYS en VROEGSIGNAAL_BLIND_INDEX_KEY apart van de "
            "kopie: zonder die sleutels zijn de versleutelde gegevens erin onleesbaar."
        )
