"""Why a signal exists, in plain Dutch and as data (pure; no database).

:func:`explain` turns one signal's facts into its ``explanation`` (lines of
Dutch text for the coordinator) and its ``reasons`` (the same as JSON, for
screens and exports). :func:`explain_frame` does it for all signals of an
evaluation. Example::

    meervoudig: 2 schuldeisers binnen 100 dagen
    Achterstand bij Energie Noord van € 210 sinds 10 maart 2026
    Achterstand bij Zorgverzekeraar Zuid van € 1.234,56 sinds 3 februari 2026
    schuldverschuiving: Achterstand bij Woonstichting De Brug (€ 650) opgelost op 1 maart; nieuwe achterstand bij Energie Noord (€ 210) sinds 10 maart
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

import polars as pl

from .deadlines import CRISIS_CONTACT_WORKING_DAYS
from .rules import RuleValues

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip

CRISIS_REASONS = {
    "ontruiming": "dreigende ontruiming",
    "afsluiting_energie": "dreigende afsluiting van energie",
    "afsluiting_water": "dreigende afsluiting van water",
    "beeindiging_zorgverzekering": "dreigende beëindiging van de zorgverzekering",
}
# At most this many debt swaps are written out; the reasons keep them all.
SWAPS_SHOWN = 3


def dutch_date(day: dt.date, *, year: bool = True) -> str:
    """``3 februari 2026`` (or ``3 februari`` without the year)."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def euros(cents: int, *, always_cents: bool = False) -> str:
    """``€ 650``, ``€ 123,45``, ``€ 1.234,56``: whole euros without cents, as a sentence reads them.
    ``always_cents`` writes ``€ 650,00``: a column of amounts keeps its decimals aligned."""
    whole, rest = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    grouped = f"{whole:,}".replace(",", ".")
    return f"€ {sign}{grouped}" if rest == 0 and not always_cents else f"€ {sign}{grouped},{rest:02d}"


def _short(day: dt.date, reference_date: dt.date) -> str:
    """A date in a sentence: without the year when it is the peildatum's year."""
    return dutch_date(day, year=day.year != reference_date.year)


def rule_line(kind: str, distinct: int, rules: RuleValues) -> str:
    """``meervoudig: 2 schuldeisers binnen 100 dagen`` (the rule that holds)."""
    noun = "soort schuldeiser" if rules.count_distinct == "type" else "schuldeiser"
    if distinct != 1:
        noun = "soorten schuldeisers" if rules.count_distinct == "type" else "schuldeisers"
    line = f"{kind}: {distinct} {noun} binnen {rules.max_age_days} dagen"
    if rules.min_amount_eur:
        each = "elk " if distinct != 1 else ""  # one creditor: no "elk" (each)
        line += f", {each}vanaf {euros(rules.min_amount_eur * 100)}"
    return line


def creditor_totals(arrears: Sequence[dict]) -> list[dict]:
    """Per creditor (``name``, ``amount``, ``since``): the sum of its counting arrears since the
    oldest start, oldest first — the lines of an explanation, in any language."""
    per_creditor: dict[str, dict] = {}
    for a in arrears:
        entry = per_creditor.setdefault(
            a["creditor_code"], {"name": a["creditor_name"], "amount": 0, "since": a["start_date"]}
        )
        entry["amount"] += a["amount_cents"]
        entry["since"] = min(entry["since"], a["start_date"])
    ordered = sorted(per_creditor.items(), key=lambda item: (item[1]["since"], item[1]["name"], item[0]))
    return [e for _, e in ordered]


def creditor_lines(arrears: Sequence[dict]) -> list[str]:
    """One line per creditor: the sum of its counting arrears since the oldest start."""
    return [
        f"Achterstand bij {e['name']} van {euros(e['amount'])} sinds {dutch_date(e['since'])}"
        for e in creditor_totals(arrears)
    ]


