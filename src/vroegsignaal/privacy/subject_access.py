"""Inzageverzoek (AVG art. 15): everything the system holds about one person.

The privacy officer finds a person by BSN, or by surname and birth date (and,
to narrow it, a postcode), and sees — and can download as JSON to hand over —
per person found:

* the person's own fields, decrypted (BSN included: it is theirs);
* the household's address and municipality;
* the person's arrears: creditor, customer and contract number, amounts, start
  date, status, and their lineage: the deliveries that opened, last confirmed
  and closed them, and each step of their history with its delivery;
* the signals that the person's arrears were part of (status, dates, figures,
  explanation, status history; the contact deadline of a signal with a case is
  the case's, in the explanation and the download alike), and the cases of
  those signals (status, dates, team, offer, contact attempts — kind, reached,
  date, part of day — and outcome);
* the feedback events sent to creditors about the person's arrears (matched on
  creditor and customer number through the events' blind index, so events
  whose signal retention removed are found too);
* the audit trail of the person's household, its signals and cases: who viewed,
  exported or changed them.

What is left out, deliberately:

* free text written by staff — case notes, the remarks of contact attempts and
  of status changes: the privacy officer's role sees no case contents (no model
  declares a ``privacy_officer`` scope for them), and such text can hold other
  people's data (art. 15(4)). The report gives the number and dates of notes;
  the municipality's coordinator hands over the texts after checking them;
* signals of the household that none of the person's arrears were part of, and
  the persons and arrears of co-residents: other people's data. A signal that
  counted co-residents' arrears too is shown whole to the officer (marked), but
  its explanation and household totals — their creditors and amounts — are left
  out of the download, which lists the person's own arrears in it instead;
* in the download, the user names and IP addresses in the audit trail: the
  person learns which organisation did what, when and why, not which employee
  (CJEU C-579/21). The officer's page shows the user names.

Scope. Persons, arrears, signals, cases and feedback events declare no
``privacy_officer`` scope, on purpose: no other screen of the privacy officer
shows them. The inzageverzoek is the one purpose-bound exception, and it still
takes its tenant from the scoping layer: the municipalities an officer may
search are ``scoped(user, Municipality)`` (one for an officer of a
municipality, all for a platform-wide one), and every query here is limited to
them; the audit trail is ``scoped(user, AuditEvent)``.

Search. By blind index only, through the households app
(``households.selectors.persons_matching``): a BSN in normal form (intake's
``normalise_bsn``, elfproef), or the birth date (ISO) and the surname normalised
as matching does, without and with a leading tussenvoegsel split off (intake's
``split_surname``; the indexes ``bsn_index``, ``birth_date_index`` and
``surname_indexes`` are the households app's, importable from here too). No person is
decrypted to be compared; only the hits are. The search values are personal data: they
never go into a URL, the audit log (which gets the kind of search and the number of hits)
or a log line, and :class:`SubjectQuery` does not show them in its ``repr``.

Audit. Every search is an audit event (``view``, object type
``households.person``, purpose ``inzageverzoek``, details ``zoekwijze``,
``met_postcode``, ``treffers`` and the persons' ids), a search without hits too;
every household shown is a ``view`` of that household and every download an
``export`` of it (details: the person's id), so the person's own trail shows
the inzageverzoek next time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from vroegsignaal.cases.models import Case, CaseNote, CaseStatus, CaseStatusChange, ContactAttempt
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.feedback.services import KLANTNUMMER_CONTEXT
from vroegsignaal.households.models import Arrear, ArrearEvent, Household, Person
from vroegsignaal.households.selectors import birth_date_index as birth_date_index
from vroegsignaal.households.selectors import bsn_index as bsn_index
from vroegsignaal.households.selectors import persons_matching
from vroegsignaal.households.selectors import surname_indexes as surname_indexes
from vroegsignaal.intake.fields import Geslacht
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import Municipality, Role
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.signals.models import Signal, SignalArrear, SignalStatus, SignalStatusChange

from . import audit
from .crypto import blind_index
from .models import AuditAction, AuditEvent

PURPOSE = "inzageverzoek"
# More hits than this (a common surname and birth date) are not shown: add the postcode.
MAX_HITS = 10
# The audit log's object type of the search itself (``app_label.model``).
PERSON_OBJECT_TYPE = Person._meta.label_lower
# ``Person.gender`` holds intake's code (M/V/X/O); the page names it in its language.
GENDER_LABELS = {
    Geslacht.MAN: _("Man"),
    Geslacht.VROUW: _("Vrouw"),
    Geslacht.X: "X",
    Geslacht.ONBEKEND: _("Onbekend"),
}


class NotAPrivacyOfficer(PermissionError):
    """Only a privacy officer answers an inzageverzoek."""


def _require_officer(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.role == Role.PRIVACY_OFFICER):
        raise NotAPrivacyOfficer("Alleen een privacy officer behandelt een inzageverzoek.")


# --- the search -------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectQuery:
    """What the officer searches for: a BSN, or a surname and birth date (and a postcode).

    Values in normal form (the form normalises them). Its ``repr`` hides them:
    a query in a traceback or a log line shows nothing of the person.
    """

    bsn: str = field(default="", repr=False)
    surname: str = field(default="", repr=False)
    birth_date: dt.date | None = field(default=None, repr=False)
    postcode: str = field(default="", repr=False)

    @property
    def method(self) -> str:
        return "bsn" if self.bsn else "naam"

    def audit_details(self) -> dict:
        """How the officer searched, never with what."""
        return {"zoekwijze": self.method, "met_postcode": bool(self.postcode and not self.bsn)}


def searchable_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities whose residents ``user`` may look up: the scoping layer decides."""
    if not (getattr(user, "is_authenticated", False) and user.role == Role.PRIVACY_OFFICER):
        return Municipality.objects.none()
    return scoped(user, Municipality)


