"""The signal export of spec section 5 (CSV and XLSX), behind the command and the portal's download.

One row per signal, the columns of :data:`COLUMNS` in that order. The rows
come through the scoping layer for a user; ``user=None`` is the system (the
command line, run by an operator with access to the database anyway), which
exports the whole municipality. Every export is recorded in the audit log.

Sleeping signals (open, ``dormant_since`` set: none of their arrears counts now) are left
out unless asked for alone (:data:`SLEEPING_CHOICES`), as the portal's trays list them: the
spec's ``status`` has no value for them and section 5 allows no column but the contact
details more, while its ``schuldeisers`` and ``totaal_bedrag`` are those of the arrears that
count, which a sleeping signal has none of. A file therefore holds awake signals or only
sleeping ones, never both unmarked.

Text cells that a spreadsheet would evaluate (starting with ``=``, ``+``,
``-``, ``@``, …) get a leading ``'`` in CSV; in XLSX every text cell is
written as a string cell, which no spreadsheet evaluates, so it keeps its
exact value.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import IO, Literal

from django.db.models import Q
from django.utils import translation

from vroegsignaal.households.models import ANONYMOUS_PREFIX
from vroegsignaal.households.selectors import persons_of_households
from vroegsignaal.intake.spreadsheet_safety import csv_lines
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.paths import atomic_output
from vroegsignaal.privacy.services import AuditAction, record

from .models import OPEN_STATUSES, Signal, SignalArrear, SignalStatus

Format = Literal["csv", "xlsx"]
FORMATS = ("csv", "xlsx")
OPEN = "open"  # --status open: nieuw and opgepakt

COLUMNS = (
    "signaal_id", "gemeentecode", "wijkcode", "buurtcode", "postcode", "huisnummer",
    "huisletter", "huisnummertoevoeging", "straatnaam", "woonplaats", "soort", "crisis",
    "herhaald", "schuldverschuiving", "aantal_schuldeisers", "schuldeisers", "totaal_bedrag",
    "oudste_ontstaansdatum", "werkbakje", "status", "signaaldatum",
)  # fmt: skip
# The portal adds these after the spec's columns for a user allowed to export names and
# contact details (spec section 5: "may add"); the command never does.
CONTACT_COLUMNS = ("namen", "telefoonnummers", "emailadressen")
# Written as numbers in XLSX; everything else is text.
NUMERIC = {"signaal_id", "huisnummer", "aantal_schuldeisers", "totaal_bedrag"}
# Written as date cells in XLSX (shown as yyyy-mm-dd), so that a spreadsheet sorts and filters them as dates.
DATES = {"oudste_ontstaansdatum", "signaaldatum"}


# Sleeping signals: left out (the default), or only they; the words of the tray's ``slapend``.
SLEEPING_HIDE, SLEEPING_ONLY = "verbergen", "alleen"
SLEEPING_CHOICES = (SLEEPING_HIDE, SLEEPING_ONLY)
# A sleeping signal is an open one with ``dormant_since`` (a closed one may keep the day).
SLEEPING = Q(status__in=OPEN_STATUSES, dormant_since__isnull=False)


def status_choices() -> tuple[str, ...]:
    return (OPEN, *SignalStatus.values)


def signals_for_export(
    municipality: Municipality,
    *,
    user=None,
    status: str | None = None,
    sleeping: str = SLEEPING_HIDE,
):
    """The municipality's signals that ``user`` may see (all of them for the system), by id;
    without the sleeping ones, or (``sleeping="alleen"``) only those."""
    if sleeping not in SLEEPING_CHOICES:
        raise ValueError(
            f"Onbekende keuze '{sleeping}' voor slapende signalen; kies uit "
            f"{', '.join(SLEEPING_CHOICES)}."
        )
    qs = Signal.objects.filter(municipality=municipality)
    qs = qs.filter(SLEEPING) if sleeping == SLEEPING_ONLY else qs.exclude(SLEEPING)
    if user is not None:
        qs = scoped(user, qs)
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        if status not in SignalStatus.values:
            raise ValueError(
                f"Onbekende status '{status}'; kies uit {', '.join(status_choices())}."
            )
        qs = qs.filter(status=status)
    return qs.order_by("id")


def _yes_no(value: bool) -> str:
    return "ja" if value else "nee"


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{rest:02d}"


def _unregistered(text: str) -> tuple[str, int | None, str, str]:
    """``1234AB|12|A|2`` (an address outside the register) into its parts.

    An anonymised household (``anoniem:<gemeentecode>``, after retention) has no address: empty parts.
    """
    if text.startswith(ANONYMOUS_PREFIX):
        return "", None, "", ""
    parts = (text.split("|") + ["", "", "", ""])[:4]
    number = int(parts[1]) if parts[1].isdigit() else None
    return parts[0], number, parts[2], parts[3]


def export_rows(signals, *, with_contacts: bool = False) -> list[dict]:
    """The export's rows (values as the CSV writes them, numbers as ``int``) for a signal queryset.

    ``with_contacts`` adds :data:`CONTACT_COLUMNS`: the household's persons
    (oldest first), decrypted, each list joined by ``", "``.
    """
    creditors: dict[int, set[str]] = {}
    for signal_id, code in SignalArrear.objects.filter(signal__in=signals, counts=True).values_list(
        "signal_id", "arrear__creditor__code"
    ):
        creditors.setdefault(signal_id, set()).add(code)
    address = "household__address__"
    rows = []
    for s in signals.values(
        "id", "municipality__code", f"{address}buurt__wijk__code", f"{address}buurt__code",
        f"{address}buurtcode", f"{address}postcode", f"{address}huisnummer", f"{address}huisletter",
        f"{address}toevoeging", f"{address}straatnaam", f"{address}woonplaats",
        "household__unregistered_address", "kind", "crisis", "repeat", "debt_swap", "creditor_count",
        "total_amount_cents", "oldest_start_date", "tray__name", "status", "signal_date",
    ):  # fmt: skip
        if s[f"{address}postcode"] is None:
            postcode, number, letter, addition = _unregistered(
                s["household__unregistered_address"] or ""
            )
            street = place = ""
        else:
            postcode, number = s[f"{address}postcode"], s[f"{address}huisnummer"]
            letter, addition = s[f"{address}huisletter"], s[f"{address}toevoeging"]
            street, place = s[f"{address}straatnaam"], s[f"{address}woonplaats"]
        rows.append(
            {
                "signaal_id": s["id"],
                "gemeentecode": s["municipality__code"],
                "wijkcode": s[f"{address}buurt__wijk__code"] or "",
                "buurtcode": s[f"{address}buurt__code"] or s[f"{address}buurtcode"] or "",
                "postcode": postcode,
                "huisnummer": number,
                "huisletter": letter or "",
                "huisnummertoevoeging": addition or "",
                "straatnaam": street or "",
                "woonplaats": place or "",
                "soort": s["kind"],
                "crisis": _yes_no(s["crisis"]),
                "herhaald": _yes_no(s["repeat"]),
                "schuldverschuiving": _yes_no(s["debt_swap"]),
                "aantal_schuldeisers": s["creditor_count"],
                "schuldeisers": ",".join(sorted(creditors.get(s["id"], ()))),
                "totaal_bedrag": _euros(s["total_amount_cents"]),
                "oudste_ontstaansdatum": s["oldest_start_date"].isoformat(),
                "werkbakje": s["tray__name"] or "",
                "status": s["status"],
                "signaaldatum": s["signal_date"].isoformat(),
            }
        )
    if with_contacts:
        _add_contacts(rows, dict(signals.values_list("id", "household_id")))
    return rows


def _add_contacts(rows: list[dict], household_of: dict[int, int]) -> None:
    persons = persons_of_households(household_of.values())
    for row in rows:
        people = persons.get(household_of[row["signaal_id"]], [])
        row["namen"] = ", ".join(p.name for p in people)
        row["telefoonnummers"] = ", ".join(p.phone for p in people if p.phone)
        row["emailadressen"] = ", ".join(p.email for p in people if p.email)


def columns_of(rows: list[dict]) -> tuple[str, ...]:
    """The spec's columns, and the contact columns when the rows carry them."""
    return COLUMNS + CONTACT_COLUMNS if rows and "namen" in rows[0] else COLUMNS


