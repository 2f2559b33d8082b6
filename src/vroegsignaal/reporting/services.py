"""What the coordinator does on the reporting screens: open a household, export a tray,
the monitor figures and the DDAS export.

Opening a household and the exports write an audit event with the purpose
(``privacy.services.record``); the monitor figures are counts only. The views hand in objects and querysets that
already passed the scoping layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from vroegsignaal.households.selectors import household_persons
from vroegsignaal.organisations.models import Role
from vroegsignaal.paths import atomic_output
from vroegsignaal.portal.forms import refusal_text
from vroegsignaal.privacy.services import PURPOSE_LABELS, AuditAction, record
from vroegsignaal.signals.exports import (
    COLUMNS,
    CONTACT_COLUMNS,
    SLEEPING_HIDE,
    export_rows,
    export_signals,
    write_csv,
    write_xlsx,
)
from vroegsignaal.signals.exports import (
    FORMATS as EXPORT_FORMATS,
)
from vroegsignaal.signals.models import SignalStatus

from . import search

# Why a user opens a household: chosen before the persons are shown, so that each opening is
# recorded once, with the purpose the user actually had. Their labels are the audit log's.
PURPOSES = {
    code: PURPOSE_LABELS[code]
    for code in ("signaalbehandeling", "hulpverlening", "kwaliteitscontrole")
}
# The purpose the choice starts on: a coordinator handles signals, a wijkteam worker (who only
# opens the households of the team's cases) works a case. Only a suggestion: nothing is recorded
# with it until the user opens the household with a purpose.
DEFAULT_PURPOSE = "signaalbehandeling"
ROLE_PURPOSES = {Role.HULPVERLENER: "hulpverlening"}
# The purpose the tray's links carry: opening a signal's household from a tray is signal work.
TRAY_PURPOSE = "signaalbehandeling"
# Roles that see the persons of a household decrypted.
ROLES_SEEING_PERSONS = frozenset({Role.COORDINATOR, Role.HULPVERLENER})
PERSONAL_DATA_PERMISSION = "reporting.export_personal_data"


def default_purpose(user=None) -> str:
    """The purpose the user's choice starts on (their role's usual work); never recorded by itself."""
    return ROLE_PURPOSES.get(getattr(user, "role", None), DEFAULT_PURPOSE)


def chosen_purpose(value: str | None) -> str | None:
    """``value`` when it is a known purpose; ``None`` when the user has not (validly) chosen one."""
    return value if value in PURPOSES else None


def open_household(user, household, *, purpose: str, request=None) -> list:
    """Record that ``user`` opened the household for ``purpose`` (one they chose: see
    :func:`chosen_purpose`); the persons they may see, decrypted."""
    if purpose not in PURPOSES:
        raise ValueError(f"Onbekend doel van inzage '{purpose}'.")
    record(user, AuditAction.VIEW, household, purpose=purpose, request=request)
    if user.role not in ROLES_SEEING_PERSONS:
        return []
    return household_persons(household)


def record_tray_view(user, tray, page, *, query: str = "", request=None) -> None:
    """A tray page shows the addresses of its signals: who saw which page is in the audit log."""
    record(
        user, AuditAction.VIEW, tray, purpose="werkbakje bekeken", request=request,
        details={"pagina": page.number, "signalen": len(page.object_list), "filter": query[:500]},
    )  # fmt: skip


def search_households(user, criteria: dict, *, request=None) -> tuple[list, bool]:
    """The households at an address (see :mod:`.search`), with the search in the audit log.

    Finding a household tells that its residents have arrears: each household found gets a
    view event (``zoeken``) in its own trail; a search that finds none is one event without
    an object. Neither holds the address typed, only counts and ids."""
    found, more = search.households_at(user, criteria)
    details = {"zoekopdracht": "adres", "gevonden": len(found)}
    for item in found:
        record(user, AuditAction.VIEW, item.household, purpose="zoeken", request=request,
               details=details)  # fmt: skip
    if not found:
        record(user, AuditAction.VIEW, object_type="households.household", purpose="zoeken",
               request=request, details=details)  # fmt: skip
    return found, more


def find_case(user, number: int, *, request=None):
    """The case with that number if ``user`` may see it (its page records the view itself).
    A number that finds none is recorded without the number (someone may type a BSN there),
    so that trying numbers still shows in the log."""
    case = search.case_numbered(user, number)
    if case is None:
        record(user, AuditAction.VIEW, object_type="cases.case", purpose="zoeken", request=request,
               details={"zoekopdracht": "zaak", "gevonden": 0})  # fmt: skip
    return case


def may_export_personal_data(user) -> bool:
    return user.has_perm(PERSONAL_DATA_PERMISSION)


def tray_export_name(tray, on: dt.date) -> str:
    """The download's file name without extension: ``werkbakje-<the tray's name as an ASCII slug>-<date>``
    (``werkbakje-jongeren-27-2026-03-01``); a name without a letter or digit to keep, its id."""
    from django.utils.text import slugify

    return f"werkbakje-{slugify(tray.name)[:60].strip('-') or tray.pk}-{on.isoformat()}"


def export_tray(
    user,
    tray,
    signals: QuerySet,
    output: IO[bytes],
    *,
    fmt: str = "xlsx",
    query: str = "",
    request=None,
) -> int:
    """Write the spec section 5 export of ``signals`` (the tray's current filter, in its sort order)
    as XLSX or CSV; audited.

    The spec's columns, as the command writes them (a sleeping signal is not marked: spec section
    5 allows only the persons' names and contact details more; by default the tray and so its file
    leave sleeping signals out); the persons' names and contact details are added for a user holding
    ``reporting.export_personal_data``. The file is in Dutch whatever the
    page's language: its columns and values are fixed by the specification.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Onbekend formaat '{fmt}'; kies csv of xlsx.")
    contacts = may_export_personal_data(user)
    columns = (*COLUMNS, *(CONTACT_COLUMNS if contacts else ()))
    with translation.override("nl"):
        rows = export_rows(signals, with_contacts=contacts)  # in the page's order
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, output, columns)
    record(
        user,
        AuditAction.EXPORT,
        tray,
        purpose="export werkbakje",
        request=request,
        details={
            "rijen": len(rows),
            "formaat": fmt,
            "contactgegevens": contacts,
            "filter": query[:500],
        },
    )
    return len(rows)


