"""Reads for the coordinator's screens: tray lists with filters, the household view, the audit trail.

Every function takes a queryset or object the view already passed through
``organisations.scoping`` (``scoped`` / ``get_scoped_or_404``); nothing here
decides who may see what.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from vroegsignaal.cases.selectors import urgency
from vroegsignaal.households.selectors import arrear_history
from vroegsignaal.organisations.models import CreditorType
from vroegsignaal.portal.forms import parse_id
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals import trays
from vroegsignaal.signals.explanations_english import shown_euros
from vroegsignaal.signals.models import (
    OPEN_STATUSES,
    Signal,
    SignalArrear,
    SignalArrearRole,
    SignalKind,
    SignalStatus,
)
from vroegsignaal.signals.services import parse_whole_euros

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
# Sleeping signals (open, ``dormant_since`` set: no arrear of theirs counts under the rules now).
# docs/signals.md: screens that want "signalled now" take the open signals that are awake, so the
# tray hides them unless asked (``?slapend=tonen`` shows them marked, ``alleen`` only them).
DORMANT_HIDE, DORMANT_SHOW, DORMANT_ONLY = "verbergen", "tonen", "alleen"
DORMANT_CHOICES = (DORMANT_HIDE, DORMANT_SHOW, DORMANT_ONLY)
# The GET parameters of the tray filter (and nothing else is remembered).
FILTER_KEYS = (
    "buurt",
    "soort",
    "bedrag_van",
    "bedrag_tot",
    "ouderdom_van",
    *FLAGS,
    "status",
    "team",
    "slapend",
    "sorteer",
)


# A CBS wijk or buurt code: WK or BU and digits (the register file's own codes have the same shape).
NEIGHBOURHOOD_CODE = re.compile(r"(?:WK|BU)[0-9]{1,12}")
# The oldest arrear the filter asks about: a hundred years (a larger number finds the same nothing,
# and would not fit a date).
MAX_AGE_DAYS = 36_500


# The largest amount the filter asks about: a billion euros (a larger number finds the same nothing,
# and in cents would not fit the column).
MAX_AMOUNT_EUR = 1_000_000_000


def _int(value: str | None) -> int | None:
    """A whole number of 0 or more, as typed (ASCII digits, within a database column), else ``None``."""
    return parse_id((value or "").strip())


def _euros(value: str | None) -> int | None:
    """Whole euros of 0 or more as a Dutch user types them (``1.000``, ``€ 1.000``), else ``None``."""
    try:
        euros = parse_whole_euros((value or "")[:100])
    except ValueError:
        return None
    return min(euros, MAX_AMOUNT_EUR) if euros >= 0 else None


def neighbourhood_code(value: str | None) -> str:
    """``value`` when it has the shape of a wijk or buurt code, else ``""`` (the filter ignores it)."""
    code = (value or "").strip()
    return code if NEIGHBOURHOOD_CODE.fullmatch(code) else ""


@dataclass(frozen=True)
class TrayFilter:
    """The tray list's filter, parsed from GET parameters (unknown values are ignored; what was
    typed and could not be read is said by :func:`tray_filter_problems`)."""

    neighbourhood: str = ""  # a CBS wijk or buurt code
    creditor_type: str = ""  # DDAS EnumSignaalpartner
    amount_min_eur: int | None = None
    amount_max_eur: int | None = None
    min_age_days: int | None = None  # age of the oldest arrear, on ``today``
    flags: tuple[str, ...] = ()  # keys of FLAGS
    status: str = OPEN
    team_id: int | None = None
    dormant: str = DORMANT_HIDE  # DORMANT_CHOICES
    sort: str = DEFAULT_SORT
    descending_flip: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_query(cls, query: QueryDict, *, team_ids=None) -> TrayFilter:
        """``team_ids``: the teams the user may filter on (a team id outside them is not read);
        ``None`` takes any id (the caller scopes the signals anyway)."""
        status = query.get("status", OPEN)
        if status not in (OPEN, "alle", *SignalStatus.values):
            status = OPEN
        sort = query.get("sorteer", DEFAULT_SORT)
        flip = sort.startswith("-")
        sort = sort[1:] if flip else sort
        if sort not in SORTS:
            sort, flip = DEFAULT_SORT, False
        creditor_type = query.get("soort", "")
        min_age_days = _int(query.get("ouderdom_van"))
        team_id = _int(query.get("team"))
        if team_id is not None and team_ids is not None and team_id not in team_ids:
            team_id = None
        dormant = query.get("slapend", DORMANT_HIDE)
        return cls(
            neighbourhood=neighbourhood_code(query.get("buurt")),
            creditor_type=creditor_type if creditor_type in CreditorType.values else "",
            amount_min_eur=_euros(query.get("bedrag_van")),
            amount_max_eur=_euros(query.get("bedrag_tot")),
            min_age_days=None if min_age_days is None else min(min_age_days, MAX_AGE_DAYS),
            flags=tuple(k for k in FLAGS if query.get(k)),
            status=status,
            team_id=team_id,
            dormant=dormant if dormant in DORMANT_CHOICES else DORMANT_HIDE,
            sort=sort,
            descending_flip=flip,
        )

    def as_params(self) -> dict[str, str]:
        """The filter as the GET parameters the page writes (what it ignored is not there)."""
        numbers = {"bedrag_van": self.amount_min_eur, "bedrag_tot": self.amount_max_eur, "ouderdom_van": self.min_age_days,
                   "team": self.team_id}  # fmt: skip
        params = {"buurt": self.neighbourhood, "soort": self.creditor_type, "status": self.status,
                  "slapend": self.dormant, "sorteer": f"{'-' if self.descending_flip else ''}{self.sort}"}  # fmt: skip
        params.update({key: str(number) for key, number in numbers.items() if number is not None})
        params.update(dict.fromkeys(self.flags, "1"))
        return {key: value for key, value in params.items() if value}

    def apply(self, signals: QuerySet[Signal], *, today: dt.date) -> QuerySet[Signal]:
        qs = signals
        if self.status == OPEN:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif self.status != "alle":
            qs = qs.filter(status=self.status)
        if self.neighbourhood:
            code = self.neighbourhood
            # The buurt itself, or the buurten of the wijk, resolved to ids first, then the signal's
            # own copy of its address's buurt: no join to households and addresses per signal (a
            # wijk of the largest tray cost 120-150 ms that way). Importing a buurt links the
            # addresses whose register file named it, so the file's own buurtcode only counts
            # while the code is not imported (an OR of the two made PostgreSQL join every address).
            buurt_ids = list(
                Neighbourhood.objects.filter(Q(code=code) | Q(wijk__code=code)).values_list(
                    "pk", flat=True
                )
            )
            if buurt_ids:
                qs = qs.filter(buurt_id__in=buurt_ids)
            else:
                qs = qs.filter(household__address__buurtcode=code)
        if self.creditor_type:
            qs = qs.filter(
                Exists(
                    SignalArrear.objects.filter(
                        signal_id=OuterRef("pk"),
                        counts=True,
                        arrear__creditor__type=self.creditor_type,
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
        qs = only_dormant(qs) if self.dormant == DORMANT_ONLY else qs
        qs = without_dormant(qs) if self.dormant == DORMANT_HIDE else qs
        order = SORTS[self.sort]
        if self.descending_flip:
            order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in order[:1]) + order[1:]
        return qs.order_by(*order)


# A sleeping signal is an open one with ``dormant_since``: a closed signal keeps the day it fell
# asleep (a lapsed one mostly did), but no longer sleeps, and the filter leaves it alone.
DORMANT = Q(status__in=OPEN_STATUSES, dormant_since__isnull=False)


def without_dormant(signals: QuerySet[Signal]) -> QuerySet[Signal]:
    """``signals`` without the sleeping ones ("signalled now", docs/signals.md)."""
    return signals.exclude(DORMANT)


def only_dormant(signals: QuerySet[Signal]) -> QuerySet[Signal]:
    return signals.filter(DORMANT)


# The filter's boxes a user types in: GET parameter → its label on the page.
TYPED_FILTERS = {
    "bedrag_van": gettext_lazy("Totaalbedrag vanaf (€)"),
    "bedrag_tot": gettext_lazy("Totaalbedrag tot en met (€)"),
    "ouderdom_van": gettext_lazy("Oudste achterstand ten minste (dagen)"),
}


# The filter's choices (select boxes, links from the map and older bookmarks): GET parameter → its
# label on the page, and what the tray shows when the value is not one it knows.
CHOSEN_FILTERS = {
    "buurt": (gettext_lazy("Wijk of buurt"),
              gettext_lazy("de signalen van alle wijken en buurten worden getoond")),
    "soort": (gettext_lazy("Soort schuldeiser"),
              gettext_lazy("de signalen van alle soorten schuldeisers worden getoond")),
    "status": (gettext_lazy("Status"), gettext_lazy("de open signalen (nieuw en opgepakt) worden getoond")),
    "team": (gettext_lazy("Wijkteam"), gettext_lazy("de signalen van alle wijkteams worden getoond")),
    "slapend": (gettext_lazy("Slapende signalen"), gettext_lazy("slapende signalen worden niet getoond")),
    "sorteer": (gettext_lazy("Sorteren op"), gettext_lazy("de signalen staan in volgorde van prioriteit")),
}  # fmt: skip
# A value the page names back when it is not understood, only in the shape of the code the filter
# takes: a name or a BSN typed into a link never comes back on the page. A creditor type
# ("Energie") has the shape of a surname, and is never named back.
SHOWN_SHAPES = {
    "buurt": re.compile(r"[A-Z]{1,4}[0-9]{0,12}"),  # WK…, BU…
    "team": re.compile(r"[0-9]{1,8}"),  # an id; nine digits may be a BSN
    "status": re.compile(r"[a-z_]{1,20}"),
    "slapend": re.compile(r"[a-z_]{1,20}"),
    "sorteer": re.compile(r"-?[a-z_0-9]{1,20}"),
    "maand": re.compile(r"[0-9]{4}-[0-9]{2}"),
}


def shown_code(key: str, value: str) -> str | None:
    """``value`` when the page may name it back (it has the shape of the code ``key`` takes), else ``None``."""
    shape = SHOWN_SHAPES.get(key)
    return value if shape is not None and shape.fullmatch(value) else None


def unknown_choice(key: str, value: str, *, label=None, instead=None) -> str:
    """ "Wijkteam: „99999” is niet bekend; de signalen van alle wijkteams worden getoond.": the
    value that was not understood (when it is a code: :func:`shown_code`) and what is shown instead."""
    default_label, default_instead = CHOSEN_FILTERS[key]
    names = {"label": label or default_label, "instead": instead or default_instead}
    shown = shown_code(key, value)
    if shown is None:
        return gettext("%(label)s: de waarde in de link is niet bekend; %(instead)s.") % names
    return gettext("%(label)s: „%(value)s” is niet bekend; %(instead)s.") % {
        **names,
        "value": shown,
    }


def _chosen_but_not_read(raw: QueryDict, tray_filter: TrayFilter) -> list[str]:
    """The filter's choices given with a value it does not know (and so left out or set to its default)."""
    params = tray_filter.as_params()
    problems = []
    for key in CHOSEN_FILTERS:
        value = (raw.get(key) or "").strip()
        read = tray_filter.team_id is not None if key == "team" else params.get(key) == value
        if value and not read:
            problems.append(unknown_choice(key, value))
    return problems


