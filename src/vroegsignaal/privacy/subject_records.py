"""What the system holds about one person, for the inzageverzoek: the queries behind the report.

Each query is limited to the municipalities the officer may search (``municipalities``, a
subquery of their pks from :func:`.subject_access.searchable_municipalities`), and the
audit trail to ``scoped(user, AuditEvent)``. Free text of staff is never loaded: contact
attempts come without their note, notes only as their dates (see :mod:`.subject_access`
on what is left out, and why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from vroegsignaal.cases.models import Case, CaseNote, CaseStatus, CaseStatusChange, ContactAttempt
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.feedback.services import KLANTNUMMER_CONTEXT
from vroegsignaal.households.models import Arrear, ArrearEvent, ClosedKey, Household, Person
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.signals.models import Signal, SignalArrear, SignalStatus, SignalStatusChange

from .crypto import blind_index
from .models import AuditEvent
from .subject_report import ArrearReport, CaseReport, SignalReport

# The audit log's object type of the search itself (``app_label.model``).
PERSON_OBJECT_TYPE = Person._meta.label_lower


def _deliveries(ids: Iterable[int | None]) -> dict[int, Delivery]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        d.pk: d
        for d in Delivery.objects.filter(pk__in=wanted)
        .select_related("creditor")
        .only(
            "id", "kind", "reference_date", "received_at", "via", "creditor__code", "creditor__name"
        )
    }


def _arrears(person: Person, municipalities) -> list[ArrearReport]:
    arrears = list(
        Arrear.objects.filter(
            household_id=person.household_id, person_id=person.pk, municipality__in=municipalities
        )
        .select_related("creditor")
        .order_by("start_date", "id")
    )
    if not arrears:
        return []
    events = list(
        ArrearEvent.objects.filter(arrear__in=[a.pk for a in arrears]).order_by("arrear_id", "id")
    )
    previous_ids = {a.previous_id for a in arrears if a.previous_id}
    visible_previous = set(
        Arrear.objects.filter(pk__in=previous_ids, municipality__in=municipalities).values_list(
            "pk", flat=True
        )
    ) if previous_ids else set()  # fmt: skip
    deliveries = _deliveries(
        [e.delivery_id for e in events]
        + [
            i
            for a in arrears
            for i in (a.opened_by_delivery_id, a.last_delivery_id, a.cleared_by_delivery_id)
        ]
    )
    by_arrear: dict[int, list[tuple[ArrearEvent, Delivery | None]]] = {}
    for event in events:
        by_arrear.setdefault(event.arrear_id, []).append((event, deliveries.get(event.delivery_id)))
    return [
        ArrearReport(
            arrear=a,
            opened_by=deliveries.get(a.opened_by_delivery_id),
            last_confirmed_by=deliveries.get(a.last_delivery_id),
            cleared_by=deliveries.get(a.cleared_by_delivery_id)
            if a.cleared_by_delivery_id
            else None,
            history=by_arrear.get(a.pk, []),
            previous_id=a.previous_id if a.previous_id in visible_previous else None,
        )
        for a in arrears
    ]


def _labelled(change: dict, statuses) -> dict:
    """A status change with its statuses' labels (lazy: the page's language, or Dutch in the file)."""
    labels = dict(statuses.choices)
    change["from_label"] = labels.get(change["from_status"], change["from_status"])
    change["to_label"] = labels.get(change["to_status"], change["to_status"])
    return change


def _signals(person: Person, arrear_ids: list[int], municipalities) -> list[SignalReport]:
    if not arrear_ids:
        return []
    signals = list(
        Signal.objects.filter(
            household_id=person.household_id,
            municipality__in=municipalities,
            pk__in=SignalArrear.objects.filter(arrear_id__in=arrear_ids).values("signal_id"),
        )
        .select_related("team")
        .order_by("signal_date", "id")
    )
    history: dict[int, list[dict]] = {}
    for change in (
        SignalStatusChange.objects.filter(signal__in=[s.pk for s in signals])
        .order_by("signal_id", "id")
        .values("signal_id", "from_status", "to_status", "changed_at", "reference_date")
    ):
        history.setdefault(change.pop("signal_id"), []).append(_labelled(change, SignalStatus))
    own = set(arrear_ids)
    members: dict[int, set[int]] = {}
    for signal_id, arrear_id in SignalArrear.objects.filter(
        signal__in=[s.pk for s in signals]
    ).values_list("signal_id", "arrear_id"):
        members.setdefault(signal_id, set()).add(arrear_id)
    return [
        SignalReport(
            signal=s,
            history=history.get(s.pk, []),
            own_arrear_ids=sorted(members.get(s.pk, set()) & own),
            shared=bool(members.get(s.pk, set()) - own),
        )
        for s in signals
    ]


def _case_step(case: CaseReport, target: str) -> dict | None:
    """The step of the case's history that is the signal's step to ``target``: the pick-up
    opened the case (its first row), and closing the case closed the signal."""
    for step in case.history:
        if target == SignalStatus.OPGEPAKT and not step["from_status"]:
            return step
        if target == SignalStatus.AFGESLOTEN and step["to_status"] == CaseStatus.AFGESLOTEN:
            return step
    return None


def _took_effect(change: dict, signal: Signal, case: CaseReport | None) -> dt.date:
    """The day a signal's step took effect. The signal's history holds when each step was
    recorded (``changed_at``) and, for an evaluation's step, its peildatum (``reference_date``:
    the signal raised on its signal date, lapsed on its closing date); a person's step took
    effect on the day its case's history gives it (``CaseStatusChange.occurred_on``: a pick-up
    or a closing may be recorded days later, and the case page and this report's case show
    that day), or, without a case, the signal's closing date (declined on the day given)."""
    if change["reference_date"] is not None:
        return change["reference_date"]
    target = change["to_status"]
    if case is not None and (step := _case_step(case, target)) is not None:
        return step["occurred_on"]
    if target == SignalStatus.NIEUW and not change["from_status"]:
        return signal.signal_date
    if target != SignalStatus.OPGEPAKT and signal.closed_on is not None:
        return signal.closed_on
    return timezone.localdate(change["changed_at"])


