"""Why a signal exists, in plain Dutch and as data (pure; no database).

:func:`explain` turns one signal's facts into its ``explanation`` (lines of
Dutch text for the coordinator) and its ``reasons`` (the same as JSON, for
screens and exports). :func:`explain_frame` does it for all signals of an
evaluation. Example::

    meervoudig: 2 schuldeisers binnen 100 dagen, elk vanaf € 50
    Achterstand bij Zorgverzekeraar Zuid van € 1.234,56 sinds 3 februari 2026
    Achterstand bij Energie Noord van € 210,00 sinds 10 maart 2026
    schuldverschuiving: achterstand bij Woonstichting De Brug (€ 650,00) opgelost op 1 maart; nieuwe achterstand bij Energie Noord (€ 210,00) sinds 10 maart

An arrear's amount is written with its cents, as the portal writes money (the ``euros``
filter of its tables): ``€ 435,00`` next to ``€ 1.482,08``. A rule's threshold is whole
euros, as the rules page writes it (``vanaf € 50``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from vroegsignaal.formats import thousands

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
    grouped = thousands(whole)
    return (
        f"€ {sign}{grouped}" if rest == 0 and not always_cents else f"€ {sign}{grouped},{rest:02d}"
    )


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
    ordered = sorted(
        per_creditor.items(), key=lambda item: (item[1]["since"], item[1]["name"], item[0])
    )
    return [e for _, e in ordered]


def creditor_lines(arrears: Sequence[dict]) -> list[str]:
    """One line per creditor: the sum of its counting arrears since the oldest start."""
    return [
        f"Achterstand bij {e['name']} van {euros(e['amount'], always_cents=True)} "
        f"sinds {dutch_date(e['since'])}"
        for e in creditor_totals(arrears)
    ]


def swap_sentence(swap: dict, reference_date: dt.date) -> str:
    return (
        f"achterstand bij {swap['cleared_creditor_name']} "
        f"({euros(swap['cleared_amount_cents'], always_cents=True)}) "
        f"opgelost op {_short(swap['cleared_on'], reference_date)}; "
        f"nieuwe achterstand bij {swap['new_creditor_name']} "
        f"({euros(swap['new_amount_cents'], always_cents=True)}) "
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
    earlier signal (``previous_signal_id``, ``until``) or ``None``. ``previous_signal_id``
    is ``None`` when the signal repeats its own earlier run (it woke up) or the earlier
    signal is gone (purged or anonymised): the reasons then name no signal.
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
    swaps = sorted(
        swaps, key=lambda s: (s["cleared_on"], s["cleared_arrear_id"], s["new_arrear_id"])
    )
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
    ``counting`` and ``swaps`` as in :class:`.evaluation.Outcome`. With a ``repeat``
    column (as :func:`.writing._complete` passes it) a row is a repeat when ``repeat`` is
    true and ``previous_until`` is set, whether or not ``previous_signal_id`` names an
    earlier signal (it is null for a signal that repeats its own earlier run, or whose
    earlier signal was purged or anonymised; the reasons then say ``null``); without it,
    when ``previous_signal_id`` is set.

    Byte for byte what :func:`explain`, :func:`reasons_json` and :func:`content_digest`
    write per signal (stored signals are compared by these bytes), but built
    column-wise: a first load explains hundreds of thousands of signals. Every
    line and JSON fragment is an expression over the arrears and swaps, sorted as
    :func:`explain` sorts them and joined per household. Dates, free text and the
    rule go through the Python functions once per distinct value, so their
    formatting and JSON escaping are Python's own. (The property test in
    ``tests/test_explanations_frame.py`` holds it to :func:`explain` per row.)
    """
    if "repeat" in signals.columns:
        repeat = pl.col("repeat").fill_null(False) & pl.col("previous_until").is_not_null()
    else:
        repeat = pl.col("previous_signal_id").is_not_null()
    rows = signals.select(
        "household_id", "kind", "distinct", "deadline", "previous_signal_id", "previous_until",
        repeat.alias("_repeat"),
    )  # fmt: skip
    parts = (
        _signal_parts(rows, rules, reference_date)
        .join(_arrear_parts(counting), on="household_id", how="left", maintain_order="left")
        .join(
            _swap_parts(swaps, creditors, reference_date),
            on="household_id",
            how="left",
            maintain_order="left",
        )
    )
    has_crisis = pl.col("_crisis_what").is_not_null()
    has_repeat = pl.col("_repeat")
    not_shown = pl.col("_swap_count").fill_null(0) - SWAPS_SHOWN
    # The lines of explain(); an absent line is null and takes no separator.
    explanation = pl.concat_str(
        pl.col("_rule_line"),
        pl.col("_creditor_lines"),
        pl.when(has_crisis).then(
            pl.concat_str(
                pl.lit("crisis: "),
                pl.col("_crisis_what"),
                pl.when(pl.col("deadline").is_not_null())
                .then(
                    pl.concat_str(
                        pl.lit("; contact uiterlijk "),
                        pl.col("_deadline_text"),
                        pl.lit(f" ({CRISIS_CONTACT_WORKING_DAYS} werkdagen)"),
                    )
                )
                .otherwise(pl.lit("")),
            )
        ),
        pl.when(has_repeat).then(
            pl.concat_str(
                pl.lit("herhaald: eerder signaal tot en met "),
                pl.col("_until_text"),
                pl.lit(f" (binnen {rules.repeat_window_days} dagen)"),
            )
        ),
        pl.col("_swap_lines"),
        pl.when(not_shown > 0).then(
            pl.concat_str(
                pl.lit("schuldverschuiving: en nog "), not_shown.cast(pl.String), pl.lit(" keer")
            )
        ),
        separator="\n",
        ignore_nulls=True,
    )
    reasons = _json_object(
        {
            "rule": pl.col("_rule_json"),
            "arrears": _json_list(pl.col("_arrears_json")),
            "crisis": pl.when(has_crisis)
            .then(
                _json_object(
                    {
                        "deadline": pl.col("_deadline_json"),
                        "working_days": pl.lit(_json(CRISIS_CONTACT_WORKING_DAYS)),
                        "arrear_ids": _json_list(pl.col("_crisis_ids")),
                    }
                )
            )
            .otherwise(pl.lit(_json(None))),
            "repeat": pl.when(has_repeat)
            .then(
                _json_object(
                    {
                        "previous_signal_id": pl.col("previous_signal_id")
                        .cast(pl.String)
                        .fill_null(pl.lit(_json(None))),
                        "until": pl.col("_until_json"),
                        "window_days": pl.lit(_json(rules.repeat_window_days)),
                    }
                )
            )
            .otherwise(pl.lit(_json(None))),
            "debt_swaps": _json_list(pl.col("_swaps_json")),
            "window_days": pl.lit(_json({"debt_swap": rules.debt_swap_window_days})),
        }
    )
    done = parts.select("household_id", explanation.alias("explanation"), reasons.alias("reasons"))
    # content_digest's input, as bytes straight from the frame: f"{explanation}\x00{reasons}".encode()
    hashed = done.select(
        pl.concat_str("explanation", pl.lit("\x00"), "reasons").cast(pl.Binary)
    ).to_series()
    digests = [hashlib.blake2b(data, digest_size=16).hexdigest() for data in hashed.to_list()]
    return done.with_columns(pl.Series("content_digest", digests, dtype=pl.String))


