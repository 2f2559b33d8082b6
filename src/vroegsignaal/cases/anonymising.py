"""Anonymising closed cases when their retention period ends (``privacy.retention`` calls
these through :mod:`.services`): what identifies the household goes, the figures stay."""

from __future__ import annotations

import datetime as dt

from .models import Case, CaseNote, CaseStatus, CaseStatusChange, ContactAttempt


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
    from vroegsignaal.signals.models import Signal, SignalArrear, SignalBefore, SignalStatusChange

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
    # The signal's figures before a peildatum (evaluation's working copy, with its explanation).
    delete_set(SignalBefore.objects.filter(signal__in=signals), counts=counts)
    unlink_set(signals, counts=counts)
    unlink_set(Case.objects.filter(pk__in=case_ids), counts=counts)
    # Last, signals before cases: moving the cases changes what ``cases`` selects.
    Signal._base_manager.filter(pk__in=cases.order_by().values("signal_id")).update(
        household=anonymous_household, repeat_of=None, buurt=None
    )
    Case._base_manager.filter(pk__in=case_ids).update(household=anonymous_household)