def _matching(user, query: SubjectQuery) -> QuerySet[Person]:
    """The persons matching ``query`` in ``user``'s municipalities, by blind index (nothing decrypted)."""
    return persons_matching(
        searchable_municipalities(user).values("pk"),
        bsn=query.bsn,
        surname=query.surname,
        birth_date=query.birth_date,
        postcode=query.postcode,
    )


def find_persons(user, query: SubjectQuery, *, limit: int | None = None) -> list[Person]:
    """The persons matching ``query`` in ``user``'s municipalities, decrypted: at most ``limit``
    (by default one more than :data:`MAX_HITS`, to tell that there are too many)."""
    limit = MAX_HITS + 1 if limit is None else limit
    return list(
        _matching(user, query)
        .select_related("household", "household__address", "household__municipality")
        .order_by("pk")[:limit]
    )


# --- what the system holds about one person ------------------------------------------------


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
    history: list[dict]  # from_status, to_status, changed_at, reference_date (no note)
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
    history: list[dict]  # from_status, to_status, changed_at (no note)
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


def _cases(signal_ids: list[int], municipalities) -> list[CaseReport]:
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
        .order_by("case_id", "id")
        .values("case_id", "from_status", "to_status", "changed_at")
    ):
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


def _feedback(arrears: list[Arrear], municipalities) -> list[FeedbackEvent]:
    """The events creditors got about these arrears: same creditor, same customer number."""
    customers = {
        (a.creditor_id, blind_index(a.klantnummer, context=KLANTNUMMER_CONTEXT)) for a in arrears
    }
    if not customers:
        return []
    about = Q()
    for creditor_id, index in sorted(customers):
        about |= Q(creditor_id=creditor_id, klantnummer_index=index)
    return list(
        FeedbackEvent.objects.filter(about, municipality__in=municipalities)
        .select_related("creditor")
        .order_by("date", "id")
    )


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


def build_report(user, person: Person) -> PersonReport:
    """Everything held about ``person`` that ``user`` (a privacy officer) may hand over. Not audited."""
    _require_officer(user)
    municipalities = searchable_municipalities(user).values("pk")
    arrears = _arrears(person, municipalities)
    arrear_rows = [r.arrear for r in arrears]
    signals = _signals(person, [a.pk for a in arrear_rows], municipalities)
    signal_ids = [s.signal.pk for s in signals]
    cases = _cases(signal_ids, municipalities)
    by_signal = {c.case.signal_id: c.case for c in cases}
    for item in signals:
        if (case := by_signal.get(item.signal.pk)) is not None:
            item.case_id, item.case_contact_due = case.pk, case.contact_due
    return PersonReport(
        person=person,
        household=person.household,
        address=AddressView.of(person.household),
        arrears=arrears,
        signals=signals,
        cases=cases,
        feedback=_feedback(arrear_rows, municipalities),
        audit_trail=_audit_trail(user, person, signal_ids, [c.case.pk for c in cases]),
    )


