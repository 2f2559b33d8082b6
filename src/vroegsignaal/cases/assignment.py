"""Who works a case: the coordinator assigns it to a wijkteam and/or a hulpverlener of that
team, or a hulpverlener takes an open case of their own team ("Aan mij toewijzen")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.signals import services as signal_services

from .models import Case
from .shared import _lock, _lock_with_signal, _note_assignment, _refuse_if_closed


def _check_assignment(municipality_id: int, team, worker) -> tuple:
    """Validate a team/worker pair; a worker alone brings their team."""
    if worker is not None:
        if worker.role != Role.HULPVERLENER or worker.team_id is None:
            raise ValidationError(
                {"worker": _("Alleen een hulpverlener van een wijkteam kan een zaak krijgen.")}
            )
        if team is not None and worker.team_id != team.pk:
            raise ValidationError({"worker": _("Die hulpverlener hoort niet bij dat wijkteam.")})
        team = worker.team
    if team is not None and team.municipality_id != municipality_id:
        raise PermissionDenied(_("Dat wijkteam hoort niet bij de gemeente van deze zaak."))
    return team, worker


def assign(case: Case | int, user, *, team=None, worker=None) -> Case:
    """Give an open case to a team and/or a worker of that team."""
    with transaction.atomic():
        locked = _lock_with_signal(case)  # the signal gets the team too: its lock first
        _refuse_if_closed(locked)
        team, worker = _check_assignment(locked.municipality_id, team, worker)
        if team is None:
            raise ValidationError({"team": _("Kies een wijkteam of een hulpverlener.")})
        changed = (locked.team_id, locked.worker_id) != (team.pk, getattr(worker, "pk", None))
        locked.team, locked.worker = team, worker
        locked.save(update_fields=["team", "worker", "updated_at"])
        if changed:
            _note_assignment(locked, actor=user, team=team, worker=worker)
        signal_services.assign_team(locked.signal_id, team, actor=user)
        record(
            user,
            AuditAction.UPDATE,
            locked,
            purpose="zaak toegewezen",
            details={"team": team.code, "hulpverlener": getattr(worker, "pk", None)},
        )
    return locked


def may_take(case: Case, user) -> bool:
    """Whether ``user`` may take the case themselves: a hulpverlener, an open case of
    their own team, no worker yet."""
    return (
        getattr(user, "role", None) == Role.HULPVERLENER
        and user.team_id is not None
        and case.team_id == user.team_id
        and case.worker_id is None
        and not case.is_closed
    )


def take_case(case: Case | int, user) -> Case:
    """A hulpverlener takes an open case of their own team that has no worker yet
    ("Aan mij toewijzen"); audited as an assignment. Never a case of another team."""
    with transaction.atomic():
        locked = _lock(case)
        _refuse_if_closed(locked)
        if (
            getattr(user, "role", None) != Role.HULPVERLENER
            or user.team_id is None
            or locked.team_id != user.team_id
        ):
            raise PermissionDenied(
                _(
                    "Alleen een hulpverlener van het wijkteam van deze zaak kan de zaak aan zichzelf toewijzen."
                )
            )
        if locked.worker_id == user.pk:
            return locked  # already theirs (a double-click): nothing to record
        if locked.worker_id is not None:
            raise ValidationError(_("Deze zaak heeft al een hulpverlener."))
        locked.worker = user
        locked.save(update_fields=["worker", "updated_at"])
        _note_assignment(locked, actor=user, team=None, worker=user)
        record(
            user,
            AuditAction.UPDATE,
            locked,
            purpose="zaak toegewezen",
            details={"team": user.team.code, "hulpverlener": user.pk, "zelf": True},
        )
    return locked
