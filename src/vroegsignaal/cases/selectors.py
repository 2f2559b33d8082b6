"""Reads of cases, always through the scoping layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case as Choose
from django.db.models import F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped

from . import deadlines
from .contacts import history_note
from .models import Case, CaseStatus, CaseStatusChange, ContactAttempt, PartOfDay

# Roles that work cases and may see the persons of a case's household.
CASE_ROLES = frozenset({Role.COORDINATOR, Role.HULPVERLENER})

# The statuses in the order a case goes through them (the workflow's, CaseStatus's), not their
# codes' alphabet, which put "afgesloten" first and "opgepakt" last. As an expression of its
# own, ``.desc()`` (or a queryset's ``reverse()``) gives the workflow backwards.
STATUS_ORDER = Choose(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(CaseStatus.values)),
    default=Value(len(CaseStatus.values)),
    output_field=IntegerField(),
)

SORTS = {
    "termijn": (F("due_on").asc(nulls_last=True), "-id"),
    "opgepakt": ("-picked_up_on", "-id"),
    "status": (STATUS_ORDER.asc(), F("due_on").asc(nulls_last=True), "-id"),
    "zaak": ("-id",),
}
DEFAULT_SORT = "termijn"


def may_work_cases(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in CASE_ROLES


def cases_for(user) -> QuerySet[Case]:
    """The cases ``user`` may see: a coordinator the municipality's, a hulpverlener the team's."""
    return scoped(user, Case).select_related("team", "worker", "signal")


def cases_of_household(user, household) -> QuerySet[Case]:
    """The cases of one household that ``user`` may see, newest first (for the household view)."""
    return cases_for(user).filter(household=household).order_by("-picked_up_on", "-id")


def open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.exclude(status=CaseStatus.AFGESLOTEN)


def overdue(qs: QuerySet[Case], today: dt.date) -> QuerySet[Case]:
    """Open cases with a deadline before ``today`` still unmet, most overdue first."""
    return open_cases(qs).filter(due_on__lt=today).order_by("due_on", "id")


def due_soon(qs: QuerySet[Case], today: dt.date) -> QuerySet[Case]:
    """Open cases whose next deadline is today or within two working days."""
    return (
        open_cases(qs)
        .filter(due_on__gte=today, due_on__lte=deadlines.due_soon_until(today))
        .order_by("due_on", "id")
    )


def case_list(
    user, *, sort: str = DEFAULT_SORT, show: str = "open", mine: bool = False, team=None
) -> QuerySet[Case]:
    """The list page's cases: open, closed or all; ``mine`` keeps those assigned to ``user``,
    ``team`` (one the user may see) those of that wijkteam."""
    qs = cases_for(user)
    if mine:
        qs = qs.filter(worker=user)
    if team is not None:
        qs = qs.filter(team=team)
    if show == "open":
        qs = open_cases(qs)
    elif show == "gesloten":
        qs = qs.filter(status=CaseStatus.AFGESLOTEN)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


# What a case list shows of the household besides the case: its buurt (a worker plans visits
# by area), not who lives there or the address; and only while the case is open.
LIST_RELATED = ("household__address__buurt",)


def case_page(cases: QuerySet[Case], number, size: int) -> Page:
    """One page of a case list: the ids sorted on the case table alone, then those cases
    with their team and worker (joining first would join every case of the city to sort)."""
    page = Paginator(cases.values_list("pk", flat=True), size).get_page(number)
    ids = list(page.object_list)
    rows = Case.objects.select_related("team", "worker", *LIST_RELATED).in_bulk(ids)
    page.object_list = [rows[i] for i in ids if i in rows]
    return page


def urgency(case: Case, today: dt.date) -> str:
    """``"overdue"``, ``"due_soon"`` or ``""``: how a list marks a case."""
    if case.is_closed or case.due_on is None:
        return ""
    if case.due_on < today:
        return "overdue"
    if case.due_on <= deadlines.due_soon_until(today):
        return "due_soon"
    return ""


# The case page's lists (the history, the contact attempts) read the same way: newest first by
# the day a step happened, a day's steps newest recorded first. A step recorded on a later day
# than it happened (a visit typed in a week late) sits at its own day and says when it was
# recorded, so an entry above it never looks rewritten.


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a case's history as the case page shows it: the day it leads with (``day``)
    and, apart from it, when it was recorded.

    Mostly a line is one step (``change``) on the day it happened (``change.occurred_on``),
    with its status arrow when the step moved the status (``arrow``). A backdated step that
    moved the status before a step recorded earlier but dated later is two lines
    (:func:`case_history`): the step on its own day without an arrow, and its arrow on the day it
    was recorded, which says whose step it is."""

    change: CaseStatusChange
    note: str  # in the reader's language (:func:`.contacts.history_note`)
    recorded_at: dt.datetime  # local time
    day: dt.date
    arrow: bool

    @property
    def recorded_later(self) -> bool:
        """Recorded on a later day than the line's day (a backdated pick-up, visit or closing)."""
        return self.recorded_at.date() != self.day


