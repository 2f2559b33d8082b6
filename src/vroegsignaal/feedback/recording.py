"""Writing feedback events, inside the transaction of the case change: ``opgepakt``
(:func:`record_picked_up`, and :func:`record_joined` for creditors that joined a picked-up
signal), ``afgesloten`` (:func:`record_closed`) and ``niet_opgepakt``
(:func:`record_not_picked_up`).

Every writer first locks the creditors' :class:`~.models.FeedbackStream` rows
(:func:`_lock_streams`), so a creditor's events commit in the order of their ids; the
e-mail notice is queued on commit (:mod:`.notices`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from vroegsignaal.cases.models import Case
from vroegsignaal.organisations.models import Covenant
from vroegsignaal.privacy.services import blind_index
from vroegsignaal.signals.models import Signal, SignalArrear, SignalArrearRole, SignalStatus

from .models import FeedbackEvent, FeedbackKind, FeedbackStream
from .notices import _enqueue_notices
from .rules import (
    DEFAULT_COLLECTION_PAUSE_DAYS,
    KLANTNUMMER_CONTEXT,
    Customer,
    collection_pause_until,
    result_for,
)


def _signal_customers(signal_id: int) -> list[Customer]:
    """The customers whose arrears count for the signal (all its member arrears when none count now)."""
    members = SignalArrear.objects.filter(signal_id=signal_id, role=SignalArrearRole.MEMBER)
    fields = ("arrear__creditor_id", "arrear__klantnummer", "arrear__signal_reference")
    rows = set(members.filter(counts=True).values_list(*fields))
    if not rows:
        rows = set(members.values_list(*fields))
    return sorted(
        Customer(creditor_id, klantnummer, reference or "")
        for creditor_id, klantnummer, reference in rows
    )


def _pause_days(municipality_id: int, creditor_ids: Iterable[int], on: dt.date) -> dict[int, int]:
    """Collection-pause days per creditor: the covenant in force on ``on`` (else the
    latest one that started before it, else the first), or the default."""
    creditor_ids = set(creditor_ids)
    days: dict[int, int] = {}
    covenants = Covenant.objects.filter(
        municipality_id=municipality_id, creditor_id__in=creditor_ids
    )
    by_creditor: dict[int, list[Covenant]] = {}
    for covenant in covenants.order_by("creditor_id", "valid_from"):
        by_creditor.setdefault(covenant.creditor_id, []).append(covenant)
    for creditor_id in creditor_ids:
        candidates = by_creditor.get(creditor_id, [])
        active = [c for c in candidates if c.is_active(on)]
        started = [c for c in candidates if c.valid_from <= on]
        chosen = (
            active[-1]
            if active
            else started[-1]
            if started
            else candidates[0]
            if candidates
            else None
        )
        days[creditor_id] = (
            chosen.collection_pause_days if chosen else DEFAULT_COLLECTION_PAUSE_DAYS
        )
    return days


def _lock_streams(creditor_ids: Iterable[int]) -> None:
    """Lock the creditors' stream rows, in creditor order (no deadlocks), until the transaction ends."""
    ids = sorted(set(creditor_ids))
    FeedbackStream.objects.bulk_create(
        [FeedbackStream(creditor_id=c) for c in ids], ignore_conflicts=True
    )
    list(
        FeedbackStream.objects.select_for_update()
        .filter(creditor_id__in=ids)
        .order_by("creditor_id")
    )


def _write(signal_id: int, kind: str, events: list[FeedbackEvent]) -> list[FeedbackEvent]:
    """Insert the events not yet recorded (calling twice writes nothing twice); notice on commit."""
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Feedback is written inside the transaction of the case change.")
    for event in events:
        event.klantnummer_index = blind_index(event.klantnummer, context=KLANTNUMMER_CONTEXT)
    _lock_streams(e.creditor_id for e in events)
    existing = set(
        FeedbackEvent.objects.filter(signal_id=signal_id, kind=kind).values_list(
            "creditor_id", "klantnummer_index", "signal_reference"
        )
    )
    new = [
        e
        for e in events
        if (e.creditor_id, e.klantnummer_index, e.signal_reference) not in existing
    ]
    created = FeedbackEvent.objects.bulk_create(new)
    creditor_ids = sorted({e.creditor_id for e in created})
    if creditor_ids:
        transaction.on_commit(lambda: _enqueue_notices(creditor_ids))
    return created


def _event(customer: Customer, *, municipality_id: int, signal_id: int, **fields) -> FeedbackEvent:
    """One customer's event about a signal; ``fields`` are the kind, date and what that kind carries."""
    return FeedbackEvent(
        creditor_id=customer.creditor_id,
        klantnummer=customer.klantnummer,
        signal_reference=customer.signal_reference,
        municipality_id=municipality_id,
        signal_id=signal_id,
        **fields,
    )


