"""Reads for the coordinator's screens: tray lists with filters, the household view, the audit trail.

Every function takes a queryset or object the view already passed through
``organisations.scoping`` (``scoped`` / ``get_scoped_or_404``); nothing here
decides who may see what.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from vroegsignaal.households.selectors import arrear_history
from vroegsignaal.organisations.models import CreditorType
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals.models import (
    OPEN_STATUSES,
    Signal,
    SignalArrear,
    SignalKind,
    SignalStatus,
)

OPEN = "open"
PAGE_SIZE = 50

# Sort keys of the tray list → ORDER BY; ``-`` in the GET value reverses.
SORTS: dict[str, tuple[str, ...]] = {
    "prioriteit": ("-priority", "signal_date", "id"),
    "bedrag": ("-total_amount_cents", "id"),
    "ouderdom": ("oldest_start_date", "id"),  # oldest arrear first
    "signaaldatum": ("-signal_date", "id"),
}
DEFAULT_SORT = "prioriteit"
FLAGS = {"crisis": "crisis", "herhaald": "repeat", "schuldverschuiving": "debt_swap"}
# The GET parameters of the tray filter (and nothing else is remembered).
FILTER_KEYS = ("buurt", "soort", "bedrag_van", "bedrag_tot", "ouderdom_van", *FLAGS, "status", "team", "sorteer")


def _int(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


@dataclass(frozen=True)
class TrayFilter:
    """The tray list's filter, parsed from GET parameters (unknown values are ignored)."""

    neighbourhood: str = ""  # a CBS wijk or buurt code
    creditor_type: str = ""  # DDAS EnumSignaalpartner
    amount_min_eur: int | None = None
    amount_max_eur: int | None = None
    min_age_days: int | None = None  # age of the oldest arrear, on ``today``
    flags: tuple[str, ...] = ()  # keys of FLAGS
    status: str = OPEN
    team_id: int | None = None
    sort: str = DEFAULT_SORT
    descending_flip: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_query(cls, query: QueryDict) -> TrayFilter:
        status = query.get("status", OPEN)
        if status not in (OPEN, "alle", *SignalStatus.values):
            status = OPEN
        sort = query.get("sorteer", DEFAULT_SORT)
        flip = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            sort, flip = DEFAULT_SORT, False
        creditor_type = query.get("soort", "")
        return cls(
            neighbourhood=query.get("buurt", "").strip()[:16],
            creditor_type=creditor_type if creditor_type in CreditorType.values else "",
            amount_min_eur=_int(query.get("bedrag_van")),
            amount_max_eur=_int(query.get("bedrag_tot")),
            min_age_days=_int(query.get("ouderdom_van")),
            flags=tuple(k for k in FLAGS if query.get(k)),
            status=status,
            team_id=_int(query.get("team")),
            sort=sort,
            descending_flip=flip,
        )

    def apply(self, signals: QuerySet[Signal], *, today: dt.date) -> QuerySet[Signal]:
        qs = signals
        if self.status == OPEN:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif self.status != "alle":
            qs = qs.filter(status=self.status)
        if self.neighbourhood:
            code = self.neighbourhood
            # The buurt itself, or the buurten of the wijk, resolved first: no join to the wijk per row.
            buurten = Neighbourhood.objects.filter(Q(code=code) | Q(wijk__code=code)).values("pk")
            qs = qs.filter(Q(household__address__buurt__in=buurten) | Q(household__address__buurtcode=code))
        if self.creditor_type:
            qs = qs.filter(
                Exists(
                    SignalArrear.objects.filter(
                        signal_id=OuterRef("pk"), counts=True, arrear__creditor__type=self.creditor_type
                    )
                )
            )
        if self.amount_min_eur is not None:
            qs = qs.filter(total_amount_cents__gte=self.amount_min_eur * 100)
        if self.amount_max_eur is not None:
            qs = qs.filter(total_amount_cents__lte=self.amount_max_eur * 100)
        if self.min_age_days is not None:
            qs = qs.filter(oldest_start_date__lte=today - dt.timedelta(days=self.min_age_days))
        for flag in self.flags:
            qs = qs.filter(**{FLAGS[flag]: True})
        if self.team_id is not None:
            qs = qs.filter(team_id=self.team_id)
        order = SORTS[self.sort]
        if self.descending_flip:
            order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in order[:1]) + order[1:]
        return qs.order_by(*order)


