"""The intake app's public face: one service for every way a delivery comes in.

The upload page, the REST API and ``vroegsignaal deliver`` all call
:func:`receive_delivery`; the work is done by :func:`process_delivery` (in
the caller's process, or in the ``db_worker`` for large deliveries), and
:func:`confirm_delivery` applies one that the safety check held back.

The path of a delivery (spec 1.6):

1. receipt: the file is staged under ``DATA_DIR/incoming`` (0600) while its
   size and SHA-256 are taken; ``BESTAND_TE_GROOT``, ``PEILDATUM_ONGELDIG`` and
   ``LEVERING_DUBBEL`` are refused at once. Status ``ontvangen``.
2. evaluation (``in_behandeling``): parse (:mod:`.parsing`), normalise and
   check (:mod:`.normalise`), route (:mod:`.routing`) and check the covenant;
   rows outside a covenant are counted and dropped. Nothing is written but
   the progress.
3. decision: ``TE_VEEL_FOUTEN`` refuses it; a ``stand`` that would clear more
   than half of the creditor's open arrears is held (``wacht_op_bevestiging``)
   with its routed rows kept, encrypted, next to the staged file; otherwise
4. apply: :func:`vroegsignaal.households.services.apply_rows`, the rejected
   rows, the counts, the report, supersession and the status ``verwerkt`` in
   one transaction. A crash or a killed worker before its commit leaves the
   data as it was; :func:`process_delivery` on the same delivery starts again
   from the staged file and gives the same result.
5. the staged files are deleted; SHA-256, size, counts and report remain.

The steps live in small modules, which this one re-exports (``__all__``) so other apps,
views, the API, commands, tests and benchmarks import only this one: :mod:`.staging`
(step 1's staged files), :mod:`.evaluation` (step 2), :mod:`.processing` (steps 3 to 5),
:mod:`.previews` (column mapping, the upload page's preview), :mod:`.rejected` (rejected
rows), :mod:`.apikeys` (API keys) and :mod:`.shared` (what they share). A re-exported name
is a copy, so tests patch a name in the module that reads it: ``BACKGROUND_FROM_BYTES``,
``_enqueue``, ``evaluate_delivery`` and ``process_delivery`` here, ``PREVIEW_HEAD_BYTES`` in
:mod:`.previews`.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from vroegsignaal.organisations.models import Creditor
from vroegsignaal.privacy import services as privacy

from .apikeys import (
    API_KEY_PREFIX_BYTES,
    API_KEY_SECRET_BYTES,
    api_user_for,
    authenticate_api_key,
    create_api_key,
    revoke_api_key,
)
from .codes import Code, message
from .evaluation import (
    ISSUE_COLUMNS,
    MAX_REJECTED_SHARE,
    Evaluation,
    evaluate_delivery,
    name_columns,
    set_progress,
)
from .fields import Soort
from .models import DECLINED_MESSAGE, ApiKey, Delivery, Via
from .parsing import detected_format
from .previews import (
    PREVIEW_HEAD_BYTES,
    PREVIEW_ROWS,
    Preview,
    column_mapping_for,
    preview_delivery,
    save_column_mapping,
)
from .processing import (
    FAILURE_NOTE,
    _apply,
    _apply_confirmed,
    _finish_refused,
    _hold,
    _households,
    _later_stand_date,
    _note_failure,
    expire_held_deliveries,
    log_outcome,
)
from .rejected import (
    REJECTED_ROWS_HEADER,
    purge_rejected_rows,
    record_rejected_rows_read,
    rejected_rows,
    rejected_rows_csv_filename,
    rejected_rows_csv_lines,
)
from .shared import (
    EARLIEST_PEILDATUM,
    S,
    _parse_reference_date,
    _reference_date_refusal,
    _refusal,
    _Stopwatch,
)
from .staging import (
    STAGING_MAX_AGE,
    Staged,
    _looks_like_json,
    _remove_staged,
    clean_incoming,
    incoming_dir,
    read_staged,
    stage_file,
    staged_source,
)

__all__ = [
    # the path of a delivery
    "BACKGROUND_FROM_BYTES",
    "MAX_CLEARED_SHARE",
    "DeliveryError",
    "confirm_delivery",
    "abandon_delivery",
    "decline_delivery",
    "earlier_delivery_of_content",
    "process_delivery",
    "processing_backlog",
    "receive_delivery",
    "reprocess_delivery",
    # receipt (the upload form, the API's refusals)
    "EARLIEST_PEILDATUM",
    "detected_format",
    # staged files (.staging)
    "STAGING_MAX_AGE",
    "Staged",
    "clean_incoming",
    "incoming_dir",
    "read_staged",
    "stage_file",
    "staged_source",
    # evaluation (.evaluation) and its outcome (.processing)
    "FAILURE_NOTE",
    "ISSUE_COLUMNS",
    "MAX_REJECTED_SHARE",
    "Evaluation",
    "evaluate_delivery",
    "name_columns",
    "set_progress",
    # column mapping and preview (.previews)
    "PREVIEW_HEAD_BYTES",
    "PREVIEW_ROWS",
    "Preview",
    "column_mapping_for",
    "preview_delivery",
    "save_column_mapping",
    # rejected rows (.rejected)
    "REJECTED_ROWS_HEADER",
    "record_rejected_rows_read",
    "rejected_rows",
    "rejected_rows_csv_filename",
    "rejected_rows_csv_lines",
    # API keys (.apikeys)
    "API_KEY_PREFIX_BYTES",
    "API_KEY_SECRET_BYTES",
    "api_user_for",
    "authenticate_api_key",
    "create_api_key",
    "revoke_api_key",
    # retention (privacy.retention)
    "expire_held_deliveries",
    "purge_rejected_rows",
]

log = logging.getLogger(__name__)

# Deliveries larger than this go to the background worker even when the caller
# would wait: about 50,000 rows of a typical CSV (150–200 bytes a row).
BACKGROUND_FROM_BYTES = 8 * 1024 * 1024
# Spec 1.6 safety check: "would clear more than half of the creditor's open arrears".
MAX_CLEARED_SHARE = 0.5


class DeliveryError(Exception):
    """An action on a delivery that is not possible now; the message is for the user.

    It is in the active language: the portal's (Dutch or English), Dutch in the API
    (the middleware) and in the command (which runs in Dutch).
    """


# ---------------------------------------------------------------------------
# Receipt
# ---------------------------------------------------------------------------


def receive_delivery(
    creditor: Creditor,
    source: Any,
    *,
    filename: str = "",
    kind: str | None = Soort.STAND,
    reference_date: dt.date | str | None = None,
    via: str = Via.CLI,
    user=None,
    api_key: ApiKey | None = None,
    background: bool = False,
) -> Delivery:
    """Take a delivery in from any way in and process it (or queue it); return the delivery.

    ``source`` is bytes, a path, an uploaded file or a binary stream.
    ``kind=None`` and ``reference_date=None`` leave them to a JSON body
    (spec 1.4), else ``stand`` and a refusal. With ``background=True``, or
    for a file beyond :data:`BACKGROUND_FROM_BYTES`, the work is queued for
    ``vroegsignaal db_worker`` and the delivery is returned ``ontvangen``.
    Refusals at receipt (``BESTAND_TE_GROOT``, ``PEILDATUM_ONGELDIG``,
    ``LEVERING_DUBBEL``) return an ``afgewezen`` delivery and change nothing else.
    """
    if kind not in (None, "", *Soort.values):
        raise ValueError(f"onbekende soort {kind!r}")
    watch = _Stopwatch()
    filename = Path(filename or "").name[:255]
    staged = stage_file(source, suffix=Path(filename).suffix.lower()[:10])
    refusal: dict | None = None
    peildatum, date_problem = _parse_reference_date(reference_date)
    if staged.too_big:
        refusal = _refusal(Code.BESTAND_TE_GROOT, maximum=_human_size(settings.MAX_DELIVERY_BYTES))
    elif date_problem:
        refusal = _reference_date_refusal(date_problem, peildatum)
    elif peildatum is None and not _looks_like_json(staged.head, filename):
        refusal = _reference_date_refusal("ontbreekt")

    submitted_by = user if getattr(user, "pk", None) else None
    try:
        with transaction.atomic():
            # One receipt per creditor at a time, so the duplicate check cannot race.
            Creditor.objects.select_for_update().filter(pk=creditor.pk).first()
            if refusal is None:
                earlier = _earlier_same_delivery(creditor, staged.sha256, kind or "", peildatum)
                if earlier is not None:
                    refusal = _refusal(
                        Code.LEVERING_DUBBEL,
                        f"{message(Code.LEVERING_DUBBEL)} Zelfde inhoud als levering {earlier.pk}."
                        + _EARLIER_NOT_DONE.get(earlier.status, ""),
                    )
            delivery = Delivery.objects.create(
                creditor=creditor,
                kind=kind or "",
                reference_date=peildatum,
                status=S.AFGEWEZEN if refusal else S.ONTVANGEN,
                sha256=staged.sha256,
                size_bytes=staged.size,
                # As the parser will choose it: a delivery refused before it is parsed keeps it.
                file_format=detected_format(staged.head, filename) or "",
                filename=filename,
                via=via,
                submitted_by=submitted_by,
                api_key=api_key,
                staged_name="" if refusal else staged.name,
                processed_at=timezone.now() if refusal else None,
                progress=100 if refusal else 0,
                report={"weigering": refusal} if refusal else {},
            )
            privacy.record(
                user,
                privacy.AuditAction.DELIVER,
                delivery,
                purpose="levering ontvangen",
                details={
                    "via": via,
                    "schuldeiser": creditor.code,
                    "grootte": staged.size,
                    "status": delivery.status,
                    **({"weigering": refusal["codes"]} if refusal else {}),
                },
            )
            if refusal:
                log_outcome(delivery)  # refused on receipt (LEVERING_DUBBEL, BESTAND_TE_GROOT, …)
            queued = refusal is None and (background or staged.size > BACKGROUND_FROM_BYTES)
            if queued:
                _enqueue(delivery.pk)
    except BaseException:
        _remove_staged(staged.name)
        raise
    if refusal:
        _remove_staged(staged.name)
        return delivery
    watch.lap(delivery.pk, "receive")
    if not queued:
        return process_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


# LEVERING_DUBBEL of a delivery that has no outcome yet: what to do with that one instead
# (a sender whose upload or command broke off sends the file again).
_STILL_RUNNING = ": wacht tot ze klaar is, of verwerk haar opnieuw als ze stilstaat."
_EARLIER_NOT_DONE = {
    S.ONTVANGEN: " Die is nog niet verwerkt" + _STILL_RUNNING,
    S.IN_BEHANDELING: " Die wordt nog verwerkt" + _STILL_RUNNING,
    S.WACHT_OP_BEVESTIGING: " Die wacht op bevestiging: bevestig of weiger die levering.",
}


def _earlier_same_delivery(
    creditor: Creditor, sha256: str, kind: str, reference_date: dt.date | None
) -> Delivery | None:
    """LEVERING_DUBBEL: an earlier, not refused delivery of this creditor with the same content.

    The content of a delivery is its file together with the peildatum and soort
    given with it. A CSV or XLSX carries neither, so a small creditor's stand
    that did not change since last month has the same bytes but is a new
    delivery; a JSON body carries both, so its bytes alone decide. What is not
    given (``None``/``""``) is taken from the file and matches any.
    """
    earlier = Delivery.objects.filter(creditor=creditor, sha256=sha256).exclude(status=S.AFGEWEZEN)
    if reference_date is not None:
        earlier = earlier.filter(Q(reference_date=reference_date) | Q(reference_date__isnull=True))
    if kind:
        earlier = earlier.filter(Q(kind=kind) | Q(kind=""))
    return earlier.order_by("pk").first()


def earlier_delivery_of_content(
    creditor: Creditor, sha256: str, kind: str, reference_date: dt.date | None
) -> Delivery | None:
    """The delivery of this creditor that submitting this content would be ``LEVERING_DUBBEL`` of.

    The upload page's preview warns with it; :func:`receive_delivery` refuses with the same check.
    """
    return _earlier_same_delivery(creditor, sha256, kind or "", reference_date)


def _enqueue(delivery_id: int) -> None:
    from .tasks import process_delivery_task

    process_delivery_task.enqueue(delivery_id)


def _human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return (
                f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")
            ) + f" {unit}"
    return f"{n} bytes"


# ---------------------------------------------------------------------------
# Processing: evaluate (.evaluation), then refuse, hold or apply (.processing)
# ---------------------------------------------------------------------------


def process_delivery(delivery_id: int) -> Delivery:
    """Process a received delivery to its outcome; safe to call again after a crash.

    A delivery that is already ``verwerkt``, ``afgewezen`` or waiting for
    confirmation is returned unchanged. One that is ``in_behandeling`` (a
    worker died) is evaluated again from its staged file.

    In Dutch, whatever language is active: what processing stores and sends (the
    report, refusals, rejected rows, audit, what the apps it calls write) is Dutch,
    also when a page request in English runs it (a small delivery, an immediate
    task backend).
    """
    with translation.override("nl"):
        try:
            return _process_delivery(delivery_id)
        except (KeyboardInterrupt, SystemExit) as stopped:
            # Stopped at once in the middle (a worker's second TERM, Ctrl-C on the command): the
            # transaction rolled back; noted as a crash is, so it shows stalled at once.
            if Delivery.objects.filter(pk=delivery_id, status=S.IN_BEHANDELING).exists():
                _note_failure(delivery_id, stopped)
            raise


def _process_delivery(delivery_id: int) -> Delivery:
    from .refusals import DeliveryRefused

    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status not in (S.ONTVANGEN, S.IN_BEHANDELING):
            return delivery
        delivery.move_to(S.IN_BEHANDELING)
        delivery.progress = 5
        delivery.heartbeat_at = timezone.now()
        delivery.report.pop("storing", None)
        delivery.save(update_fields=["status", "progress", "heartbeat_at", "report"])

    if delivery.confirmed_at is not None:
        return _apply_confirmed(delivery)

    path = incoming_dir() / delivery.staged_name if delivery.staged_name else None
    if path is None or not path.exists():
        return _finish_refused(
            delivery,
            None,
            {
                "codes": [],
                "melding": "Het aangeleverde bestand is niet meer beschikbaar; lever het opnieuw aan.",
            },
        )
    try:
        evaluation = evaluate_delivery(delivery, path)
    except DeliveryRefused as refused:
        return _finish_refused(
            delivery,
            None,
            {"codes": refused.codes, "melding": refused.message},
            header=(refused.soort, refused.peildatum),
        )
    except Exception as error:
        _note_failure(delivery.pk, error)
        raise
    if evaluation.refusal:
        return _finish_refused(delivery, evaluation, evaluation.refusal)

    if evaluation.kind == Soort.STAND:
        watch = _Stopwatch()
        households = _households()
        creditor = delivery.creditor
        open_count = households.open_arrear_count(creditor)
        clearing = households.count_cleared_by_stand(
            creditor,
            evaluation.accepted,
            rejected_keys=evaluation.rejected_keys,
            reference_date=evaluation.reference_date,
        )
        later = _later_stand_date(delivery.creditor_id, evaluation.reference_date)
        watch.lap(delivery.pk, "safety check")
        if later is not None or (open_count and clearing > MAX_CLEARED_SHARE * open_count):
            evaluation.report["veiligheidscontrole"] = {
                "open_achterstanden": int(open_count),
                "af_te_melden": int(clearing),
            }
            if later is not None:
                # An older stand would set every arrear back to that date (amounts, cleared ones
                # reopened): more likely a wrong file or peildatum than a correction.
                evaluation.report["veiligheidscontrole"]["latere_stand"] = later.isoformat()
            return _hold(delivery, evaluation)
    try:
        return _apply(delivery, evaluation)
    except Exception as error:
        _note_failure(delivery.pk, error)
        raise


# ---------------------------------------------------------------------------
# A stalled delivery: processing again
# ---------------------------------------------------------------------------


def processing_backlog(now: dt.datetime | None = None) -> int:
    """How many deliveries wait for a worker, or stopped in one, longer than they should.

    Received but not started for ``DELIVERY_STALLED_AFTER`` seconds (no worker is
    taking them), or stalled (:meth:`Delivery.stalled_since`). For the health check:
    more than none means the background worker needs the operator.
    """
    return Delivery.objects.filter(Delivery.overdue(now)).count()


def reprocess_delivery(
    delivery: Delivery | int,
    user=None,
    *,
    background: bool = True,
    force: bool = False,
    via: str = "portaal",
    request=None,
) -> Delivery:
    """Process a delivery whose processing stopped (a killed worker, a noted failure) again.

    The button *Opnieuw verwerken* (``background=True``: queued for the worker)
    and ``vroegsignaal deliver --opnieuw ID`` (in this process) both come here.
    Only a stalled delivery (:meth:`Delivery.stalled_since`) is taken: one that
    is still being processed, or is not being processed at all, raises
    :class:`DeliveryError` with a Dutch message, so a second worker is not set
    to it by a second click. ``force`` (the command's ``--forceer``: the
    operator knows the worker is dead) skips the wait for the heartbeat.
    Processing again is idempotent: it starts from the staged file and the
    apply holds everything in one transaction.
    """
    pk = delivery if isinstance(delivery, int) else delivery.pk
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=pk)
        running = current.status == S.IN_BEHANDELING or (force and current.status == S.ONTVANGEN)
        if not running and current.status == S.ONTVANGEN:
            # Queued, and no worker took it: processing it "again" is the wrong word, and the
            # refusal below would say it is not being processed as if nothing were to do.
            if via == "portaal":  # the creditor: nothing to do but wait
                text = gettext(
                    "Levering %(pk)s staat in de wachtrij en wordt verwerkt zodra de verwerking "
                    "weer draait; u hoeft niets te doen."
                )
            else:  # the operator
                text = gettext(
                    "Levering %(pk)s staat in de wachtrij; geen worker heeft haar opgepakt. Start "
                    "de worker (vroegsignaal db_worker), of verwerk haar hier als zeker geen worker "
                    "draait: vroegsignaal deliver --opnieuw %(pk)s --forceer"
                )
            raise DeliveryError(text % {"pk": pk})
        if not running:
            raise DeliveryError(
                gettext(
                    "Levering %(pk)s wordt niet verwerkt (status: %(status)s); opnieuw verwerken is niet nodig."
                )
                % {"pk": pk, "status": current.get_status_display().lower()}
            )
        since = current.stalled_since()
        if since is None and not force:
            last = timezone.localtime(current.heartbeat_at or current.received_at)
            minutes = max(1, round(settings.DELIVERY_STALLED_AFTER / 60))
            raise DeliveryError(
                ngettext(
                    "Levering %(pk)s wordt nog verwerkt (laatste voortgang om %(time)s). Opnieuw verwerken "
                    "kan pas als de verwerking %(minutes)s minuut stilstaat.",
                    "Levering %(pk)s wordt nog verwerkt (laatste voortgang om %(time)s). Opnieuw verwerken "
                    "kan pas als de verwerking %(minutes)s minuten stilstaat.",
                    minutes,
                )
                % {"pk": pk, "time": f"{last:%H:%M}", "minutes": minutes}
            )
        # A fresh heartbeat: a second request now finds it running and is refused.
        current.heartbeat_at = timezone.now()
        current.report.pop("storing", None)
        current.save(update_fields=["heartbeat_at", "report"])
        again = "in de wachtrij gezet" if background else "gestart"
        if since is not None:
            stalled_seconds = int((current.heartbeat_at - since).total_seconds())
            log.warning(
                "Levering %s: verwerking stond stil (%s s); opnieuw %s (via %s)",
                pk, stalled_seconds, again, via,
            )  # fmt: skip
        elif current.status == S.ONTVANGEN:
            log.warning(
                "Levering %s: door geen worker opgepakt; nu geforceerd %s (via %s)", pk, again, via
            )
        else:
            log.warning(
                "Levering %s: opnieuw %s zonder dat de verwerking stilstond (via %s, geforceerd)",
                pk, again, via,
            )  # fmt: skip
        privacy.record(
            user,
            privacy.AuditAction.UPDATE,
            current,
            purpose="levering opnieuw verwerkt",
            request=request,
            details={
                "via": via,
                "stil_sinds": since.isoformat() if since else None,
                "geforceerd": bool(force and since is None),
            },
        )
        if background:
            _enqueue(pk)
    if background:
        return current
    return process_delivery(pk)


# ---------------------------------------------------------------------------
# Confirmation (spec 1.6 safety check)
# ---------------------------------------------------------------------------


# The refusal of a delivery whose processing the operator broke off (:func:`abandon_delivery`).
ABANDONED_MESSAGE = (
    "De verwerking is door de beheerder afgebroken; er is niets van deze levering verwerkt. "
    "Lever het bestand opnieuw aan."
)


def abandon_delivery(delivery: Delivery | int, user=None, *, force: bool = False) -> Delivery:
    """Close off a delivery whose processing stopped and cannot go on: refused, nothing applied.

    For the operator (``vroegsignaal deliver --weiger ID``): a stalled delivery that fails each
    time it is processed again (its staged file sealed with a key that is gone, a file the reader
    cannot take) otherwise stays ``in_behandeling`` for good, and ``/health/`` reports a backlog
    for good. Its staged file is deleted; the creditor delivers the file again (a refused
    delivery does not make it a ``LEVERING_DUBBEL``). Only a stalled delivery
    (:meth:`Delivery.stalled_since`), or with ``force`` one the operator knows no worker runs.
    """
    pk = delivery if isinstance(delivery, int) else delivery.pk
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=pk)
        if current.status != S.IN_BEHANDELING:
            raise DeliveryError(
                gettext(
                    "Levering %(pk)s wordt niet verwerkt en wacht niet op bevestiging "
                    "(status: %(status)s); er is niets af te breken of te weigeren."
                )
                % {"pk": pk, "status": current.get_status_display().lower()}
            )
        if current.stalled_since() is None and not force:
            raise DeliveryError(
                gettext(
                    "Levering %(pk)s wordt nog verwerkt. Afbreken kan pas als de verwerking "
                    "stilstaat, of met --forceer als zeker geen worker draait."
                )
                % {"pk": pk}
            )
        log.warning("Levering %s: verwerking afgebroken door de beheerder; niets verwerkt", pk)
        staged = _close_unapplied(current, ABANDONED_MESSAGE, "levering afgebroken", user)
    _remove_staged(staged)
    return current


def _close_unapplied(current: Delivery, message: str, purpose: str, user) -> str:
    """Refuse ``current`` (locked, nothing of it applied) with ``message``, audited as
    ``purpose`` and logged as an outcome; returns its staged file's name, for the caller to
    delete after the commit."""
    current.move_to(S.AFGEWEZEN)
    current.processed_at = timezone.now()
    current.report = {
        **{k: v for k, v in current.report.items() if k != "storing"},
        "weigering": {"codes": [], "melding": message},
    }
    staged, current.staged_name = current.staged_name, ""
    current.save()
    privacy.record(user, privacy.AuditAction.UPDATE, current, purpose=purpose)
    log_outcome(current)
    return staged


def _not_waiting(delivery: Delivery) -> str:
    return gettext("Levering %(pk)s wacht niet op bevestiging (status: %(status)s).") % {
        "pk": delivery.pk,
        "status": delivery.get_status_display(),
    }


def _confirmed_how(user) -> dict[str, str]:
    """Where a held stand was confirmed, and by whom, for its report: the creditor's own user
    in the portal, its API key's prefix, or the operator's command line (nothing about customers)."""
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        return {"bevestigd_via": "api", "bevestigd_door": api_key.prefix}
    if getattr(user, "pk", None):
        return {"bevestigd_via": "portaal", "bevestigd_door": user.get_username()}
    return {"bevestigd_via": "opdrachtregel", "bevestigd_door": ""}


def confirm_delivery(delivery: Delivery, user=None, *, background: bool = False) -> Delivery:
    """The creditor confirms a held ``stand``: it is applied (now, or by the worker)."""
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != S.WACHT_OP_BEVESTIGING:
            raise DeliveryError(_not_waiting(current))
        current.move_to(S.IN_BEHANDELING)
        current.confirmed_by = user if getattr(user, "pk", None) else None
        current.confirmed_at = timezone.now()
        current.progress = 70
        current.heartbeat_at = current.confirmed_at
        current.report = {
            **current.report,
            "veiligheidscontrole": {
                **(current.report.get("veiligheidscontrole") or {}),
                **_confirmed_how(user),
            },
        }
        current.save(
            update_fields=[
                "status",
                "confirmed_by",
                "confirmed_at",
                "progress",
                "heartbeat_at",
                "report",
            ]
        )
        privacy.record(user, privacy.AuditAction.UPDATE, current, purpose="levering bevestigd")
        queued = background or current.rows_accepted * 150 > BACKGROUND_FROM_BYTES
        if queued:
            _enqueue(current.pk)
    if queued:
        return current
    return process_delivery(current.pk)


def decline_delivery(delivery: Delivery, user=None) -> Delivery:
    """The creditor does not confirm a held ``stand``: nothing is applied and its rows are deleted."""
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != S.WACHT_OP_BEVESTIGING:
            raise DeliveryError(_not_waiting(current))
        staged = _close_unapplied(current, DECLINED_MESSAGE, "levering niet bevestigd", user)
    _remove_staged(staged)
    return current
