"""The figures of the Divosa monitor vroegsignalering, per municipality, month and wijk.

A snapshot (:func:`snapshot`) computes the figures set-based — four aggregate
queries whatever the number of signals — and stores them as counts in
:class:`~.models.MonitorMonth` / :class:`~.models.MonitorFigure` rows. The month
of a signal is the month of its ``signal_date``: each month's figures follow the
signals received in it (a cohort) and what became of them since.

The figures must survive the retention purge, which deletes signals that were
never picked up and anonymises closed cases. The purge takes a snapshot first;
afterwards every month's figures are compared with what the data still give.
Some figures can only grow while the data are whole (signals received, per
creditor type, picked up, reached, help accepted, outcomes: ``MONOTONE``). A
recomputation that gives less of any of them, in any wijk, means data behind the
stored figures was removed: the month keeps its stored figures and is frozen
(``frozen_at``) for good. Frozen months are never recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_noop

from vroegsignaal.cases.models import Case, ContactAttempt, OfferAnswer, Outcome
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.registry.models import Neighbourhood, NeighbourhoodKind
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import (
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalStatus,
    SignalStatusChange,
)

from .models import MonitorFigure, MonitorFigureKind, MonitorMonth

K = MonitorFigureKind
TOTAL = ""  # wijk_code of the whole municipality
UNKNOWN = "onbekend"  # wijk_code of signals whose household has no known wijk
# Stored in Dutch (the figures and their download); the monitor page shows them translated.
UNKNOWN_NAME = gettext_noop("Onbekende wijk")
# Figures that only grow while the data behind them are whole (see the module docstring).
MONOTONE = frozenset(
    {K.SIGNALEN, K.SOORT_SCHULDEISER, K.OPGEPAKT, K.BEREIKT, K.HULP_AANVAARD, K.EINDRESULTAAT}
)
FROZEN_REASON = gettext_noop(
    "Gegevens achter deze cijfers zijn verwijderd (bewaartermijn); de cijfers van voor het opschonen blijven."
)
# A declined signal whose reason is not a DDAS value counts as "andere reden".
DECLINED_FALLBACK = Outcome.NIET_OPGEPAKT_ANDERS.value

WIJK_PATH = "household__address__buurt__wijk__code"

Key = tuple[dt.date, str, str, str]  # month, wijk_code, figure, category


def _month(value) -> dt.date:
    """TruncMonth gives a date on SQLite and PostgreSQL alike for a DateField; be safe with datetimes."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1)


def _wijk(value) -> str:
    return value or UNKNOWN


def _signals(municipality: Municipality, through: dt.date):
    return Signal.objects.filter(municipality=municipality, signal_date__lte=through)