def tray_filter_problems(raw: QueryDict, tray_filter: TrayFilter) -> list[str]:
    """Why the tray may show fewer or other signals than asked: a choice it does not know (an unknown
    wijkteam, status, wijk or buurt, creditor type, sort), a typed filter that could not be read
    (left out) or an amount range the wrong way round. Said, not silently dropped or empty."""
    problems = _chosen_but_not_read(raw, tray_filter)
    read = {"bedrag_van": tray_filter.amount_min_eur, "bedrag_tot": tray_filter.amount_max_eur,
            "ouderdom_van": tray_filter.min_age_days}  # fmt: skip
    for key, label in TYPED_FILTERS.items():
        if (raw.get(key) or "").strip() and read[key] is None:
            if key == "ouderdom_van":
                message = gettext(
                    "„%(label)s” is geen heel aantal dagen (zoals 30); dat filter is weggelaten."
                )
            else:
                message = gettext(
                    "„%(label)s” is geen bedrag in hele euro’s (zoals 1000 of 1.000); "
                    "dat filter is weggelaten."
                )
            problems.append(message % {"label": label})
    low, high = tray_filter.amount_min_eur, tray_filter.amount_max_eur
    if low is not None and high is not None and low > high:
        problems.append(
            gettext(
                "Het totaalbedrag vanaf (%(low)s) is hoger dan het totaalbedrag tot en met (%(high)s): "
                "geen signaal voldoet aan beide. Draai de bedragen om."
            )
            % {"low": shown_euros(low * 100), "high": shown_euros(high * 100)}
        )
    return problems


