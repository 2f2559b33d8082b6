"""The feedback app's public face: what each creditor is told back (spec section 4).

Writing (called by the cases app inside the transaction of the case change,
so there is never a case change without its feedback or the other way round):

* :func:`record_picked_up` — a signal was picked up: an ``opgepakt`` event,
  with ``incasso_uitstel_tot`` = pick-up date + the covenant's collection-pause
  days, for every customer of every creditor whose arrears count for the signal.
* :func:`record_closed` — its case was closed: an ``afgesloten`` event with the
  creditor-visible result (:data:`RESULT_FOR_OUTCOME`) for the same customers
  (and any that joined the signal while the case ran).
* :func:`record_not_picked_up` — the signal was declined: ``niet_opgepakt``,
  and nothing more (never the reason).

"Customer" is one distinct (creditor, klantnummer, signaal_id) among the
signal's arrears: usually one per creditor; a creditor with two customers in
the household (two persons, or two signaal_ids) gets an event for each, so it
can pause collection on each.

The cursor: a creditor's events commit in the order of their ids, because
every writer first locks the creditor's :class:`~.models.FeedbackStream` row
and keeps the lock until its transaction ends. A poller that asks for the
events after the last id it saw (:func:`events_after`) therefore never
misses one that commits later with a lower id, and never sees one twice.
On SQLite the database write lock gives the same order.

Reading (views and the API call these): :func:`events_for`,
:func:`filter_events`, :func:`events_after`, :func:`csv_lines`,
:func:`record_read`. Notice: :func:`notify_creditor` (after commit, at most
one e-mail per creditor per day, without any personal data).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone, translation

from vroegsignaal.cases.models import Case, Outcome
from vroegsignaal.intake.normalise import csv_lines as safe_csv_lines
from vroegsignaal.organisations.models import Covenant, Creditor
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.portal.links import notice_link
from vroegsignaal.portal.retry import retry_later
from vroegsignaal.privacy.services import AuditAction, blind_index, record
from vroegsignaal.signals.models import Signal, SignalArrear, SignalArrearRole, SignalStatus

from .models import FeedbackEvent, FeedbackKind, FeedbackResult, FeedbackStream

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_COLLECTION_PAUSE_DAYS",
    "RESULT_FOR_OUTCOME",
    "Customer",
    "FeedbackPage",
    "collection_pause_until",
    "csv_lines",
    "events_after",
    "events_for",
    "filter_events",
    "municipalities_of",
    "notify_creditor",
    "purge_events",
    "record_closed",
    "record_joined",
    "record_not_picked_up",
    "record_picked_up",
    "record_read",
    "result_for",
]

logger = logging.getLogger(__name__)

# ARCHITECTURE.md: "Creditor pauses collection for 30 days after the signal is
# picked up (covenant setting)" — used when no covenant of the pair is found.
DEFAULT_COLLECTION_PAUSE_DAYS = 30
KLANTNUMMER_CONTEXT = "feedback.klantnummer"  # blind-index context

R = FeedbackResult
# DDAS-vroegsignalering v0.9 EnumEindresultaat → spec 4 ``resultaat``. Help
# that is under way (already known, another trajectory, advice, referral,
# follow-up help) is ``hulp_in_gang_gezet``; the creditor learns no more.
RESULT_FOR_OUTCOME: dict[str, str] = {
    Outcome.NIET_OPGEPAKT_HERHAALD: R.NIET_OPGEPAKT,
    Outcome.NIET_OPGEPAKT_ONTERECHT: R.ONTERECHT_SIGNAAL,
    Outcome.NIET_OPGEPAKT_ANDERS: R.NIET_OPGEPAKT,
    Outcome.OVERLEDEN: R.OVERLEDEN,
    Outcome.GEEN_INWONER: R.VERHUISD,
    Outcome.AL_BEKEND: R.HULP_IN_GANG_GEZET,
    Outcome.ANDER_TRAJECT: R.HULP_IN_GANG_GEZET,
    Outcome.GEEN_CONTACT: R.GEEN_CONTACT,
    Outcome.GEEN_REACTIE: R.GEEN_CONTACT,
    Outcome.GEEN_HULP_NODIG: R.GEEN_HULP_GEWENST,
    Outcome.ZELF_BETAALD: R.ZELF_OPGELOST,
    Outcome.ADVIES_QUICK_FIX: R.HULP_IN_GANG_GEZET,
    Outcome.VERVOLG_FINANCIEEL: R.HULP_IN_GANG_GEZET,
    Outcome.VERWIJZING_ZONDER_CONTACT: R.HULP_IN_GANG_GEZET,
    Outcome.VERVOLG_NIET_FINANCIEEL: R.HULP_IN_GANG_GEZET,
}
assert set(RESULT_FOR_OUTCOME) == set(Outcome.values), "every DDAS outcome needs a spec 4 result"

# Spec 4 field names, in this order, for the API and the CSV download.
CSV_COLUMNS = (
    "id", "signaal_id", "klantnummer", "gemeentecode", "gebeurtenis", "datum",
    "incasso_uitstel_tot", "resultaat",
)  # fmt: skip


# ---------------------------------------------------------------------------
# Pure rules
# ---------------------------------------------------------------------------


def result_for(outcome: str) -> str:
    """The spec 4 ``resultaat`` a creditor gets for a DDAS ``EnumEindresultaat``."""
    return RESULT_FOR_OUTCOME[outcome]


def collection_pause_until(picked_up_on: dt.date, pause_days: int) -> dt.date:
    """``incasso_uitstel_tot``: the pick-up date plus the covenant's collection-pause days."""
    return picked_up_on + dt.timedelta(days=pause_days)


