"""Reads for the privacy officer: the audit log searched, retention runs, audit checks.

Everything goes through the scoping layer: a privacy officer of a
municipality sees the events scoped to that municipality (its users' actions
and actions on its objects, see ``audit.record``), its own retention runs and
its own checks; a platform-wide officer (no municipality) sees everything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vroegsignaal.organisations.models import Creditor, Municipality, Role, Team
from vroegsignaal.organisations.scoping import scoped

from .audit import PLATFORM_ORGANISATION, SYSTEM_ORGANISATION, organisation_label  # noqa: F401 - the views use it here
from .models import AuditAction, AuditEvent, AuditVerification, RetentionRun, VerificationScope

AUDIT_PAGE_SIZE = 50


def is_privacy_officer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.PRIVACY_OFFICER)


# The dates a search of the audit log takes. Further out a day means nothing here (the log starts
# with the platform), and a day more or less, or the time zone, would not fit a date (a 500).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _any_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _date(value: str) -> dt.date | None:
    day = _any_date(value)
    return day if day is not None and EARLIEST <= day <= LATEST else None


# An object id as the log writes it: a primary key, or a range of them (``12-15``: a page of the
# audit log read, a read of feedback).
OBJECT_ID = re.compile(r"[0-9]{1,20}(-[0-9]{1,20})?")
# An organisation as the log writes it (``audit._actor_fields``): ``gemeente 0363``,
# ``wijkteam T-NOORD``, ``schuldeiser WOONBRUG``, ``systeem``, ``platform``.
ORGANISATION = re.compile(
    rf"(gemeente|wijkteam|schuldeiser) \S.*|{SYSTEM_ORGANISATION}|{PLATFORM_ORGANISATION}"
)


def _typed(query: QueryDict, name: str) -> str:
    # No NUL: nothing stored holds one, and PostgreSQL refuses it in a query (a 500).
    return (query.get(name) or "").replace("\x00", "").strip()[:150]


@dataclass(frozen=True)
class AuditQuery:
    """The search of the audit log, as it stands in the URL (so filters stay put)."""

    gebruiker: str = ""  # actor_username, exactly
    organisatie: str = ""  # e.g. "gemeente 0363", "wijkteam NOORD", "schuldeiser WOONBRUG"
    handeling: str = ""  # AuditAction code
    soort: str = ""  # object_type, e.g. "cases.case"
    object: str = ""  # object_id
    van: str = ""  # ISO date, inclusive
    tot: str = ""  # ISO date, inclusive

    @classmethod
    def from_get(cls, query: QueryDict) -> AuditQuery:
        """The search, less what cannot be read (:func:`audit_query_problems` says which).

        The kind of object is checked against the log by :func:`read_audit_query`."""
        values = {f.name: _typed(query, f.name) for f in fields(cls)}
        if values["handeling"] not in AuditAction.values:
            values["handeling"] = ""
        if not OBJECT_ID.fullmatch(values["object"]):
            values["object"] = ""
        if not ORGANISATION.fullmatch(values["organisatie"]):
            values["organisatie"] = ""
        for name in ("van", "tot"):
            day = _date(values[name])
            values[name] = day.isoformat() if day else ""
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def urlencode(self) -> str:
        return urlencode(self.as_params())

    def apply(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.gebruiker:
            qs = qs.filter(actor_username=self.gebruiker)
        if self.organisatie:
            qs = qs.filter(organisation=self.organisatie)
        if self.handeling:
            qs = qs.filter(action=self.handeling)
        if self.soort:
            qs = qs.filter(object_type=self.soort)
        if self.object:
            qs = qs.filter(object_id=self.object)
        tz = timezone.get_current_timezone()
        if self.van:
            start = dt.datetime.combine(dt.date.fromisoformat(self.van), dt.time.min, tzinfo=tz)
            qs = qs.filter(timestamp__gte=start)
        if self.tot:
            end = dt.date.fromisoformat(self.tot) + dt.timedelta(days=1)
            qs = qs.filter(timestamp__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz))
        return qs


def read_audit_query(user, raw: QueryDict) -> tuple[AuditQuery, list[str]]:
    """The search of the audit log as ``user`` typed it, less each filter that cannot be read,
    and what was left out and why (said on the page; the export refuses such a search).

    A kind of object is read when it is one of the project's models (the list) or a kind the
    log holds for ``user`` (``database``: the backup), one look-up on ``audit_object_idx``."""
    query = AuditQuery.from_get(raw)
    if query.soort and not _known_object_type(user, query.soort):
        query = replace(query, soort="")
    return query, audit_query_problems(raw, query)


def _known_object_type(user, value: str) -> bool:
    return (
        value in object_type_labels() or scoped(user, AuditEvent).filter(object_type=value).exists()
    )


def audit_query_problems(raw: QueryDict, query: AuditQuery) -> list[str]:
    """Why a search may find nothing for a reason other than the log: said, not silently empty."""
    problems = []
    left_out = (
        ("organisatie", _("„Organisatie” is geen organisatie zoals het auditlog die schrijft; dat filter is weggelaten.")),
        ("handeling", _("„Handeling” is geen handeling die het auditlog kent; dat filter is weggelaten.")),
        ("soort", _("„Soort object” is geen soort die in het auditlog voorkomt; dat filter is weggelaten.")),
        ("object", _("„Object-id” is geen nummer; dat filter is weggelaten.")),
    )  # fmt: skip
    for name, problem in left_out:
        if _typed(raw, name) and not getattr(query, name):
            problems.append(problem)
    for name, label in (("van", _("Van")), ("tot", _("Tot en met"))):
        typed = (raw.get(name) or "").strip()
        if typed and not getattr(query, name):
            if _any_date(typed[:150]) is not None:
                problems.append(
                    _(
                        "„%(label)s” ligt niet tussen %(earliest)s en %(latest)s; dat filter is weggelaten."
                    )
                    % {"label": label, "earliest": EARLIEST.year, "latest": LATEST.year}
                )
            else:
                problems.append(
                    _("„%(label)s” is geen datum (JJJJ-MM-DD); dat filter is weggelaten.")
                    % {"label": label}
                )
    if query.van and query.tot and query.van > query.tot:
        problems.append(_("De periode begint na haar einde: kies een „Van” vóór „Tot en met”."))
    return problems


def audit_events(user, query: AuditQuery) -> QuerySet[AuditEvent]:
    """The events ``user`` may see that match ``query``, newest first."""
    return query.apply(scoped(user, AuditEvent)).order_by("-seq")


@dataclass
class AuditPage:
    """One page of events by sequence number (no COUNT over millions of rows)."""

    events: list[AuditEvent]
    newer: int | None  # pass as ``na`` for the newer page
    older: int | None  # pass as ``voor`` for the older page


def audit_page(events: QuerySet[AuditEvent], *, before: int | None, after: int | None) -> AuditPage:
    size = AUDIT_PAGE_SIZE
    if after is not None:
        rows = list(events.filter(seq__gt=after).order_by("seq")[: size + 1])
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = events.filter(seq__lte=after).exists()
    else:
        if before is not None:
            events = events.filter(seq__lt=before)
        rows = list(events[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None and bool(rows)
    return AuditPage(
        events=rows,
        newer=rows[0].seq if rows and has_newer else None,
        older=rows[-1].seq if rows and has_older else None,
    )


def _kind_and_name(kind: str, shown_kind: str, name: str, code: str) -> str:
    """``Wijkteam Noord (T-NOORD)``, not ``Wijkteam Wijkteam Noord``: the kind only when the name
    lacks it. ``kind`` is the Dutch word the names start with, ``shown_kind`` it in the page's language."""
    if name.lower().startswith((kind.lower(), shown_kind.lower())):
        return f"{name} ({code})"
    return f"{shown_kind} {name} ({code})"