def tray_index_problems(raw: str | None, neighbourhood) -> list[str]:
    """The trays page's ``?buurt=`` (from the map) that names no wijk or buurt of the municipality:
    said, and the counts are of every area."""
    value = (raw or "").strip()
    if not value or neighbourhood is not None:
        return []
    return [
        unknown_choice("buurt", value, instead=gettext_lazy("de werkbakjes tellen alle gebieden"))
    ]


def dormant_choices() -> list[tuple[str, str]]:
    """The tray filter's choices for sleeping signals, the default first."""
    return [
        (DORMANT_HIDE, gettext("Niet tonen")),
        (DORMANT_SHOW, gettext("Tonen, gemarkeerd")),
        (DORMANT_ONLY, gettext("Alleen slapende")),
    ]


class TrayCounts(NamedTuple):
    shown: int  # the signals the filter lists
    hidden_dormant: int  # the sleeping ones it leaves out only because they sleep (the default)


def tray_counts(
    tray_filter: TrayFilter, signals: QuerySet[Signal], *, today: dt.date
) -> TrayCounts:
    """How many of ``signals`` (the tray's) the filter lists, and how many sleeping ones it hides,
    in one query: the page's count (:func:`tray_page`) and its offer to show the sleeping ones."""
    every = dataclasses.replace(tray_filter, dormant=DORMANT_SHOW).apply(signals, today=today)
    counts = every.order_by().aggregate(
        awake=Count("id", filter=~DORMANT), dormant=Count("id", filter=DORMANT)
    )
    awake, dormant = counts["awake"], counts["dormant"]
    if tray_filter.dormant == DORMANT_HIDE:
        return TrayCounts(awake, dormant)
    return TrayCounts(dormant if tray_filter.dormant == DORMANT_ONLY else awake + dormant, 0)


def with_dormant(query: str, choice: str) -> str:
    """``query`` (the tray's filter) with ``slapend=choice``, back on page 1."""
    params = QueryDict(query, mutable=True)
    params["slapend"] = choice
    params.pop("pagina", None)
    return params.urlencode()


def sort_headers(tray_filter: TrayFilter) -> dict[str, dict]:
    """Per sort key, what its column header shows and links to (see :func:`header_links`)."""
    order = SORTS[tray_filter.sort]
    descending = order[0].startswith("-") != tray_filter.descending_flip
    return header_links(SORTS, tray_filter.sort, tray_filter.descending_flip, descending)


def header_links(keys, current: str, flipped: bool, descending: bool) -> dict[str, dict]:
    """Per sort key of a table, what its column header shows and links to.

    ``value`` is the ``sorteer`` the header links to: the sorted column's header
    reverses it, another column's starts in its own direction. ``direction``
    (``ascending``/``descending``, for ``aria-sort`` and the arrow) is set on the
    sorted column only.
    """
    headers = {key: {"value": key, "direction": ""} for key in keys}
    headers[current] = {
        "value": current if flipped else f"-{current}",
        "direction": "descending" if descending else "ascending",
    }
    return headers


def remembered_query(query: QueryDict, *, team_ids=None) -> str:
    """The filter part of a query string (no page number), for links, the session and the audit log:
    the parameters given, as the filter read them. What it ignored (text where a number belongs, an
    unknown code, a team not among ``team_ids``) is left out, so only codes and numbers are kept,
    never what else was typed."""
    params = TrayFilter.from_query(query, team_ids=team_ids).as_params()
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if query.get(key, "") != "" and key in params:
            kept[key] = params[key]
    return kept.urlencode()


