"""The DDAS-vroegsignalering v0.9 export (spec section 6): signals and cases in the exchange model.

Source of the model: VNG-Realisatie, DDAS-vroegsignalering v0.9, "Uitwisselmodel"
(``schemas/ddas-vroegsignalering-v0.9.schema.json``, copied from shared/standards).

Mapping (see docs/ddas.md):

* A DDAS ``vroegsignaal`` comes from one creditor (``signaalpartner``), while our
  :class:`~vroegsignaal.signals.models.Signal` is a household's: each signal
  gives one DDAS vroegsignaal per creditor among the arrears that counted for it,
  now or at an earlier evaluation (``ID`` ``VS-<signal id>-<creditor code>``; the
  monitor's creditor types count the same creditors), with the peildatum it
  joined the signal (``signaaldatum``) and its warm-transfer flag.
* Amount, crisis and ``ontstaansdatum`` are the signal's figures as evaluated, split
  per creditor: its counting arrears as the evaluation that wrote the figures saw
  them (``Signal.reasons["arrears"]``, written and put back with ``total_amount_cents``
  and ``crisis``), not the arrears as they are now. So the amounts of a signal add up
  to its total (per creditor in whole euros) and it is a crisis signal exactly when
  the signal is, as in the monitor and ``export_signals``, also for a signal that
  sleeps, lapsed or was handled while its creditors went on delivering. A creditor
  none of whose arrears counts for those figures has no ``bedrag`` and no
  ``crisissignaal``, and its ``ontstaansdatum`` is that of its oldest arrear in the signal.
* ``status`` (``EnumSignaalstatus``): ``nieuw`` → "Nog niet opgepakt"; a declined
  signal → its reason; ``vervallen`` (all arrears cleared before pick-up) →
  "Niet opgepakt: andere reden"; a picked-up signal has no status here: its
  ``vroegsignaalzaak`` says what happened.
* Each :class:`~vroegsignaal.cases.models.Case` is a ``vroegsignaalzaak`` with its
  ``resultaat`` (``EnumEindresultaat``), ``datum_opgepakt``, the ids of its
  vroegsignalen and its ``contactpogingen`` (``EnumContactsoort``, ``EnumDagdeel``).
* ``client`` is required but none of its fields is: it stays empty. No personal
  data leaves with the export.

The period selects signals by their ``signal_date``; their cases come along in
their current state. Every document is validated against the schema before
anything is written; :func:`vroegsignaal.reporting.services.export_ddas` writes a file to a
temporary name, records the export in the audit log and only then gives it its name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext
from jsonschema import Draft202012Validator

from vroegsignaal.cases.models import Case, ContactAttempt, NotPickedUpReason
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.signals.models import (
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalStatus,
    SignalStatusChange,
)

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "ddas-vroegsignalering-v0.9.schema.json"
# codeGegevensleverancier: who supplies the data (the software), not the municipality.
SUPPLIER_CODE = "VROEGSIGNAAL"
NOT_YET_PICKED_UP = "Nog niet opgepakt"  # EnumSignaalstatus
# Our signal status → DDAS EnumSignaalstatus (None: no status; the case tells). Declined: see _status.
SIGNAL_STATUS: dict[str, str | None] = {
    SignalStatus.NIEUW: NOT_YET_PICKED_UP,
    SignalStatus.VERVALLEN: NotPickedUpReason.ANDERS.value,
    SignalStatus.OPGEPAKT: None,
    SignalStatus.AFGESLOTEN: None,
}


class DdasExportInvalid(Exception):
    """The document does not validate against the DDAS schema; nothing was written."""

    def __init__(self, errors: list[SchemaProblem] | list[str]):
        self.errors = errors
        with translation.override("nl"):  # the command's output (and logs) stay Dutch
            super().__init__(self.describe())

    def describe(self) -> str:
        """The refusal in the active language (the portal's message), without the values."""
        shown = "; ".join(str(error) for error in self.errors[:5])
        more = len(self.errors) - 5
        if more > 0:
            shown += " " + gettext("(en nog %(n)d)") % {"n": more}
        return gettext(
            "De DDAS-export voldoet niet aan het schema DDAS-vroegsignalering v0.9: %(errors)s"
        ) % {"errors": shown}


@dataclass(frozen=True)
class DdasSummary:
    signals: int  # DDAS vroegsignalen
    cases: int  # DDAS vroegsignaalzaken
    document: dict


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class SchemaProblem:
    """One way the document breaks the schema: where, which rule, and the rule's own bound.

    Never the offending value: it may be a resident's name or BSN, and the message goes to the
    coordinator's page, the command's output and the log.
    """

    path: str
    rule: str
    bound: object = None

    def __str__(self) -> str:
        texts = {
            "required": gettext("verplicht veld ontbreekt (%(bound)s)"),
            "enum": gettext("waarde niet toegestaan (toegestaan: %(bound)s)"),
            "const": gettext("waarde niet toegestaan (toegestaan: %(bound)s)"),
            "type": gettext("verkeerd soort waarde (verwacht: %(bound)s)"),
            "maxLength": gettext("te lang (ten hoogste %(bound)s tekens)"),
            "minLength": gettext("te kort (ten minste %(bound)s tekens)"),
            "pattern": gettext("voldoet niet aan het patroon %(bound)s"),
            "format": gettext("geen geldige waarde van de vorm %(bound)s"),
            "additionalProperties": gettext("veld dat het schema niet kent"),
        }
        bound = self.bound
        if isinstance(bound, list | tuple):
            shown = ", ".join(str(b) for b in bound[:8])
            bound = shown + (" …" if len(bound) > 8 else "")
        text = texts.get(self.rule, gettext("breekt de regel %(rule)s van het schema"))
        return f"{self.path}: {text % {'bound': bound, 'rule': self.rule}}"


def validation_errors(document: dict) -> list[SchemaProblem]:
    """Every way ``document`` breaks the schema (empty when valid), without the values."""
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]
    )
    problems = []
    for error in errors:
        bound = error.validator_value
        if error.validator == "required" and isinstance(error.instance, dict):
            bound = [name for name in bound if name not in error.instance]
        problems.append(
            SchemaProblem(
                "/".join(str(p) for p in error.absolute_path) or "(document)",
                str(error.validator),
                None if isinstance(bound, dict | bool) else bound,
            )
        )
    return problems


