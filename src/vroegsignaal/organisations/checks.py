"""System check: the way into the admin follows each user's role, in the database too.

``User.save`` sets ``is_staff`` from the role and ``services.change_user`` (``change_role``) is the
one way a role changes; a role written past both (``User.objects.filter(...).update(role=...)`` in a shell or a
data migration) leaves a beheerder outside the admin, or another role inside it. A database
check (``Tags.database``): Django runs it with ``check --database default`` and before ``migrate``
migrates, never at the start of every command. A warning, not an error: ``migrate`` goes on, and
the role's permissions (``backends.RoleBackend``) give a user let in by mistake nothing to see.
"""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

SHOWN_NAMES = 10


@register(Tags.database)
def check_staff_follows_role(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    from .models import User, staff_not_following_role

    if not databases:
        return []
    if app_configs is not None and apps.get_app_config("organisations") not in app_configs:
        return []
    warnings = []
    for alias in databases:
        try:
            names = list(
                User.objects.using(alias)
                .filter(staff_not_following_role())
                .order_by("username")
                .values_list("username", flat=True)
            )
        except DatabaseError:  # not migrated yet (``migrate`` checks before it migrates)
            continue
        if not names:
            continue
        listed = ", ".join(names[:SHOWN_NAMES]) + (" …" if len(names) > SHOWN_NAMES else "")
        warnings.append(
            Warning(
                f"Bij {len(names)} gebruiker(s) volgt de toegang tot het beheer (is_staff) de rol "
                f"niet: {listed}. Een beheerder kan het beheer dan niet in, of een andere rol wel.",
                hint=(
                    "De rol is buiten organisations.services.change_role om gewijzigd (een "
                    "update() in de shell of een datamigratie). Geef elk de rol opnieuw met "
                    "change_role(gebruiker, gebruiker.role, by=None) in `vroegsignaal shell`: dat "
                    "zet de toegang goed en schrijft het in het auditlog."
                ),
                obj=f"database {alias}",
                id="organisations.W001",
            )
        )
    return warnings