def record_picked_up(case: Case | int, *, on: dt.date | None = None) -> list[FeedbackEvent]:
    """``opgepakt`` for every customer whose arrears count for the case's signal.

    ``datum`` is the pick-up date, ``incasso_uitstel_tot`` that date plus the
    collection-pause days of the creditor's covenant with the municipality
    (:data:`DEFAULT_COLLECTION_PAUSE_DAYS` without one). Call inside the
    pick-up's transaction (``cases.services.on_case_picked_up`` does).
    ``on``: the day a customer joined the case's signal later (:func:`record_joined`);
    customers already told are skipped.
    """
    case = Case.objects.get(pk=getattr(case, "pk", case))
    on = on or case.picked_up_on
    customers = _signal_customers(case.signal_id)
    pauses = _pause_days(case.municipality_id, (c.creditor_id for c in customers), on)
    events = [
        _event(
            c,
            municipality_id=case.municipality_id,
            signal_id=case.signal_id,
            case_id=case.pk,
            kind=FeedbackKind.OPGEPAKT,
            date=on,
            collection_pause_until=collection_pause_until(on, pauses[c.creditor_id]),
        )  # fmt: skip
        for c in customers
    ]
    return _write(case.signal_id, FeedbackKind.OPGEPAKT, events)


def record_joined(signal_ids: Iterable[int], *, on: dt.date) -> list[FeedbackEvent]:
    """``opgepakt`` for creditors whose arrears joined an already picked-up signal.

    Signal evaluation calls this (inside its transaction) with the signals it
    updated: a creditor that was not in the signal when it was picked up must
    still hear of it, or it goes on collecting while help is under way. The
    event is dated ``on`` (the day the delivery was evaluated) and its pause
    counts from then. One query per 5,000 signals keeps the picked-up ones (by primary key;
    most updated signals are ``nieuw``), then one join over those few finds the creditors not
    yet told. The join over all updated signals at once took 16 s on PostgreSQL inside a full
    evaluation, whose bulk updates leave the planner's row estimates far off.
    """
    from django.db.models import Exists, OuterRef

    ids = sorted({int(i) for i in signal_ids})
    picked_up: list[int] = []
    for start in range(0, len(ids), 5000):
        picked_up += Signal.objects.filter(
            pk__in=ids[start : start + 5000], status=SignalStatus.OPGEPAKT
        ).values_list("pk", flat=True)
    picked_up.sort()
    concerned: set[int] = set()
    for start in range(0, len(picked_up), 5000):
        told = FeedbackEvent.objects.filter(
            signal_id=OuterRef("signal_id"),
            creditor_id=OuterRef("arrear__creditor_id"),
            kind=FeedbackKind.OPGEPAKT,
        )
        concerned.update(
            SignalArrear.objects.filter(
                signal_id__in=picked_up[start : start + 5000],
                role=SignalArrearRole.MEMBER,
                counts=True,
            )
            .exclude(Exists(told))
            .values_list("signal_id", flat=True)
            .distinct()
        )
    created: list[FeedbackEvent] = []
    for case in Case.objects.filter(signal_id__in=sorted(concerned)).order_by("pk"):
        created += record_picked_up(case, on=max(on, case.picked_up_on))
    return created


def record_closed(case: Case | int) -> list[FeedbackEvent]:
    """``afgesloten`` with the creditor-visible result, for the customers told ``opgepakt``
    and any whose arrears joined the signal while the case ran. Call inside the
    closing's transaction (``cases.services.on_case_closed`` does)."""
    case = Case.objects.get(pk=getattr(case, "pk", case))
    result = result_for(case.outcome)
    customers = set(_signal_customers(case.signal_id))
    told = FeedbackEvent.objects.filter(signal_id=case.signal_id, kind=FeedbackKind.OPGEPAKT)
    customers |= {
        Customer(creditor_id, klantnummer, reference)
        for creditor_id, klantnummer, reference in told.values_list(
            "creditor_id", "klantnummer", "signal_reference"
        )
    }
    events = [
        _event(
            c,
            municipality_id=case.municipality_id,
            signal_id=case.signal_id,
            case_id=case.pk,
            kind=FeedbackKind.AFGESLOTEN,
            date=case.closed_on,
            result=result,
        )  # fmt: skip
        for c in sorted(customers)
    ]
    return _write(case.signal_id, FeedbackKind.AFGESLOTEN, events)


def record_not_picked_up(signal: Signal | int) -> list[FeedbackEvent]:
    """``niet_opgepakt`` for every customer whose arrears count for the declined signal;
    no pause, no result, never the reason. Call inside the decline's transaction
    (``cases.services.on_signal_not_picked_up`` does)."""
    signal = Signal.objects.get(pk=getattr(signal, "pk", signal))
    events = [
        _event(
            c,
            municipality_id=signal.municipality_id,
            signal_id=signal.pk,
            kind=FeedbackKind.NIET_OPGEPAKT,
            date=signal.closed_on or timezone.localdate(),
        )  # fmt: skip
        for c in _signal_customers(signal.pk)
    ]
    return _write(signal.pk, FeedbackKind.NIET_OPGEPAKT, events)