def _arrow_days(changes: list[CaseStatusChange]) -> dict[int, dt.date]:
    """The day each status arrow of the history is shown on, for the changes whose arrow is not
    shown on their own day.

    The arrows tell how the status moved as the steps were recorded: each one's "from" is the
    one before's "to" in the order recorded. Shown by the day the steps happened, a step
    backdated before a step recorded earlier would put its arrow below that one's ("10 maart:
    Opgepakt → Contact gezocht" above "5 maart: Contact gezocht → In contact"), and the list
    would read as if the status went back. Such an arrow is shown on the day it was recorded
    (the status did move then), or the day of the arrow before it if that is later; its step
    stays on its own day."""
    moved = sorted(
        (change for change in changes if change.from_status != change.to_status),
        key=lambda change: (change.changed_at, change.id),
    )
    days: dict[int, dt.date] = {}
    last: dt.date | None = None
    for change in moved:
        if last is None or change.occurred_on >= last:
            last = change.occurred_on
        else:
            last = days[change.id] = max(timezone.localdate(change.changed_at), last)
    return days


def _arrow_note(change: CaseStatusChange, note: str) -> str:
    """The note of an arrow shown apart from its step: the step's day, and what it was."""
    day = date_format(change.occurred_on, "j F Y")
    if note:
        return _("stap van %(day)s: %(note)s") % {"day": day, "note": note}
    return _("stap van %(day)s") % {"day": day}


def case_history(case: Case) -> list[HistoryEntry]:
    """The case's history in the order things happened, newest first: by the day of each line,
    then by when it was recorded (a visit typed in a week late sits where it belongs); a
    backdated step's status arrow that would contradict the arrows next to it is shown apart,
    on the day it was recorded (:func:`_arrow_days`)."""
    changes = list(case.status_changes.select_related("actor"))
    arrow_days = _arrow_days(changes)
    entries = []
    for change in changes:
        note = history_note(change.note)
        recorded_at = timezone.localtime(change.changed_at)
        moved = change.from_status != change.to_status
        if change.id in arrow_days:
            entries.append(HistoryEntry(change, note, recorded_at, change.occurred_on, arrow=False))
            entries.append(
                HistoryEntry(
                    change, _arrow_note(change, note), recorded_at, arrow_days[change.id], True
                )
            )
        else:
            entries.append(HistoryEntry(change, note, recorded_at, change.occurred_on, moved))
    return sorted(
        entries,
        key=lambda entry: (entry.day, entry.change.changed_at, entry.change.id),
        reverse=True,
    )


@dataclass(frozen=True)
class AttemptEntry:
    """A contact attempt as the case page shows it: its date and, when it was recorded on a
    later day, that day."""

    attempt: ContactAttempt
    recorded_at: dt.datetime  # local time

    @property
    def recorded_later(self) -> bool:
        return self.recorded_at.date() != self.attempt.date


# A day's contact attempts, latest part of the day first; one without a part of the day comes
# after those with one (its time that day is not known: it is not put above an evening visit).
PART_OF_DAY_ORDER = Choose(
    When(part_of_day=PartOfDay.AVOND, then=Value(3)),
    When(part_of_day=PartOfDay.MIDDAG, then=Value(2)),
    When(part_of_day=PartOfDay.OCHTEND, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def contact_attempts(case: Case) -> list[AttemptEntry]:
    """The case's contact attempts as its history is read: newest first by their date, a day's
    by their part of the day (avond, middag, ochtend, then those without one), then by when
    they were recorded."""
    attempts = (
        case.contact_attempts.select_related("actor")
        .alias(part_order=PART_OF_DAY_ORDER)
        .order_by("-date", "-part_order", "-created_at", "-id")
    )
    return [AttemptEntry(attempt, timezone.localtime(attempt.created_at)) for attempt in attempts]


@dataclass(frozen=True)
class HomeCases:
    overdue: list[Case]
    due_soon: list[Case]
    open_count: int

    @property
    def overdue_rows(self) -> list[tuple[Case, str]]:
        return [(case, "overdue") for case in self.overdue]

    @property
    def due_soon_rows(self) -> list[tuple[Case, str]]:
        return [(case, "due_soon") for case in self.due_soon]


HOME_LIMIT = 20


def home_cases(user, today: dt.date) -> HomeCases | None:
    """What a case worker's home page starts with: overdue, then due-soon cases."""
    if not may_work_cases(user):
        return None
    qs = cases_for(user).select_related(*LIST_RELATED)
    return HomeCases(
        overdue=list(overdue(qs, today)[:HOME_LIMIT]),
        due_soon=list(due_soon(qs, today)[:HOME_LIMIT]),
        open_count=open_cases(qs).count(),
    )