def organisation_choices(user, selected: str = "") -> list[tuple[str, str]]:
    """The organisations whose events the officer can look for, as stored in the log.

    ``selected`` (the search's, readable) is added when it is not among them — a creditor whose
    covenant ended still has its events — so the list shows what is searched for."""
    choices = [("", _("Alle organisaties"))]
    municipality, team, creditor = _("Gemeente"), _("Wijkteam"), _("Schuldeiser")
    for m in scoped(user, Municipality).order_by("code"):
        choices.append(
            (f"gemeente {m.code}", _kind_and_name("Gemeente", municipality, m.name, m.code))
        )
    for t in scoped(user, Team).order_by("code"):
        choices.append((f"wijkteam {t.code}", _kind_and_name("Wijkteam", team, t.name, t.code)))
    for c in scoped(user, Creditor).order_by("code"):
        choices.append(
            (f"schuldeiser {c.code}", _kind_and_name("Schuldeiser", creditor, c.name, c.code))
        )
    choices.append((SYSTEM_ORGANISATION, _("Het systeem zelf")))
    if user.municipality_id is None:
        choices.append((PLATFORM_ORGANISATION, _("Beheer van het platform")))
    if selected and selected not in {value for value, _label in choices}:
        choices.append((selected, organisation_label(selected)))
    return choices


def object_type_labels() -> dict[str, str]:
    """``households.household`` → ``huishouden``: how the log's object types read (in the page's language)."""
    return {
        model._meta.label_lower: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model.__module__.startswith("vroegsignaal.")
    }


def object_type_choices(selected: str = "") -> list[tuple[str, str]]:
    """The project's models, as ``object_type`` stores them (``app_label.model``), by their name.

    The officer reads "Achterstand", not ``households.arrear``; the code is added only
    where two models would read the same. ``selected`` (the search's, readable: a kind the log
    holds that is no model, ``database``) is added by its code when it is not among them."""
    named = [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in apps.get_models()
        if model.__module__.startswith("vroegsignaal.")
    ]
    seen = Counter(name for _label, name in named)
    choices = [(label, name if seen[name] == 1 else f"{name} ({label})") for label, name in named]
    if selected and selected not in {label for label, _name in named}:
        choices.append((selected, selected))
    return [("", _("Alle soorten")), *sorted(choices, key=lambda c: c[1].lower())]


def retention_runs(user) -> QuerySet[RetentionRun]:
    return scoped(user, RetentionRun).select_related("municipality").order_by("-started_at", "-id")


def verifications(user) -> QuerySet[AuditVerification]:
    return (
        scoped(user, AuditVerification)
        .select_related("requested_by", "municipality")
        .order_by("-requested_at", "-id")
    )


def latest_chain_verdict(user) -> AuditVerification | None:
    """The last check of the whole chain that came to a verdict (intact or not), if ``user`` may
    see one: only it proves that nothing was deleted, so the page keeps it in view."""
    return (
        verifications(user)
        .filter(scope_kind=VerificationScope.CHAIN, finished_at__isnull=False, ok__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )
