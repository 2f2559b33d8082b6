"""Reading feedback events, always through the scoping layer: the list page's filters and
sorts, the API's pages after a cursor, the CSV download, and the audit of each read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Max, Min, QuerySet

from vroegsignaal.intake.spreadsheet_safety import csv_lines as safe_csv_lines
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.privacy.services import AuditAction, record

from .models import FeedbackEvent

# Spec 4 field names, in this order, for the API and the CSV download.
CSV_COLUMNS = (
    "id", "signaal_id", "klantnummer", "gemeentecode", "gebeurtenis", "datum",
    "incasso_uitstel_tot", "resultaat",
)  # fmt: skip


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
# (intake.spreadsheet_safety.identifier_safe), so the file can be loaded back into its systems.
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

    One event per municipality whose feedback was read, so that each municipality's
    privacy officer sees what a creditor read about her residents. Details are the
    count and the id range, never klantnummers. Nothing is written when no event was
    read (an empty poll).
    """
    if isinstance(events, QuerySet):
        groups = [
            (g["municipality_id"], g["count"], g["first"], g["last"])
            for g in events.order_by()
            .values("municipality_id")
            .annotate(count=Count("id"), first=Min("id"), last=Max("id"))
            .order_by("municipality_id")
        ]
    else:
        ids_per_municipality: dict[int, list[int]] = defaultdict(list)
        for event in events:
            ids_per_municipality[event.municipality_id].append(event.pk)
        groups = [
            (municipality_id, len(ids), min(ids), max(ids))
            for municipality_id, ids in sorted(ids_per_municipality.items())
        ]
    municipalities = Municipality.objects.in_bulk([g[0] for g in groups])
    for municipality_id, count, first, last in groups:
        record(
            user,
            AuditAction.EXPORT if how == "csv" else AuditAction.VIEW,
            object_type="feedback.feedbackevent",
            object_id=f"{first}-{last}",
            purpose="terugkoppeling downloaden" if how == "csv" else "terugkoppeling inzien",
            request=request,
            municipality=municipalities[municipality_id],
            details={"vorm": how, "aantal": count, **({"filter": filters} if filters else {})},
        )
