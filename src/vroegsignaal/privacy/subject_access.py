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
  explanation, status history — each step on the day it took effect, a pick-up or
  closing on its case's day, as the case page dates it; the contact deadline of a signal with a case is
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
``split_surname``). No person is
decrypted to be compared; only the hits are. The search values are personal data: they
never go into a URL, the audit log (which gets the kind of search and the number of hits)
or a log line, and :class:`SubjectQuery` does not show them in its ``repr``.

Audit. Every search is an audit event (``view``, object type
``households.person``, purpose ``inzageverzoek``, details ``zoekwijze``,
``met_postcode``, ``treffers`` and the persons' ids), a search without hits too;
every household shown is a ``view`` of that household and every download an
``export`` of it (details: the person's id), so the person's own trail shows
the inzageverzoek next time.

Layout. This module is the inzageverzoek's face: the search, the report on one person
(:func:`build_report`) and the officer's audited actions (:func:`search`, :func:`export`),
and the one that views, forms, tests and :mod:`.services` import. The rest is re-exported
here (``__all__``) from small modules: :mod:`.subject_report` (the report's data),
:mod:`.subject_records` (the queries that fill it) and :mod:`.subject_download` (the JSON
file). The audit events are all recorded here. :data:`MAX_HITS` is read here only, so a
test that patches it patches this module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone, translation

from vroegsignaal.households.models import Person
from vroegsignaal.households.selectors import persons_matching
from vroegsignaal.organisations.models import Creditor, Municipality, Role, Team
from vroegsignaal.organisations.scoping import scoped

from . import audit
from .models import AuditAction
from .subject_download import EXPLANATION, SHARED_SIGNAL, as_json
from .subject_records import (
    PERSON_OBJECT_TYPE,
    _arrears,
    _audit_trail,
    _cases,
    _closed_keys,
    _date_signal_steps,
    _feedback,
    _signals,
)
from .subject_report import (
    GENDER_LABELS,
    AddressView,
    ArrearReport,
    CaseReport,
    PersonReport,
    SignalReport,
)

__all__ = [
    "MAX_HITS",
    "PURPOSE",
    "NotAPrivacyOfficer",
    "NothingToExport",
    "SearchResult",
    "SubjectQuery",
    "build_report",
    "document",
    "export",
    "find_persons",
    "search",
    "searchable_municipalities",
    # the report and its download, from their modules
    "AddressView",
    "ArrearReport",
    "CaseReport",
    "PersonReport",
    "SignalReport",
    "GENDER_LABELS",
    "PERSON_OBJECT_TYPE",
    "EXPLANATION",
    "SHARED_SIGNAL",
    "as_json",
]

PURPOSE = "inzageverzoek"
# More hits than this (a common surname and birth date) are not shown: add the postcode.
MAX_HITS = 10


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


def build_report(user, person: Person) -> PersonReport:
    """Everything held about ``person`` that ``user`` (a privacy officer) may hand over. Not audited."""
    _require_officer(user)
    municipalities = searchable_municipalities(user).values("pk")
    arrears = _arrears(person, municipalities)
    arrear_rows = [r.arrear for r in arrears]
    signals = _signals(person, [a.pk for a in arrear_rows], municipalities)
    signal_ids = [s.signal.pk for s in signals]
    cases = _cases(signal_ids, municipalities)
    _date_signal_steps(signals, cases)
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
        closed_keys=_closed_keys(arrear_rows, municipalities),
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
    reports = _chosen_reports(user, query, person_ids)
    made_at = timezone.now()
    content = json.dumps(
        as_json(user, reports, made_at=made_at), ensure_ascii=False, indent=2, sort_keys=False
    ).encode("utf-8")
    _audit_export(user, reports, "json", request)
    stamp = timezone.localtime(made_at).strftime("%Y%m%d-%H%M%S")
    return f"inzageverzoek-{stamp}.json", content


def document(user, query: SubjectQuery, person_ids: Iterable[int] = (), *, request=None) -> dict:
    """The same report as :func:`export`, for a page the officer prints or saves as PDF.

    A citizen reads a document, not JSON: the page renders exactly the download's data
    (so nothing a requester may not see gets onto it), with each organisation in the
    audit trail by its name. Audited as an export (``formaat`` ``document``).
    """
    reports = _chosen_reports(user, query, person_ids)
    data = as_json(user, reports, made_at=timezone.now())
    names = _organisation_names(
        {e["organisatie"] for p in data["personen"] for e in p["inzage_en_wijzigingen"]}
    )
    for person in data["personen"]:
        facts = person["persoon"]
        with translation.override("nl"):
            facts["geslacht_naam"] = str(GENDER_LABELS.get(facts["geslacht"], facts["geslacht"]))
        facts["email"] = facts["e-mailadres"]  # a template cannot read a name with a hyphen
        for event in person["inzage_en_wijzigingen"]:
            event["organisatie_naam"] = names.get(event["organisatie"], event["organisatie"])
    _audit_export(user, reports, "document", request)
    return data


def _chosen_reports(user, query: SubjectQuery, person_ids: Iterable[int]) -> list[PersonReport]:
    """The search done again: only persons the query finds in the officer's scope, whatever
    ids are posted (those of ``person_ids`` among them, else all)."""
    _require_officer(user)
    wanted = set(person_ids)
    persons = find_persons(user, query)
    if len(persons) > MAX_HITS:
        persons = []
    chosen = [p for p in persons if not wanted or p.pk in wanted]
    if not chosen:
        raise NothingToExport("Geen persoon om te downloaden.")
    return [build_report(user, p) for p in chosen]


def _audit_export(user, reports: list[PersonReport], form: str, request) -> None:
    for report in reports:
        audit.record(
            user, AuditAction.EXPORT, report.household, purpose=PURPOSE, request=request,
            details={"persoon": report.person.pk, "formaat": form},
        )  # fmt: skip


def _organisation_names(stored: set[str]) -> dict[str, str]:
    """``schuldeiser WOONBRUG`` → ``Woonstichting De Brug``: as a requester knows them."""
    codes: dict[str, set[str]] = {"gemeente": set(), "wijkteam": set(), "schuldeiser": set()}
    for value in stored:
        kind, _space, code = value.partition(" ")
        if kind in codes and code:
            codes[kind].add(code)
    names = {
        audit.SYSTEM_ORGANISATION: "Vroegsignaal (automatisch)",
        audit.PLATFORM_ORGANISATION: "beheer van Vroegsignaal",
    }
    for m in Municipality.objects.filter(code__in=codes["gemeente"]):
        names[f"gemeente {m.code}"] = f"gemeente {m.name}"
    for t in Team.objects.filter(code__in=codes["wijkteam"]):
        names[f"wijkteam {t.code}"] = t.name
    for c in Creditor.objects.filter(code__in=codes["schuldeiser"]):
        names[f"schuldeiser {c.code}"] = c.name
    return names