def _date_signal_steps(signals: list[SignalReport], cases: list[CaseReport]) -> None:
    """Give each step of the signals' history the day it took effect (``occurred_on``) and
    whether it was recorded on a later day (``recorded_later``), as the case page says of a
    case's steps: so the report's "Opgepakt" of a signal and its case's pick-up name one day."""
    by_signal = {c.case.signal_id: c for c in cases}
    for item in signals:
        case = by_signal.get(item.signal.pk)
        for change in item.history:
            change["occurred_on"] = _took_effect(change, item.signal, case)
            change["recorded_later"] = (
                timezone.localdate(change["changed_at"]) != change["occurred_on"]
            )


def _cases(signal_ids: list[int], municipalities) -> list[CaseReport]:
    from vroegsignaal.cases.services import service_note  # imports this app's services

    if not signal_ids:
        return []
    cases = list(
        Case.objects.filter(signal_id__in=signal_ids, municipality__in=municipalities)
        .select_related("team")
        .order_by("picked_up_on", "id")
    )
    ids = [c.pk for c in cases]
    history: dict[int, list[dict]] = {}
    for change in (
        CaseStatusChange.objects.filter(case_id__in=ids)
        .order_by("case_id", "occurred_on", "changed_at", "id")
        .values("case_id", "from_status", "to_status", "changed_at", "occurred_on", "note")
    ):
        # A step the services named (an offer made or refused, a contact's kind, an outcome);
        # a worker's own words and an assignment's names of staff are left out.
        change["step"] = service_note(change.pop("note"))
        change["recorded_later"] = timezone.localdate(change["changed_at"]) != change["occurred_on"]
        history.setdefault(change.pop("case_id"), []).append(_labelled(change, CaseStatus))
    attempts: dict[int, list[ContactAttempt]] = {}
    for attempt in (
        ContactAttempt.objects.filter(case_id__in=ids).defer("note").order_by("date", "id")
    ):
        attempts.setdefault(attempt.case_id, []).append(attempt)
    notes: dict[int, list[dt.datetime]] = {}
    for case_id, created_at in (
        CaseNote.objects.filter(case_id__in=ids)
        .order_by("created_at", "id")
        .values_list("case_id", "created_at")
    ):
        notes.setdefault(case_id, []).append(created_at)
    return [
        CaseReport(
            case=c,
            history=history.get(c.pk, []),
            attempts=attempts.get(c.pk, []),
            note_dates=notes.get(c.pk, []),
        )
        for c in cases
    ]


def _about_customers(model, customers: set[tuple[int, str]], key_field: str, order: str, within):
    """``model``'s rows of these customers (creditor id, ``key_field`` value) in ``within``."""
    if not customers:
        return []
    # By the keys in chunks (``IN`` lists, not one ``OR`` clause a customer: SQLite refuses an
    # expression tree deeper than 1,000, and a person with a few hundred arrears reached it),
    # then the pairs of creditor and key in Python: a key of another creditor is not theirs.
    keys = sorted({key for _creditor, key in customers})
    creditors = {creditor_id for creditor_id, _key in customers}
    found = {}
    for start in range(0, len(keys), CUSTOMER_CHUNK):
        for row in model.objects.filter(
            creditor_id__in=creditors,
            municipality__in=within,
            **{f"{key_field}__in": keys[start : start + CUSTOMER_CHUNK]},
        ).select_related("creditor"):
            if (row.creditor_id, getattr(row, key_field)) in customers:
                found[row.pk] = row
    return sorted(found.values(), key=lambda row: (getattr(row, order), row.pk))


CUSTOMER_CHUNK = 500


def _feedback(arrears: list[Arrear], municipalities) -> list[FeedbackEvent]:
    """The events creditors got about these arrears: same creditor, same customer number."""
    customers = {
        (a.creditor_id, blind_index(a.klantnummer, context=KLANTNUMMER_CONTEXT)) for a in arrears
    }
    return _about_customers(FeedbackEvent, customers, "klantnummer_index", "date", municipalities)


def _closed_keys(arrears: list[Arrear], municipalities) -> list[ClosedKey]:
    """What creditors reported afgemeld about these arrears' customer numbers while no arrear
    was open (kept for late deliveries): same creditor, same klantnummer."""
    customers = {(a.creditor_id, a.klantnummer) for a in arrears}
    return _about_customers(ClosedKey, customers, "klantnummer", "reference_date", municipalities)


def _audit_trail(
    user, person: Person, signal_ids: list[int], case_ids: list[int]
) -> list[AuditEvent]:
    """Who viewed, exported or changed the person's household, its signals and cases (oldest first)."""
    about = Q(object_type=Household._meta.label_lower, object_id=str(person.household_id)) | Q(
        object_type=PERSON_OBJECT_TYPE, object_id=str(person.pk)
    )
    if signal_ids:
        about |= Q(object_type=Signal._meta.label_lower, object_id__in=[str(i) for i in signal_ids])
    if case_ids:
        about |= Q(object_type=Case._meta.label_lower, object_id__in=[str(i) for i in case_ids])
    return list(scoped(user, AuditEvent).filter(about).order_by("seq"))
