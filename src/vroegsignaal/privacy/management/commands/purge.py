"""``vroegsignaal purge [--dry-run] [--municipality CODE] [--today DATE]``: apply the retention periods."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.privacy.services import purge

# No data is older: an earlier day is a typing error (and the periods cannot be counted back from year 1).
EARLIEST_DAY = dt.date(2000, 1, 1)


class Command(BaseCommand):
    help = (
        "Past de bewaartermijnen toe: verwijdert wat niet meer bewaard mag worden en anonimiseert "
        "afgesloten zaken. Met --dry-run alleen de aantallen."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Toon de aantallen; verander niets."
        )
        parser.add_argument(
            "--municipality", metavar="CODE", help="Alleen deze gemeente (gemeentecode)."
        )
        parser.add_argument(
            "--today",
            metavar="JJJJ-MM-DD",
            help="Reken de termijnen vanaf deze dag (standaard vandaag; een latere dag alleen met --dry-run).",
        )

    def handle(
        self, *args, dry_run: bool = False, municipality: str | None = None, today=None, **options
    ):
        day = None
        if today is not None:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today verwacht een datum als JJJJ-MM-DD.") from None
            if day < EARLIEST_DAY:
                raise CommandError(
                    f"--today {day.isoformat()} ligt vóór {EARLIEST_DAY.isoformat()}; geef de dag waarop de termijnen "
                    "gelden (zonder --today: vandaag)."
                )
            # A later day would delete now what must still be kept; a dry run may look ahead.
            now = timezone.localdate()
            if day > now and not dry_run:
                raise CommandError(
                    f"--today {day.isoformat()} ligt na vandaag ({now.isoformat()}): er is niets verwijderd. "
                    "Een opschoonronde rekent vanaf vandaag of een eerdere dag; kijk vooruit met --dry-run."
                )
        chosen = None
        if municipality:
            chosen = list(Municipality.objects.filter(code=municipality))
            if not chosen:
                raise CommandError(f"Onbekende gemeentecode: {municipality}.")
        report = purge(dry_run=dry_run, today=day, municipalities=chosen, intake=chosen is None)
        heading = (
            f"Proefdraai op {report.today.isoformat()}: er is niets gewijzigd. "
            "Een echte ronde zou verwijderen of anonimiseren:"
            if dry_run
            else f"Verwijderd of geanonimiseerd op {report.today.isoformat()}:"
        )
        self.stdout.write(heading)
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if not dry_run:
            total, runs = report.total(), len(report.runs)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{total} {'rij' if total == 1 else 'rijen'} verwijderd of geanonimiseerd; vastgelegd in "
                    f"{runs} {'opschoonronde' if runs == 1 else 'opschoonrondes'} en het auditlog."
                )
            )
