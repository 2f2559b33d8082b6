"""What the modules behind :mod:`.services` share: today's date, refusing a future date,
the acting user, and locking a case and moving its status.

They import this module and none of each other's privates, so there is no cycle.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vroegsignaal.signals import workflow as signal_workflow

from . import deadlines, workflow
from .models import Case, CaseStatusChange


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _refuse_future(on: dt.date | None, field: str = "on") -> None:
    """Work is recorded when it has happened: a date after today is a typing error.

    Refusals about one argument name it (``ValidationError({field: ...})``): the
    case page's forms use the services' argument names, so the error lands next
    to the field it is about."""
    if on is not None and on > timezone.localdate():
        raise ValidationError({field: _("De datum ligt in de toekomst.")})


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


# Two identical requests of one user this close together are one act sent twice (a
# double-click, a form sent again), not two: the second finds what the first recorded. The
# window is the signals app's (the rules page uses it too).
SENT_TWICE_WITHIN = signal_workflow.SENT_TWICE_WITHIN


def _sent_twice_since() -> dt.datetime:
    """The moment after which an identical record of the same user is this request's twin."""
    return timezone.now() - SENT_TWICE_WITHIN


def _lock(case: Case | int) -> Case:
    return Case.objects.select_for_update().get(pk=getattr(case, "pk", case))


def _lock_with_signal(case: Case | int) -> Case:
    """Lock the case's signal, then the case, for a change that writes both (closing, assigning).

    The evaluation takes them in that order (it updates the signal, then gives its case the
    crisis deadline), as does the pick-up; the other order deadlocks with it, and PostgreSQL
    aborts one of the two."""
    from vroegsignaal.signals.models import Signal

    case_id = getattr(case, "pk", case)
    signal_id = Case.objects.filter(pk=case_id).values_list("signal_id", flat=True).get()
    list(Signal.objects.select_for_update().filter(pk=signal_id).values_list("pk", flat=True))
    return _lock(case_id)


def _move(case: Case, target: str, *, actor, on: dt.date, note: str = "") -> None:
    """Change the status of a locked case and append the history row (caller saves the case).

    ``on`` is the day the step happened (the contact attempt's, the answer's, the closing
    date), which the history shows apart from the moment it is recorded."""
    workflow.check(case.status, target)
    CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=target,
        occurred_on=on,
        changed_at=timezone.now(),
        actor=_actor(actor),
        note=note[:200],
    )
    case.status = target


# The note of an assignment row of the history (its status stays): "Toegewezen aan" + names.
ASSIGNED_PREFIX = "Toegewezen aan "


def _note_assignment(case: Case, *, actor, team, worker) -> None:
    """Append who the case went to to its history."""
    names = [team.name] if team is not None else []
    if worker is not None:
        names.append(worker.get_full_name() or worker.get_username())
    _note_in_history(case, actor=actor, note=ASSIGNED_PREFIX + ", ".join(names))


def _note_in_history(case: Case, *, actor, note: str, on: dt.date | None = None) -> None:
    """A history row whose status stays as it is, dated ``on``, the day the step happened (an
    offer of help made or refused), else the day it is recorded: something done to the case
    (an assignment, a corrected date) happens when it is done."""
    CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=case.status,
        occurred_on=on or timezone.localdate(),
        changed_at=timezone.now(),
        actor=_actor(actor),
        note=note[:200],
    )


def _refresh_due(case: Case) -> None:
    case.due_on = deadlines.next_due(
        contact_due=case.contact_due,
        contacted_on=case.contacted_on,
        first_conversation_due=case.first_conversation_due,
        first_conversation_on=case.first_conversation_on,
        closed=case.is_closed,
    )


def _refuse_if_closed(case: Case) -> None:
    if case.is_closed:
        raise workflow.InvalidTransition(case.status, case.status)
