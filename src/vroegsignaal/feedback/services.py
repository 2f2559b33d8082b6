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

The work is done in small modules, which this one re-exports (``__all__``) so other apps,
views, the API, tasks and tests import only this one: :mod:`.rules` (results, the
collection pause, customers; no database), :mod:`.recording` (writing events),
:mod:`.notices` (the e-mail) and :mod:`.reading` (the scoped reads, the CSV and their
audit). A re-exported name is a copy, so tests patch a name in the module that reads it
(``send_mail`` in :mod:`.notices`).
"""

from __future__ import annotations

import datetime as dt

from .models import FeedbackEvent
from .notices import NOTICE_BODY, NOTICE_SUBJECT, notice_text, notify_creditor
from .reading import (
    CSV_COLUMNS,
    CSV_IDENTIFIERS,
    DEFAULT_SORT,
    MAX_PAGE,
    SORTS,
    FeedbackPage,
    MunicipalityChoice,
    as_row,
    csv_lines,
    events_after,
    events_for,
    filter_events,
    municipalities_of,
    record_read,
)
from .recording import record_closed, record_joined, record_not_picked_up, record_picked_up
from .rules import (
    DEFAULT_COLLECTION_PAUSE_DAYS,
    KLANTNUMMER_CONTEXT,
    RESULT_FOR_OUTCOME,
    Customer,
    collection_pause_until,
    result_for,
)

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
    # what the feedback forms, the API, privacy (blind index, inzageverzoek) and tests use besides
    "CSV_IDENTIFIERS",
    "DEFAULT_SORT",
    "KLANTNUMMER_CONTEXT",
    "MAX_PAGE",
    "NOTICE_BODY",
    "NOTICE_SUBJECT",
    "SORTS",
    "MunicipalityChoice",
    "as_row",
    "notice_text",
]


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
