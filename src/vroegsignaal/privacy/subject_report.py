"""The inzageverzoek's report on one person: what the page shows and the download reads.

Plain data, filled by :mod:`.subject_records` and put together by
:func:`.subject_access.build_report`; the page renders it as it is, the download
(:mod:`.subject_download`) turns it into Dutch JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from vroegsignaal.cases.models import Case, ContactAttempt
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.households.models import Arrear, ArrearEvent, ClosedKey, Household, Person
from vroegsignaal.intake.fields import Geslacht
from vroegsignaal.intake.models import Delivery
from vroegsignaal.signals.models import Signal

from .models import AuditEvent

# ``Person.gender`` holds intake's code (M/V/X/O); the page names it in its language.
GENDER_LABELS = {
    Geslacht.MAN: _("Man"),
    Geslacht.VROUW: _("Vrouw"),
    Geslacht.X: "X",
    Geslacht.ONBEKEND: _("Onbekend"),
}


@dataclass(frozen=True)
class AddressView:
    street: str
    number: str  # "12", "12A", "12A-2"
    postcode: str
    town: str
    registered: bool  # in the address register; otherwise as a creditor delivered it

    @classmethod
    def of(cls, household: Household) -> AddressView:
        address = household.address
        if address is not None:
            return cls(
                street=address.straatnaam,
                number=address.house_number_display,
                postcode=address.postcode,
                town=address.woonplaats,
                registered=True,
            )
        # "1234AB|12|A|2": postcode|huisnummer|huisletter|toevoeging
        postcode, number, letter, addition = (
            [*household.unregistered_address.split("|"), "", "", ""]
        )[:4]
        text = f"{number}{letter}"
        return cls(
            street="",
            number=f"{text}-{addition}" if addition else text,
            postcode=postcode,
            town="",
            registered=False,
        )


@dataclass
class ArrearReport:
    arrear: Arrear
    opened_by: Delivery | None
    last_confirmed_by: Delivery | None
    cleared_by: Delivery | None
    history: list[tuple[ArrearEvent, Delivery | None]]
    previous_id: int | None  # the arrear this one continues, when the officer may see it


@dataclass
class SignalReport:
    signal: Signal
    # from_status, to_status, changed_at (recorded), reference_date, occurred_on (the day the
    # step took effect: a backdated pick-up's is its case's) and recorded_later (no note)
    history: list[dict]
    own_arrear_ids: list[int]  # the person's arrears that are part of the signal
    # The signal holds co-residents' arrears too: its explanation and household totals name
    # their creditors and amounts, so the download leaves those out (art. 15(4)).
    shared: bool = False
    # The signal's case, when it has one: its contact deadline is the one that counts (the
    # case page, the trays and the household page name it in the explanation, and so does this).
    case_id: int | None = None
    case_contact_due: dt.date | None = None

    @property
    def contact_due(self) -> dt.date | None:
        """The contact deadline: the case's when the signal has a case, else the signal's."""
        return self.case_contact_due if self.case_id is not None else self.signal.deadline


@dataclass
class CaseReport:
    case: Case
    # from_status, to_status, changed_at, occurred_on, recorded_later and step: the note only
    # when the services wrote it (``cases.services.service_note``), never a worker's words
    history: list[dict]
    attempts: list[ContactAttempt]  # the note deferred: never decrypted here
    note_dates: list[dt.datetime]


@dataclass
class PersonReport:
    person: Person
    household: Household
    address: AddressView
    arrears: list[ArrearReport]
    signals: list[SignalReport]
    cases: list[CaseReport]
    feedback: list[FeedbackEvent]
    closed_keys: list[ClosedKey]  # afgemeld while no arrear was open
    audit_trail: list[AuditEvent]

    @property
    def name(self) -> str:
        p = self.person
        return " ".join(part for part in (p.initials, p.tussenvoegsel, p.surname) if part)

    @property
    def gender_label(self) -> str:
        """``V`` as "Vrouw" (in the page's language); an unknown code as stored, nothing as "—"."""
        code = self.person.gender
        return str(GENDER_LABELS.get(code, code or "—"))

    @property
    def note_count(self) -> int:
        return sum(len(c.note_dates) for c in self.cases)