def tray_list_rows(signals: QuerySet[Signal]) -> QuerySet[Signal]:
    """What one row of the tray list shows, in one query (with the case's deadlines, see :func:`deadline_mark`)."""
    return signals.select_related("household__address__buurt__wijk", "team", "tray", "case").only(
        "id", "status", "kind", "crisis", "repeat", "debt_swap", "creditor_count", "total_amount_cents",
        "oldest_start_date", "signal_date", "priority", "deadline", "dormant_since", "household_id", "team__name",
        "tray__name",
        "household__unregistered_address", "household__address__postcode", "household__address__huisnummer",
        "household__address__huisletter", "household__address__toevoeging", "household__address__straatnaam",
        "household__address__buurt__name", "household__address__buurt__code",
        "household__address__buurt__wijk__name", "household__address__buurt__wijk__code",
        "case__signal_id", "case__status", "case__contact_due", "case__contacted_on", "case__due_on",
        "case__first_conversation_due", "case__first_conversation_on",
    )  # fmt: skip


def tray_page(
    signals: QuerySet[Signal], number, *, today: dt.date | None = None, count: int | None = None
) -> Page:
    """One page of the tray list: ids sorted on the signal table alone, then the rows joined for those ids.

    Sorting tens of thousands of signals with their addresses and neighbourhoods
    joined costs far more than sorting the signal rows and joining 50 of them.
    Each row gets ``deadline_mark`` (:func:`deadline_mark` on ``today``, default today).
    ``count``: the number of ``signals`` when the caller counted them already (:func:`tray_counts`).
    """
    today = today or timezone.localdate()
    paginator = Paginator(signals.values_list("pk", flat=True), PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached property: no second count
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = {s.pk: s for s in tray_list_rows(Signal.objects.filter(pk__in=ids))}
    page.object_list = [rows[i] for i in ids if i in rows]
    for signal in page.object_list:
        signal.deadline_mark = deadline_mark(signal, _case_of(signal), today)
    return page


def _case_of(signal: Signal):
    try:
        return signal.case
    except ObjectDoesNotExist:
        return None


class DeadlineMark(NamedTuple):
    """What a tray row says of a deadline: ``kind`` is ``contact_due`` (grey, "contact uiterlijk"),
    ``contact_overdue`` or ``overdue`` (bold red, "contacttermijn verstreken" / "termijn
    verstreken": still to be met, and passed), ``contact_late`` (red, "contact gelegd op …, te
    laat": met, after its day; ``on`` is the day the contact was made) or
    ``first_conversation_late`` (red, "eerste gesprek gevoerd op …, te laat": the first
    conversation after an accepted offer held after its day; ``on`` is the day it was held)."""

    kind: str
    on: dt.date

    @property
    def overdue(self) -> bool:
        """A deadline still to be met that has passed: what the case list marks overdue."""
        return self.kind in ("contact_overdue", "overdue")

    @property
    def late(self) -> bool:
        """A deadline that was met, but after its day (nothing left to do for it)."""
        return self.kind in ("contact_late", "first_conversation_late")


def deadline_mark(signal: Signal, case, today: dt.date) -> DeadlineMark | None:
    """The deadline a tray row shows, decided as the case list decides it once there is a case.

    Picked up, the case is where the contact is recorded and its deadlines watched: it is
    overdue exactly when the case list marks it so (``cases.selectors.urgency``: its next
    deadline not yet met has passed), and a contact deadline met in time is no longer shown,
    as the case list shows only the deadline still to be met. A contact made after its deadline
    (``Case.contacted_late``, as the case page says "contact gelegd op …, te laat") stays marked,
    open or closed, unless another deadline is overdue now: the legal deadline was missed, and
    the coordinator watching the deadlines sees it in the tray. So does a first conversation held
    after its deadline (``Case.first_conversation_late``, "eerste gesprek gevoerd op …, te laat"),
    which the tray showed as "termijn verstreken" while it was overdue; a late contact goes
    first (the row has one mark; the case page shows both). Not yet picked up, a crisis
    signal's own deadline (counted from the receipt). A closed signal without a case, or a
    closed case contacted in time (or never), has no deadline left.
    """
    if case is not None:
        if urgency(case, today) == "overdue":
            missed_contact = case.contact_due is not None and case.contacted_on is None
            return DeadlineMark(
                "contact_overdue"
                if missed_contact and case.contact_due == case.due_on
                else "overdue",
                case.due_on,
            )
        if case.contacted_late:
            return DeadlineMark("contact_late", case.contacted_on)
        if case.first_conversation_late:
            return DeadlineMark("first_conversation_late", case.first_conversation_on)
        if case.is_closed or case.contact_due is None or case.contacted_on is not None:
            return None
        return DeadlineMark("contact_due", case.contact_due)
    if signal.status != SignalStatus.NIEUW or not signal.crisis or signal.deadline is None:
        return None
    return DeadlineMark(
        "contact_overdue" if signal.deadline < today else "contact_due", signal.deadline
    )


def signal_deadline_mark(signal: Signal, cases, today: dt.date) -> DeadlineMark | None:
    """The household page's :func:`deadline_mark` of ``signal``, with its case among ``cases``
    (the household's cases the user may see)."""
    case = next((c for c in cases if c.signal_id == signal.pk), None)
    return deadline_mark(signal, case, today)


def _deadline(signal: Signal, case_contact_due: dt.date | None) -> dt.date | None:
    if case_contact_due is not None:
        return case_contact_due
    return signal.deadline if signal.crisis else None


def contact_deadline(signal: Signal, cases=()) -> dt.date | None:
    """The crisis contact deadline the household page's explanation names for ``signal``: its
    case's (among ``cases``) once it has one (whether it is still to be met, and so shown on the
    signal's line: :func:`signal_deadline_mark`).

    The case is where the contact is recorded and its deadline watched (overdue and
    due-soon lists), so once picked up the case's ``contact_due`` is the deadline; it can
    differ from the signal's own ``deadline`` (counted from the receipt, and set anew when
    a later delivery makes the signal a crisis again). Without a case, or a case without a
    contact deadline (the signal became a crisis after the pick-up), the signal's own.
    """
    case = next((c for c in cases if c.signal_id == signal.pk), None)
    return _deadline(signal, case.contact_due if case else None)


def priority_points() -> dict:
    """The figures of the tray priority (``signals.trays``), for the page's explanation of it."""
    return {
        "crisis": trays.CRISIS_POINTS,
        "per_creditor": trays.CREDITOR_POINTS,
        "creditors_capped": trays.CREDITORS_CAPPED,
        "euros_per_point_cents": trays.EUROS_PER_POINT * 100,
        "amount_cap_cents": trays.AMOUNT_CAP_EUR * 100,
        "age_points": trays.AGE_POINTS,
        "age_cap_days": trays.AGE_CAP_DAYS,
    }


def trays_with_counts(trays, signals: QuerySet[Signal]) -> list[dict]:
    """Each tray with its number of open signals that are awake (``open``: signalled now, as the
    tray lists them by default) and of those sleeping (``dormant``), in one query for all counts.

    The ordering is cleared first: Django groups by the ordering's columns too, so a
    filtered (sorted) queryset would count each signal as a group of its own.
    """
    counts = {
        tray_id: (awake, dormant)
        for tray_id, awake, dormant in signals.filter(status__in=OPEN_STATUSES, tray__isnull=False)
        .order_by()
        .values("tray_id")
        .annotate(
            awake=Count("id", filter=Q(dormant_since__isnull=True)),
            dormant=Count("id", filter=Q(dormant_since__isnull=False)),
        )
        .values_list("tray_id", "awake", "dormant")
    }
    return [
        {"tray": t, "open": counts.get(t.pk, (0, 0))[0], "dormant": counts.get(t.pk, (0, 0))[1]}
        for t in trays
    ]


def open_without_tray(signals: QuerySet[Signal]) -> int:
    """How many open signals fit no tray (their conditions changed, or a tray was deleted): no
    tray lists them, so the overview says so instead of leaving them out unseen."""
    return signals.filter(status__in=OPEN_STATUSES, tray__isnull=True).order_by().count()


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
            {"date": d, "amount_cents": row["amounts"].get(d), "kind": row["kinds"].get(d, "")}
            for d in dates
        ]
    ordered = sorted(
        rows.values(), key=lambda r: (r["creditor"].name, r["arrear"].start_date, r["arrear"].pk)
    )
    return {"dates": dates, "rows": ordered}


