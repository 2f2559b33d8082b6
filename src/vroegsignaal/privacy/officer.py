"""What the privacy officer does: export the audit log, check it (in the background)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vroegsignaal.intake.spreadsheet_safety import csv_lines

from . import audit, selectors
from .models import AuditAction, AuditEvent, AuditVerification, VerificationScope

logger = logging.getLogger(__name__)

EXPORT_COLUMNS = (
    "volgnummer",
    "tijdstip",
    "gebruiker",
    "organisatie",
    "gemeentecode",
    "handeling",
    "soort_object",
    "object_id",
    "doel",
    "ip_adres",
    "details",
    "hash",
    # Added after the codes, so a sheet or script that reads the columns above by position
    # reads them as before: the action and the kind of object in words (Dutch, as the log).
    "handeling_omschrijving",
    "soort_object_omschrijving",
)


def _dutch_names() -> tuple[dict[str, str], dict[str, str]]:
    """The actions' and the object kinds' Dutch names by code, whatever the page's language: the
    export stays Dutch, as what is stored."""
    with translation.override("nl"):
        actions = {code: str(label) for code, label in AuditAction.choices}
        kinds = {code: capfirst(name) for code, name in selectors.object_type_labels().items()}
    return actions, kinds


def _row(event: AuditEvent, actions: dict[str, str], kinds: dict[str, str]) -> list[str]:
    import json

    values = [
        str(event.seq),
        timezone.localtime(event.timestamp).isoformat(timespec="seconds"),
        event.actor_username,
        event.organisation,
        event.municipality_code or "",
        event.action,
        event.object_type,
        event.object_id,
        event.purpose,
        event.ip_address or "",
        json.dumps(event.details, sort_keys=True, ensure_ascii=False) if event.details else "",
        event.hash,
        actions.get(event.action, event.action),
        kinds.get(event.object_type, event.object_type),  # no model (``database``): its code
    ]
    return values


def record_audit_read(
    user, query: selectors.AuditQuery, events: list[AuditEvent], *, request=None
) -> None:
    """Audit a page of the audit log shown (its events name staff and their addresses).

    Recorded after the page is read, so the officer's own reading is on the next
    page, not this one; nothing when the page is empty.
    """
    if not events:
        return
    seqs = [e.seq for e in events]
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="privacy.auditevent",
        object_id=f"{min(seqs)}-{max(seqs)}",
        purpose="auditlog ingezien",
        request=request,
        details={"aantal": len(seqs), "filters": query.as_params()},
    )


def export_audit_csv(user, query: selectors.AuditQuery, *, request=None) -> Iterator[str]:
    """The events ``user`` may see that match ``query`` as ``;``-separated CSV lines, oldest first.

    Oldest first (ascending ``volgnummer``, the chain's order; the page shows the newest first):
    a file for analysis, read and checked top down. Text a spreadsheet would evaluate is
    neutralised. The export is recorded in the audit log (with its filters) before the first
    line is produced.
    """
    events = selectors.audit_events(user, query).order_by("seq")
    actions, kinds = _dutch_names()
    audit.record(
        user,
        AuditAction.EXPORT,
        object_type="privacy.auditevent",
        purpose="auditlog geëxporteerd",
        request=request,
        details={"filters": query.as_params()},
    )
    rows = (_row(event, actions, kinds) for event in events.iterator(chunk_size=2000))
    return csv_lines(EXPORT_COLUMNS, rows)


class AlreadyRunning(Exception):
    """A check the officer can see is still waiting or running: one at a time (the page says so)."""


def start_verification(user, scope_kind: str, *, request=None) -> AuditVerification:
    """Ask the worker to check the audit log: the whole chain, or the officer's municipality's events.

    Not while a check the officer sees is waiting for the worker or running (a second tab, a
    colleague, a button pressed twice): :class:`AlreadyRunning`. A check that broke off or stood
    still does not count (:attr:`.models.AuditVerification.is_running`).
    """
    scope_kind = VerificationScope(scope_kind)
    if scope_kind == VerificationScope.MUNICIPALITY and user.municipality_id is None:
        raise ValueError(  # shown to the officer on the page
            _(
                "Alleen een privacy officer van een gemeente controleert de gebeurtenissen van een gemeente."
            )
        )
    if any(v.is_running for v in selectors.verifications(user).filter(finished_at=None)[:10]):
        raise AlreadyRunning(
            _(
                "Er loopt al een controle; er is geen nieuwe gestart. Deze pagina toont de "
                "voortgang en de uitkomst ervan."
            )
        )
    with transaction.atomic():
        verification = AuditVerification.objects.create(
            scope_kind=scope_kind,
            municipality_id=user.municipality_id,
            requested_by=user,
            requested_at=timezone.now(),
        )
        audit.record(
            user,
            AuditAction.VIEW,
            verification,
            purpose="auditlog laten controleren",
            request=request,
            details={"omvang": scope_kind.value},
        )
        verification_id = verification.pk
        transaction.on_commit(lambda: _enqueue(verification_id))
    return verification


def _enqueue(verification_id: int) -> None:
    from .tasks import verify_audit_task

    verify_audit_task.enqueue(verification_id)


def run_verification(verification_id: int) -> AuditVerification:
    """Do the check (the worker calls this), writing progress to the row as it goes.

    Broken off in its middle — the worker stopped at once (a second TERM: ``SystemExit``), Ctrl-C,
    a crash — the row notes that it ended without a verdict (``finished_at`` with ``ok`` unset),
    so the page shows it broken off and offers a new check; it is not run again by itself (it
    only reads: the officer starts another). A killed worker notes nothing: the check shows
    broken off when its progress stood still for ``DELIVERY_STALLED_AFTER``
    (:meth:`.models.AuditVerification.stalled_since`).
    """
    verification = AuditVerification.objects.get(pk=verification_id)
    if verification.finished_at is not None:
        return verification
    try:
        return _verify(verification)
    except BaseException:
        _note_broken_off(verification_id)
        raise


def _note_broken_off(verification_id: int) -> None:
    try:
        AuditVerification.objects.filter(pk=verification_id, finished_at=None).update(
            finished_at=timezone.now(), ok=None, problem=BROKEN_OFF
        )
    except Exception:  # noqa: BLE001 - the database itself may be what broke: it shows stalled
        logger.warning("Controle %s: afbreken niet vastgelegd.", verification_id, exc_info=True)


# Stored in ``problem`` (Dutch, as the check's findings are); the page says it in its own words.
BROKEN_OFF = "De controle is afgebroken voordat ze klaar was; er is niets vastgesteld."


def _verify(verification: AuditVerification) -> AuditVerification:
    verification_id = verification.pk
    if verification.scope_kind == VerificationScope.MUNICIPALITY:
        total = AuditEvent.objects.filter(municipality_id=verification.municipality_id).count()
    else:
        total = (
            audit.AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first()
            or 0
        )
    AuditVerification.objects.filter(pk=verification_id).update(
        total=total, progress_at=timezone.now()
    )

    def progress(checked: int) -> None:
        AuditVerification.objects.filter(pk=verification_id).update(
            checked=checked, progress_at=timezone.now()
        )

    if verification.scope_kind == VerificationScope.MUNICIPALITY:
        result = audit.verify_municipality(verification.municipality_id, on_progress=progress)
    else:
        result = audit.verify_chain(on_progress=progress)
    AuditVerification.objects.filter(pk=verification_id).update(
        finished_at=timezone.now(),
        progress_at=timezone.now(),
        checked=result.checked,
        ok=result.ok,
        first_bad_seq=result.first_bad_seq,
        problem=result.problem[:300],
        head_seq=result.head_seq,
        head_hash=result.head_hash,
    )
    verification.refresh_from_db()
    return verification