def compute(municipality: Municipality, *, through: dt.date) -> dict[Key, int]:
    """Every figure of every month up to ``through`` with data, per wijk and for the total.

    Four aggregate queries; the Python below only adds up their (few) grouped rows. Each figure
    is counted in the month of the signal's signal date (the month's cohort), except herhaald:
    in the month the signal became herhaald (``Signal.repeat_since``, written by evaluation),
    which for a signal that woke up is a later month than its signal date's.
    """
    counts: dict[Key, int] = defaultdict(int)

    def add(month, wijk: str, figure: str, category: str, n: int) -> None:
        if n:
            counts[(month, wijk, figure, category)] += n
            counts[(month, TOTAL, figure, category)] += n

    last_month = _month(through)
    reached = ContactAttempt.objects.filter(case__signal=OuterRef("pk"), reached=True)
    rows = (
        _signals(municipality, through)
        .annotate(
            m=TruncMonth("signal_date"),
            wijk=Coalesce(F(WIJK_PATH), Value("")),
            repeat_m=TruncMonth("repeat_since"),
        )
        .values("m", "wijk", "kind", "status", "repeat_m")
        .annotate(
            n=Count("id"),
            crisis_n=Count("id", filter=Q(crisis=True)),
            repeat_n=Count("id", filter=Q(repeat=True)),
            picked=Count("id", filter=Q(case__isnull=False)),
            reached_n=Count("id", filter=Q(Exists(reached))),
            accepted=Count("id", filter=Q(case__offer_answer=OfferAnswer.AANVAARD)),
        )
        .values_list(
            "m",
            "wijk",
            "kind",
            "status",
            "repeat_m",
            "n",
            "crisis_n",
            "repeat_n",
            "picked",
            "reached_n",
            "accepted",
        )
    )
    for m, wijk, kind, status, repeat_m, n, crisis, repeat, picked, reached_n, accepted in rows:
        month, wijk = _month(m), _wijk(wijk)
        add(month, wijk, K.SIGNALEN, "", n)
        add(month, wijk, K.SOORT_SIGNAAL, kind, n)
        add(month, wijk, K.STATUS, status, n)
        add(month, wijk, K.CRISIS, "", crisis)
        if repeat_m is not None and _month(repeat_m) <= last_month:
            add(_month(repeat_m), wijk, K.HERHAALD, "", repeat)
        add(month, wijk, K.OPGEPAKT, "", picked)
        add(month, wijk, K.BEREIKT, "", reached_n)
        add(month, wijk, K.HULP_AANVAARD, "", accepted)

    # Per creditor type: the signals with an arrear of that type among those that counted for it.
    by_type = (
        SignalArrear.objects.filter(
            signal__municipality=municipality,
            signal__signal_date__lte=through,
            role=SignalArrearRole.MEMBER,
        )
        .annotate(
            m=TruncMonth("signal__signal_date"), wijk=Coalesce(F(f"signal__{WIJK_PATH}"), Value(""))
        )
        .values("m", "wijk", "arrear__creditor__type")
        .annotate(n=Count("signal_id", distinct=True))
        .values_list("m", "wijk", "arrear__creditor__type", "n")
    )
    for m, wijk, creditor_type, n in by_type:
        add(_month(m), _wijk(wijk), K.SOORT_SCHULDEISER, creditor_type, n)

    # Outcomes: the DDAS eindresultaat of closed cases, and the reason a signal was not picked up
    # (EnumSignaalstatus values, which EnumEindresultaat also has).
    closed = (
        Case.objects.filter(municipality=municipality, signal__signal_date__lte=through)
        .exclude(outcome="")
        .annotate(
            m=TruncMonth("signal__signal_date"), wijk=Coalesce(F(f"signal__{WIJK_PATH}"), Value(""))
        )
        .values("m", "wijk", "outcome")
        .annotate(n=Count("id"))
        .values_list("m", "wijk", "outcome", "n")
    )
    for m, wijk, outcome, n in closed:
        add(_month(m), _wijk(wijk), K.EINDRESULTAAT, outcome, n)
    reason = SignalStatusChange.objects.filter(
        signal=OuterRef("pk"), to_status=SignalStatus.NIET_OPGEPAKT
    ).order_by("-id")
    declined = (
        _signals(municipality, through)
        .filter(status=SignalStatus.NIET_OPGEPAKT)
        .annotate(
            m=TruncMonth("signal_date"),
            wijk=Coalesce(F(WIJK_PATH), Value("")),
            reason=Subquery(reason.values("note")[:1]),
        )
        .values("m", "wijk", "reason")
        .annotate(n=Count("id"))
        .values_list("m", "wijk", "reason", "n")
    )
    for m, wijk, why, n in declined:
        add(
            _month(m),
            _wijk(wijk),
            K.EINDRESULTAAT,
            why if why in Outcome.values else DECLINED_FALLBACK,
            n,
        )
    return dict(counts)


def inhabitants(municipality: Municipality) -> tuple[dict[str, int], dict[str, str]]:
    """CBS inhabitants per wijk and for the whole municipality (``TOTAL``), and the wijk names.

    A wijk without its own count takes the sum of its buurten; the total is the
    sum over the wijken (or over the buurten when there are no wijken).
    """
    rows = list(
        Neighbourhood.objects.filter(municipality=municipality).values_list(
            "code", "name", "kind", "inhabitants", "wijk__code"
        )
    )
    names = {code: name for code, name, kind, _, _ in rows if kind == NeighbourhoodKind.WIJK}
    of_buurten: dict[str, int] = defaultdict(int)
    for _, _, kind, n, wijk_code in rows:
        if kind == NeighbourhoodKind.BUURT and n and wijk_code:
            of_buurten[wijk_code] += n
    result: dict[str, int] = {}
    for code, _, kind, n, _ in rows:
        if kind == NeighbourhoodKind.WIJK and (n or of_buurten.get(code)):
            result[code] = n or of_buurten[code]
    total = sum(result.values()) or sum(
        n or 0 for _, _, kind, n, _ in rows if kind == NeighbourhoodKind.BUURT
    )
    if total:
        result[TOTAL] = total
    return result, names