# ---------------------------------------------------------------------------
# explain_frame's parts: explain()'s texts, column-wise
# ---------------------------------------------------------------------------


def _json(value: object) -> str:
    """A value as :func:`reasons_json` writes it (its escaping, its separators)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_object(fields: dict[str, pl.Expr]) -> pl.Expr:
    """A JSON object from columns of JSON text, its keys sorted as ``sort_keys`` sorts them."""
    parts: list[pl.Expr] = []
    for n, key in enumerate(sorted(fields)):
        parts += [pl.lit(("{" if n == 0 else ",") + _json(key) + ":"), fields[key]]
    return pl.concat_str(*parts, pl.lit("}"))


def _json_list(items: pl.Expr) -> pl.Expr:
    """``[…]`` around comma-joined JSON items (null: none)."""
    return pl.concat_str(pl.lit("["), items.fill_null(""), pl.lit("]"))


def _mapped(column: pl.Series, function: Callable[[Any], str]) -> pl.Series:
    """``function`` of each value (null too), called once per distinct value: dates, names
    and codes repeat a lot, and so Python itself formats and escapes them."""
    distinct = column.unique()
    return column.replace_strict(
        distinct, [function(v) for v in distinct.to_list()], return_dtype=pl.String
    )


def _per_household(frame: pl.DataFrame, **joined: tuple[str, str]) -> pl.DataFrame:
    """Per household, each ``name=(column, separator)``: the column's texts joined in the
    frame's order. (A list aggregation then ``list.join``: far faster than ``str.join``
    on groups.)"""
    return (
        frame.group_by("household_id")
        .agg(*[pl.col(column).alias(name) for name, (column, _) in joined.items()])
        .with_columns(pl.col(name).list.join(separator) for name, (_, separator) in joined.items())
    )


def _euros_expr(cents: pl.Expr, *, always_cents: bool = False) -> pl.Expr:
    """:func:`euros` as an expression: ``€ 650``, ``€ 123,45``, ``€ -1.234,56``
    (``always_cents``: ``€ 650,00``)."""
    whole, rest = cents.abs() // 100, cents.abs() % 100
    decimals = pl.concat_str(pl.lit(","), rest.cast(pl.String).str.zfill(2))
    return pl.concat_str(
        pl.lit("€ "),
        pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        _thousands(whole),
        decimals if always_cents else pl.when(rest == 0).then(pl.lit("")).otherwise(decimals),
    )


def _thousands(number: pl.Expr) -> pl.Expr:
    """A number ≥ 0 with a dot between groups of three digits (``f"{n:,}"`` with dots):
    the leading group as it is, the ones after it zero-padded, absent ones null."""
    groups = []
    for power in (18, 15, 12, 9, 6, 3, 0):  # an Int64 has at most seven groups
        group = ((number // 10**power) % 1000).cast(pl.String)
        shown = group if power == 0 else pl.when(number >= 10**power).then(group)
        if power < 18:
            shown = pl.when(number >= 10 ** (power + 3)).then(group.str.zfill(3)).otherwise(shown)
        groups.append(shown)
    return pl.concat_str(*groups, separator=".", ignore_nulls=True)


def _signal_parts(rows: pl.DataFrame, rules: RuleValues, reference_date: dt.date) -> pl.DataFrame:
    """The signal's own columns as text: its rule line and ``rule`` JSON (from :func:`explain`
    itself, once per kind and count), its deadline and repeat end (Dutch, and ISO JSON)."""
    rule_keys = rows.select("kind", "distinct").unique()
    lines, documents = [], []
    for kind, distinct in rule_keys.iter_rows():
        line, reasons = explain(
            kind=kind, distinct=distinct, arrears=[], swaps=[], deadline=None, repeat=None,
            rules=rules, reference_date=reference_date,
        )  # fmt: skip
        lines.append(line)
        documents.append(_json(reasons["rule"]))
    rule_texts = rule_keys.with_columns(
        pl.Series("_rule_line", lines, dtype=pl.String),
        pl.Series("_rule_json", documents, dtype=pl.String),
    )
    deadline, until = rows.get_column("deadline"), rows.get_column("previous_until")
    return rows.with_columns(
        _mapped(deadline, _dutch_or_empty).alias("_deadline_text"),
        _mapped(deadline, _iso_json).alias("_deadline_json"),
        _mapped(until, _dutch_or_empty).alias("_until_text"),
        _mapped(until, _iso_json).alias("_until_json"),
    ).join(rule_texts, on=["kind", "distinct"], how="left", nulls_equal=True, maintain_order="left")


def _dutch_or_empty(day: dt.date | None) -> str:
    return "" if day is None else dutch_date(day)


def _iso_json(day: dt.date | None) -> str:
    return _json(day.isoformat() if day else None)


def _arrear_parts(counting: pl.DataFrame) -> pl.DataFrame:
    """Per household with counting arrears: its creditor lines, its arrears as JSON, and
    (null without crisis) its crisis clause and crisis arrear ids."""
    arrears = counting.select(
        "household_id", "arrear_id", "creditor_code", "creditor_name", "creditor_type",
        "amount_cents", "start_date", pl.col("crisis").fill_null(False), "crisis_reason",
    ).sort("household_id", "start_date", "creditor_code", "arrear_id", maintain_order=True)  # fmt: skip

    def mapped(column: str, function: Callable[[Any], str]) -> pl.Series:
        return _mapped(arrears.get_column(column), function)

    arrears = arrears.with_columns(
        mapped("creditor_name", str).alias("_name_text"),
        mapped("crisis_reason", lambda r: CRISIS_REASONS.get(r or "", "crisissignaal")).alias(
            "_reason_text"
        ),
        _json_object(
            {
                "arrear_id": pl.col("arrear_id").cast(pl.String),
                "creditor": mapped("creditor_code", _json),
                "creditor_name": mapped("creditor_name", _json),
                "creditor_type": mapped("creditor_type", _json),
                "amount_cents": pl.col("amount_cents").cast(pl.String),
                "start_date": mapped("start_date", _iso_json),
                "crisis": pl.when("crisis")
                .then(pl.lit(_json(True)))
                .otherwise(pl.lit(_json(False))),
                "crisis_reason": mapped("crisis_reason", lambda r: _json(r or "")),
            }
        ).alias("_json"),
    )
    crisis = _per_household(
        arrears.filter("crisis").with_columns(
            pl.concat_str("_reason_text", pl.lit(" bij "), "_name_text").alias("_what"),
            pl.col("arrear_id").cast(pl.String).alias("_id"),
        ),
        _crisis_what=("_what", "; "),
        _crisis_ids=("_id", ","),
    )
    # One line per creditor, as creditor_totals: its name is the one of its first arrear.
    totals = (
        arrears.group_by("household_id", "creditor_code", maintain_order=True)
        .agg(
            pl.col("_name_text", "creditor_name").first(),
            pl.col("amount_cents").sum(),
            pl.col("start_date").min(),
        )
        .sort("household_id", "start_date", "creditor_name", "creditor_code", maintain_order=True)
    )
    totals = totals.with_columns(
        pl.concat_str(
            pl.lit("Achterstand bij "),
            "_name_text",
            pl.lit(" van "),
            _euros_expr(pl.col("amount_cents"), always_cents=True),
            pl.lit(" sinds "),
            _mapped(totals.get_column("start_date"), dutch_date),
        ).alias("_line")
    )
    return (
        _per_household(arrears, _arrears_json=("_json", ","))
        .join(_per_household(totals, _creditor_lines=("_line", "\n")), on="household_id")
        .join(crisis, on="household_id", how="left")
    )


def _swap_parts(
    swaps: pl.DataFrame, creditors: pl.DataFrame, reference_date: dt.date
) -> pl.DataFrame:
    """Per household with debt swaps, in :func:`explain`'s order: the first SWAPS_SHOWN
    sentences, how many there are, and all of them as JSON."""
    names = creditors.select("creditor_id", "creditor_code", "creditor_name")
    named = swaps
    for side in ("cleared", "new"):
        named = named.join(
            names.rename({c: f"{side}_{c}" for c in names.columns}),
            on=f"{side}_creditor_id",
            how="left",
            maintain_order="left",
        )
    named = named.sort(
        "household_id", "cleared_on", "cleared_arrear_id", "new_arrear_id", maintain_order=True
    )

    def mapped(column: str, function: Callable[[Any], str]) -> pl.Series:
        return _mapped(named.get_column(column), function)

    def short(day: dt.date) -> str:
        return _short(day, reference_date)

    named = named.with_columns(
        pl.concat_str(
            pl.lit("schuldverschuiving: achterstand bij "),
            mapped("cleared_creditor_name", str),
            pl.lit(" ("),
            _euros_expr(pl.col("cleared_amount_cents"), always_cents=True),
            pl.lit(") opgelost op "),
            mapped("cleared_on", short),
            pl.lit("; nieuwe achterstand bij "),
            mapped("new_creditor_name", str),
            pl.lit(" ("),
            _euros_expr(pl.col("new_amount_cents"), always_cents=True),
            pl.lit(") sinds "),
            mapped("start_date", short),
        ).alias("_line"),
        _json_object(
            {
                "cleared_arrear_id": pl.col("cleared_arrear_id").cast(pl.String),
                "cleared_creditor": mapped("cleared_creditor_code", _json),
                "cleared_amount_cents": pl.col("cleared_amount_cents").cast(pl.String),
                "last_seen_on": mapped("last_seen_on", _iso_json),
                "cleared_on": mapped("cleared_on", _iso_json),
                "new_arrear_id": pl.col("new_arrear_id").cast(pl.String),
                "new_creditor": mapped("new_creditor_code", _json),
                "new_amount_cents": pl.col("new_amount_cents").cast(pl.String),
                "start_date": mapped("start_date", _iso_json),
            }
        ).alias("_json"),
    )
    return (
        named.group_by("household_id")
        .agg("_line", "_json")
        .select(
            "household_id",
            pl.col("_line").list.head(SWAPS_SHOWN).list.join("\n").alias("_swap_lines"),
            pl.col("_line").list.len().cast(pl.Int64).alias("_swap_count"),
            pl.col("_json").list.join(",").alias("_swaps_json"),
        )
    )