def export_municipality(
    user, output: IO[bytes], *, status: str | None, fmt: str, request=None,
    sleeping: str = SLEEPING_HIDE,
) -> int:  # fmt: skip
    """All signals of the user's municipality that they may see, as the command exports them; audited.

    Without the sleeping signals, as the trays list them, or (``sleeping="alleen"``) only those.
    The names and contact details are added for a user holding ``reporting.export_personal_data``.
    """
    return export_signals(
        output, municipality=user.municipality, user=user, status=status, fmt=fmt, request=request,
        with_contacts=may_export_personal_data(user), sleeping=sleeping,
    )  # fmt: skip


# ---------------------------------------------------------------------------
# Bulk actions from the tray (the cases app does the work, one signal at a time)
# ---------------------------------------------------------------------------

PICK_UP, ASSIGN, NOT_PICKED_UP = "oppakken", "toewijzen", "niet_opgepakt"
BULK_ACTIONS = {
    PICK_UP: _("Oppakken"),
    ASSIGN: _("Toewijzen aan wijkteam (een nieuw signaal wordt daarbij opgepakt)"),
    NOT_PICKED_UP: _("Niet oppakken"),
}


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    # (signal id, why) for each signal the action did not apply to
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # the cases the action opened or assigned, by number, so the message can name them
    case_ids: list[int] = field(default_factory=list)
    # of those, the ones without a wijkteam (no hulpverlener sees them until one is assigned)
    without_team: list[int] = field(default_factory=list)

    def messages(self, action: str, team=None) -> list[tuple[str, str]]:
        """What the coordinator is told, as (level, text): per action, naming the cases; in the page's language."""
        n = len(self.done)
        if not n:
            return []
        cases = ", ".join(str(i) for i in self.case_ids)
        if action == NOT_PICKED_UP:
            return [
                (
                    "success",
                    ngettext("%(n)d signaal niet opgepakt.", "%(n)d signalen niet opgepakt.", n)
                    % {"n": n},
                )
            ]
        if action == ASSIGN:
            told = ngettext(
                "%(n)d signaal toegewezen aan %(team)s (zaak %(cases)s); een nieuw signaal is daarbij opgepakt.",
                "%(n)d signalen toegewezen aan %(team)s (zaken %(cases)s); nieuwe signalen zijn daarbij opgepakt.",
                n,
            ) % {"n": n, "team": team.name, "cases": cases}  # fmt: skip
        elif team is not None:
            told = ngettext(
                "%(n)d signaal opgepakt voor %(team)s (zaak %(cases)s).",
                "%(n)d signalen opgepakt voor %(team)s (zaken %(cases)s).", n,
            ) % {"n": n, "team": team.name, "cases": cases}  # fmt: skip
        else:
            told = ngettext(
                "%(n)d signaal opgepakt (zaak %(cases)s).",
                "%(n)d signalen opgepakt (zaken %(cases)s).",
                n,
            ) % {"n": n, "cases": cases}
        lines = [("success", told)]
        if self.without_team:
            lone = len(self.without_team)
            lines.append((
                "warning",
                ngettext(
                    "Zaak %(cases)s heeft geen wijkteam: wijs er een toe, anders ziet geen hulpverlener ze.",
                    "Zaken %(cases)s hebben geen wijkteam: wijs er een toe, anders ziet geen hulpverlener ze.",
                    lone,
                ) % {"cases": ", ".join(str(i) for i in self.without_team)},
            ))  # fmt: skip
        return lines