def remembered_query(query: QueryDict) -> str:
    """The filter part of a query string (no page number), for links and the session."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        for value in query.getlist(key):
            if value != "":
                kept.appendlist(key, value)
    return kept.urlencode()


def tray_list_rows(signals: QuerySet[Signal]) -> QuerySet[Signal]:
    """What one row of the tray list shows, in one query."""
    return signals.select_related("household__address__buurt__wijk", "team", "tray").only(
        "id", "status", "kind", "crisis", "repeat", "debt_swap", "creditor_count", "total_amount_cents",
        "oldest_start_date", "signal_date", "priority", "deadline", "household_id", "team__name", "tray__name",
        "household__unregistered_address", "household__address__postcode", "household__address__huisnummer",
        "household__address__huisletter", "household__address__toevoeging", "household__address__straatnaam",
        "household__address__buurt__name", "household__address__buurt__code",
        "household__address__buurt__wijk__name", "household__address__buurt__wijk__code",
    )  # fmt: skip


def tray_page(signals: QuerySet[Signal], number) -> Page:
    """One page of the tray list: ids sorted on the signal table alone, then the rows joined for those ids.

    Sorting tens of thousands of signals with their addresses and neighbourhoods
    joined costs far more than sorting the signal rows and joining 50 of them.
    """
    page = Paginator(signals.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    ids = list(page.object_list)
    rows = {s.pk: s for s in tray_list_rows(Signal.objects.filter(pk__in=ids))}
    page.object_list = [rows[i] for i in ids if i in rows]
    return page


def trays_with_counts(trays, signals: QuerySet[Signal]) -> list[dict]:
    """Each tray with its number of open signals (one query for all counts)."""
    counts = dict(
        signals.filter(status__in=OPEN_STATUSES, tray__isnull=False)
        .values("tray_id")
        .annotate(n=Count("id"))
        .values_list("tray_id", "n")
    )
    return [{"tray": t, "open": counts.get(t.pk, 0)} for t in trays]


# ---------------------------------------------------------------------------
# The household view
# ---------------------------------------------------------------------------


def arrear_timelines(household) -> dict:
    """Each arrear's amounts per peildatum: ``{"dates": [...], "rows": [{creditor, amounts, ...}]}``."""
    events = list(arrear_history(household))
    dates = sorted({e.reference_date for e in events})
    rows: OrderedDict[int, dict] = OrderedDict()
    for e in events:
        row = rows.setdefault(
            e.arrear_id,
            {"arrear": e.arrear, "creditor": e.arrear.creditor, "amounts": {}, "kinds": {}},
        )
        row["amounts"][e.reference_date] = e.amount_cents
        row["kinds"][e.reference_date] = e.get_kind_display()
    for row in rows.values():
        row["cells"] = [
            {"date": d, "amount_cents": row["amounts"].get(d), "kind": row["kinds"].get(d, "")} for d in dates
        ]
    ordered = sorted(rows.values(), key=lambda r: (r["creditor"].name, r["arrear"].start_date, r["arrear"].pk))
    return {"dates": dates, "rows": ordered}


def household_view_trail(household, *, limit: int = 25) -> QuerySet[AuditEvent]:
    """Who opened this household's page, newest first.

    Only call with a household the viewer passed ``get_scoped_or_404`` for: the
    events are selected by that household (object type and id), and hold no
    personal data of residents.
    """
    return AuditEvent.objects.filter(
        object_type=household._meta.label_lower, object_id=str(household.pk), action=AuditAction.VIEW
    ).only("seq", "timestamp", "actor_username", "organisation", "purpose")[:limit]


# ---------------------------------------------------------------------------
# The neighbourhood map and the dashboard
# ---------------------------------------------------------------------------

