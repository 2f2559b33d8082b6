from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.demo import setup


class Command(BaseCommand):
    help = "Toon de demo-log-ins met hun TOTP-geheimen (alleen in demomodus)."

    def handle(self, *args, **options):
        try:
            self.stdout.write("\n".join(setup.login_lines()))
        except setup.NotInDemoMode as exc:
            raise CommandError(str(exc))