# --- the officer's actions (audited) -------------------------------------------------------


@dataclass
class SearchResult:
    reports: list[PersonReport]
    hits: int
    too_many: bool  # more than MAX_HITS persons: none shown, narrow the search


def search(user, query: SubjectQuery, *, request=None) -> SearchResult:
    """Look a person up for an inzageverzoek; audited (how, and the number of hits — never the values)."""
    _require_officer(user)
    persons = find_persons(user, query)
    too_many = len(persons) > MAX_HITS
    hits = _matching(user, query).count() if too_many else len(persons)
    reports = [] if too_many else [build_report(user, p) for p in persons]
    audit.record(
        user,
        AuditAction.VIEW,
        object_type=PERSON_OBJECT_TYPE,
        purpose=PURPOSE,
        request=request,
        details={
            **query.audit_details(),
            "treffers": hits,
            "getoond": len(reports),
            "personen": [r.person.pk for r in reports],
        },
    )
    for report in reports:
        audit.record(
            user, AuditAction.VIEW, report.household, purpose=PURPOSE, request=request,
            details={"persoon": report.person.pk},
        )  # fmt: skip
    return SearchResult(reports=reports, hits=hits, too_many=too_many)


class NothingToExport(LookupError):
    """The search no longer finds the chosen persons."""


def export(
    user, query: SubjectQuery, person_ids: Iterable[int] = (), *, request=None
) -> tuple[str, bytes]:
    """The report on the persons found (those of ``person_ids`` among them, else all) as JSON.

    The search is done again, so only persons the query finds in the officer's
    scope can be exported, whatever ids are posted. Each person exported is an
    audit event (``export`` of the household). Returns (file name, content).
    """
    _require_officer(user)
    wanted = set(person_ids)
    persons = find_persons(user, query)
    if len(persons) > MAX_HITS:
        persons = []
    chosen = [p for p in persons if not wanted or p.pk in wanted]
    if not chosen:
        raise NothingToExport("Geen persoon om te downloaden.")
    reports = [build_report(user, p) for p in chosen]
    made_at = timezone.now()
    content = json.dumps(
        as_json(user, reports, made_at=made_at), ensure_ascii=False, indent=2, sort_keys=False
    ).encode("utf-8")
    for report in reports:
        audit.record(
            user, AuditAction.EXPORT, report.household, purpose=PURPOSE, request=request,
            details={"persoon": report.person.pk, "formaat": "json"},
        )  # fmt: skip
    stamp = timezone.localtime(made_at).strftime("%Y%m%d-%H%M%S")
    return f"inzageverzoek-{stamp}.json", content


# --- the download -----------------------------------------------------------------------

EXPLANATION = (
    "Dit overzicht bevat alle gegevens die Vroegsignaal over u bewaart: uw persoonsgegevens, "
    "uw adres, de betalingsachterstanden die schuldeisers hebben doorgegeven (met de leveringen "
    "waarin ze stonden), de vroegsignalen en zaken waar die achterstanden bij hoorden, wat "
    "schuldeisers daarover terug hebben gehoord, en wie uw gegevens heeft ingezien of gewijzigd "
    "(per organisatie). Notities van medewerkers staan er niet in; die kunt u opvragen bij de "
    "gemeente. Gegevens van huisgenoten staan er niet in."
)


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _delivery(delivery: Delivery | None) -> dict | None:
    if delivery is None:
        return None
    return {
        "id": delivery.pk,
        "schuldeiser": delivery.creditor.name,
        "soort": delivery.get_kind_display() if delivery.kind else "",
        "peildatum": _day(delivery.reference_date),
        "ontvangen_op": _moment(delivery.received_at),
        "aangeleverd_via": delivery.get_via_display(),
    }


