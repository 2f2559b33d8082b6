from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.demo import setup
from vroegsignaal.demo.services import WorldError
from vroegsignaal.organisations.services import ConfigError
from vroegsignaal.paths import reason, shown
from vroegsignaal.registry.exceptions import RegistryImportError


class Command(BaseCommand):
    help = (
        "Richt de demonstratieomgeving in (eenmalig): genereert de demowereld en laadt configuratie, "
        "wijken, buurten, adressen en demo-log-ins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--world",
            type=Path,
            help="een eerder gegenereerde wereld (map) in plaats van var/demo-world",
        )
        parser.add_argument(
            "--households", type=int, help="aantal huishoudens van de nieuw te genereren wereld"
        )
        parser.add_argument(
            "--months", type=int, help="aantal maanden van de nieuw te genereren wereld"
        )

    def handle(self, *args, **options):
        overrides = {k: options[k] for k in ("households", "months") if options.get(k) is not None}
        try:
            for line in setup.set_up_demo(options.get("world"), **overrides):
                self.stdout.write(line)
        except (setup.NotInDemoMode, RegistryImportError, WorldError) as exc:
            raise CommandError(str(exc))
        except ConfigError as exc:
            raise CommandError(f"Configuratie van de demowereld niet geladen: {exc}")
        except (
            OSError
        ) as exc:  # --world names no usable folder (a name too long, a file in the way)
            raise CommandError(
                f"De demowereld {shown(options.get('world') or setup.world_dir())} is niet te gebruiken: {reason(exc)}."
            )
