"""``vroegsignaal generate_world``: write a synthetic world (addresses, neighbourhoods,
configuration, monthly creditor deliveries and the ground truth) to a directory."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vroegsignaal.demo.services import NOISE_LEVELS, WorldError, generate_world


class Command(BaseCommand):
    help = (
        "Genereert een synthetische wereld met leveringen en grondwaarheid (geen database nodig)."
    )
    requires_system_checks = []  # pure file generation: no models, no database

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help="Doelmap (leeg, of een eerder gegenereerde wereld)."
        )
        parser.add_argument(
            "--households", type=int, default=20_000, help="Aantal huishoudens (standaard 20000)."
        )
        parser.add_argument(
            "--municipalities", type=int, default=1, help="Aantal fictieve gemeenten (standaard 1)."
        )
        parser.add_argument(
            "--months", type=int, default=12, help="Aantal maandelijkse peildata (standaard 12)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Zaad van de toevalsgenerator (standaard 1)."
        )
        parser.add_argument(
            "--noise",
            choices=NOISE_LEVELS,
            default="realistic",
            help="Ruisniveau (standaard realistic).",
        )

    def handle(self, *args, **options):
        def progress(municipality):
            if options["verbosity"] >= 2:
                self.stdout.write(
                    f"  {municipality.code} {municipality.name}: {municipality.households} huishoudens"
                )

        try:
            result = generate_world(
                options["out"],
                households=options["households"],
                municipalities=options["municipalities"],
                months=options["months"],
                seed=options["seed"],
                noise=options["noise"],
                progress=progress,
            )
        except WorldError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"Wereld geschreven naar {result.out}: {result.households} huishoudens, {result.residents} inwoners, "
            f"{result.addresses} adressen in {result.buurten} {'buurt' if result.buurten == 1 else 'buurten'}; {result.delivery_files} leveringen met "
            f"{result.delivery_rows} rijen; {result.truth_rows} rijen grondwaarheid ({f'{result.seconds:.1f}'.replace('.', ',')} s)."
        )
