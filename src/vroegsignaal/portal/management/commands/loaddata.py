"""``vroegsignaal loaddata`` is refused: it writes any rows straight into the database.

A fixture passes none of the services' checks and no audit event records it (an organisation, a
user with a role, a signal, an audit event itself). Refused on the command line only: Django loads a
test's fixtures with it (``call_command("loaddata")``), which still runs Django's command
(``_refused.py``).
"""

from __future__ import annotations

from django.core.management.commands import loaddata

from ._refused import NotFromTheCommandLine

REFUSAL = (
    "loaddata wordt in Vroegsignaal niet gebruikt: het schrijft rijen rechtstreeks in de database, langs de "
    "controles en het auditlog. Gebruik: vroegsignaal load_config BESTAND (gemeenten, schuldeisers, "
    "convenanten), import_addresses en import_neighbourhoods (registers), deliver (leveringen), create_user "
    "(gebruikers); een reservekopie terugzetten: docs/operations.md, 'Backups and restore'."
)


class Command(NotFromTheCommandLine, loaddata.Command):
    help = REFUSAL
    refusal = REFUSAL
