import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.signals import services

# No delivery is of a stand before this day (the intake refuses one); an earlier peildatum is a
# typing error, and the rules' windows cannot be counted back from year 1.
EARLIEST_PEILDATUM = dt.date(2000, 1, 1)


def _date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is geen datum (JJJJ-MM-DD).")
    if day < EARLIEST_PEILDATUM:
        raise CommandError(
            f"De peildatum {day.isoformat()} ligt vóór {EARLIEST_PEILDATUM.isoformat()}; geen levering is zo oud."
        )
    # A later one would store signals with dates that have not come yet (dormant since next year).
    today = timezone.localdate()
    if day > today:
        raise CommandError(
            f"De peildatum {day.isoformat()} ligt na vandaag ({today.isoformat()}); geef vandaag of een eerdere "
            "dag (zonder --peildatum: de nieuwste peildatum van de achterstanden)."
        )
    return day


class Command(BaseCommand):
    help = "Pas de signaalregels toe op alle huishoudens van een gemeente (of van alle gemeenten)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality", metavar="CODE", help="gemeentecode; zonder: alle gemeenten"
        )
        parser.add_argument(
            "--peildatum",
            metavar="JJJJ-MM-DD",
            help="peildatum, niet na vandaag; zonder: de nieuwste peildatum van de achterstanden van de gemeente",
        )

    def handle(self, *args, **options):
        peildatum = _date(options["peildatum"]) if options["peildatum"] is not None else None
        if options["municipality"]:
            municipalities = list(Municipality.objects.filter(code=options["municipality"]))
            if not municipalities:
                raise CommandError(f"Gemeente {options['municipality']} bestaat niet.")
        else:
            municipalities = list(Municipality.objects.order_by("code"))
            if not municipalities:
                self.stdout.write(
                    "Er zijn nog geen gemeenten; laad eerst een configuratie met load_config."
                )
        for municipality in municipalities:
            report = services.evaluate(municipality, reference_date=peildatum)
            self.stdout.write(report.summary())
