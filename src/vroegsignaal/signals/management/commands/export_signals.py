"""``vroegsignaal export_signals --municipality CODE [--status open] [--slapend alleen] [--format csv|xlsx] --output FILE [--overschrijven]``.

Sleeping signals (open, but none of their arrears counts now) are left out, as the portal's
trays list them; ``--slapend alleen`` writes only those (``exports.SLEEPING_CHOICES``). The
summary says how many were left out.

The format is ``--format``, else the extension of ``--output`` (``.csv``, ``.xlsx``); another
extension without ``--format`` is refused, and so is ``--format`` against the other extension.

The export holds addresses: it is written as a backup or the DDAS export is,
readable by this system's user only (mode 0600), to a temporary file beside
``--output`` that takes the name only when it is whole and synced to disk
(``paths.atomic_output``). A failure leaves nothing, and so does a ``SIGTERM``
(``kill``, ``systemctl stop``; ``paths.sigterm_unwinds``) or Ctrl-C while it
writes: the export stops as an interrupted one, the temporary file is removed.
An existing file (or a link planted in its place) is refused unless
``--overschrijven``, and then replaced, not written through; the database and
the system's own folders are refused always (``paths.output_problem``). The
audit log names the operating system's user and the file
(``audit.at_the_command_line``).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.paths import (
    atomic_output,
    cannot_write,
    output_problem,
    shown,
    sigterm_unwinds,
)
from vroegsignaal.privacy.audit import at_the_command_line
from vroegsignaal.signals import exports

# The format each extension of --output stands for (lower case).
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}


def output_format(output: Path, chosen: str | None) -> str:
    """The format to write: ``--format``, else the one ``--output``'s extension names.

    Without ``--format`` an extension that names neither (``s.pdf``, none at all) is refused:
    the file would hold CSV under a name that promises something else. ``--format`` that
    contradicts the extension (``--format csv`` for ``s.xlsx``) is refused too; with another
    extension (``s.txt``) ``--format`` decides.
    """
    extension = output.suffix.lower()
    named = EXTENSIONS.get(extension)
    if chosen is None and named is None:
        said = f"de extensie {output.suffix}" if output.suffix else "geen extensie"
        raise CommandError(
            f"--output {shown(output.name)} heeft {said}; geef een bestand met .csv of .xlsx, "
            "of kies het formaat met --format csv of --format xlsx."
        )
    if chosen is not None and named is not None and chosen != named:
        raise CommandError(
            f"--format {chosen} past niet bij --output {shown(output.name)} (een "
            f"{extension}-bestand is {named.upper()}); laat --format weg of geef een naam met .{chosen}."
        )
    return chosen or named


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
            "--slapend",
            choices=exports.SLEEPING_CHOICES,
            default=exports.SLEEPING_HIDE,
            help="slapende signalen (open, maar er telt geen achterstand meer mee): 'verbergen' "
            "(standaard, zoals de werkbakjes) of 'alleen' (alleen de slapende)",
        )
        parser.add_argument(
            "--format",
            choices=exports.FORMATS,
            help="csv of xlsx; zonder: naar de extensie van --output (.csv of .xlsx)",
        )
        parser.add_argument(
            "--output", metavar="BESTAND", required=True, help="het bestand (modus 0600)"
        )
        parser.add_argument(
            "--overschrijven", action="store_true", help="Een bestaand bestand vervangen."
        )

    def handle(self, *args, **options):
        output = Path(options["output"])
        # Before the database is used: a refused output never gets further.
        problem = output_problem(output, overwrite=options["overschrijven"])
        if problem:
            raise CommandError(problem)
        fmt = output_format(output, options["format"])
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Gemeente {options['municipality']} bestaat niet.")
        try:
            with (
                sigterm_unwinds(),
                atomic_output(output, overwrite=options["overschrijven"]) as stream,
                at_the_command_line("export_signals", output),
            ):
                count = exports.export_signals(
                    stream, municipality=municipality, status=options["status"], fmt=fmt,
                    sleeping=options["slapend"],
                )  # fmt: skip
        except OSError as exc:
            raise CommandError(f"{cannot_write(output, exc)}.") from None
        noun = "signaal" if count == 1 else "signalen"
        self.stdout.write(
            self.style.SUCCESS(f"{count} {noun} geschreven naar {output} ({fmt}, modus 0600).")
        )
        if options["slapend"] == exports.SLEEPING_HIDE:
            self._tell_sleeping_left_out(municipality, options["status"])

    def _tell_sleeping_left_out(self, municipality, status: str | None) -> None:
        left_out = exports.signals_for_export(
            municipality, status=status, sleeping=exports.SLEEPING_ONLY
        ).count()
        if left_out:
            noun = "slapend signaal" if left_out == 1 else "slapende signalen"
            self.stdout.write(
                f"{left_out} {noun} niet meegenomen (open, maar er telt geen achterstand meer "
                "mee); --slapend alleen schrijft die."
            )
