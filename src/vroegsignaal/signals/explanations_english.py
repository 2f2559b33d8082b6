"""A signal's explanation in English, read from its stored reasons (no database).

The stored ``explanation`` is Dutch, written when the signal was evaluated; it
stays what the record says and what exports carry. A user who chose English
reads the same lines rebuilt from ``reasons`` (the same facts as JSON), in the
same order as :func:`.explanations.explain` writes them::

    multiple: 2 creditors within 100 days
    Arrears at Energie Noord of €210.00 since 10 March 2026
    debt swap: arrears at Woonstichting De Brug (€650.00) cleared on 1 March; new arrears at Energie Noord (€210.00) since 10 March
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import translation
from django.utils.formats import date_format

from .explanations import SWAPS_SHOWN, creditor_totals, euros

KINDS = {"meervoudig": "multiple", "enkelvoudig": "single"}

CRISIS_REASONS = {
    "ontruiming": "imminent eviction",
    "afsluiting_energie": "imminent disconnection of energy",
    "afsluiting_water": "imminent disconnection of water",
    "beeindiging_zorgverzekering": "imminent termination of the health insurance",
}


def english_date(day: dt.date, *, year: bool = True) -> str:
    """``3 February 2026`` (or ``3 February`` without the year)."""
    with translation.override("en"):
        return date_format(day, "j F Y" if year else "j F")


def english_euros(cents: int, *, always_cents: bool = False) -> str:
    """``€650``, ``€123.45``, ``€1,234.56``: whole euros without cents, as a sentence reads them.
    ``always_cents`` writes ``€650.00``: a column of amounts keeps its decimals aligned."""
    whole, rest = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}€{whole:,}" if rest == 0 and not always_cents else f"{sign}€{whole:,}.{rest:02d}"


def shown_euros(cents: int, *, always_cents: bool = False) -> str:
    """An amount as the page's language writes it: ``€ 1.234,56`` in Dutch, ``€1,234.56`` in English.

    For pages only: the Dutch space is a no-break space, so the euro sign never ends a line.
    """
    if translation.get_language() == "en":
        return english_euros(cents, always_cents=always_cents)
    return euros(cents, always_cents=always_cents).replace(" ", "\u00a0")


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def explanation_lines(
    reasons: Mapping, *, reference_date: dt.date, creditor_names: Mapping[str, str]
) -> list[str]:
    """The explanation's lines in English. ``creditor_names``: code → name, for the debt swaps
    (whose reasons keep only codes); an unknown code is shown as itself."""
    rule = reasons.get("rule") or {}
    arrears = list(reasons.get("arrears") or [])
    names = {a["creditor"]: a["creditor_name"] for a in arrears}

    def name(code: str) -> str:
        return names.get(code) or creditor_names.get(code) or code

    distinct = rule.get("distinct", 0)
    by_type = rule.get("count_distinct") == "type"
    noun = (
        ("type of creditor" if by_type else "creditor")
        if distinct == 1
        else ("types of creditors" if by_type else "creditors")
    )
    line = f"{KINDS.get(rule.get('kind', ''), rule.get('kind', ''))}: {distinct} {noun} within {rule.get('max_age_days')} days"
    if rule.get("min_amount_eur"):
        each = "each " if distinct != 1 else ""
        line += f", {each}from {english_euros(rule['min_amount_eur'] * 100)}"
    lines = [line]

    facts = [
        {"creditor_code": a["creditor"], "creditor_name": a["creditor_name"],
         "amount_cents": a["amount_cents"], "start_date": _day(a["start_date"])}
        for a in arrears
    ]  # fmt: skip
    for e in creditor_totals(facts):
        lines.append(
            f"Arrears at {e['name']} of {english_euros(e['amount'], always_cents=True)} "
            f"since {english_date(e['since'])}"
        )

    crisis = reasons.get("crisis")
    if crisis:
        what = "; ".join(
            f"{CRISIS_REASONS.get(a['crisis_reason'] or '', 'crisis signal')} at {a['creditor_name']}"
            for a in arrears
            if a["crisis"]
        )
        line = f"crisis: {what}"
        if crisis.get("deadline"):
            line += f"; contact by {english_date(_day(crisis['deadline']))} ({crisis['working_days']} working days)"
        lines.append(line)

    repeat = reasons.get("repeat")
    if repeat:
        lines.append(
            f"repeat: earlier signal up to and including {english_date(_day(repeat['until']))} "
            f"(within {repeat['window_days']} days)"
        )

    def short(text: str) -> str:
        day = _day(text)
        return english_date(day, year=day.year != reference_date.year)

    swaps = list(reasons.get("debt_swaps") or [])
    for swap in swaps[:SWAPS_SHOWN]:
        lines.append(
            f"debt swap: arrears at {name(swap['cleared_creditor'])} ({english_euros(swap['cleared_amount_cents'], always_cents=True)}) "
            f"cleared on {short(swap['cleared_on'])}; "
            f"new arrears at {name(swap['new_creditor'])} ({english_euros(swap['new_amount_cents'], always_cents=True)}) "
            f"since {short(swap['start_date'])}"
        )
    if len(swaps) > SWAPS_SHOWN:
        lines.append(f"debt swap: and {len(swaps) - SWAPS_SHOWN} more")
    return lines
