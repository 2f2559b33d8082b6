"""``vroegsignaal sqlflush`` is refused: it prints the SQL that empties every table, the audit log too.

(Django's ``flush`` does not use this command, so it is refused everywhere: ``_refused.py``.)
"""

from __future__ import annotations

from ._refused import Refused

REFUSAL = (
    "sqlflush wordt in Vroegsignaal niet gebruikt: het geeft de SQL die alle tabellen leegmaakt, het auditlog "
    "ook. Wat niet meer bewaard mag worden, verwijdert: vroegsignaal purge (kijk eerst met --dry-run)."
)


class Command(Refused):
    help = REFUSAL
    refusal = REFUSAL