@dataclass(frozen=True, order=True)
class Customer:
    """One creditor's customer in a signal: who a feedback event is about."""

    creditor_id: int
    klantnummer: str
    signal_reference: str = ""


# ---------------------------------------------------------------------------
# Writing (inside the caller's transaction)
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# E-mail notice (after commit)
# ---------------------------------------------------------------------------

NOTICE_SUBJECT = "Nieuwe terugkoppeling in Vroegsignaal"
NOTICE_BODY = """Beste {name},

Er staat nieuwe terugkoppeling voor u klaar in Vroegsignaal: gemeenten hebben
signalen over uw klanten opgepakt, afgesloten of niet opgepakt.

U vindt de terugkoppeling in het portaal onder Terugkoppeling{link}, of via de
API: GET /api/v1/feedback/?sinds=<laatste id>.

Dit bericht bevat bewust geen klantgegevens. U krijgt het hooguit één keer per dag.

Met vriendelijke groet,
Vroegsignaal
"""


def _enqueue_notices(creditor_ids: list[int]) -> None:
    from .tasks import notify_creditor_task

    for creditor_id in creditor_ids:
        try:
            notify_creditor_task.enqueue(creditor_id)
        except Exception:  # a notice must never undo or block feedback that is committed
            logger.exception("Melding aan schuldeiser %s niet ingepland.", creditor_id)


def notice_text(creditor: Creditor) -> str:
    """The notice's body: that feedback is ready and where; never a customer or case detail.

    Dutch, also when a page request in English writes the feedback that sends it.
    """
    with translation.override("nl"):
        return NOTICE_BODY.format(name=creditor.name, link=notice_link("feedback:list"))


def notify_creditor(creditor_id: int, *, today: dt.date | None = None, attempt: int = 1) -> bool:
    """E-mail the creditor's contact address that new feedback is ready; at most once a day.

    Returns whether a notice was sent. No contact address → nothing. Runs after
    the feedback committed (a background task); a mail failure is logged, not
    raised, and the notice is tried again later (``attempt`` counts the tries;
    :mod:`vroegsignaal.portal.retry`).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        stream = (
            FeedbackStream.objects.select_for_update()
            .select_related("creditor")
            .filter(creditor_id=creditor_id)
            .first()
        )
        if stream is None or not stream.creditor.contact_email or stream.notified_on == today:
            return False
        try:
            send_mail(
                NOTICE_SUBJECT, notice_text(stream.creditor), None, [stream.creditor.contact_email]
            )
        except Exception:
            logger.exception(
                "Melding aan schuldeiser %s kon niet worden verstuurd.", stream.creditor.code
            )
            _retry(stream.creditor, attempt)
            return False
        stream.notified_on = today
        stream.save(update_fields=["notified_on"])
    return True


def _retry(creditor: Creditor, attempt: int) -> None:
    from .tasks import notify_creditor_task

    retry_later(
        notify_creditor_task,
        (creditor.pk,),
        attempt,
        what=f"Melding aan schuldeiser {creditor.code}",
        # notified_on stays unset: the next feedback for the creditor mails again.
        otherwise="de schuldeiser ziet de terugkoppeling in het portaal en via de API.",
    )


# ---------------------------------------------------------------------------
# Reading (through the scoping layer)
# ---------------------------------------------------------------------------


def events_for(user) -> QuerySet[FeedbackEvent]:
    """The feedback events ``user`` may see: a creditor's own, nobody else's."""
    return scoped(user, FeedbackEvent).select_related("municipality")


@dataclass(frozen=True, order=True)
class MunicipalityChoice:
    name: str
    code: str


def municipalities_of(user) -> list[MunicipalityChoice]:
    """The municipalities of the user's events (for the filter), by name."""
    rows = (
        events_for(user)
        .order_by()
        .values_list("municipality__name", "municipality__code")
        .distinct()
    )
    return sorted(MunicipalityChoice(name, code) for name, code in rows)


SORTS = {
    "nieuwste": ("-id",),
    "oudste": ("id",),
    "datum": ("date", "id"),
    "-datum": ("-date", "-id"),
    "gebeurtenis": ("kind", "-id"),
    "gemeente": ("municipality__name", "-id"),
    "uitstel": ("collection_pause_until", "-id"),
    "-uitstel": ("-collection_pause_until", "-id"),
}
DEFAULT_SORT = "nieuwste"