def bulk_action(user, signals, action: str, *, team=None, reason: str = "") -> BulkResult:
    """Apply a tray action to each of ``signals`` (scoped by the caller) through the cases services.

    ``oppakken`` picks a signal up (a case opens, assigned to ``team`` when
    given); ``toewijzen`` gives the signal's case to ``team``, picking the signal
    up first when it has no case yet; ``niet_opgepakt`` declines it with a DDAS
    ``EnumSignaalstatus`` reason. A signal the action does not fit (already
    picked up, closed) is skipped with the reason, the others go ahead.
    """
    from vroegsignaal.cases import services as case_services
    from vroegsignaal.cases.models import Case, NotPickedUpReason
    from vroegsignaal.cases.workflow import InvalidTransition as CaseTransition
    from vroegsignaal.signals.workflow import InvalidTransition as SignalTransition

    # The refusals are shown on the tray page: in the page's language.
    if action not in BULK_ACTIONS:
        raise ValueError(gettext("Onbekende actie '%(action)s'.") % {"action": action})
    if action == ASSIGN and team is None:
        raise ValueError(gettext("Kies een wijkteam om aan toe te wijzen."))
    if action == NOT_PICKED_UP and reason not in NotPickedUpReason.values:
        raise ValueError(gettext("Kies een reden waarom de signalen niet worden opgepakt."))
    result = BulkResult()
    cases = {c.signal_id: c for c in Case.objects.filter(signal__in=signals)}
    for signal in signals:
        try:
            case = None
            if action == PICK_UP:
                case = case_services.pick_up_signal(signal, user, team=team)
            elif action == ASSIGN and signal.pk in cases:
                case = case_services.assign(cases[signal.pk], user, team=team)
            elif action == ASSIGN:
                case = case_services.pick_up_signal(signal, user, team=team)
            else:
                case_services.mark_not_picked_up(signal, user, reason)
        except (CaseTransition, SignalTransition, ValidationError, PermissionDenied) as error:
            result.skipped.append((signal.pk, refusal_text(error)))
        else:
            result.done.append(signal.pk)
            if case is not None:
                result.case_ids.append(case.pk)
                if case.team_id is None:
                    result.without_team.append(case.pk)
    return result