def write_csv(rows: list[dict], stream: IO[bytes], columns: tuple[str, ...] | None = None) -> None:
    """``;``-separated UTF-8 (no BOM), a header row, formula triggers neutralised."""
    columns = columns or columns_of(rows)
    for line in csv_lines(columns, ([row[c] for c in columns] for row in rows)):
        stream.write(line.encode("utf-8"))


def write_xlsx(rows: list[dict], stream: IO[bytes], columns: tuple[str, ...] | None = None) -> None:
    """One sheet ``signalen``; text as string cells (never formulas), numbers as numbers, dates as dates.

    The workbook is made in memory and written to ``stream`` in one piece: a ``stream`` that
    fails (a full disk) is then an ``OSError`` of its own, as for CSV, and not xlsxwriter's
    ``FileCreateError`` with its half-closed zip file complaining when it is collected."""
    import xlsxwriter

    made = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        made,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    columns = columns or columns_of(rows)
    sheet = workbook.add_worksheet("signalen")
    money = workbook.add_format({"num_format": "0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name)
        if name in DATES:  # wide enough for the date, else a spreadsheet shows ####
            sheet.set_column(col, col, 12)
    for r, row in enumerate(rows, start=1):
        for col, name in enumerate(columns):
            value = row[name]
            if value is None or value == "":
                sheet.write_blank(r, col, None)
            elif name == "totaal_bedrag":
                sheet.write_number(r, col, float(value), money)
            elif name in NUMERIC:
                sheet.write_number(r, col, int(value))
            elif name in DATES:
                sheet.write_datetime(
                    r, col, dt.datetime.combine(dt.date.fromisoformat(value), dt.time()), day
                )
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    stream.write(made.getvalue())


def export_signals(
    output: str | Path | IO[bytes],
    *,
    municipality: Municipality | str,
    user=None,
    status: str | None = None,
    fmt: Format = "csv",
    request=None,
    with_contacts: bool = False,
    sleeping: str = SLEEPING_HIDE,
) -> int:
    """Write the municipality's signals (spec section 5) to ``output``; returns the row count.

    ``output`` is a path or a binary stream (an ``HttpResponse`` will do). A path is written
    through :func:`vroegsignaal.paths.atomic_output`: a temporary file beside it (mode 0600)
    that takes its name, replacing a file there, only once the rows are written and the export
    is in the audit log; a failure on the way leaves the path as it was and no temporary file.
    ``status`` is ``"open"`` (nieuw and opgepakt), one status, or ``None`` for all;
    sleeping signals are left out, or with ``sleeping="alleen"`` only they are written.
    ``user`` is the portal user (rows through the scoping layer; audited as
    them) or ``None`` for the system. ``with_contacts`` adds the names and
    contact details (the portal decides who may have them).
    """
    if fmt not in FORMATS:
        raise ValueError(f"Onbekend formaat '{fmt}'; kies csv of xlsx.")
    if isinstance(output, (str, Path)):
        with atomic_output(output) as stream:
            return export_signals(
                stream, municipality=municipality, user=user, status=status, fmt=fmt,
                request=request, with_contacts=with_contacts, sleeping=sleeping,
            )  # fmt: skip
    if isinstance(municipality, str):
        municipality = Municipality.objects.get(code=municipality)
    writer = write_csv if fmt == "csv" else write_xlsx
    # Columns and values are fixed by the specification: Dutch, whatever the portal's language.
    with translation.override("nl"):
        rows = export_rows(
            signals_for_export(municipality, user=user, status=status, sleeping=sleeping),
            with_contacts=with_contacts,
        )
        columns = COLUMNS + CONTACT_COLUMNS if with_contacts else COLUMNS
        writer(rows, output, columns)
    record(
        user,
        AuditAction.EXPORT,
        municipality,
        purpose="export vroegsignalen",
        request=request,
        details={
            "rijen": len(rows),
            "formaat": fmt,
            "status": status or "alle",
            "slapend": sleeping,
            "contactgegevens": with_contacts,
        },
    )
    return len(rows)
