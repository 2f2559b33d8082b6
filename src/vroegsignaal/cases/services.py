"""The cases app's public face: picking up signals and working the cases.

Every change locks the case row (``select_for_update``), checks the step
against :mod:`.workflow`, writes a :class:`~.models.CaseStatusChange` when the
status moves, and audits — all in one transaction. The feedback to creditors
is written in that same transaction through the hook points
:func:`on_case_picked_up`, :func:`on_case_closed` and
:func:`on_signal_not_picked_up` (so there is no case change without its
feedback, nor the other way round); only the e-mail notice waits for the commit.

This module holds the hook points and the changes that call them (picking a signal up,
declining it, closing a case), and is the only one of the cases modules that other apps,
views, commands, tests and benchmarks import: the rest is re-exported here (``__all__``)
from small modules — :mod:`.assignment` (who works a case), :mod:`.contacts` (contact
attempts, the offer of help, notes), :mod:`.outreach` (the letter), :mod:`.anonymising`
(retention) and :mod:`.shared` (locking and moving a case). A re-exported name is a copy,
so tests patch a name in the module that reads it: the hooks and ``record`` of the pick-up
here.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import Signal, SignalStatus, SignalStatusChange
from vroegsignaal.signals.workflow import InvalidTransition as SignalTransition

from . import deadlines
from .anonymising import anonymise_cases, cases_to_anonymise
from .assignment import _check_assignment, assign, may_take, take_case
from .contacts import (
    CONVERSATION_KINDS,
    OFFER_ACCEPTED_NOTE,
    add_note,
    history_note,
    log_contact_attempt,
    record_offer,
    service_note,
)
from .models import (
    CASE_OUTCOMES,
    OUTCOMES_AFTER_OFFER,
    Case,
    CaseStatus,
    CaseStatusChange,
    NotPickedUpReason,
    Outcome,
)
from .outreach import (
    letter_attempt,
    letter_pdf,
    letter_refusal,
    letter_text,
    letter_text_errors,
    make_letter,
    save_letter_template,
)
from .shared import (
    _actor,
    _lock_with_signal,
    _move,
    _refresh_due,
    _refuse_future,
    _sent_twice_since,
    _today,
)

__all__ = [
    "add_note",
    "letter_attempt",
    "letter_pdf",
    "make_letter",
    "history_note",
    "service_note",
    "letter_refusal",
    "letter_text_errors",
    "save_letter_template",
    "assign",
    "close_case",
    "log_contact_attempt",
    "mark_not_picked_up",
    "on_case_closed",
    "on_case_picked_up",
    "on_signal_not_picked_up",
    "pick_up_signal",
    "may_take",
    "record_offer",
    "take_case",
    # what the signals app's evaluation, privacy's retention and the case page call besides
    "anonymise_cases",
    "cases_to_anonymise",
    "crisis_after_pick_up",
    "letter_text",
    "CONVERSATION_KINDS",
    "OFFER_ACCEPTED_NOTE",
]


# ---------------------------------------------------------------------------
# Hook points (run inside the transaction of the change)
# ---------------------------------------------------------------------------


def on_case_picked_up(case_id: int) -> None:
    """Hook point, run in the pick-up's transaction: the creditors hear the signal
    was picked up, with the collection pause end date (``feedback.services``)."""
    from vroegsignaal.feedback import services as feedback

    feedback.record_picked_up(case_id)


def on_case_closed(case_id: int) -> None:
    """Hook point, run in the closing's transaction: the creditors hear the case was
    closed, with the result they may know (``feedback.services``)."""
    from vroegsignaal.feedback import services as feedback

    feedback.record_closed(case_id)


def on_signal_not_picked_up(signal_id: int) -> None:
    """Hook point, run in the decline's transaction: the creditors hear ``niet_opgepakt``,
    never the reason (``feedback.services``)."""
    from vroegsignaal.feedback import services as feedback

    feedback.record_not_picked_up(signal_id)


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


def crisis_after_pick_up(signal_ids: list[int], *, received_on: dt.date) -> int:
    """Open cases whose signal became a crisis signal after the pick-up get the crisis deadline.

    Called by the signals app's evaluation (in its transaction) with the signals it changed.
    Wgs art. 4(2): contact within three working days of receiving the crisis signal; the case
    was picked up before the crisis was known, so the deadline is the signal's own (counted
    from this delivery). A case already in contact keeps it as met. Returns the cases changed.
    """
    changed = 0
    cases = (
        Case.objects.select_for_update()
        .filter(signal_id__in=signal_ids, crisis=False, signal__crisis=True)
        .exclude(status=CaseStatus.AFGESLOTEN)
        .select_related("signal")
    )
    for case in cases:
        case.crisis = True
        case.contact_due = case.signal.deadline or deadlines.crisis_contact_deadline(received_on)
        _refresh_due(case)
        case.save(update_fields=["crisis", "contact_due", "due_on", "updated_at"])
        record(
            None, AuditAction.UPDATE, case, purpose="crisissignaal na oppakken",
            details={"signaal": case.signal_id, "contact_uiterlijk": case.contact_due.isoformat()},
        )  # fmt: skip
        changed += 1
    return changed


def pick_up_signal(
    signal: Signal | int, user, team=None, worker=None, *, on: dt.date | None = None
) -> Case:
    """Pick a signal up: the signal becomes ``opgepakt`` and a case opens (``datum_opgepakt``).

    ``on`` (default today) is the day it was picked up: not after today, nor before the
    signal's signal date (the signals service refuses that, about ``on``). A crisis signal
    gets its contact deadline (three working days). ``team`` and/or ``worker`` assign the
    case at once.
    """
    picked_up_on = _today(on)
    try:
        return _pick_up(signal, user, team, worker, picked_up_on)
    except SignalTransition as refused:
        # A double-click: the signal lock made this request wait for its twin, whose case it is.
        if (twin := _picked_up_twice(signal, user, team, worker, refused)) is None:
            raise
        return twin


def _picked_up_twice(signal, user, team, worker, refused: SignalTransition) -> Case | None:
    """The case the same user opened for this signal a moment ago, with the same team/worker."""
    actor = _actor(user)
    if actor is None or refused.current != SignalStatus.OPGEPAKT:
        return None
    return Case.objects.filter(
        signal_id=getattr(signal, "pk", signal),
        picked_up_by=actor,
        created_at__gte=_sent_twice_since(),
        team_id=worker.team_id if worker is not None else getattr(team, "pk", None),
        worker_id=getattr(worker, "pk", None),
    ).first()


def _pick_up(signal: Signal | int, user, team, worker, picked_up_on: dt.date) -> Case:
    with transaction.atomic():
        # Locks and checks the signal, and the day: not before the signal date.
        locked_signal = signal_services.pick_up_signal(signal, actor=user, on=picked_up_on)
        team, worker = _check_assignment(locked_signal.municipality_id, team, worker)
        if team is not None:
            signal_services.assign_team(locked_signal, team, actor=user)
        case = Case(
            municipality_id=locked_signal.municipality_id,
            signal=locked_signal,
            household_id=locked_signal.household_id,
            team=team,
            worker=worker,
            crisis=locked_signal.crisis,
            picked_up_on=picked_up_on,
            picked_up_by=_actor(user),
        )
        if locked_signal.crisis:
            case.contact_due = deadlines.crisis_contact_due(picked_up_on, locked_signal.deadline)
        _refresh_due(case)
        case.save()
        CaseStatusChange.objects.create(
            case=case,
            from_status="",
            to_status=CaseStatus.OPGEPAKT,
            occurred_on=picked_up_on,
            changed_at=timezone.now(),
            actor=_actor(user),
        )
        record(
            user,
            AuditAction.CREATE,
            case,
            purpose="vroegsignaal opgepakt",
            details={"signaal": locked_signal.pk, "team": getattr(team, "code", None)},
        )
        on_case_picked_up(case.pk)
    return case


def mark_not_picked_up(
    signal: Signal | int, user, reason: str, *, on: dt.date | None = None
) -> Signal:
    """Decline a signal with a reason from DDAS ``EnumSignaalstatus``; no case is opened.
    ``on`` (default today): not after today, nor before the signal date (the signals service
    refuses that). The creditors hear ``niet_opgepakt`` (hook :func:`on_signal_not_picked_up`),
    never the reason."""
    if reason not in NotPickedUpReason.values:
        raise ValidationError(_("Kies een reden waarom het signaal niet wordt opgepakt."))
    reason = NotPickedUpReason(reason)
    try:
        with transaction.atomic():
            declined = signal_services.decline_signal(signal, actor=user, note=reason.value, on=on)
            on_signal_not_picked_up(declined.pk)
    except SignalTransition as refused:
        # A double-click: the signal lock made this request wait for its twin, which declined it.
        signal_id = getattr(signal, "pk", signal)
        twin = (
            _actor(user) is not None
            and refused.current == SignalStatus.NIET_OPGEPAKT
            and SignalStatusChange.objects.filter(
                signal_id=signal_id,
                to_status=SignalStatus.NIET_OPGEPAKT,
                actor=_actor(user),
                note=reason.value,
                changed_at__gte=_sent_twice_since(),
            ).exists()
        )
        if not twin:
            raise
        return Signal.objects.get(pk=signal_id)
    return declined


def close_case(
    case: Case | int, user, outcome: str, *, on: dt.date | None = None, note: str = ""
) -> Case:
    """Close a case with its DDAS outcome; its signal closes too (signals' close hook)."""
    if outcome not in CASE_OUTCOMES:
        raise ValidationError({"outcome": _("Kies een eindresultaat van een opgepakte zaak.")})
    closed_on = _today(on)
    _refuse_future(closed_on)
    with transaction.atomic():
        locked = _lock_with_signal(case)  # the signal closes too: its lock first, as evaluation
        if closed_on < locked.picked_up_on:
            raise ValidationError(
                {
                    "on": _(
                        "Een zaak kan niet worden afgesloten vóór de datum waarop ze is opgepakt."
                    )
                }
            )
        if _closed_twice(locked, user, outcome, closed_on):
            return locked  # a double-click: its twin closed the case while this one waited
        _refuse_help_without_offer(locked, outcome)
        _move(locked, CaseStatus.AFGESLOTEN, actor=user, on=closed_on, note=note or outcome)
        locked.outcome = outcome
        locked.closed_on = closed_on
        _refresh_due(locked)
        locked.save()
        signal_services.close_signal(locked.signal_id, actor=user, note=outcome[:200], on=closed_on)
        record(
            user,
            AuditAction.UPDATE,
            locked,
            purpose="zaak afgesloten",
            details={"resultaat": outcome},
        )
        on_case_closed(locked.pk)
    return locked


def _refuse_help_without_offer(case: Case, outcome: str) -> None:
    """An outcome that says the resident was helped needs the offer of help recorded first
    (:data:`~.models.OUTCOMES_AFTER_OFFER`): the creditors are told ``hulp_in_gang_gezet``."""
    if case.is_closed or outcome not in OUTCOMES_AFTER_OFFER or case.offer_made_on is not None:
        return  # a closed case is refused as such (workflow)
    raise ValidationError(
        {
            "outcome": _(
                "Er is nog geen hulpaanbod vastgelegd. Het eindresultaat ‘%(outcome)s’ zegt dat "
                "de inwoner hulp kreeg, en de schuldeisers horen dan ‘hulp in gang gezet’. Leg "
                "eerst onder ‘Hulpaanbod’ vast wanneer het hulpaanbod is gedaan, of kies een "
                "ander eindresultaat."
            )
            % {"outcome": Outcome(outcome).label}
        }
    )


def _closed_twice(case: Case, user, outcome: str, closed_on: dt.date) -> bool:
    """Whether the same user closed this locked case a moment ago with the same result."""
    return (
        case.is_closed
        and _actor(user) is not None
        and (case.outcome, case.closed_on) == (outcome, closed_on)
        and CaseStatusChange.objects.filter(
            case=case,
            to_status=CaseStatus.AFGESLOTEN,
            actor=_actor(user),
            changed_at__gte=_sent_twice_since(),
        ).exists()
    )
