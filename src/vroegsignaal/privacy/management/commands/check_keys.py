"""``vroegsignaal check_keys``: do the configured keys fit the data? Exit status 1 when not.

Run it after restoring a backup (the wrong key otherwise shows only when a page
first reads personal data) and after ``rotate_keys`` (which old keys may go).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from vroegsignaal.privacy.keys import check_keys, values_phrase


def _files(count: int) -> str:
    return f"{count} {'bestand' if count == 1 else 'bestanden'}"


class Command(BaseCommand):
    help = (
        "Controleert of VROEGSIGNAAL_ENCRYPTION_KEYS en VROEGSIGNAAL_BLIND_INDEX_KEY passen bij de "
        "gegevens in de database en bij de leveringen die nog wachten: welke sleutel-id's in gebruik zijn, "
        "en of een steekproef ontsleutelt. Wijzigt niets. Afsluitcode 1 als een sleutel niet past of ontbreekt."
    )

    def handle(self, *args, **options) -> None:
        report = check_keys()
        current, *older = report.configured
        self.stdout.write(
            f"Sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS: {current} (huidige){''.join(f', {k}' for k in older)}"
        )
        for kid in report.configured:
            staged = report.staged.get(kid, 0)
            waiting = f"; {_files(staged)} in de wachtrij voor verwerking" if staged else ""
            self.stdout.write(
                f"  {kid}: {values_phrase(report.in_use.get(kid, 0))} in de database{waiting}"
            )
        if report.unknown_values:
            ids = ", ".join(sorted(report.unknown_ids))
            self.stdout.write(
                f"  niet ingesteld ({ids}): {values_phrase(report.unknown_values)} in de database"
            )
        self.stdout.write(f"Steekproef: {values_phrase(report.decrypted)} ontsleuteld.")
        if report.blind_index_checked:
            self.stdout.write(
                f"Zoekindex (VROEGSIGNAAL_BLIND_INDEX_KEY): bij {report.blind_index_checked} "
                f"{'persoon' if report.blind_index_checked == 1 else 'personen'} opnieuw berekend."
            )
        elif report.persons:
            self.stdout.write(
                "Zoekindex (VROEGSIGNAAL_BLIND_INDEX_KEY): niet te controleren, de geboortedatums zijn niet "
                "te ontsleutelen."
            )
        else:
            self.stdout.write(
                "Zoekindex (VROEGSIGNAAL_BLIND_INDEX_KEY): nog geen personen om mee te vergelijken."
            )
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(self.style.ERROR(f"FOUT: {problem}"))
            self.stderr.write(
                "De sleutels passen niet bij de gegevens. Start het portaal en de worker niet met deze "
                "sleutels; zet de juiste sleutels in de omgeving en controleer opnieuw."
            )
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("De sleutels passen bij de gegevens."))
        for kid in report.unused:
            self.stdout.write(
                f"Sleutel {kid} wordt niet meer gebruikt: hij mag uit VROEGSIGNAAL_ENCRYPTION_KEYS. Bewaar hem "
                "apart zolang er reservekopieën zijn die met hem zijn gemaakt."
            )
