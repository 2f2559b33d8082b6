"""``vroegsignaal export_ddas --municipality CODE --from DATUM --to DATUM --output BESTAND.json``.

Validated against the schema before anything is written; the file is written to a temporary file
beside ``--output`` (mode 0600) that takes the name when it is whole, synced to disk and in the
audit log (``paths.atomic_output``; an event that cannot be written leaves no file). A failure
leaves nothing, and so does a ``SIGTERM`` (``kill``, ``systemctl stop``;
``paths.sigterm_unwinds``) or Ctrl-C: the export stops as an interrupted one, the temporary file
is removed and an earlier file under that name stays as it was.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.paths import cannot_write, output_problem, sigterm_unwinds
from vroegsignaal.privacy.audit import at_the_command_line
from vroegsignaal.reporting import services
from vroegsignaal.reporting.ddas import SUPPLIER_CODE, DdasExportInvalid


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is geen datum; schrijf JJJJ-MM-DD.")


class Command(BaseCommand):
    help = (
        "Exporteer de signalen en zaken van een gemeente over een periode in het uitwisselmodel "
        "DDAS-vroegsignalering v0.9 (aanleverformaat, sectie 6); gecontroleerd tegen het schema."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", metavar="CODE", required=True, help="gemeentecode")
        parser.add_argument(
            "--from",
            dest="start",
            metavar="DATUM",
            required=True,
            help="eerste signaaldatum (JJJJ-MM-DD)",
        )
        parser.add_argument(
            "--to",
            dest="end",
            metavar="DATUM",
            required=True,
            help="laatste signaaldatum (JJJJ-MM-DD)",
        )
        parser.add_argument("--output", metavar="BESTAND.json", required=True)
        parser.add_argument(
            "--overschrijven", action="store_true", help="Een bestaand bestand vervangen."
        )
        parser.add_argument(
            "--leverancier",
            default=SUPPLIER_CODE,
            help=f"codeGegevensleverancier (standaard {SUPPLIER_CODE})",
        )

    def handle(self, *args, **options):
        # Before the database is used: a refused output never gets further.
        problem = output_problem(options["output"], overwrite=options["overschrijven"])
        if problem:
            raise CommandError(problem)
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Gemeente {options['municipality']} bestaat niet.")
        start, end = _date(options["start"]), _date(options["end"])
        if start > end:
            raise CommandError("De begindatum (--from) ligt na de einddatum (--to).")
        try:
            with sigterm_unwinds(), at_the_command_line("export_ddas", options["output"]):
                summary = services.export_ddas(
                    municipality,
                    start,
                    end,
                    options["output"],
                    supplier=options["leverancier"],
                    overwrite=options["overschrijven"],
                )
        except DdasExportInvalid as exc:
            raise CommandError(f"{exc} Er is geen bestand geschreven.")
        except OSError as exc:  # a full disk names its folder (paths.cannot_write)
            raise CommandError(
                f"{cannot_write(options['output'], exc)}; er is geen bestand geschreven."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.signals} {'vroegsignaal' if summary.signals == 1 else 'vroegsignalen'} en "
                f"{summary.cases} {'vroegsignaalzaak' if summary.cases == 1 else 'vroegsignaalzaken'} geschreven naar "
                f"{options['output']} (gecontroleerd tegen DDAS-vroegsignalering v0.9)."
            )
        )