def filter_events(
    qs: QuerySet[FeedbackEvent],
    *,
    kind: str = "",
    municipality_code: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[FeedbackEvent]:
    """Narrow a (scoped) queryset by event, municipality and period (``datum``, inclusive), and sort it."""
    if kind:
        qs = qs.filter(kind=kind)
    if municipality_code:
        qs = qs.filter(municipality__code=municipality_code)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


@dataclass
class FeedbackPage:
    """A page of a creditor's events after a cursor: ``next_cursor`` is the id to ask after next."""

    events: list[FeedbackEvent]
    next_cursor: int
    more: bool


MAX_PAGE = 1000


def events_after(
    user, cursor: int = 0, *, limit: int = 500, since: dt.datetime | None = None
) -> FeedbackPage:
    """The user's events with an id above ``cursor``, in id order, at most ``limit``.

    ``since`` (a first poll without a cursor) starts at the events recorded
    from that moment on. Ask again with ``next_cursor`` until ``more`` is
    false; an empty page keeps the cursor where it was.
    """
    limit = max(1, min(limit, MAX_PAGE))
    qs = events_for(user).filter(id__gt=cursor)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    rows = list(qs.order_by("id")[: limit + 1])
    events = rows[:limit]
    if events:
        next_cursor = events[-1].pk
    elif since is not None:
        # Nothing from that moment on yet: the cursor moves past what was recorded before it,
        # or the next poll (``sinds`` = ``volgende``) would bring those older events after all.
        # A creditor's events are recorded in id order (its stream lock), so this is exact.
        before = (
            events_for(user).filter(id__gt=cursor, created_at__lt=since).aggregate(last=Max("id"))
        )
        next_cursor = before["last"] or cursor
    else:
        next_cursor = cursor
    return FeedbackPage(events=events, next_cursor=next_cursor, more=len(rows) > limit)


def as_row(event: FeedbackEvent) -> dict:
    """The spec 4 fields of an event (its municipality must be loaded)."""
    return {
        "id": event.pk,
        "signaal_id": event.signal_reference or None,
        "klantnummer": event.klantnummer,
        "gemeentecode": event.municipality.code,
        "gebeurtenis": event.kind,
        "datum": event.date,
        "incasso_uitstel_tot": event.collection_pause_until,
        "resultaat": event.result or None,
    }


# The creditor's own identifiers: written exactly, unless a spreadsheet could run them
# (intake.normalise.identifier_safe), so the file can be loaded back into its systems.
CSV_IDENTIFIERS = ("klantnummer", "signaal_id")


def csv_lines(events: Iterable[FeedbackEvent]) -> Iterator[str]:
    """``;``-separated lines (header first) of :data:`CSV_COLUMNS`; text cells spreadsheet-safe,
    ``klantnummer`` and ``signaal_id`` as identifiers (``-123`` and ``+31…`` stay as delivered)."""
    if isinstance(events, QuerySet):
        events = events.iterator(chunk_size=2000)
    rows = ([row[c] for c in CSV_COLUMNS] for row in map(as_row, events))
    return safe_csv_lines(CSV_COLUMNS, rows, identifiers=CSV_IDENTIFIERS)


def record_read(
    user,
    events: list[FeedbackEvent] | QuerySet[FeedbackEvent],
    *,
    how: str,
    request=None,
    filters: dict | None = None,
) -> None:
    """Audit a read (``how`` = ``pagina`` / ``api``) or export (``csv``) of feedback events.

    Details are the count and the id range, never klantnummers. Nothing is
    written when no event was read (an empty poll).
    """
    if isinstance(events, QuerySet):
        figures = events.order_by().aggregate(count=Count("id"), first=Min("id"), last=Max("id"))
        count, first, last = figures["count"], figures["first"], figures["last"]
    else:
        ids = [e.pk for e in events]
        count, first, last = len(ids), min(ids, default=None), max(ids, default=None)
    if not count:
        return
    record(
        user,
        AuditAction.EXPORT if how == "csv" else AuditAction.VIEW,
        object_type="feedback.feedbackevent",
        object_id=f"{first}-{last}",
        purpose="terugkoppeling downloaden" if how == "csv" else "terugkoppeling inzien",
        request=request,
        details={"vorm": how, "aantal": count, **({"filter": filters} if filters else {})},
    )


# --- retention (privacy.retention calls this) ------------------------------------------


def purge_events(municipality, *, before: dt.date, counts=None) -> int:
    """Delete the municipality's feedback events dated before ``before``. Set-based.

    An event holds a customer number; the creditor has read it long before
    the municipality's closed-case period ends, so it goes with the cases.
    The cursor stays valid: ids only grow, a poller never sees a gap it missed.
    """
    from vroegsignaal.privacy.retention import delete_set

    return delete_set(
        FeedbackEvent.objects.filter(municipality=municipality, date__lt=before), counts=counts
    )