def _person_json(report: PersonReport) -> dict:
    p = report.person
    return {
        "id": p.pk,
        "voorletters": p.initials,
        "voornamen": p.first_names,
        "tussenvoegsel": p.tussenvoegsel,
        "achternaam": p.surname,
        "geboortedatum": _day(p.birth_date),
        "geslacht": p.gender,
        "telefoonnummer": p.phone,
        "e-mailadres": p.email,
        "bsn": p.bsn,
        "vastgelegd_op": _moment(p.created_at),
        "gewijzigd_op": _moment(p.updated_at),
    }


def _household_json(report: PersonReport) -> dict:
    a, municipality = report.address, report.household.municipality
    return {
        "id": report.household.pk,
        "gemeente": {"code": municipality.code, "naam": municipality.name},
        "adres": {
            "straat": a.street,
            "huisnummer": a.number,
            "postcode": a.postcode,
            "woonplaats": a.town,
            "uit_het_adressenregister": a.registered,
        },
    }


def _arrear_json(item: ArrearReport) -> dict:
    a = item.arrear
    return {
        "id": a.pk,
        "schuldeiser": {"code": a.creditor.code, "naam": a.creditor.name, "soort": a.creditor.type},
        "klantnummer": a.klantnummer,
        "contractnummer": a.contractnummer,
        "bedrag_in_centen": a.amount_cents,
        "ontstaansdatum": _day(a.start_date),
        "status": a.get_status_display(),
        "crisissignaal": a.crisis,
        "reden_crisis": a.get_crisis_reason_display() if a.crisis_reason else "",
        "warme_overdracht": a.warm_transfer,
        "aantal_termijnen": a.instalments,
        "signaal_id_van_de_schuldeiser": a.signal_reference,
        "voor_het_eerst_gezien_op": _day(a.opened_on),
        "laatst_gezien_op": _day(a.last_seen_on),
        "afgemeld_op": _day(a.cleared_on),
        "vervolg_van_achterstand": item.previous_id,
        "leveringen": {
            "geopend_door": _delivery(item.opened_by),
            "laatst_bevestigd_door": _delivery(item.last_confirmed_by),
            "afgemeld_door": _delivery(item.cleared_by),
        },
        "geschiedenis": [
            {
                "peildatum": _day(event.reference_date),
                "gebeurtenis": event.get_kind_display(),
                "bedrag_in_centen": event.amount_cents,
                "crisissignaal": event.crisis,
                "levering": _delivery(delivery),
            }
            for event, delivery in item.history
        ],
    }


def _status_history(history: list[dict]) -> list[dict]:
    return [
        {
            "van": str(h["from_label"]),
            "naar": str(h["to_label"]),
            "tijdstip": _moment(h["changed_at"]),
            **({"peildatum": _day(h["reference_date"])} if h.get("reference_date") else {}),
        }
        for h in history
    ]


SHARED_SIGNAL = (
    "Dit signaal gold voor het hele huishouden en telde ook achterstanden van huisgenoten mee. "
    "De toelichting en de totalen van het signaal noemen hun schuldeisers en bedragen en zijn "
    "daarom weggelaten; uw eigen achterstanden in dit signaal staan onder "
    "'eigen_achterstanden_in_dit_signaal'."
)


def _signal_json(item: SignalReport) -> dict:
    # The stored Dutch explanation; only its crisis line names the case's contact deadline
    # when the signal has a case, as ``contact_uiterlijk`` does (one date for one obligation).
    from vroegsignaal.signals.services import shown_explanation

    s = item.signal
    household = (
        {"toelichting": None, "weggelaten": SHARED_SIGNAL}
        if item.shared
        else {
            "aantal_schuldeisers": s.creditor_count,
            "totaalbedrag_in_centen": s.total_amount_cents,
            "oudste_ontstaansdatum": _day(s.oldest_start_date),
            "toelichting": shown_explanation(s, deadline=item.case_contact_due),
        }
    )
    return {
        "id": s.pk,
        "status": s.get_status_display(),
        "soort": s.get_kind_display(),
        "crisis": s.crisis,
        "herhaald": s.repeat,
        "schuldverschuiving": s.debt_swap,
        "eigen_achterstanden_in_dit_signaal": item.own_arrear_ids,
        "signaaldatum": _day(s.signal_date),
        "laatst_gesignaleerd_op": _day(s.last_signalled_on),
        "contact_uiterlijk": _day(item.contact_due),
        "zaak": item.case_id,
        "gesloten_op": _day(s.closed_on),
        "wijkteam": s.team.name if s.team_id else None,
        **household,
        "statusgeschiedenis": _status_history(item.history),
    }