TRAIL_LIMIT = 25  # the household page shows this many views; the audit log has them all


def household_view_trail(household, *, limit: int = TRAIL_LIMIT) -> QuerySet[AuditEvent]:
    """Who opened this household's page, newest first.

    Only call with a household the viewer passed ``get_scoped_or_404`` for: the
    events are selected by that household (object type and id), and hold no
    personal data of residents.
    """
    return AuditEvent.objects.filter(
        object_type=household._meta.label_lower,
        object_id=str(household.pk),
        action=AuditAction.VIEW,
    ).only("seq", "timestamp", "actor_username", "organisation", "purpose")[:limit]


# ---------------------------------------------------------------------------
# The neighbourhood map and the dashboard
# ---------------------------------------------------------------------------

# Who the "picked up" share counts: signals that got a case (DDAS: opgepakt), open or closed since.
PICKED_UP_STATUSES = (SignalStatus.OPGEPAKT.value, SignalStatus.AFGESLOTEN.value)
# Reached: the case's household was reached by a contact attempt (``Case.contacted_on``).
# Helped: the household accepted the offer of help (``Case.offer_answer`` aanvaard).
HELPED_ANSWER = "aanvaard"
# The dashboard's shares (index of the part and of the whole in a month's row: signals, picked up,
# reached, helped): each of the step before it, as the Divosa monitor and our monitor page divide
# (docs/monitor.md: picked up of the signals, reached of those picked up, helped of those reached).
# Named "% " + the label in the page's language (a "%" in a text to translate reads as a format).
SHARES = (
    (2, 1, gettext_noop("opgepakt (van signalen)")),
    (3, 2, gettext_noop("bereikt (van opgepakt)")),
    (4, 3, gettext_noop("hulp aanvaard (van bereikt)")),
)

# Aggregate figures of the map and the dashboard (counts, no personal data) are kept this
# many seconds per municipality: they join every signal to its address, about 150 ms each on
# a city of 50,000 open signals, and a minute or two old is recent enough for a trend.
FIGURES_SECONDS = 120


def cached_figures(key: str, compute):
    """``compute()``, kept in the cache under ``key`` for :data:`FIGURES_SECONDS`.

    Callers put the scope in the key (the municipality), never a person.
    """
    from django.core.cache import cache

    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, FIGURES_SECONDS)
    return value


def per_thousand(signals: int, households: int | None) -> float | None:
    """Signals per 1,000 households, one decimal; ``None`` when the household count is unknown."""
    if not households:
        return None
    return round(signals * 1000 / households, 1)