def _lost(stored: dict[Key, int], fresh: dict[Key, int]) -> bool:
    """Whether any monotone figure is lower now than stored: data behind it was removed."""
    return any(key[2] in MONOTONE and value > fresh.get(key, 0) for key, value in stored.items())


def _rows(
    month_row: MonitorMonth, figures: Iterable[tuple[Key, int]], names: dict[str, str]
) -> list[MonitorFigure]:
    return [
        MonitorFigure(
            monitor_month=month_row,
            wijk_code=wijk,
            wijk_name=UNKNOWN_NAME if wijk == UNKNOWN else names.get(wijk, ""),
            figure=figure,
            category=category,
            value=value,
        )
        for (_, wijk, figure, category), value in figures
    ]


def snapshot(municipality: Municipality, *, through: dt.date | None = None) -> int:
    """(Re)compute and store the figures of every month with data up to ``through``; rows written.

    Idempotent. Frozen months are left alone; a month whose data shrank since
    its stored snapshot is frozen with the figures it had. Runs under the
    municipality's row lock, as evaluation does, so it sees a settled state.
    """
    through = through or timezone.localdate()
    now = timezone.now()
    written = 0
    with transaction.atomic():
        # Evaluation's lock (FOR NO KEY UPDATE): new cases and feedback of the municipality
        # (their foreign-key checks) need not wait for the snapshot.
        signal_services.lock_municipality(municipality.pk)
        fresh = compute(municipality, through=through)
        people, names = inhabitants(municipality)
        months = {key[0] for key in fresh}
        existing = {
            row.month: row
            for row in MonitorMonth.objects.filter(municipality=municipality, month__lte=through)
        }
        stored: dict[dt.date, dict[Key, int]] = defaultdict(dict)
        for month, wijk, figure, category, value in MonitorFigure.objects.filter(
            monitor_month__in=[r for r in existing.values() if not r.is_frozen]
        ).values_list("monitor_month__month", "wijk_code", "figure", "category", "value"):
            stored[month][(month, wijk, figure, category)] = value
        by_month: dict[dt.date, list[tuple[Key, int]]] = defaultdict(list)
        for key, value in fresh.items():
            by_month[key[0]].append((key, value))
        new_rows: list[MonitorFigure] = []
        recomputed: list[MonitorMonth] = []
        for month in sorted(months | set(existing)):
            row = existing.get(month)
            if row is not None and row.is_frozen:
                continue
            if row is not None and _lost(stored.get(month, {}), fresh):
                row.frozen_at, row.frozen_reason = now, FROZEN_REASON
                row.save(update_fields=["frozen_at", "frozen_reason"])
                continue
            if (
                month not in months
            ):  # nothing stored that could be lost, and no data: drop the month
                row.delete()
                continue
            if row is None:
                row = MonitorMonth.objects.create(
                    municipality=municipality, month=month, computed_at=now
                )
            else:
                row.computed_at = now
                row.save(update_fields=["computed_at"])
            recomputed.append(row)
            figures = by_month[month] + [
                ((month, wijk, K.INWONERS, ""), n) for wijk, n in people.items()
            ]
            new_rows.extend(_rows(row, figures, names))
        MonitorFigure.objects.filter(monitor_month__in=recomputed).delete()
        MonitorFigure.objects.bulk_create(new_rows, batch_size=2000)
        written = len(new_rows)
    return written


def freeze(municipality: Municipality, *, through: dt.date, reason: str = FROZEN_REASON) -> int:
    """Make the stored figures of the months up to ``through`` final; the number of months frozen."""
    return MonitorMonth.objects.filter(
        municipality=municipality, month__lte=through, frozen_at__isnull=True
    ).update(frozen_at=timezone.now(), frozen_reason=reason[:200])


def is_stale(municipality: Municipality, *, max_age: dt.timedelta) -> bool:
    """Whether the stored figures may be behind the data: a signal or case changed since, or too old."""
    latest = MonitorMonth.objects.filter(municipality=municipality).order_by("-computed_at").first()
    if latest is None:
        return Signal.objects.filter(municipality=municipality).exists()
    if timezone.now() - latest.computed_at > max_age:
        return True
    since = latest.computed_at
    return (
        Signal.objects.filter(municipality=municipality, updated_at__gt=since).exists()
        or Case.objects.filter(municipality=municipality, updated_at__gt=since).exists()
    )
