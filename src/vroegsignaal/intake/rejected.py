"""A delivery's rejected rows and warnings: read (audited), as CSV, and purged.

They carry klantnummers and delivered values, so every read is in the audit log and
retention deletes them after a while; the delivery keeps its counts per code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from vroegsignaal.privacy import services as privacy

from .models import Delivery, DeliveryRowIssue

REJECTED_ROWS_HEADER = ("rij", "klantnummer", "veld", "code", "melding")
# Excel on Windows reads a CSV without one as Windows-1252 and garbles every accented letter
# (a klantnummer, a creditor's own column named in a message). Spec 1.7 gives the columns, not
# the encoding; with the BOM the file is still UTF-8 (spec 1.3 reads it so).
UTF8_BOM = "\ufeff"


def rejected_rows(delivery: Delivery, *, warnings: bool = False):
    """The delivery's rejected rows (and with ``warnings`` its warnings), in row order."""
    qs = DeliveryRowIssue.objects.filter(delivery=delivery)
    if not warnings:
        qs = qs.filter(is_warning=False)
    return qs.order_by("row", "id")


def record_rejected_rows_read(
    delivery: Delivery, user, *, request=None, how: str, count: int | None = None
) -> None:
    """Audit every read of the rejected rows (they carry klantnummers)."""
    privacy.record(
        user,
        privacy.AuditAction.EXPORT if how == "csv" else privacy.AuditAction.VIEW,
        delivery,
        purpose="afgewezen regels inzien",
        request=request,
        details={"vorm": how, **({"regels": count} if count is not None else {})},
    )


def rejected_rows_csv_lines(
    delivery: Delivery, *, warnings: bool = False, bom: bool = False
) -> Iterator[str]:
    """``rij;klantnummer;veld;code;melding`` lines, spreadsheet-safe (the klantnummer as an
    identifier: exact unless a spreadsheet could run it), streamed. The one file behind the
    page's download and the API's CSV; the page's (``bom``) starts with a BOM (:data:`UTF8_BOM`),
    so that Excel reads it as UTF-8 on a double click; the API's does not, as a program that
    reads plain UTF-8 would take it for part of the first column's name (docs/feedback.md)."""
    from .spreadsheet_safety import csv_lines

    rows = (
        rejected_rows(delivery, warnings=warnings)
        .values_list("row", "klantnummer", "field", "code", "message")
        .iterator(chunk_size=5000)
    )
    lines = csv_lines(REJECTED_ROWS_HEADER, rows, identifiers=("klantnummer",))
    yield (UTF8_BOM if bom else "") + next(lines)
    yield from lines


def rejected_rows_csv_filename(delivery: Delivery, *, warnings: bool = False) -> str:
    """The download's name: ``levering-12-fouten.csv``, with the warnings ``…-meldingen.csv``."""
    return f"levering-{delivery.pk}-{'meldingen' if warnings else 'fouten'}.csv"


# --- retention (privacy.retention calls this) ------------------------------------


def purge_rejected_rows(*, received_before: dt.date) -> int:
    """Delete the rejected rows and warnings of deliveries received before ``received_before``.

    They may hold a customer's number and delivered values; the delivery keeps
    its counts and report (per code, no personal data). One DELETE.
    """
    from vroegsignaal.privacy.retention import delete_set

    start = timezone.make_aware(dt.datetime.combine(received_before, dt.time.min))
    return delete_set(DeliveryRowIssue.objects.filter(delivery__received_at__lt=start))
