"""What retention deletes of households, persons and arrears (``privacy.retention`` calls
these, through :mod:`.services`).

They live here because they know what linking relies on: a person is deleted only without
arrears and a household only when empty, and deleting arrears nulls the link digests of
their households (see "Repeated rows" in :mod:`.digests`). The keys a mutatie reported
``afgemeld`` without an open arrear (:class:`~.models.ClosedKey`) go when the closed arrears
of their age go: to :mod:`.later` they say what a closed arrear says, so neither outlives
the other.

Nothing here locks: a delivery links its rows to the households and persons it finds without a
database constraint to stop their deletion (see :mod:`.models`), so the caller keeps deliveries
out for the whole transaction first (:func:`~.rekeying.lock_out_applies`, which
``privacy.retention`` takes before the municipality's lock, in the order an apply takes them).
"""

from __future__ import annotations

import datetime as dt

from .models import (
    ANONYMOUS_PREFIX,
    Arrear,
    ArrearStatus,
    ClosedKey,
    Household,
    Person,
)


def anonymous_household_key(municipality) -> str:
    return f"{ANONYMOUS_PREFIX}{municipality.code}"


def anonymous_household(municipality) -> Household:
    """The municipality's anonymous household: it has no address, persons or arrears."""
    household, _ = Household.objects.get_or_create(
        unregistered_address=anonymous_household_key(municipality),
        defaults={"municipality": municipality},
    )
    return household


def purge_unsignalled_arrears(
    municipality, *, open_started_before: dt.date, closed_cleared_before: dt.date, counts=None
) -> int:
    """Delete arrears that are in no signal and can no longer count, with their history; set-based.

    Open ones that started before ``open_started_before`` (out of the age
    window), closed ones (cleared or moved) that closed before
    ``closed_cleared_before``, and the keys reported ``afgemeld`` without an
    arrear before then (counted on their own, as ``households.closedkey``).
    """
    from django.db.models import Exists, OuterRef, Q

    from vroegsignaal.privacy.retention import delete_set
    from vroegsignaal.signals.models import SignalArrear

    expired = (
        Arrear.objects.filter(municipality=municipality)
        .filter(
            Q(status=ArrearStatus.OPEN, start_date__lt=open_started_before)
            | (~Q(status=ArrearStatus.OPEN) & Q(cleared_on__lt=closed_cleared_before))
        )
        .filter(~Exists(SignalArrear.objects.filter(arrear_id=OuterRef("pk"))))
    )
    # The persons of these arrears take their contact details from all their rows: the
    # arrears left in those households are linked again at their next stand.
    Arrear.objects.filter(
        household_id__in=expired.values("household_id"), link_digest__isnull=False
    ).update(link_digest=None)
    _purge_closed_keys(municipality, before=closed_cleared_before, counts=counts)
    return delete_set(expired, counts=counts)


def _purge_closed_keys(municipality, *, before: dt.date, counts=None) -> None:
    """Delete the :class:`~.models.ClosedKey` rows routed to ``municipality`` from before ``before``."""
    from vroegsignaal.privacy.retention import delete_set

    closed = ClosedKey.objects.filter(municipality=municipality, reference_date__lt=before)
    # Counted as ``households.closedkey``: retention reports them as a category of their own
    # ("afmeldingen_zonder_achterstand").
    delete_set(closed, counts=counts)


def purge_unused_persons_and_households(municipality, *, counts=None) -> tuple[int, int]:
    """Delete persons without arrears in households without signals or cases, then empty households.

    A person is kept while an arrear of theirs is, or while their household has
    a signal or case (its workers may need to reach them). Set-based.
    """
    from django.db.models import Exists, OuterRef

    from vroegsignaal.cases.models import Case
    from vroegsignaal.privacy.retention import delete_set
    from vroegsignaal.signals.models import Signal

    without_signals_or_cases = Household.objects.filter(municipality=municipality).filter(
        ~Exists(Signal.objects.filter(household_id=OuterRef("pk"))),
        ~Exists(Case.objects.filter(household_id=OuterRef("pk"))),
    )
    # Arrears are found through their household (indexed), then the person (not indexed).
    persons = Person.objects.filter(household__in=without_signals_or_cases.values("pk")).filter(
        ~Exists(
            Arrear.objects.filter(household_id=OuterRef("household_id"), person_id=OuterRef("pk"))
        )
    )
    deleted_persons = delete_set(persons, counts=counts)
    empty = without_signals_or_cases.filter(
        ~Exists(Arrear.objects.filter(household_id=OuterRef("pk"))),
        ~Exists(Person.objects.filter(household_id=OuterRef("pk"))),
    )
    return deleted_persons, delete_set(empty, counts=counts)
