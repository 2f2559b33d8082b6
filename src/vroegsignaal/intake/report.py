"""The delivery report of spec 1.7: one structure for the page, the API and the command.

:func:`delivery_report` builds it from a :class:`~.models.Delivery`;
:func:`report_lines` writes it as the command prints it. Keys are Dutch, as
the API shows them. No personal data: counts, codes, municipality codes and
the names of the file's columns (a header that may be a value, as a file
without column names has, is named by its position: :mod:`.unknown_columns`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .codes import Code
from .fields import FIELD_NAMES
from .models import Delivery, DeliveryStatus

# In the stored report: the accepted rows that confirmed an open arrear as it was
# (``households.ApplyCounts.unchanged``). Spec 1.7 has no field for it, so the API's report
# leaves it out; the page and the command show it. Reports stored before it existed lack it.
UNCHANGED_KEY = "achterstanden_ongewijzigd"


def unchanged_arrears(delivery: Delivery) -> int | None:
    """How many accepted rows confirmed an open arrear unchanged ("ongewijzigd (al bekend)"):
    with nieuw, gewijzigd and (of a mutatie) afgemeld they add up to the applied rows.
    ``None`` when the delivery was not applied, or was before the figure was stored."""
    if delivery.status != DeliveryStatus.VERWERKT:
        return None
    value = (delivery.report or {}).get(UNCHANGED_KEY)
    return None if value is None else int(value)


def _code_rows(per_code: dict[str, int]) -> list[dict]:
    rows = []
    for code, count in sorted(per_code.items()):
        try:
            label = Code(code).label
        except ValueError:
            label = code
        rows.append({"code": code, "omschrijving": str(label), "regels": int(count)})
    return rows


def delivery_report(delivery: Delivery) -> dict:
    """Spec 1.7: rows received, accepted, rejected per code, warnings per code, routed per
    municipality, outside covenant, arrears new/changed/cleared and the unknown columns;
    plus the refusal (codes and Dutch message) when the delivery was refused."""
    stored = delivery.report or {}
    return {
        "regels_ontvangen": delivery.rows_received,
        "regels_geaccepteerd": delivery.rows_accepted,
        "regels_afgewezen": delivery.rows_rejected,
        "afgewezen_per_code": dict(sorted(stored.get("afgewezen_per_code", {}).items())),
        "waarschuwingen_per_code": dict(sorted(stored.get("waarschuwingen_per_code", {}).items())),
        "gerouteerd_per_gemeente": list(stored.get("gerouteerd_per_gemeente", [])),
        "gerouteerd_alleen_op_postcode": int(stored.get("gerouteerd_alleen_op_postcode", 0)),
        "buiten_convenant": delivery.rows_outside_covenant,
        "buiten_convenant_per_gemeente": list(stored.get("buiten_convenant_per_gemeente", [])),
        "achterstanden": {
            "nieuw": delivery.arrears_new,
            "gewijzigd": delivery.arrears_changed,
            "afgemeld": delivery.arrears_cleared,
        },
        "onbekende_kolommen": list(stored.get("onbekende_kolommen", [])),
        "opmerkingen": [
            {"veld": n.get("veld", ""), "code": n.get("code", ""), "melding": n.get("melding", "")}
            for n in stored.get("opmerkingen", [])
        ],
        "veiligheidscontrole": _safety_check(delivery, stored.get("veiligheidscontrole")),
        "weigering": stored.get("weigering"),
        "storing": stored.get("storing"),
    }


def _safety_check(delivery: Delivery, held: dict | None) -> dict | None:
    """Why the safety check held the stand, and, once it was confirmed, when, how and by whom.

    A stand that cleared more than half of the creditor's arrears keeps, after it was
    applied, the record that it was held and confirmed; the figures stay those of the hold.
    """
    if not held or delivery.confirmed_at is None:
        return held
    return {
        **held,
        "bevestigd_op": timezone.localtime(delivery.confirmed_at),
        "bevestigd_via": held.get("bevestigd_via", ""),  # before 2026-11-28 not recorded
        "bevestigd_door": held.get("bevestigd_door", ""),
    }


def report_context(delivery: Delivery) -> dict:
    """The report with the per-code counts as rows with their Dutch label, for templates."""
    report = delivery_report(delivery)
    later = (report["veiligheidscontrole"] or {}).get("latere_stand")
    return {
        **report,
        "afgewezen_rijen": _code_rows(report["afgewezen_per_code"]),
        "waarschuwingen_rijen": _code_rows(report["waarschuwingen_per_code"]),
        "latere_stand": dt.date.fromisoformat(later)
        if later
        else None,  # shown as a date, not ISO text
        # The refusal's codes by their (translated) names: the stored message itself is Dutch.
        "weigering_namen": [
            row["omschrijving"]
            for row in _code_rows(dict.fromkeys((report["weigering"] or {}).get("codes", []), 0))
        ],
        "dubbel_van": _duplicate_of(delivery, report["weigering"]),
        "achterstanden_ongewijzigd": unchanged_arrears(delivery),
        "zelf_niet_bevestigd": delivery.declined_by_creditor,
        # How the file's columns were read (field of the spec → the file's header), in the spec's order.
        "kolommen": sorted(
            (delivery.report or {}).get("kolommen", {}).items(),
            key=lambda item: _field_order(item[0]),
        ),
    }


def _duplicate_of(delivery: Delivery, refusal: dict | None) -> int | None:
    """A LEVERING_DUBBEL's earlier delivery (the page links it), else ``None``."""
    if str(Code.LEVERING_DUBBEL) not in (refusal or {}).get("codes", []):
        return None
    return (
        Delivery.objects.filter(
            creditor_id=delivery.creditor_id, sha256=delivery.sha256, pk__lt=delivery.pk
        )
        .exclude(status=DeliveryStatus.AFGEWEZEN)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _field_order(field_name: str) -> int:
    return FIELD_NAMES.index(field_name) if field_name in FIELD_NAMES else len(FIELD_NAMES)


# Shown after the status badge (which names the status): say what it means, not the status again.
# Page text (translated); the command prints them in Dutch (report_lines).
STATUS_SENTENCES = {
    DeliveryStatus.ONTVANGEN: _("Wacht op verwerking; er is nog niets gewijzigd."),
    DeliveryStatus.IN_BEHANDELING: _(
        "De levering wordt verwerkt; er is nog niets gewijzigd tot ze klaar is."
    ),
    DeliveryStatus.WACHT_OP_BEVESTIGING: _(
        "De veiligheidscontrole houdt deze stand tegen tot u hem bevestigt; waarom staat hieronder."
    ),
    DeliveryStatus.VERWERKT: _("De achterstanden zijn bijgewerkt; het verslag staat hieronder."),
    DeliveryStatus.AFGEWEZEN: _("Er is niets gewijzigd; waarom staat hieronder."),
}


# How a held stand was confirmed (``services.confirm_delivery``), as the command prints it.
CONFIRMED_VIA_TEXT = {
    "portaal": " in het portaal",
    "api": " met de API",
    "opdrachtregel": " op de opdrachtregel",
}


def report_lines(delivery: Delivery) -> list[str]:
    """The report as the command prints it, in Dutch (whatever language is active)."""
    with translation.override("nl"):
        return _report_lines(delivery)


def heading_lines(delivery: Delivery) -> list[str]:
    """The report's first lines (which delivery, its status): all there is to say while it waits or runs."""
    with translation.override("nl"):
        return _heading_lines(delivery)


def _heading_lines(delivery: Delivery) -> list[str]:
    return [
        f"Levering {delivery.pk} — schuldeiser {delivery.creditor.code}, soort {delivery.kind or '-'}, "
        f"peildatum {delivery.reference_date.isoformat() if delivery.reference_date else '-'}",
        f"Status: {delivery.status} — {STATUS_SENTENCES[DeliveryStatus(delivery.status)]}",
    ]


def _report_lines(delivery: Delivery) -> list[str]:
    r = delivery_report(delivery)
    lines = _heading_lines(delivery)
    if r["weigering"]:
        # A refusal the spec gives no code (a held stand replaced by a later one): no "(-)".
        codes = ", ".join(r["weigering"]["codes"])
        lines.append(f"Geweigerd{f' ({codes})' if codes else ''}: {r['weigering']['melding']}")
    if r["storing"]:
        lines.append(f"Storing: {r['storing']}")
    lines += [
        f"Regels ontvangen:        {r['regels_ontvangen']}",
        f"Regels geaccepteerd:     {r['regels_geaccepteerd']}",
        f"Regels afgewezen:        {r['regels_afgewezen']}",
    ]
    for code, count in r["afgewezen_per_code"].items():
        lines.append(f"  {code}: {count}")
    lines.append(f"Waarschuwingen:          {sum(r['waarschuwingen_per_code'].values())}")
    for code, count in r["waarschuwingen_per_code"].items():
        lines.append(f"  {code}: {count}")
    lines.append("Gerouteerd per gemeente:")
    for item in r["gerouteerd_per_gemeente"]:
        lines.append(f"  {item['gemeentecode']} {item['gemeente']}: {item['regels']}")
    if not r["gerouteerd_per_gemeente"]:
        lines.append("  (geen)")
    if r["gerouteerd_alleen_op_postcode"]:
        lines.append(f"  waarvan alleen op postcode: {r['gerouteerd_alleen_op_postcode']}")
    lines.append(f"Buiten convenant:        {r['buiten_convenant']}")
    a = r["achterstanden"]
    unchanged = unchanged_arrears(delivery)
    lines.append(
        f"Achterstanden:           nieuw {a['nieuw']}, gewijzigd {a['gewijzigd']}, afgemeld {a['afgemeld']}"
        + ("" if unchanged is None else f", ongewijzigd (al bekend) {unchanged}")
    )
    if r["veiligheidscontrole"]:
        v = r["veiligheidscontrole"]
        lines.append(
            f"Veiligheidscontrole:     {v['af_te_melden']} van {v['open_achterstanden']} open "
            "achterstanden zouden worden afgemeld"
        )
        if v.get("bevestigd_op"):
            lines.append(
                f"                         bevestigd op {v['bevestigd_op']:%Y-%m-%d %H:%M}"
                + CONFIRMED_VIA_TEXT.get(v["bevestigd_via"], "")
                + (f" door {v['bevestigd_door']}" if v["bevestigd_door"] else "")
            )
        if v.get("latere_stand"):
            lines.append(
                f"                         er is al een stand met een latere peildatum ({v['latere_stand']}) "
                "verwerkt; deze oudere stand verandert niets aan wat die heeft geleverd"
            )
    lines.append(
        "Onbekende kolommen:      "
        + (", ".join(r["onbekende_kolommen"]) if r["onbekende_kolommen"] else "(geen)")
    )
    for note in r["opmerkingen"]:
        lines.append(f"Opmerking {note['veld']}: {note['melding']}")
    return lines
