"""``vroegsignaal export_signals --municipality CODE [--status open] [--format csv|xlsx] --output FILE``.

The export holds addresses: it is written as a backup or the DDAS export is,
readable by this system's user only (mode 0600), to a temporary file beside
``--output`` that takes the name only when it is whole. A failure leaves
nothing, and an existing file (or a link planted in its place) is replaced,
not written through.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.paths import output_problem, reason, shown
from vroegsignaal.signals import exports


class Command(BaseCommand):
    help = (
        "Exporteer de vroegsignalen van een gemeente naar CSV of XLSX (aanleverformaat, sectie 5)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", metavar="CODE", required=True, help="gemeentecode")
        parser.add_argument(
            "--status",
            choices=exports.status_choices(),
            help="'open' (nieuw en opgepakt) of één status; zonder: alle signalen",
        )
        parser.add_argument(
            "--format",
            choices=exports.FORMATS,
            help="csv of xlsx; zonder: naar de extensie van --output",
        )
        parser.add_argument(
            "--output", metavar="BESTAND", required=True, help="het bestand (modus 0600)"
        )

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Gemeente {options['municipality']} bestaat niet.")
        output = Path(options["output"])
        fmt = options["format"] or ("xlsx" if output.suffix.lower() == ".xlsx" else "csv")
        problem = output_problem(output)
        if problem:
            raise CommandError(problem)
        try:
            handle, temporary = tempfile.mkstemp(
                dir=output.parent, prefix=f".{output.name}.", suffix=".deel"
            )
        except OSError as exc:
            raise CommandError(f"Kan {shown(output)} niet schrijven: {reason(exc)}.")
        try:
            with os.fdopen(handle, "wb") as stream:  # mkstemp: mode 0600 from the start
                count = exports.export_signals(
                    stream, municipality=municipality, status=options["status"], fmt=fmt
                )
            os.replace(temporary, output)
        except OSError as exc:
            raise CommandError(f"Kan {shown(output)} niet schrijven: {reason(exc)}.")
        finally:
            Path(temporary).unlink(missing_ok=True)
        noun = "signaal" if count == 1 else "signalen"
        self.stdout.write(
            self.style.SUCCESS(f"{count} {noun} geschreven naar {output} ({fmt}, modus 0600).")
        )
