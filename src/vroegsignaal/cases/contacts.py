"""Working a case: the contact attempts, the offer of help and its answer, and notes.

A contact attempt or an offer moves the case on (:mod:`.workflow`) and meets or sets its
deadlines (:mod:`.deadlines`); the history's notes the services write are stored in Dutch
and read in the reader's language (:func:`history_note`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vroegsignaal.privacy.services import AuditAction, record

from . import deadlines
from .models import (
    Case,
    CaseNote,
    CaseStatus,
    ContactAttempt,
    ContactKind,
    OfferAnswer,
    Outcome,
    PartOfDay,
)
from .shared import (
    ASSIGNED_PREFIX,
    _actor,
    _lock,
    _move,
    _note_in_history,
    _refresh_due,
    _refuse_future,
    _refuse_if_closed,
    _sent_twice_since,
)

# The history's notes the services write themselves (besides contact kinds and outcomes). An
# accepted offer moves the status (its note follows the arrow); making the offer, by the form or
# by the letter, and a refusal leave it as it is (the note is the line), each dated its own day.
OFFER_ACCEPTED_NOTE = gettext_noop("hulpaanbod aanvaard")
OFFER_MADE_NOTE = gettext_noop("Hulpaanbod gedaan")
OFFER_MADE_BY_LETTER_NOTE = gettext_noop("Hulpaanbod gedaan per brief")
OFFER_REFUSED_NOTE = gettext_noop("Hulpaanbod geweigerd")
# A refusal set back to "Nog geen antwoord" (a wrong choice put right): a line dated the day of
# the correction, as a changed day is, so the line "Hulpaanbod geweigerd" is not left standing.
OFFER_REFUSAL_UNDONE_NOTE = gettext_noop(
    "Antwoord op het hulpaanbod teruggezet van ‘geweigerd’ naar ‘nog geen antwoord’"
)
OFFER_NOTES = frozenset(
    {
        OFFER_ACCEPTED_NOTE,
        OFFER_MADE_NOTE,
        OFFER_MADE_BY_LETTER_NOTE,
        OFFER_REFUSED_NOTE,
        OFFER_REFUSAL_UNDONE_NOTE,
    }
)
# A recorded offer whose day, or whose answer's day, is changed afterwards (a typing error put
# right) says so in the history: the prefix, then the old and the new day (ISO), read in the
# reader's language (:func:`history_note`).
OFFER_DATE_CHANGED = {
    "made_on": "Datum hulpaanbod gewijzigd: ",
    "answered_on": "Datum antwoord op hulpaanbod gewijzigd: ",
}
# A reached attempt of these kinds on or after the day the offer was accepted is a conversation;
# the earliest is the first conversation (Wgs art. 4(1)(b), :func:`_first_conversation_on`).
CONVERSATION_KINDS = frozenset({ContactKind.TELEFOON, ContactKind.HUISBEZOEK})


def history_note(note: str) -> str:
    """A note of the case's history in the reader's language.

    The history stores its notes in Dutch (a contact kind, an outcome, "hulpaanbod
    aanvaard"): they are evidence of what happened, whatever language the user read the
    portal in. Shown, the ones the services write are translated; anything else (a
    worker's own words) is shown as written.
    """
    if note.startswith(ASSIGNED_PREFIX):
        return _("Toegewezen aan %(names)s") % {"names": note[len(ASSIGNED_PREFIX) :]}
    for field, prefix in OFFER_DATE_CHANGED.items():
        if note.startswith(prefix):
            return _offer_date_changed_note(field, note[len(prefix) :]) or note
    known = note in OFFER_NOTES or note in ContactKind.values or note in Outcome.values
    return _(note) if known else note


def service_note(note: str) -> str | None:
    """A note of the case's history that the services wrote (a contact kind, an outcome, an
    offer's step or its changed day), in the language active when it is shown (lazy: the
    inzageverzoek's file is Dutch whatever the officer reads); ``None`` for anything else.

    What the inzageverzoek shows of a step that leaves the status as it is: a worker's own words
    and an assignment (names of staff) stay with the coordinator, as the case's notes do.
    """
    if not note or note.startswith(ASSIGNED_PREFIX):
        return None
    if any(note.startswith(prefix) for prefix in OFFER_DATE_CHANGED.values()):
        with translation.override("nl"):
            readable = history_note(note) != note
        return _lazy_history_note(note) if readable else None
    known = note in OFFER_NOTES or note in ContactKind.values or note in Outcome.values
    return _lazy_history_note(note) if known else None


_lazy_history_note = lazy(history_note, str)


def _offer_date_changed_note(field: str, days: str) -> str | None:
    """The two days of an :data:`OFFER_DATE_CHANGED` note ("2026-03-03 → 2026-03-05") in the
    reader's words; ``None`` for a note that does not read so."""
    try:
        old, new = (dt.date.fromisoformat(day) for day in days.split(" → "))
    except ValueError:
        return None
    text = {
        "made_on": _("Datum van het hulpaanbod gewijzigd van %(old)s in %(new)s"),
        "answered_on": _(
            "Datum van het antwoord op het hulpaanbod gewijzigd van %(old)s in %(new)s"
        ),
    }[field]
    return text % {"old": date_format(old, "j F Y"), "new": date_format(new, "j F Y")}


def _first_conversation_on(case: Case) -> dt.date | None:
    """The day of the first conversation after the offer was accepted (Wgs art. 4(1)(b)): the
    earliest reached phone call or home visit on or after the day of acceptance — a call in
    which the resident accepts is one. Read from the contact attempts, so that it does not
    matter whether the call or the acceptance is recorded first. None before acceptance."""
    if case.offer_answer != OfferAnswer.AANVAARD or case.offer_answered_on is None:
        return None
    return (
        ContactAttempt.objects.filter(
            case=case, reached=True, kind__in=CONVERSATION_KINDS, date__gte=case.offer_answered_on
        )
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


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
    meets the contact deadline when the household was reached, and — on or after the day an
    offer was accepted — a reached phone call or home visit is the first conversation."""
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
        # A double-click: the case lock made this request wait for its twin; that one is it.
        if (
            twin := _attempt_sent_twice(locked, user, kind, reached, on, part_of_day, note)
        ) is not None:
            return twin
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
                _move(locked, CaseStatus.IN_CONTACT, actor=user, on=on, note=kind_note)
            locked.first_conversation_on = _first_conversation_on(locked)
        elif locked.status == CaseStatus.OPGEPAKT:
            _move(locked, CaseStatus.CONTACT_GEZOCHT, actor=user, on=on, note=kind_note)
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


def _attempt_sent_twice(
    case: Case, user, kind: str, reached: bool, on: dt.date, part_of_day: str, note: str
) -> ContactAttempt | None:
    """The same attempt the same user recorded on this case a moment ago, if any."""
    actor = _actor(user)
    if actor is None:
        return None
    recent = ContactAttempt.objects.filter(
        case=case, actor=actor, kind=kind, reached=reached, date=on, part_of_day=part_of_day,
        created_at__gte=_sent_twice_since(),
    ).order_by("-pk")  # fmt: skip
    return next((attempt for attempt in recent if attempt.note == note), None)  # note: encrypted


def record_offer(
    case: Case | int,
    user,
    *,
    made_on: dt.date,
    answer: str = "",
    answered_on: dt.date | None = None,
) -> Case:
    """Record the offer of help and, when known, the answer. Accepted → first
    conversation due within four weeks of ``answered_on``; a reached phone call or home
    visit recorded before, on or after that day, is that conversation.

    The history has a line for each step, dated the day it happened: the offer made
    (:data:`OFFER_MADE_NOTE`, the first time one is recorded), refused (:data:`OFFER_REFUSED_NOTE`)
    or accepted (the status moves to ``hulp_aanvaard``, :data:`OFFER_ACCEPTED_NOTE`). Recorded
    again with another day of the offer, or of an answer that stays, the change is a line in the
    case's history (:data:`OFFER_DATE_CHANGED`), as is a refusal set back to no answer
    (:data:`OFFER_REFUSAL_UNDONE_NOTE`): the case page shows only the offer as it is now, and the
    first conversation's deadline moves with the answer's day."""
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
        _note_offer_dates_changed(
            locked, user, made_on=made_on, answer=answer, answered_on=answered_on
        )
        _note_offer_steps(locked, user, made_on=made_on, answer=answer, answered_on=answered_on)
        locked.offer_made_on = made_on
        locked.offer_answer = answer
        locked.offer_answered_on = answered_on if answer else None
        locked.first_conversation_on = _first_conversation_on(locked)
        if answer == OfferAnswer.AANVAARD:
            locked.first_conversation_due = deadlines.first_conversation_due(answered_on)
            if locked.status != CaseStatus.HULP_AANVAARD:
                _move(
                    locked,
                    CaseStatus.HULP_AANVAARD,
                    actor=user,
                    on=answered_on,
                    note=OFFER_ACCEPTED_NOTE,
                )
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


def _note_offer_dates_changed(
    case: Case, user, *, made_on: dt.date, answer: str, answered_on: dt.date | None
) -> None:
    """A history line (status unchanged) for each day of a recorded offer that this recording
    changes: the offer's, and its answer's when the answer stays the same. A new answer is no
    correction (an acceptance is a step of its own)."""
    changed = []
    if case.offer_made_on is not None and made_on != case.offer_made_on:
        changed.append(("made_on", case.offer_made_on, made_on))
    if (
        answer
        and answer == case.offer_answer
        and case.offer_answered_on is not None
        and answered_on != case.offer_answered_on
    ):
        changed.append(("answered_on", case.offer_answered_on, answered_on))
    for field, old, new in changed:
        _note_in_history(
            case,
            actor=user,
            note=f"{OFFER_DATE_CHANGED[field]}{old.isoformat()} → {new.isoformat()}",
        )


def _note_offer_steps(
    case: Case, user, *, made_on: dt.date, answer: str, answered_on: dt.date | None
) -> None:
    """History lines (status unchanged) for the steps of the offer this recording adds, each on
    its own day: the offer made, when none was recorded yet, and a refusal, when the answer was
    not one already; a refusal set back to no answer is a correction, on the day it is made. An
    acceptance moves the status and is a line of its own (:func:`record_offer`)."""
    if case.offer_made_on is None:
        _note_in_history(case, actor=user, note=OFFER_MADE_NOTE, on=made_on)
    if answer == OfferAnswer.GEWEIGERD and case.offer_answer != OfferAnswer.GEWEIGERD:
        _note_in_history(case, actor=user, note=OFFER_REFUSED_NOTE, on=answered_on)
    elif not answer and case.offer_answer == OfferAnswer.GEWEIGERD:
        _note_in_history(case, actor=user, note=OFFER_REFUSAL_UNDONE_NOTE)


def add_note(case: Case | int, user, text: str) -> CaseNote:
    """Add an (encrypted) note to a case."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Een notitie mag niet leeg zijn.")})
    with transaction.atomic():
        locked = _lock(case)
        if _actor(user) is not None:  # a double-click: the same note of a moment ago is this one
            recent = CaseNote.objects.filter(
                case=locked, author=_actor(user), created_at__gte=_sent_twice_since()
            ).order_by("-pk")
            if (twin := next((n for n in recent if n.text == text), None)) is not None:
                return twin
        note = CaseNote.objects.create(case=locked, text=text, author=_actor(user))
        record(user, AuditAction.CREATE, locked, purpose="notitie bij zaak")
    return note
