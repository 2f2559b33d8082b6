"""``vroegsignaal audit_verify``: is the audit log intact? Exit status 1 when not."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vroegsignaal.privacy.audit import verify_chain
from vroegsignaal.privacy.models import AuditVerification, VerificationScope

MAX_CHUNK_SIZE = (
    1_000_000  # rows per round at most; more is a typing error (and past the database's integers)
)


def _parse_anchor(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise CommandError(
            "--anchor verwacht VOLGNUMMER:HASH, zoals eerder door audit_verify getoond."
        )
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Controleert de hashketen van het auditlog (gewijzigde, verwijderde of ontbrekende gebeurtenissen)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--anchor",
            help="VOLGNUMMER:HASH van een eerder buiten de database bewaarde kop; controleert ook herschrijven.",
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="Rijen per databaseronde.")

    def handle(self, *args, anchor: str | None = None, chunk_size: int = 5000, **options) -> None:
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise CommandError(f"--chunk-size moet tussen 1 en {MAX_CHUNK_SIZE} liggen.")
        started = timezone.now()
        result = verify_chain(
            chunk_size=chunk_size, anchor=_parse_anchor(anchor) if anchor else None
        )
        # The verdict is kept for the (platform-wide) privacy officer's page.
        AuditVerification.objects.create(
            scope_kind=VerificationScope.CHAIN,
            requested_at=started,
            finished_at=timezone.now(),
            total=result.head_seq,
            checked=result.checked,
            ok=result.ok,
            first_bad_seq=result.first_bad_seq,
            problem=result.problem[:300],
            head_seq=result.head_seq,
            head_hash=result.head_hash,
        )
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Auditlog intact: {result.checked} gebeurtenissen gecontroleerd."
                )
            )
            self.stdout.write(
                f"Kop: {result.head_seq}:{result.head_hash}  (bewaar dit buiten de database)"
            )
            return
        self.stderr.write(
            self.style.ERROR(
                f"Auditlog NIET intact: {result.problem} "
                f"(eerste fout bij gebeurtenis {result.first_bad_seq}; daarvoor {result.checked} in orde)"
            )
        )
        sys.exit(1)