# Who the "picked up" share counts: signals that got a case (DDAS: opgepakt), open or closed since.
PICKED_UP_STATUSES = (SignalStatus.OPGEPAKT.value, SignalStatus.AFGESLOTEN.value)


def per_thousand(signals: int, households: int | None) -> float | None:
    """Signals per 1,000 households, one decimal; ``None`` when the household count is unknown."""
    if not households:
        return None
    return round(signals * 1000 / households, 1)


def neighbourhood_rates(neighbourhoods, signals: QuerySet[Signal], kind: str) -> list[dict]:
    """Open signals per wijk or buurt, and per 1,000 households (CBS counts), in code order.

    ``neighbourhoods`` are the municipality's wijken or buurten (``kind``), scoped by the caller.
    """
    path = "household__address__buurt__code" if kind == "buurt" else "household__address__buurt__wijk__code"
    counts = dict(
        signals.filter(status__in=OPEN_STATUSES).values(path).annotate(n=Count("id")).values_list(path, "n")
    )
    return [
        {
            "code": n.code,
            "name": n.name,
            "households": n.households,
            "signals": counts.get(n.code, 0),
            "per_1000": per_thousand(counts.get(n.code, 0), n.households),
        }
        for n in neighbourhoods
    ]


def rates_feature_collection(neighbourhoods, rates: list[dict], *, url_for) -> dict:
    """GeoJSON of the neighbourhoods (geometry as imported) with their figures and a click-through URL."""
    by_code = {r["code"]: r for r in rates}
    features = []
    for n in neighbourhoods:
        if not n.geometry:
            continue
        rate = by_code.get(n.code, {})
        features.append(
            {
                "type": "Feature",
                "geometry": n.geometry,
                "properties": {
                    "code": n.code,
                    "naam": n.name,
                    "signalen": rate.get("signals", 0),
                    "per_1000": rate.get("per_1000"),
                    "url": url_for(n.code),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _month_table(rows, series: list[str]) -> dict:
    """``[(month, series, n)]`` → ``{"months": [...], "series": [{"name", "values"}]}`` (zeros filled)."""
    months = sorted({m for m, _, _ in rows})
    cells = {(m, s): n for m, s, n in rows}
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [{"name": s, "values": [cells.get((m, s), 0) for m in months]} for s in series],
    }


def _labelled(table: dict, labels: dict) -> dict:
    for series in table["series"]:
        series["name"] = str(labels.get(series["name"], series["name"]))
    return table


def monthly_trends(signals: QuerySet[Signal]) -> dict:
    """Signals per month (signal date) by creditor type and by kind, and the share picked up.

    Three queries, whatever the number of signals or months.
    """
    from django.db.models.functions import TruncMonth

    by_type = list(
        SignalArrear.objects.filter(signal__in=signals, counts=True)
        .annotate(month=TruncMonth("signal__signal_date"))
        .values("month", "arrear__creditor__type")
        .annotate(n=Count("signal_id", distinct=True))
        .values_list("month", "arrear__creditor__type", "n")
    )
    by_kind = list(
        signals.annotate(month=TruncMonth("signal_date"))
        .values("month", "kind")
        .annotate(n=Count("id"))
        .values_list("month", "kind", "n")
    )
    picked = list(
        signals.annotate(month=TruncMonth("signal_date"))
        .values("month")
        .annotate(total=Count("id"), picked=Count("id", filter=Q(status__in=PICKED_UP_STATUSES)))
        .values_list("month", "total", "picked")
    )
    types = [t for t in CreditorType.values if any(r[1] == t for r in by_type)]
    kinds = sorted({r[1] for r in by_kind})
    share = sorted(picked)
    return {
        "by_type": _month_table(by_type, types),
        "by_kind": _labelled(_month_table(by_kind, kinds), dict(SignalKind.choices)),
        "picked_up": {
            "months": [m.strftime("%Y-%m") for m, _, _ in share],
            "series": [
                {"name": "Signalen", "values": [t for _, t, _ in share]},
                {"name": "Opgepakt", "values": [p for _, _, p in share]},
                {"name": "% opgepakt", "values": [round(100 * p / t, 1) if t else 0 for _, t, p in share]},
            ],
        },
    }