def _euros(cents: int | None) -> int:
    """Whole euros, half up (DDAS ``bedrag``)."""
    return int((int(cents or 0) + 50) // 100)


@dataclass(frozen=True)
class _Counted:
    """One creditor's share of a signal's figures: its counting arrears summed."""

    cents: int
    started: dt.date
    crisis: bool

    def plus(self, other: _Counted) -> _Counted:
        return _Counted(
            self.cents + other.cents, min(self.started, other.started), self.crisis or other.crisis
        )


def _counted_per_creditor(reasons: dict | None) -> dict[str, _Counted] | None:
    """Per creditor code, its share of the figures as evaluated (``reasons["arrears"]``, the
    counting arrears the evaluation that wrote ``total_amount_cents`` and ``crisis`` saw);
    ``None`` for a signal whose reasons do not list them."""
    arrears = (reasons or {}).get("arrears")
    if not arrears:
        return None
    shares: dict[str, _Counted] = {}
    for arrear in arrears:
        mine = _Counted(
            int(arrear["amount_cents"]),
            dt.date.fromisoformat(arrear["start_date"]),
            bool(arrear["crisis"]),
        )
        earlier = shares.get(arrear["creditor"])
        shares[arrear["creditor"]] = mine if earlier is None else earlier.plus(mine)
    return shares


def _counted_now(row: dict) -> _Counted | None:
    """A creditor's share from its arrears that count now (``counts``), as they are now: only for
    a signal without reasons to read them from."""
    if not row["counted"]:
        return None
    return _Counted(row["counted_cents"], row["counted_started"], bool(row["counted_crisis"]))


def _signal_id(signal_id: int, creditor_code: str | None) -> str:
    return f"VS-{signal_id}-{creditor_code}" if creditor_code else f"VS-{signal_id}"


def _status(status: str, declined_reason: str | None) -> str | None:
    if status == SignalStatus.NIET_OPGEPAKT:
        return (
            declined_reason
            if declined_reason in NotPickedUpReason.values
            else NotPickedUpReason.ANDERS.value
        )
    return SIGNAL_STATUS[status]


def _utc_stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_document(
    municipality: Municipality,
    start: dt.date,
    end: dt.date,
    *,
    supplier: str = SUPPLIER_CODE,
    now=None,
) -> dict:
    """The exchange-model document of ``municipality``'s signals with ``start <= signal_date <= end``.

    A handful of queries: signals, their creditors' arrears (aggregated per
    creditor), declined reasons, cases and contact attempts. Amounts, crisis and
    ontstaansdatum of the creditors that count are the signal's figures as evaluated
    (:func:`_counted_per_creditor`), never the arrears' amounts or flags of now.
    """
    if start > end:
        raise ValueError("De begindatum ligt na de einddatum.")
    signals = Signal.objects.filter(
        municipality=municipality, signal_date__gte=start, signal_date__lte=end
    )
    signal_rows = list(
        signals.order_by("id").values_list(
            "id",
            "status",
            "crisis",
            "total_amount_cents",
            "oldest_start_date",
            "signal_date",
            "reasons",
        )
    )
    members: dict[int, list[dict]] = {}
    for row in (
        SignalArrear.objects.filter(signal__in=signals, role=SignalArrearRole.MEMBER)
        .values("signal_id", "arrear__creditor__code", "arrear__creditor__type")
        .annotate(
            started=Min("arrear__start_date"),
            joined=Min("joined_on"),
            last_joined=Max("joined_on"),
            warm=Count("id", filter=Q(arrear__warm_transfer=True)),
            # Only for a signal without reasons (see _counted_now).
            counted=Count("id", filter=Q(counts=True)),
            counted_cents=Sum("arrear__amount_cents", filter=Q(counts=True)),
            counted_started=Min("arrear__start_date", filter=Q(counts=True)),
            counted_crisis=Count("id", filter=Q(counts=True, arrear__crisis=True)),
        )
        .order_by("signal_id", "arrear__creditor__code")
    ):
        members.setdefault(row["signal_id"], []).append(row)
    declined = dict(
        SignalStatusChange.objects.filter(signal__in=signals, to_status=SignalStatus.NIET_OPGEPAKT)
        .order_by("signal_id", "id")
        .values_list("signal_id", "note")
    )  # the last change per signal wins

    vroegsignalen: list[dict] = []
    ids_of: dict[int, list[str]] = {}
    last_joined: dict[int, dt.date] = {}
    for signal_id, status, crisis, total, oldest, signal_date, reasons in signal_rows:
        status_value = _status(status, declined.get(signal_id))
        evaluated = _counted_per_creditor(reasons)
        # A signal without members (its case anonymised) still counts once, with its figures.
        for row in members.get(signal_id) or [None]:
            code = row and row["arrear__creditor__code"]
            if row is None:
                share = _Counted(total, oldest, crisis)
            elif evaluated is None:
                share = _counted_now(row)
            else:
                share = evaluated.get(code)
            item: dict = {"ID": _signal_id(signal_id, code)}
            if share is not None:
                item["crisissignaal"] = bool(share.crisis)
            item["warmeOverdracht"] = bool(row and row["warm"])
            if share is not None:
                item["bedrag"] = _euros(share.cents)
            item["ontstaansdatum"] = (share.started if share else row["started"]).isoformat()
            item["signaaldatum"] = (row["joined"] if row else signal_date).isoformat()
            if status_value is not None:
                item["status"] = status_value
            item["signaalpartner"] = {"type": row["arrear__creditor__type"]} if row else {}
            item["client"] = {}  # required; none of its (personal) fields is
            vroegsignalen.append(item)
            ids_of.setdefault(signal_id, []).append(item["ID"])
            if row:
                last_joined[signal_id] = max(
                    last_joined.get(signal_id, row["last_joined"]), row["last_joined"]
                )

    cases = list(
        Case.objects.filter(signal__in=signals)
        .order_by("id")
        .values_list("id", "signal_id", "signal__signal_date", "picked_up_on", "outcome")
    )
    attempts: dict[int, list[dict]] = {}
    for case_id, kind, reached, date, part_of_day in (
        ContactAttempt.objects.filter(case__signal__in=signals)
        .order_by("case_id", "date", "id")
        .values_list("case_id", "kind", "reached", "date", "part_of_day")
    ):
        attempt = {"soort": kind, "bereikt": reached, "datum": date.isoformat()}
        if part_of_day:
            attempt["dagdeel"] = part_of_day
        attempts.setdefault(case_id, []).append(attempt)
    zaken = []
    for case_id, signal_id, signal_date, picked_up_on, outcome in cases:
        zaak: dict = {}
        if outcome:
            zaak["resultaat"] = outcome
        zaak["matchingsdatum"] = signal_date.isoformat()
        zaak["startdatum_matchtingperiode"] = signal_date.isoformat()  # sic: the schema's spelling
        zaak["datum_opgepakt"] = picked_up_on.isoformat()
        zaak["einddatum_matchingperiode"] = max(
            signal_date, last_joined.get(signal_id, signal_date)
        ).isoformat()
        zaak["vroegsignalen"] = [{"ID": i} for i in ids_of[signal_id]]
        zaak["contactpogingen"] = attempts.get(case_id, [])
        zaken.append(zaak)

    return {
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": _utc_stamp(now or timezone.now()),
        "codeGegevensleverancier": supplier,
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": municipality.code,
                "aanleverende_organisatie": {"naam": municipality.name},
                "vroegsignalen": vroegsignalen,
                "vroegsignaalzaken": zaken,
            }
        ],
    }


def encode(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def export(
    municipality: Municipality,
    start: dt.date,
    end: dt.date,
    *,
    supplier: str = SUPPLIER_CODE,
) -> tuple[bytes, DdasSummary]:
    """Build and validate the document (:class:`DdasExportInvalid` before anything is written):
    its bytes to write, and what it holds. The caller writes them and records the export
    (:func:`vroegsignaal.reporting.services.export_ddas`: a file through a temporary one that
    takes its name after the audit event).

    The document is in Dutch whatever the page's language (the exchange model fixes its texts).
    """
    with translation.override("nl"):
        document = build_document(municipality, start, end, supplier=supplier)
    errors = validation_errors(document)
    if errors:
        raise DdasExportInvalid(errors)
    levering = document["leveringen"][0]
    return encode(document), DdasSummary(
        signals=len(levering["vroegsignalen"]),
        cases=len(levering["vroegsignaalzaken"]),
        document=document,
    )
