from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.demo import setup


class Command(BaseCommand):
    help = "Richt de demonstratieomgeving in (eenmalig): configuratie en demo-log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--config", help="een ander configuratiebestand dan de ingebouwde demo")

    def handle(self, *args, **options):
        try:
            for line in setup.set_up_demo(options.get("config")):
                self.stdout.write(line)
        except setup.NotInDemoMode as exc:
            raise CommandError(str(exc))