def swap_sentence(swap: dict, reference_date: dt.date) -> str:
    return (
        f"Achterstand bij {swap['cleared_creditor_name']} ({euros(swap['cleared_amount_cents'])}) "
        f"opgelost op {_short(swap['cleared_on'], reference_date)}; "
        f"nieuwe achterstand bij {swap['new_creditor_name']} ({euros(swap['new_amount_cents'])}) "
        f"sinds {_short(swap['start_date'], reference_date)}"
    )


def explain(
    *,
    kind: str,
    distinct: int,
    arrears: Sequence[dict],
    swaps: Sequence[dict],
    deadline: dt.date | None,
    repeat: dict | None,
    rules: RuleValues,
    reference_date: dt.date,
) -> tuple[str, dict]:
    """The explanation (text) and reasons (JSON-ready) of one signal.

    ``arrears`` are its counting arrears (``arrear_id``, ``creditor_code``,
    ``creditor_name``, ``creditor_type``, ``amount_cents``, ``start_date``,
    ``crisis``, ``crisis_reason``); ``swaps`` its debt-swap pairs (see
    :func:`.evaluation.debt_swap_pairs`, with creditor names); ``repeat`` the
    earlier signal (``previous_signal_id``, ``until``) or ``None``.
    """
    arrears = sorted(arrears, key=lambda a: (a["start_date"], a["creditor_code"], a["arrear_id"]))
    lines = [rule_line(kind, distinct, rules), *creditor_lines(arrears)]
    crisis = [a for a in arrears if a["crisis"]]
    if crisis:
        what = "; ".join(
            f"{CRISIS_REASONS.get(a['crisis_reason'] or '', 'crisissignaal')} bij {a['creditor_name']}"
            for a in crisis
        )
        line = f"crisis: {what}"
        if deadline is not None:
            line += f"; contact uiterlijk {dutch_date(deadline)} ({CRISIS_CONTACT_WORKING_DAYS} werkdagen)"
        lines.append(line)
    if repeat is not None:
        lines.append(
            f"herhaald: eerder signaal tot en met {dutch_date(repeat['until'])} "
            f"(binnen {rules.repeat_window_days} dagen)"
        )
    swaps = sorted(swaps, key=lambda s: (s["cleared_on"], s["cleared_arrear_id"], s["new_arrear_id"]))
    for swap in swaps[:SWAPS_SHOWN]:
        lines.append(f"schuldverschuiving: {swap_sentence(swap, reference_date)}")
    if len(swaps) > SWAPS_SHOWN:
        lines.append(f"schuldverschuiving: en nog {len(swaps) - SWAPS_SHOWN} keer")

    reasons = {
        "rule": {
            "kind": kind,
            "distinct": distinct,
            "count_distinct": rules.count_distinct,
            "min_creditors": rules.min_creditors,
            "max_age_days": rules.max_age_days,
            "min_amount_eur": rules.min_amount_eur,
        },
        "arrears": [
            {
                "arrear_id": a["arrear_id"],
                "creditor": a["creditor_code"],
                "creditor_name": a["creditor_name"],
                "creditor_type": a["creditor_type"],
                "amount_cents": a["amount_cents"],
                "start_date": a["start_date"].isoformat(),
                "crisis": bool(a["crisis"]),
                "crisis_reason": a["crisis_reason"] or "",
            }
            for a in arrears
        ],
        "crisis": None
        if not crisis
        else {
            "deadline": deadline.isoformat() if deadline else None,
            "working_days": CRISIS_CONTACT_WORKING_DAYS,
            "arrear_ids": [a["arrear_id"] for a in crisis],
        },
        "repeat": None
        if repeat is None
        else {
            "previous_signal_id": repeat["previous_signal_id"],
            "until": repeat["until"].isoformat(),
            "window_days": rules.repeat_window_days,
        },
        "debt_swaps": [
            {
                "cleared_arrear_id": s["cleared_arrear_id"],
                "cleared_creditor": s["cleared_creditor_code"],
                "cleared_amount_cents": s["cleared_amount_cents"],
                "last_seen_on": s["last_seen_on"].isoformat(),
                "cleared_on": s["cleared_on"].isoformat(),
                "new_arrear_id": s["new_arrear_id"],
                "new_creditor": s["new_creditor_code"],
                "new_amount_cents": s["new_amount_cents"],
                "start_date": s["start_date"].isoformat(),
            }
            for s in swaps
        ],
        "window_days": {"debt_swap": rules.debt_swap_window_days},
    }
    return "\n".join(lines), reasons