def _case_json(item: CaseReport) -> dict:
    c = item.case
    return {
        "id": c.pk,
        "vroegsignaal": c.signal_id,
        "status": c.get_status_display(),
        "crisis": c.crisis,
        "wijkteam": c.team.name if c.team_id else None,
        "opgepakt_op": _day(c.picked_up_on),
        "hulpaanbod_gedaan_op": _day(c.offer_made_on),
        "antwoord_op_hulpaanbod": c.get_offer_answer_display() if c.offer_answer else "",
        "antwoord_gegeven_op": _day(c.offer_answered_on),
        "contact_uiterlijk": _day(c.contact_due),
        "contact_gelegd_op": _day(c.contacted_on),
        "eerste_gesprek_uiterlijk": _day(c.first_conversation_due),
        "eerste_gesprek_op": _day(c.first_conversation_on),
        "eindresultaat": c.get_outcome_display() if c.outcome else "",
        "afgesloten_op": _day(c.closed_on),
        "statusgeschiedenis": _status_history(item.history),
        "contactpogingen": [
            {
                "soort": a.get_kind_display(),
                "bereikt": a.reached,
                "datum": _day(a.date),
                "dagdeel": a.get_part_of_day_display() if a.part_of_day else "",
            }
            for a in item.attempts
        ],
        "notities": {
            "aantal": len(item.note_dates),
            "vastgelegd_op": [_moment(d) for d in item.note_dates],
            "toelichting": "De tekst van notities is op te vragen bij de gemeente.",
        },
    }


def _feedback_json(event: FeedbackEvent) -> dict:
    return {
        "id": event.pk,
        "schuldeiser": {"code": event.creditor.code, "naam": event.creditor.name},
        "klantnummer": event.klantnummer,
        "gebeurtenis": event.get_kind_display(),
        "datum": _day(event.date),
        "incasso_uitstel_tot_en_met": _day(event.collection_pause_until),
        "resultaat": event.get_result_display() if event.result else "",
        "vroegsignaal": event.signal_id,
    }


def _audit_json(event: AuditEvent, labels: dict[str, str]) -> dict:
    return {
        "volgnummer": event.seq,
        "tijdstip": _moment(event.timestamp),
        "organisatie": event.organisation,
        "handeling": event.get_action_display(),
        "object": labels.get(event.object_type, event.object_type),
        "object_id": event.object_id,
        "doel": event.purpose,
    }


def as_json(user, reports: list[PersonReport], *, made_at: dt.datetime | None = None) -> dict:
    """The download: the reports as JSON-ready data, in Dutch whatever the page's language."""
    from .selectors import object_type_labels

    made_at = made_at or timezone.now()
    with translation.override("nl"):
        labels = object_type_labels()
        municipality = getattr(user, "municipality", None)
        return {
            "inzageverzoek": {
                "gemaakt_op": _moment(made_at),
                "door": f"functionaris gegevensbescherming, {municipality.name}"
                if municipality is not None
                else "functionaris gegevensbescherming van het platform",
                "toelichting": EXPLANATION,
            },
            "personen": [
                {
                    "persoon": _person_json(r),
                    "huishouden": _household_json(r),
                    "achterstanden": [_arrear_json(a) for a in r.arrears],
                    "vroegsignalen": [_signal_json(s) for s in r.signals],
                    "vroegsignaalzaken": [_case_json(c) for c in r.cases],
                    "terugkoppelingen_aan_schuldeisers": [_feedback_json(f) for f in r.feedback],
                    "inzage_en_wijzigingen": [_audit_json(e, labels) for e in r.audit_trail],
                }
                for r in reports
            ],
        }
