"""``vroegsignaal flush`` is refused: it empties every table, the audit log too.

Refused on the command line only: Django's test runner empties the test database with it between
transactional tests (``call_command("flush")``), which still runs Django's command (``_refused.py``).
"""

from __future__ import annotations

from django.core.management.commands import flush

from ._refused import NotFromTheCommandLine

REFUSAL = (
    "flush wordt in Vroegsignaal niet gebruikt: het maakt alle tabellen leeg, het auditlog ook. Wat niet meer "
    "bewaard mag worden, verwijdert: vroegsignaal purge (kijk eerst met --dry-run); een database terugzetten: "
    "docs/operations.md, 'Backups and restore'."
)


class Command(NotFromTheCommandLine, flush.Command):
    help = REFUSAL
    refusal = REFUSAL
