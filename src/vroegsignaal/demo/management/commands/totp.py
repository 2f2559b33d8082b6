from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.demo import setup


class Command(BaseCommand):
    help = "Toon de huidige TOTP-code van een demogebruiker (alleen in demomodus)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        try:
            self.stdout.write(setup.current_code(options["username"]))
        except (setup.NotInDemoMode, setup.NoCode) as exc:
            raise CommandError(str(exc))
