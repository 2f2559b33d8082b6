"""Status changes by people (the cases app calls these, through :mod:`.services`).

One signal at a time, unlike evaluation: under a row lock on the signal, checked
against :mod:`.workflow`, with a history row and an audit event. A handled signal
remembers its household's other open arrears, so that afterwards only new arrears
raise a signal for the household. The day a change took effect (``on``) is refused
when it lies after today or before the signal's signal date (:func:`_refuse_day`),
whoever calls: the error is about ``on``, so a form's date field shows it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from vroegsignaal.households.models import Arrear, ArrearStatus
from vroegsignaal.privacy.services import AuditAction, record

from . import workflow
from .models import (
    HANDLED_STATUSES,
    OPEN_STATUSES,
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalStatus,
    SignalStatusChange,
)
from .writing import _forget_before

# ---------------------------------------------------------------------------
# Status changes by people (the cases app calls these)
# ---------------------------------------------------------------------------


def _change_status(
    signal: Signal | int, target: str, *, actor, note: str, on: dt.date | None
) -> Signal:
    signal_id = getattr(signal, "pk", signal)
    with transaction.atomic():
        locked = Signal.objects.select_for_update().filter(pk=signal_id).first()
        if locked is None:  # purged while the page showed it (a retention run at that moment)
            raise workflow.SignalGone()
        workflow.check(locked.status, target)
        _refuse_day(locked, on)
        previous = locked.status
        now = timezone.now()
        locked.status = target
        if target not in (SignalStatus.NIEUW, SignalStatus.OPGEPAKT):
            locked.closed_on = on or timezone.localdate()
        locked.save(update_fields=["status", "closed_on", "updated_at"])
        SignalStatusChange.objects.create(
            signal=locked,
            from_status=previous,
            to_status=target,
            changed_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            note=note[:200],
        )
        if target not in OPEN_STATUSES:
            # Only an open signal is settled on a peildatum: its snapshot goes.
            _forget_before([locked.pk])
        if target in HANDLED_STATUSES:
            _remember_known_arrears(locked)
        record(
            actor,
            AuditAction.UPDATE,
            locked,
            purpose="status vroegsignaal",
            details={"van": previous, "naar": target},
        )
    return locked


def _refuse_day(signal: Signal, on: dt.date | None) -> None:
    """The day a person's change took effect has been, and came after the signal: not after
    today (a typing error) nor before its signal date (the peildatum that raised it, DDAS's
    matchingsdatum), when there was no signal to pick up, decline or close. Refused about
    ``on``, the argument's name, which the case page's date fields share."""
    if on is None:
        return
    if on > timezone.localdate():
        raise ValidationError({"on": gettext("De datum ligt in de toekomst.")})
    if on < signal.signal_date:
        raise ValidationError(
            {
                "on": gettext("De datum ligt vóór de signaaldatum (%(signal_date)s).")
                % {"signal_date": date_format(signal.signal_date, "j F Y")}
            }
        )


def _remember_known_arrears(signal: Signal) -> None:
    """After a closed case only arrears new since then raise a signal: remember the others."""
    linked = SignalArrear.objects.filter(signal=signal).values("arrear_id")
    known = Arrear.objects.filter(
        household_id=signal.household_id, status=ArrearStatus.OPEN
    ).exclude(pk__in=linked)
    SignalArrear.objects.bulk_create(
        SignalArrear(
            signal=signal,
            arrear_id=arrear_id,
            role=SignalArrearRole.KNOWN_AT_CLOSE,
            counts=False,
            joined_on=signal.closed_on,
        )
        for arrear_id in known.order_by("pk").values_list("pk", flat=True)
    )


def pick_up_signal(
    signal: Signal | int, *, actor=None, note: str = "", on: dt.date | None = None
) -> Signal:
    """``nieuw`` → ``opgepakt``: the municipality takes the signal on (the cases app opens a case).

    ``on`` is the day it did (the case's ``picked_up_on``, default today): checked as the other
    changes' day is, and kept by the case, not here (the signal is open, without ``closed_on``)."""
    return _change_status(signal, SignalStatus.OPGEPAKT, actor=actor, note=note, on=on)


def decline_signal(
    signal: Signal | int, *, actor=None, note: str = "", on: dt.date | None = None
) -> Signal:
    """``nieuw`` → ``niet_opgepakt`` on ``on`` (default today; not after today, nor before the
    signal date). Its arrears (and the household's other open arrears) will not raise a
    signal again; new arrears will."""
    return _change_status(signal, SignalStatus.NIET_OPGEPAKT, actor=actor, note=note, on=on)


def close_signal(
    signal: Signal | int, *, actor=None, note: str = "", on: dt.date | None = None
) -> Signal:
    """``opgepakt`` → ``afgesloten``: the hook for the cases app when a case is closed.

    From then on only arrears that are new since ``on`` (default today; not after today, nor
    before the signal date) raise a new signal for the household: the household's open
    arrears are remembered with the closed signal.
    """
    return _change_status(signal, SignalStatus.AFGESLOTEN, actor=actor, note=note, on=on)


def assign_team(signal: Signal | int, team, *, actor=None) -> Signal:
    """Give a signal to a wijkteam (its hulpverleners then see it); ``team=None`` takes it back."""
    signal_id = getattr(signal, "pk", signal)
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal_id)
        if team is not None and team.municipality_id != locked.municipality_id:
            raise PermissionDenied(
                gettext("Dat wijkteam hoort niet bij de gemeente van dit signaal.")
            )
        locked.team = team
        locked.save(update_fields=["team", "updated_at"])
        record(
            actor,
            AuditAction.UPDATE,
            locked,
            purpose="signaal toegewezen",
            details={"team": getattr(team, "code", None)},
        )
    return locked