def neighbourhood_rates(neighbourhoods, signals: QuerySet[Signal], kind: str) -> list[dict]:
    """Open signals per wijk or buurt (awake: sleeping ones count no arrear now), and per 1,000
    households (CBS counts), in code order.

    ``neighbourhoods`` are the municipality's wijken or buurten (``kind``), scoped by the caller.
    """
    path = (
        "household__address__buurt__code"
        if kind == "buurt"
        else "household__address__buurt__wijk__code"
    )
    counts = dict(
        # Signalled now: the open signals that are awake (a sleeping one counts no arrear).
        signals.filter(status__in=OPEN_STATUSES, dormant_since__isnull=True)
        .order_by()  # an ordering would join the GROUP BY (see trays_with_counts)
        .values(path)
        .annotate(n=Count("id"))
        .values_list(path, "n")
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


# The map's table: sort key → (the row's value, its first direction: figures highest first).
RATE_SORTS: dict[str, tuple[str, bool]] = {
    "gebied": ("code", False),
    "signalen": ("signals", True),
    "huishoudens": ("households", True),
    "per1000": ("per_1000", True),
}


def sorted_rates(rates: list[dict], sort: str | None) -> tuple[list[dict], str, dict[str, dict]]:
    """The map table's rows in the order ``sort`` asks (``per1000``, ``-per1000``, …; unknown:
    by area code), the sort applied, and per column what its header shows and links to.

    An area without a figure (no CBS household count) comes last either way; ties keep code order.
    """
    key = (sort or "").removeprefix("-")
    if key not in RATE_SORTS:
        key, sort = "gebied", "gebied"
    field, highest_first = RATE_SORTS[key]
    flipped = sort.startswith("-")
    descending = highest_first != flipped
    known = [r for r in rates if r[field] is not None]
    if field == "code":
        rows = sorted(known, key=lambda r: r["code"], reverse=descending)
    else:  # ties in code order both ways
        sign = -1 if descending else 1
        rows = sorted(known, key=lambda r: (sign * r[field], r["code"]))
    rows += [r for r in rates if r[field] is None]
    return rows, f"-{key}" if flipped else key, header_links(RATE_SORTS, key, flipped, descending)


# The map's colour classes (map.js has as many colours).
MAP_CLASSES = 5


def rate_classes(values) -> list[dict]:
    """The map's quantile classes of ``values`` (per 1,000 households; ``None`` unknown), lowest
    first: each ``{"upper": highest value in it (None for the last), "label": legend text}``.

    A value is in the first class whose ``upper`` it does not exceed, so the legend says "tot en
    met" the upper bound and "meer dan" the one below: no bound is in two classes (the legend said
    "0 – 10,9" and "10,9 – 13"). No values, no classes.
    """
    from django.utils.formats import number_format

    known = sorted(v for v in values if v is not None)
    if not known:
        return []
    limits: list[float] = []
    for i in range(1, MAP_CLASSES):
        value = known[(len(known) - 1) * i // MAP_CLASSES]
        if value not in limits:
            limits.append(value)
    classes = []
    for i, upper in enumerate(limits):
        if i == 0:
            label = gettext("tot en met %(upper)s") % {"upper": number_format(upper)}
        else:
            label = gettext("meer dan %(lower)s, tot en met %(upper)s") % {
                "lower": number_format(limits[i - 1]),
                "upper": number_format(upper),
            }
        classes.append({"upper": upper, "label": label})
    classes.append(
        {
            "upper": None,
            "label": gettext("meer dan %(lower)s") % {"lower": number_format(limits[-1])},
        }
    )
    return classes


def rates_feature_collection(neighbourhoods, rates: list[dict], *, url_for) -> dict:
    """GeoJSON of the neighbourhoods (geometry as imported) with their figures and a click-through URL,
    and the colour classes of the map and its legend (``klassen``, :func:`rate_classes`: a foreign
    member of the collection, RFC 7946 section 6.1)."""
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
    return {
        "type": "FeatureCollection",
        "features": features,
        "klassen": rate_classes(f["properties"]["per_1000"] for f in features),
    }


def _month_labels(months) -> list[str]:
    """``december 2025``: the months as the tables and chart axes show them (``months`` keeps ``2025-12``)."""
    from django.utils.formats import date_format

    return [date_format(m, "F Y") for m in months]


def _month_table(rows, series: list[str]) -> dict:
    """``[(month, series, n)]`` → ``{"months": [...], "labels": [...], "series": [{"name", "values"}]}``
    (zeros filled)."""
    months = sorted({m for m, _, _ in rows})
    cells = {(m, s): n for m, s, n in rows}
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "labels": _month_labels(months),
        "series": [{"name": s, "values": [cells.get((m, s), 0) for m in months]} for s in series],
    }


def _labelled(table: dict, labels: dict) -> dict:
    for series in table["series"]:
        series["name"] = str(labels.get(series["name"], series["name"]))
    return table


def monthly_trends(signals: QuerySet[Signal]) -> dict:
    """Signals per month (signal date) by creditor type and by kind, and the shares picked up (of
    the month's signals), reached (of those picked up) and helped (of those reached): :data:`SHARES`.

    By creditor type as the monitor counts it (``monitor.compute``, and the DDAS export its
    signaalpartners): a signal is under every type of which an arrear counted for it at any
    evaluation (a member), not only of those counting at the last one. A signal of December whose
    December arrears aged out and whose July arrear counts now is December's signal of the
    December creditors too; counting the current ones only gave the dashboard other numbers than
    the monitor under the same words, and a month's figures that shrink as its arrears age.

    Three queries, whatever the number of signals or months. Labels and month names are in the
    active language: cache the result per language.
    """
    from django.db.models.functions import TruncMonth

    signals = signals.order_by()  # an ordering would join the GROUP BY (see trays_with_counts)
    by_type = list(
        SignalArrear.objects.filter(signal__in=signals, role=SignalArrearRole.MEMBER)
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
        .annotate(
            total=Count("id"),
            picked=Count("id", filter=Q(status__in=PICKED_UP_STATUSES)),
            reached=Count("id", filter=Q(case__contacted_on__isnull=False)),
            helped=Count("id", filter=Q(case__offer_answer=HELPED_ANSWER)),
        )
        .values_list("month", "total", "picked", "reached", "helped")
    )
    types = [t for t in CreditorType.values if any(r[1] == t for r in by_type)]
    kinds = sorted({r[1] for r in by_kind})
    share_rows = sorted(picked)
    return {
        "by_type": _labelled(_month_table(by_type, types), dict(CreditorType.choices)),
        "by_kind": _labelled(_month_table(by_kind, kinds), dict(SignalKind.choices)),
        "picked_up": {
            "months": [row[0].strftime("%Y-%m") for row in share_rows],
            "labels": _month_labels(row[0] for row in share_rows),
            # The chart draws the series whose name starts with "%" (dashboard.js).
            "series": [
                {"name": gettext("Signalen"), "values": [row[1] for row in share_rows]},
                {"name": gettext("Opgepakt"), "values": [row[2] for row in share_rows]},
                {"name": gettext("Bereikt"), "values": [row[3] for row in share_rows]},
                {"name": gettext("Hulp aanvaard"), "values": [row[4] for row in share_rows]},
                # Each share of the step before it, as the monitor divides (docs/monitor.md): the
                # label says of what, so that the dashboard and the monitor mean the same.
                *(
                    {
                        "name": "% " + gettext(name),
                        "values": [share(row[i], row[whole]) for row in share_rows],
                    }
                    for i, whole, name in SHARES
                ),
            ],
        },
    }


# ---------------------------------------------------------------------------
# The monitor figures (stored by monitor.snapshot; read here, counts only)
# ---------------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal; ``None`` when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def per_thousand_inhabitants(signals: int, inhabitants: int | None) -> float | None:
    """Signals per 1,000 inhabitants, two decimals (a month has a few per 1,000)."""
    return round(signals * 1000 / inhabitants, 2) if inhabitants else None


def monitor_months(municipality) -> list:
    from .models import MonitorMonth

    return list(MonitorMonth.objects.filter(municipality=municipality).order_by("month"))


def chosen_month(months: list, wanted: str | None) -> tuple:
    """The month the monitor shows for ``?maand=JJJJ-MM`` among ``months`` (the latest when none is
    asked), and what the page says when the month asked for has no figures: which month was
    asked (when it has the shape of one: :func:`shown_code`) and which is shown instead."""
    from django.utils.formats import date_format

    latest = months[-1] if months else None
    wanted = (wanted or "").strip()
    if not wanted:
        return latest, ""
    chosen = next((m for m in months if m.month.strftime("%Y-%m") == wanted), None)
    if chosen is not None or latest is None:
        return chosen or latest, ""
    names = {"shown": date_format(latest.month, "F Y")}
    if shown_code("maand", wanted) is None:
        return latest, gettext(
            "De maand in de link is niet bekend (zoals 2026-03); de laatste maand met cijfers, "
            "%(shown)s, wordt getoond."
        ) % names
    return latest, gettext(
        "Voor %(month)s zijn er geen monitorcijfers; de laatste maand met cijfers, %(shown)s, "
        "wordt getoond."
    ) % {**names, "month": wanted}


def _figures_by_month(months) -> dict:
    """``{month_id: {(wijk_code, figure, category): value}}`` and the wijk names, in one query."""
    from .models import MonitorFigure

    values: dict[int, dict] = {m.pk: {} for m in months}
    names: dict[str, str] = {}
    for month_id, wijk, name, figure, category, value in MonitorFigure.objects.filter(
        monitor_month__in=[m.pk for m in months]
    ).values_list("monitor_month_id", "wijk_code", "wijk_name", "figure", "category", "value"):
        values[month_id][(wijk, figure, category)] = value
        if wijk:
            names[wijk] = name
    return {"values": values, "names": names}


def _core(cells: dict, wijk: str) -> dict:
    from .models import MonitorFigureKind as K

    def get(figure, category=""):
        return cells.get((wijk, figure, category), 0)

    signals, picked, reached, accepted = (
        get(K.SIGNALEN),
        get(K.OPGEPAKT),
        get(K.BEREIKT),
        get(K.HULP_AANVAARD),
    )
    inhabitants = cells.get((wijk, K.INWONERS, ""))
    return {
        "signals": signals,
        "inhabitants": inhabitants,
        "per_1000": per_thousand_inhabitants(signals, inhabitants),
        "single": get(K.SOORT_SIGNAAL, SignalKind.ENKELVOUDIG),
        "multiple": get(K.SOORT_SIGNAAL, SignalKind.MEERVOUDIG),
        "crisis": get(K.CRISIS),
        "repeat": get(K.HERHAALD),
        "picked": picked,
        "picked_share": share(picked, signals),
        "reached": reached,
        "reached_share": share(reached, picked),
        "accepted": accepted,
        "accepted_share": share(accepted, reached),
    }


def _wijk_name(code: str, names: dict) -> str:
    """The wijk's name as stored; the stored Dutch name of "no known wijk" in the page's language."""
    from .monitor import UNKNOWN, UNKNOWN_NAME

    return gettext(UNKNOWN_NAME) if code == UNKNOWN else names.get(code, code)


def frozen_reason(month_row) -> str:
    """Why a month is final: the stored reason, in the page's language when it is the purge's own."""
    from .monitor import FROZEN_REASON

    return (
        gettext(FROZEN_REASON)
        if month_row.frozen_reason == FROZEN_REASON
        else month_row.frozen_reason
    )


def monitor_month_tables(month_row) -> dict:
    """The tables of one month: core figures per wijk and in total, per creditor type, status, outcome."""
    from vroegsignaal.cases.models import Outcome

    from .models import MonitorFigureKind as K
    from .monitor import TOTAL, UNKNOWN

    data = _figures_by_month([month_row])
    cells, names = data["values"][month_row.pk], data["names"]
    wijken = sorted({w for w, _, _ in cells if w not in (TOTAL, UNKNOWN)})
    if any(w == UNKNOWN for w, _, _ in cells):
        wijken.append(UNKNOWN)
    total = _core(cells, TOTAL)

    def categories(figure: str, order, labels: dict) -> list[dict]:
        found = {c: v for (w, f, c), v in cells.items() if w == TOTAL and f == figure}
        keys = [c for c in order if c in found] + sorted(c for c in found if c not in order)
        return [
            {
                "category": c,
                "label": str(labels.get(c, c)),
                "count": found[c],
                "share": share(found[c], total["signals"]),
            }
            for c in keys
        ]

    return {
        "total": total,
        "wijken": [{"code": w, "name": _wijk_name(w, names), **_core(cells, w)} for w in wijken],
        "by_type": categories(K.SOORT_SCHULDEISER, CreditorType.values, dict(CreditorType.choices)),
        "by_status": categories(K.STATUS, SignalStatus.values, dict(SignalStatus.choices)),
        "by_outcome": categories(K.EINDRESULTAAT, Outcome.values, dict(Outcome.choices)),
    }


def monitor_trend(months) -> list[dict]:
    """The municipality's totals per month, oldest first (one query)."""
    from .monitor import TOTAL

    data = _figures_by_month(months)
    return [
        {"month": m, "frozen": m.is_frozen, **_core(data["values"][m.pk], TOTAL)} for m in months
    ]


def monitor_kind_table(trend: list[dict]) -> dict:
    """Single and multiple signals per month, in the shape of the dashboard's trend tables."""
    return {
        "months": [row["month"].month.strftime("%Y-%m") for row in trend],
        "labels": _month_labels(row["month"].month for row in trend),
        "series": [
            {"name": str(SignalKind.ENKELVOUDIG.label), "values": [row["single"] for row in trend]},
            {
                "name": str(SignalKind.MEERVOUDIG.label),
                "values": [row["multiple"] for row in trend],
            },
        ],
    }


MONITOR_EXPORT_COLUMNS = (
    "gemeentecode", "maand", "wijkcode", "wijk", "cijfer", "categorie", "aantal", "definitief",
)  # fmt: skip


def monitor_export_rows(municipality) -> list[dict]:
    """Every stored figure of the municipality, one row each (long format), in month and wijk order.

    In Dutch whatever the page's language: the download leaves the system.
    """
    from django.utils import translation

    from .models import MonitorFigure, MonitorFigureKind
    from .monitor import TOTAL

    with translation.override("nl"):
        labels = {value: str(label) for value, label in MonitorFigureKind.choices}
    rows = []
    for month, frozen_at, wijk, name, figure, category, value in (
        MonitorFigure.objects.filter(monitor_month__municipality=municipality)
        .order_by("monitor_month__month", "wijk_code", "figure", "category")
        .values_list(
            "monitor_month__month",
            "monitor_month__frozen_at",
            "wijk_code",
            "wijk_name",
            "figure",
            "category",
            "value",
        )
    ):
        rows.append(
            {
                "gemeentecode": municipality.code,
                "maand": month.strftime("%Y-%m"),
                "wijkcode": wijk,
                "wijk": name if wijk != TOTAL else "Hele gemeente",
                "cijfer": str(labels.get(figure, figure)),
                "categorie": category,
                "aantal": value,
                "definitief": "ja" if frozen_at else "nee",
            }
        )
    return rows


def write_monitor_csv(rows: list[dict], output) -> None:
    """``;``-separated UTF-8, as the signal export (spec section 5); formula triggers neutralised."""
    from vroegsignaal.intake.spreadsheet_safety import csv_lines

    lines = csv_lines(
        MONITOR_EXPORT_COLUMNS, ([row[c] for c in MONITOR_EXPORT_COLUMNS] for row in rows)
    )
    output.write("".join(lines).encode("utf-8"))


def write_monitor_xlsx(rows: list[dict], output) -> None:
    """One sheet ``monitor``; text as string cells (never formulas), counts as numbers."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("monitor")
    for col, name in enumerate(MONITOR_EXPORT_COLUMNS):
        sheet.write_string(0, col, name)
    for r, row in enumerate(rows, start=1):
        for col, name in enumerate(MONITOR_EXPORT_COLUMNS):
            if name == "aantal":
                sheet.write_number(r, col, int(row[name]))
            else:
                sheet.write_string(r, col, str(row[name]))
    sheet.freeze_panes(1, 0)
    workbook.close()
    output.write(buffer.getvalue())


def active_filter_count(tray_filter: TrayFilter) -> int:
    """How many filters narrow the tray (the folded filters' summary says so on a phone): each
    one set, each ticked flag; not the sort order, nor the status when it is the default (open)."""
    params = tray_filter.as_params()
    params.pop("sorteer", None)
    if params.get("status") == OPEN:
        del params["status"]
    if params.get("slapend") == DORMANT_HIDE:
        del params["slapend"]
    return len(params)
