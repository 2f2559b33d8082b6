"""The cases app's public face: picking up signals and working the cases.

Every change locks the case row (``select_for_update``), checks the step
against :mod:`.workflow`, writes a :class:`~.models.CaseStatusChange` when the
status moves, and audits — all in one transaction. The feedback to creditors
is written in that same transaction through the hook points
:func:`on_case_picked_up`, :func:`on_case_closed` and
:func:`on_signal_not_picked_up` (so there is no case change without its
feedback, nor the other way round); only the e-mail notice waits for the commit.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import Signal

from . import deadlines, letters, workflow
from .models import (
    CASE_OUTCOMES,
    Case,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    ContactAttempt,
    ContactKind,
    LetterTemplate,
    NotPickedUpReason,
    OfferAnswer,
    Outcome,
    PartOfDay,
)

__all__ = [
    "add_note",
    "generate_letter",
    "history_note",
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
]

# The history's notes the services write themselves (besides contact kinds and outcomes).
OFFER_ACCEPTED_NOTE = gettext_noop("hulpaanbod aanvaard")
# A reached attempt of these kinds after an accepted offer counts as the first conversation.
CONVERSATION_KINDS = frozenset({ContactKind.TELEFOON, ContactKind.HUISBEZOEK})


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
# Helpers
# ---------------------------------------------------------------------------


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


def history_note(note: str) -> str:
    """A note of the case's history in the reader's language.

    The history stores its notes in Dutch (a contact kind, an outcome, "hulpaanbod
    aanvaard"): they are evidence of what happened, whatever language the user read the
    portal in. Shown, the ones the services write are translated; anything else (a
    worker's own words) is shown as written.
    """
    known = note == OFFER_ACCEPTED_NOTE or note in ContactKind.values or note in Outcome.values
    return _(note) if known else note


def _lock(case: Case | int) -> Case:
    return Case.objects.select_for_update().get(pk=getattr(case, "pk", case))


def _move(case: Case, target: str, *, actor, note: str = "") -> None:
    """Change the status of a locked case and append the history row (caller saves the case)."""
    workflow.check(case.status, target)
    CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=target,
        changed_at=timezone.now(),
        actor=_actor(actor),
        note=note[:200],
    )
    case.status = target


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

    A crisis signal gets its contact deadline (three working days). ``team``
    and/or ``worker`` assign the case at once.
    """
    picked_up_on = _today(on)
    with transaction.atomic():
        locked_signal = signal_services.pick_up_signal(
            signal, actor=user
        )  # locks and checks the signal
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
    The creditors hear ``niet_opgepakt`` (hook :func:`on_signal_not_picked_up`), never the reason."""
    if reason not in NotPickedUpReason.values:
        raise ValidationError(_("Kies een reden waarom het signaal niet wordt opgepakt."))
    reason = NotPickedUpReason(reason)
    with transaction.atomic():
        declined = signal_services.decline_signal(signal, actor=user, note=reason.value, on=on)
        on_signal_not_picked_up(declined.pk)
    return declined


def assign(case: Case | int, user, *, team=None, worker=None) -> Case:
    """Give an open case to a team and/or a worker of that team."""
    with transaction.atomic():
        locked = _lock(case)
        _refuse_if_closed(locked)
        team, worker = _check_assignment(locked.municipality_id, team, worker)
        if team is None:
            raise ValidationError({"team": _("Kies een wijkteam of een hulpverlener.")})
        locked.team, locked.worker = team, worker
        locked.save(update_fields=["team", "worker", "updated_at"])
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
                    "Alleen een hulpverlener van het wijkteam van deze zaak kan de zaak zelf oppakken."
                )
            )
        if locked.worker_id is not None:
            raise ValidationError(_("Deze zaak heeft al een hulpverlener."))
        locked.worker = user
        locked.save(update_fields=["worker", "updated_at"])
        record(
            user,
            AuditAction.UPDATE,
            locked,
            purpose="zaak toegewezen",
            details={"team": user.team.code, "hulpverlener": user.pk, "zelf": True},
        )
    return locked


def log_contact_attempt(
    case: Case | int,
    user,
    *,
    kind: str,
    reached: bool,
    on: dt.date,
    part_of_day: str = "",
    note: str = "",
) -> ContactAttempt:
    """Record a contactpoging; it moves the case on (``contact_gezocht`` / ``in_contact``),
    meets the contact deadline when the household was reached, and — after an
    accepted offer — a reached phone call or home visit is the first conversation."""
    kind = ContactKind(kind)
    part_of_day = PartOfDay(part_of_day).value if part_of_day else ""
    _refuse_future(on)
    # The history's note is stored: in Dutch, whatever language the user reads the portal in.
    with translation.override("nl"):
        kind_note = str(kind.label)
    with transaction.atomic():
        locked = _lock(case)
        _refuse_if_closed(locked)
        if on < locked.picked_up_on:
            raise ValidationError(
                {"on": _("Een contactpoging kan niet vóór het oppakken van het signaal liggen.")}
            )
        attempt = ContactAttempt.objects.create(
            case=locked,
            kind=kind,
            reached=reached,
            date=on,
            part_of_day=part_of_day,
            actor=_actor(user),
            note=note,
        )
        if reached:
            if locked.contacted_on is None or on < locked.contacted_on:
                locked.contacted_on = on
            if locked.status in (CaseStatus.OPGEPAKT, CaseStatus.CONTACT_GEZOCHT):
                _move(locked, CaseStatus.IN_CONTACT, actor=user, note=kind_note)
            if (
                locked.offer_answer == OfferAnswer.AANVAARD
                and kind in CONVERSATION_KINDS
                and locked.first_conversation_on is None
                and on >= locked.offer_answered_on
            ):
                locked.first_conversation_on = on
        elif locked.status == CaseStatus.OPGEPAKT:
            _move(locked, CaseStatus.CONTACT_GEZOCHT, actor=user, note=kind_note)
        _refresh_due(locked)
        locked.save()
        record(
            user,
            AuditAction.CREATE,
            locked,
            purpose="contactpoging vastgelegd",
            details={"soort": kind.value, "bereikt": reached},
        )
    return attempt


def record_offer(
    case: Case | int,
    user,
    *,
    made_on: dt.date,
    answer: str = "",
    answered_on: dt.date | None = None,
) -> Case:
    """Record the offer of help and, when known, the answer. Accepted → first
    conversation due within four weeks of ``answered_on``."""
    answer = OfferAnswer(answer)
    _refuse_future(made_on, "made_on")
    _refuse_future(answered_on, "answered_on")
    if answer and answered_on is None:
        raise ValidationError({"answered_on": _("Geef de datum van het antwoord op.")})
    if answered_on is not None and answered_on < made_on:
        raise ValidationError(
            {"answered_on": _("Het antwoord kan niet vóór het hulpaanbod liggen.")}
        )
    with transaction.atomic():
        locked = _lock(case)
        _refuse_if_closed(locked)
        if locked.offer_answer == OfferAnswer.AANVAARD and answer != OfferAnswer.AANVAARD:
            raise ValidationError(
                {
                    "answer": _(
                        "Een aanvaard hulpaanbod blijft aanvaard; sluit de zaak af met het eindresultaat als het anders loopt."
                    )
                }
            )
        if made_on < locked.picked_up_on:
            raise ValidationError(
                {"made_on": _("Het hulpaanbod kan niet vóór het oppakken van het signaal liggen.")}
            )
        locked.offer_made_on = made_on
        locked.offer_answer = answer
        locked.offer_answered_on = answered_on if answer else None
        if answer == OfferAnswer.AANVAARD:
            locked.first_conversation_due = deadlines.first_conversation_due(answered_on)
            if locked.status != CaseStatus.HULP_AANVAARD:
                _move(locked, CaseStatus.HULP_AANVAARD, actor=user, note=OFFER_ACCEPTED_NOTE)
        else:
            locked.first_conversation_due = None
        _refresh_due(locked)
        locked.save()
        record(
            user,
            AuditAction.UPDATE,
            locked,
            purpose="hulpaanbod vastgelegd",
            details={"antwoord": answer.value or "open"},
        )
    return locked


def close_case(
    case: Case | int, user, outcome: str, *, on: dt.date | None = None, note: str = ""
) -> Case:
    """Close a case with its DDAS outcome; its signal closes too (signals' close hook)."""
    if outcome not in CASE_OUTCOMES:
        raise ValidationError({"outcome": _("Kies een eindresultaat van een opgepakte zaak.")})
    closed_on = _today(on)
    _refuse_future(closed_on)
    with transaction.atomic():
        locked = _lock(case)
        if closed_on < locked.picked_up_on:
            raise ValidationError(
                {
                    "on": _(
                        "Een zaak kan niet worden afgesloten vóór de datum waarop ze is opgepakt."
                    )
                }
            )
        _move(locked, CaseStatus.AFGESLOTEN, actor=user, note=note or outcome)
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


def add_note(case: Case | int, user, text: str) -> CaseNote:
    """Add an (encrypted) note to a case."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Een notitie mag niet leeg zijn.")})
    with transaction.atomic():
        locked = _lock(case)
        note = CaseNote.objects.create(case=locked, text=text, author=_actor(user))
        record(user, AuditAction.CREATE, locked, purpose="notitie bij zaak")
    return note


# ---------------------------------------------------------------------------
# Outreach letter
# ---------------------------------------------------------------------------


def letter_text(municipality) -> tuple[str, str]:
    """The municipality's letter subject and body, or the default text."""
    template = LetterTemplate.objects.filter(municipality=municipality).first()
    if template is None:
        return letters.DEFAULT_SUBJECT, letters.DEFAULT_BODY
    return template.subject, template.body


def letter_text_errors(*, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with the placeholders of a letter text, per field (empty: nothing)."""
    errors = {"subject": letters.text_problems(subject), "body": letters.text_problems(body)}
    return {field: problems for field, problems in errors.items() if problems}


def save_letter_template(municipality, user, *, subject: str, body: str) -> LetterTemplate:
    """A coordinator changes the municipality's letter text. Only the known
    ``$placeholders`` (``letters.PLACEHOLDERS``) are allowed and the text must parse:
    a wrong one would be printed as typed in the letter to the resident."""
    if errors := letter_text_errors(subject=subject, body=body):
        raise ValidationError(errors)
    template, _created = LetterTemplate.objects.update_or_create(
        municipality=municipality,
        defaults={"subject": subject, "body": body, "updated_by": _actor(user)},
    )
    record(user, AuditAction.UPDATE, template, purpose="briefsjabloon gewijzigd")
    return template


def _postcode(value: str) -> str:
    """``1234AB`` → ``1234 AB``, as PostNL prints it."""
    return f"{value[:4]} {value[4:]}" if len(value) == 6 else value


def _address_lines(household) -> tuple[str, str]:
    address = getattr(household, "address", None)
    if address is None:  # keyed by the delivered address: "1234AB|12|A|2"
        postcode, number, letter, addition = (
            household.unregistered_address.split("|") + ["", "", "", ""]
        )[:4]
        return f"{number}{letter}{'-' + addition if addition else ''}", _postcode(postcode)
    number = f"{address.huisnummer}{address.huisletter}{'-' + address.toevoeging if address.toevoeging else ''}"
    return (
        f"{address.straatnaam} {number}".strip(),
        f"{_postcode(address.postcode)} {address.woonplaats}".strip(),
    )


def letter_refusal(case: Case) -> str:
    """Why no letter can be made for the case yet, and what to do; "" when it can.

    The letter asks the resident to get in touch with the wijkteam: without a team,
    or with a team that has no phone number, e-mail address or visiting address,
    it would give them nowhere to turn (and still count as a contact attempt)."""
    team = case.team
    if team is None:
        return _(
            "Deze zaak heeft nog geen wijkteam. Wijs de zaak eerst toe aan een wijkteam; "
            "daarna kunt u de brief maken."
        )
    if not (team.phone or team.email or team.visiting_address):
        return _(
            "%(team)s heeft nog geen telefoonnummer, e-mailadres of bezoekadres, dus de inwoner kan nergens "
            "contact opnemen. De beheerder vult ze in bij het wijkteam; daarna kunt u de brief maken."
        ) % {"team": team.name}
    return ""


def generate_letter(case: Case | int, user, *, on: dt.date | None = None, request=None) -> bytes:
    """The outreach letter for a case's household as PDF; logs a contact attempt of kind Brief
    and, when no offer of help was recorded yet, records the offer as made that day (the
    letter makes it). Refused while :func:`letter_refusal` gives a reason."""
    from vroegsignaal.households.selectors import household_persons

    on = _today(on)
    case = Case.objects.select_related(
        "municipality", "team", "household", "household__address"
    ).get(pk=getattr(case, "pk", case))
    _refuse_if_closed(case)
    _refuse_future(on)
    if refusal := letter_refusal(case):
        raise ValidationError(refusal)
    names = [person.name for person in household_persons(case.household_id)]
    lines = _address_lines(case.household)
    subject, body = letter_text(case.municipality)
    recipient = [" en ".join(names) if names else "De bewoner(s)", *lines]
    # A letter to a citizen is Dutch (its date too), whatever language the worker reads the portal in.
    with translation.override("nl"):
        values = letters.letter_values(
            names=names,
            address_lines=lines,
            municipality_name=case.municipality.name,
            team=case.team,
            on=on,
        )
        pdf = letters.html_to_pdf(
            letters.letter_html(subject=subject, body=body, values=values, recipient=recipient)
        )
    record(
        user,
        AuditAction.EXPORT,
        case,
        purpose="brief met hulpaanbod aangemaakt",
        request=request,
        details={"personen": len(names)},
    )
    with transaction.atomic():
        log_contact_attempt(case, user, kind=ContactKind.BRIEF, reached=False, on=on)
        _offer_by_letter(case, user, on)
    return pdf


def _offer_by_letter(case: Case, user, on: dt.date) -> None:
    """The letter is "de brief met hulpaanbod": it offers the household a conversation with
    the wijkteam, so making it is making the offer of help (Wgs art. 4(1)) when none was
    recorded yet. An offer already recorded — and its answer — stays as it is. Audited as
    :func:`record_offer` is."""
    locked = _lock(case)
    if locked.offer_made_on is not None:
        return
    locked.offer_made_on = on
    locked.save(update_fields=["offer_made_on", "updated_at"])
    record(
        user,
        AuditAction.UPDATE,
        locked,
        purpose="hulpaanbod vastgelegd",
        details={"antwoord": "open", "per": "brief"},
    )


# --- retention (privacy.retention calls these) ---------------------------------


def cases_to_anonymise(municipality, *, closed_before: dt.date, anonymous_key: str):
    """Closed cases of the municipality closed before ``closed_before`` and not yet anonymised."""
    return Case.objects.filter(
        municipality=municipality, status=CaseStatus.AFGESLOTEN, closed_on__lt=closed_before
    ).exclude(household__unregistered_address=anonymous_key)


def anonymise_cases(cases, *, anonymous_household, counts=None) -> None:
    """Remove what identifies the households of ``cases``; keep what the figures need. Set-based.

    Notes are deleted; the free text of contact attempts and status changes is
    emptied; the signal's links to arrears are deleted; whatever else points at
    the case or its signal (feedback events, later signals' ``repeat_of``) is
    unlinked; case and signal move to ``anonymous_household`` (the signal's copy of
    the buurt goes too). Status, outcome, dates, team and the signal's figures stay.
    """
    from collections import Counter

    from django.db.models import TextField
    from django.db.models.functions import Cast

    from vroegsignaal.privacy.retention import delete_set, unlink_set
    from vroegsignaal.signals.models import Signal, SignalArrear, SignalStatusChange

    counts = counts if counts is not None else Counter()
    case_ids = cases.order_by().values("pk")
    signals = Signal.objects.filter(pk__in=cases.order_by().values("signal_id"))
    delete_set(CaseNote.objects.filter(case_id__in=case_ids), counts=counts)
    # The history tables refuse updates through their managers; emptying free text is the exception.
    # An encrypted note is "" when empty (stored as such): compare the stored text.
    filled = Cast("note", output_field=TextField())
    counts["toelichtingen"] += (
        ContactAttempt._base_manager.filter(case_id__in=case_ids)
        .annotate(stored_note=filled)
        .exclude(stored_note="")
        .update(note="")
    )
    counts["toelichtingen"] += (
        CaseStatusChange._base_manager.filter(case_id__in=case_ids).exclude(note="").update(note="")
    )
    counts["toelichtingen"] += (
        SignalStatusChange._base_manager.filter(signal__in=signals).exclude(note="").update(note="")
    )
    delete_set(SignalArrear.objects.filter(signal__in=signals), counts=counts)
    unlink_set(signals, counts=counts)
    unlink_set(Case.objects.filter(pk__in=case_ids), counts=counts)
    # Last, signals before cases: moving the cases changes what ``cases`` selects.
    Signal._base_manager.filter(pk__in=cases.order_by().values("signal_id")).update(
        household=anonymous_household, repeat_of=None, buurt=None
    )
    Case._base_manager.filter(pk__in=case_ids).update(household=anonymous_household)