def reasons_json(reasons: dict) -> str:
    """The canonical text of a reasons document (to store, and to compare with the stored one)."""
    return json.dumps(reasons, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_digest(explanation: str, reasons: str) -> str:
    """A short hash of a signal's explanation and canonical reasons (to see whether they changed)."""
    return hashlib.blake2b(f"{explanation}\x00{reasons}".encode(), digest_size=16).hexdigest()


def explain_frame(
    signals: pl.DataFrame,
    counting: pl.DataFrame,
    swaps: pl.DataFrame,
    creditors: pl.DataFrame,
    rules: RuleValues,
    reference_date: dt.date,
) -> pl.DataFrame:
    """``explanation``, ``reasons`` (canonical JSON text) and ``content_digest`` per row of ``signals``.

    ``signals`` has ``household_id``, ``kind``, ``distinct``, ``deadline``,
    ``previous_signal_id`` and ``previous_until`` (null: not a repeat);
    ``counting`` and ``swaps`` as in :class:`.evaluation.Outcome`.
    """
    arrear_fields = [
        "arrear_id", "creditor_code", "creditor_name", "creditor_type",
        "amount_cents", "start_date", "crisis", "crisis_reason",
    ]  # fmt: skip
    per_arrears = counting.group_by("household_id").agg(pl.struct(arrear_fields).alias("_arrears"))
    names = creditors.select("creditor_id", "creditor_code", "creditor_name")
    named_swaps = (
        swaps.join(
            names.rename(
                {"creditor_id": "cleared_creditor_id", "creditor_code": "cleared_creditor_code",
                 "creditor_name": "cleared_creditor_name"}
            ),
            on="cleared_creditor_id",
            how="left",
        )
        .join(
            names.rename(
                {"creditor_id": "new_creditor_id", "creditor_code": "new_creditor_code",
                 "creditor_name": "new_creditor_name"}
            ),
            on="new_creditor_id",
            how="left",
        )
    )  # fmt: skip
    swap_fields = [c for c in named_swaps.columns if c != "household_id"]
    per_swaps = named_swaps.group_by("household_id").agg(pl.struct(swap_fields).alias("_swaps"))
    rows = (
        signals.select("household_id", "kind", "distinct", "deadline", "previous_signal_id", "previous_until")
        .join(per_arrears, on="household_id", how="left")
        .join(per_swaps, on="household_id", how="left")
    )
    texts, documents, digests = [], [], []
    for row in rows.iter_rows(named=True):
        repeat = (
            None
            if row["previous_signal_id"] is None
            else {"previous_signal_id": row["previous_signal_id"], "until": row["previous_until"]}
        )
        text, reasons = explain(
            kind=row["kind"],
            distinct=row["distinct"],
            arrears=row["_arrears"] or [],
            swaps=row["_swaps"] or [],
            deadline=row["deadline"],
            repeat=repeat,
            rules=rules,
            reference_date=reference_date,
        )
        document = reasons_json(reasons)
        texts.append(text)
        documents.append(document)
        digests.append(content_digest(text, document))
    return rows.select("household_id").with_columns(
        pl.Series("explanation", texts, dtype=pl.String),
        pl.Series("reasons", documents, dtype=pl.String),
        pl.Series("content_digest", digests, dtype=pl.String),
    )