def signals_to_pick_up(user, signals) -> list:
    """Of ``signals`` (scoped by the caller), those ``user`` may pick up or decline from the
    household page: a coordinator's signals that are still new (the cases app's pick-up and
    not-picked-up are the coordinator's)."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        return []
    return [s for s in signals if s.status == SignalStatus.NIEUW]


def not_picked_up_reasons() -> list[tuple[str, str]]:
    """DDAS ``EnumSignaalstatus`` reasons for declining a signal (from the cases app)."""
    from vroegsignaal.cases.models import NotPickedUpReason

    return list(NotPickedUpReason.choices)


# ---------------------------------------------------------------------------
# Monitor figures (Divosa monitor vroegsignalering) — see monitor.py and docs/monitor.md
# ---------------------------------------------------------------------------

# The page recomputes when a signal or case changed since the last snapshot, or when it is older than this.
MONITOR_MAX_AGE = dt.timedelta(hours=1)


def snapshot_monitor_figures(municipality, *, through: dt.date | None = None) -> int:
    """(Re)compute and store the monitor figures of every month with data up to ``through`` (default today).

    Idempotent; returns the number of figure rows written. The retention purge
    calls this before it deletes anything: a month whose data later shrinks
    keeps these figures and becomes final (``MonitorMonth.frozen_at``).
    """
    from . import monitor

    return monitor.snapshot(municipality, through=through)


def freeze_monitor_figures(municipality, *, through: dt.date) -> int:
    """Make the stored figures of the months up to ``through`` final (never recomputed); months frozen."""
    from . import monitor

    return monitor.freeze(municipality, through=through)


def refresh_monitor_figures(municipality) -> bool:
    """Snapshot when the stored figures may be behind the data (the monitor page calls this); whether it did."""
    from . import monitor

    if not monitor.is_stale(municipality, max_age=MONITOR_MAX_AGE):
        return False
    monitor.snapshot(municipality)
    return True


def export_monitor_figures(user, municipality, output: IO[bytes], *, fmt: str, request=None) -> int:
    """Write the stored monitor figures of ``municipality`` as CSV or XLSX (counts only); audited.

    The file is in Dutch whatever the page's language (see ``monitor_export_rows``).
    """
    from .selectors import monitor_export_rows, write_monitor_csv, write_monitor_xlsx

    with translation.override("nl"):
        rows = monitor_export_rows(municipality)
        (write_monitor_csv if fmt == "csv" else write_monitor_xlsx)(rows, output)
    record(
        user, AuditAction.EXPORT, municipality, purpose="export monitorcijfers", request=request,
        details={"rijen": len(rows), "formaat": fmt},
    )  # fmt: skip
    return len(rows)


# ---------------------------------------------------------------------------
# DDAS-vroegsignalering export (spec section 6) — see ddas.py and docs/ddas.md
# ---------------------------------------------------------------------------


def export_ddas(
    municipality,
    start: dt.date,
    end: dt.date,
    output,
    *,
    user=None,
    request=None,
    supplier=None,
    overwrite: bool = True,
):
    """Write the period's signals and cases in the DDAS v0.9 exchange model to ``output`` (path or stream).

    Validated against the schema before anything is written
    (:class:`.ddas.DdasExportInvalid`); a path is written through a temporary
    file (:func:`vroegsignaal.paths.atomic_output`) that takes its name only after the export
    is in the audit log: when the event cannot be written there is no file, and an earlier file
    stays as it was. Audited (as ``user``, or as the system). Returns a
    :class:`.ddas.DdasSummary`.
    """
    from . import ddas

    data, summary = ddas.export(municipality, start, end, supplier=supplier or ddas.SUPPLIER_CODE)
    if isinstance(output, (str, Path)):
        with atomic_output(output, overwrite=overwrite) as stream:
            stream.write(data)
            _record_ddas_export(user, municipality, start, end, summary, request)
    else:
        output.write(data)
        _record_ddas_export(user, municipality, start, end, summary, request)
    return summary


def _record_ddas_export(user, municipality, start, end, summary, request) -> None:
    record(
        user, AuditAction.EXPORT, municipality, purpose="DDAS-export", request=request,
        details={
            "van": start.isoformat(), "tot": end.isoformat(),
            "vroegsignalen": summary.signals, "vroegsignaalzaken": summary.cases,
        },
    )  # fmt: skip


class DdasDownloadRefused(Exception):
    """Why the coordinator's DDAS download was refused, in the page's language; nothing was written
    or audited."""


def download_ddas(municipality, start: dt.date, end: dt.date, output, *, user, request=None):
    """The coordinator's DDAS download of ``start`` … ``end``: :func:`export_ddas`, or
    :class:`DdasDownloadRefused` when the period runs the wrong way, holds no signal (an empty
    file is no answer; the monitor offers its other downloads only when there are figures), or
    the document does not validate."""
    from django.utils.formats import date_format

    from vroegsignaal.signals.models import Signal

    from .ddas import DdasExportInvalid

    if start > end:
        raise DdasDownloadRefused(gettext("De begindatum ligt na de einddatum."))
    if not Signal.objects.filter(
        municipality=municipality, signal_date__gte=start, signal_date__lte=end
    ).exists():
        # The page says above it that nothing was downloaded ("Het DDAS-bestand is niet
        # gedownload."): the reason alone, not that again.
        raise DdasDownloadRefused(
            gettext(
                "Er zijn geen signalen met een signaaldatum van %(start)s tot en met %(end)s."
                " Kies een andere periode."
            ) % {"start": date_format(start, "j F Y"), "end": date_format(end, "j F Y")}
        )  # fmt: skip
    try:
        return export_ddas(municipality, start, end, output, user=user, request=request)
    except DdasExportInvalid as error:  # in the page's language
        raise DdasDownloadRefused(error.describe()[:500]) from error
