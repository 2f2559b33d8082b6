"""What the coordinator does on the reporting screens: open a household, export a tray.

Both read personal data, so both write an audit event with the purpose
(``privacy.services.record``). The views hand in objects and querysets that
already passed the scoping layer.
"""

from __future__ import annotations

from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vroegsignaal.households.selectors import household_persons
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.signals.exports import export_rows, write_xlsx

# Why a user opens a household; the first is the default.
PURPOSES = {
    "signaalbehandeling": _("Signaalbehandeling"),
    "hulpverlening": _("Hulpverlening (casus)"),
    "kwaliteitscontrole": _("Kwaliteitscontrole"),
}
DEFAULT_PURPOSE = "signaalbehandeling"
# Roles that see the persons of a household decrypted.
ROLES_SEEING_PERSONS = frozenset({Role.COORDINATOR, Role.HULPVERLENER})
PERSONAL_DATA_PERMISSION = "reporting.export_personal_data"
# Spec section 5 columns that identify the household's address.
ADDRESS_COLUMNS = ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "straatnaam")


def purpose_of(value: str | None) -> str:
    return value if value in PURPOSES else DEFAULT_PURPOSE


def open_household(user, household, *, purpose: str, request=None) -> list:
    """Record that ``user`` opened the household for ``purpose``; the persons they may see, decrypted."""
    purpose = purpose_of(purpose)
    record(user, AuditAction.VIEW, household, purpose=purpose, request=request)
    if user.role not in ROLES_SEEING_PERSONS:
        return []
    return household_persons(household)


def may_export_personal_data(user) -> bool:
    return user.has_perm(PERSONAL_DATA_PERMISSION)


def export_tray(user, tray, signals: QuerySet, output: IO[bytes], *, query: str = "", request=None) -> int:
    """Write the spec section 5 export of ``signals`` (the tray's current filter) as XLSX; audited.

    The address columns are left empty unless the user holds
    ``reporting.export_personal_data``.
    """
    rows = export_rows(signals.order_by("id"))
    personal = may_export_personal_data(user)
    if not personal:
        for row in rows:
            for column in ADDRESS_COLUMNS:
                row[column] = None if column == "huisnummer" else ""
    write_xlsx(rows, output)
    record(
        user,
        AuditAction.EXPORT,
        tray,
        purpose="export werkbakje",
        request=request,
        details={"rijen": len(rows), "formaat": "xlsx", "persoonsgegevens": personal, "filter": query[:500]},
    )
    return len(rows)
