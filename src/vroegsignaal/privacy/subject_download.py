"""The inzageverzoek's download: the reports as a JSON file to hand over, in Dutch.

Whatever the page's language, the file is Dutch (its keys, labels and explanations). It
leaves out what the page shows only to the officer: the user names and IP addresses of the
audit trail, and the explanation and totals of a signal that counted co-residents' arrears
too (:data:`SHARED_SIGNAL`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.households.models import ClosedKey
from vroegsignaal.intake.models import Delivery

from .models import AuditEvent
from .subject_report import ArrearReport, CaseReport, PersonReport, SignalReport

EXPLANATION = (
    "Dit overzicht bevat alle gegevens die Vroegsignaal over u bewaart: uw persoonsgegevens, "
    "uw adres, de betalingsachterstanden die schuldeisers hebben doorgegeven (met de leveringen "
    "waarin ze stonden), de vroegsignalen en zaken waar die achterstanden bij hoorden, wat "
    "schuldeisers daarover terug hebben gehoord, afmeldingen van uw klantnummers door schuldeisers "
    "terwijl er geen achterstand openstond, en wie uw gegevens heeft ingezien of gewijzigd "
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
            # The step on the day it took effect (``tijdstip`` is when it was recorded): a
            # case's ``occurred_on``; a signal's from its peildatum or its case's history.
            **({"datum": _day(h["occurred_on"])} if h.get("occurred_on") else {}),
            # A case's step that leaves the status as it is (an offer made or refused) is
            # named here; "van" and "naar" are then the same.
            **({"stap": str(h["step"])} if h.get("step") else {}),
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
        "herhaald_sinds": _day(s.repeat_since),
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


def _closed_key_json(key: ClosedKey) -> dict:
    return {
        "schuldeiser": {"code": key.creditor.code, "naam": key.creditor.name},
        "klantnummer": key.klantnummer,
        "contractnummer": key.contractnummer,
        "peildatum": _day(key.reference_date),
        "levering": key.delivery_id,
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
                    "afgemeld_zonder_openstaande_achterstand": [
                        _closed_key_json(k) for k in r.closed_keys
                    ],
                    "inzage_en_wijzigingen": [_audit_json(e, labels) for e in r.audit_trail],
                }
                for r in reports
            ],
        }
