"""A delivery's rejected rows and warnings: read (audited), as CSV, and purged.

They carry klantnummers and delivered values, so every read is in the audit log and
retention deletes them after a while; the delivery keeps its counts per code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from vroegsignaal.privacy import services as privacy

from .models import Delivery, DeliveryRowIssue

REJECTED_ROWS_HEADER = ("rij", "klantnummer", "veld", "code", "melding")


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


def rejected_rows_csv_lines(delivery: Delivery, *, warnings: bool = False) -> Iterable[str]:
    """``rij;klantnummer;veld;code;melding`` lines, spreadsheet-safe (the klantnummer as an
    identifier: exact unless a spreadsheet could run it), streamed."""
    from .spreadsheet_safety import csv_lines

    rows = (
        rejected_rows(delivery, warnings=warnings)
        .values_list("row", "klantnummer", "field", "code", "message")
        .iterator(chunk_size=5000)
    )
    return csv_lines(REJECTED_ROWS_HEADER, rows, identifiers=("klantnummer",))


# --- retention (privacy.retention calls this) ------------------------------------


def purge_rejected_rows(*, received_before: dt.date) -> int:
    """Delete the rejected rows and warnings of deliveries received before ``received_before``.

    They may hold a customer's number and delivered values; the delivery keeps
    its counts and report (per code, no personal data). One DELETE.
    """
    from vroegsignaal.privacy.retention import delete_set

    start = timezone.make_aware(dt.datetime.combine(received_before, dt.time.min))
    return delete_set(DeliveryRowIssue.objects.filter(delivery__received_at__lt=start))
