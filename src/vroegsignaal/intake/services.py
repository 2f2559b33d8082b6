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
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import importlib
import io
import json
import logging
import os
import resource
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from vroegsignaal.organisations.models import Creditor
from vroegsignaal.privacy import services as privacy

from . import routing, sealing
from .codes import Code, message
from .fields import Soort, field_for_header, header_key, shown_header, validate_column_mapping
from .models import (
    DECLINED_MESSAGE,
    ApiKey,
    ColumnMapping,
    Delivery,
    DeliveryRowIssue,
    DeliveryStatus,
    Via,
)

log = logging.getLogger(__name__)
# Seconds per stage of processing, at DEBUG (benchmarks/intake.py: where the time goes).
timing_log = logging.getLogger("vroegsignaal.intake.timing")

S = DeliveryStatus

# Deliveries larger than this go to the background worker even when the caller
# would wait: about 50,000 rows of a typical CSV (150–200 bytes a row).
BACKGROUND_FROM_BYTES = 8 * 1024 * 1024
# Spec 1.6 TE_VEEL_FOUTEN: "more than half of the rows rejected".
MAX_REJECTED_SHARE = 0.5
# Spec 1.6 safety check: "would clear more than half of the creditor's open arrears".
MAX_CLEARED_SHARE = 0.5
PREVIEW_ROWS = 10
# A CSV preview reads the file's head only.
PREVIEW_HEAD_BYTES = 256 * 1024
# Staged previews and orphaned files older than this are removed.
STAGING_MAX_AGE = dt.timedelta(days=1)
# last_used_at of an API key is written at most this often.
API_KEY_TOUCH_INTERVAL = dt.timedelta(minutes=1)

ISSUE_BATCH = 5000


class DeliveryError(Exception):
    """An action on a delivery that is not possible now; the message is for the user.

    It is in the active language: the portal's (Dutch or English), Dutch in the API
    (the middleware) and in the command (which runs in Dutch).
    """


class _Stopwatch:
    """Logs the seconds of each stage at DEBUG on ``vroegsignaal.intake.timing``; the
    record carries ``stage``, ``seconds``, ``cpu`` (this process), ``peak_mib`` (the
    process's peak memory so far) and ``details`` (sub-stages)."""

    def __init__(self) -> None:
        self._last, self._cpu = time.perf_counter(), time.process_time()

    def lap(
        self,
        delivery_id: int,
        stage: str,
        details: dict | None = None,
        cpu_details: dict | None = None,
    ) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        seconds, cpu_seconds = now - self._last, cpu - self._cpu
        self._last, self._cpu = now, cpu
        if timing_log.isEnabledFor(logging.DEBUG):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            timing_log.debug(
                "levering %s: %s %.3f s (cpu %.3f s, piek %.0f MiB)",
                delivery_id, stage, seconds, cpu_seconds, peak,
                extra={
                    "stage": stage, "seconds": seconds, "cpu": cpu_seconds,
                    "peak_mib": peak, "details": details or {},
                    "cpu_details": cpu_details or {},
                },
            )


# ---------------------------------------------------------------------------
# Staging
# ---------------------------------------------------------------------------


def incoming_dir() -> Path:
    """``INCOMING_DIR`` (``DATA_DIR/incoming``): staged deliveries, this system's user's only.

    The web server stages and a worker processes: on several machines this is one shared
    folder (its files are sealed, see :mod:`.sealing`).
    """
    path = Path(settings.INCOMING_DIR or Path(settings.DATA_DIR) / "incoming")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Staged:
    name: str  # file name under incoming_dir(); "" when nothing was kept
    size: int
    sha256: str
    too_big: bool = False
    head: bytes = b""

    @property
    def path(self) -> Path:
        return incoming_dir() / self.name


def _chunks(source: Any) -> Iterable[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk
        return
    if hasattr(source, "chunks"):  # Django's UploadedFile
        yield from source.chunks()
        return
    while chunk := source.read(1 << 20):
        yield chunk


def stage_file(source: Any, *, suffix: str = "") -> Staged:
    """Copy ``source`` (bytes, a path, an upload or a binary stream) to a private staged file,
    encrypted (:mod:`.sealing`); :func:`read_staged` gives the plaintext back in memory.

    Hashes and measures the plaintext while copying. Beyond ``MAX_DELIVERY_BYTES`` the copy
    stops and nothing is kept (``too_big``).
    """
    limit = settings.MAX_DELIVERY_BYTES
    name = f"{secrets.token_hex(16)}{suffix}"
    path = incoming_dir() / name
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with privacy.open_private(path) as out:
            # Sealed while it is copied: the plaintext never touches disk (see sealing.py).
            sealed = sealing.SealedWriter(out)
            for chunk in _chunks(source):
                size += len(chunk)
                if size > limit:
                    break
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                digest.update(chunk)
                sealed.write(chunk)
            else:
                sealed.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size > limit:
        path.unlink(missing_ok=True)
        return Staged("", size, "", too_big=True)
    return Staged(name, size, digest.hexdigest(), head=head)


def read_staged(path: Path, *, limit: int | None = None) -> bytes:
    """The plaintext of a staged file, in memory only (let it go as soon as it is parsed)."""
    return sealing.read_plaintext(path, limit=limit)


def staged_source(name: str) -> sealing.StagedPlaintext:
    """A staged file (the upload page's preview) as a source for :func:`receive_delivery`."""
    return sealing.StagedPlaintext(incoming_dir() / name)


def _remove_staged(name: str) -> None:
    if not name:
        return
    for path in (incoming_dir() / name, incoming_dir() / f"{name}.rows"):
        path.unlink(missing_ok=True)


def clean_incoming(max_age: dt.timedelta = STAGING_MAX_AGE) -> int:
    """Remove staged files that no delivery needs any more and that are older than ``max_age``."""
    staged = Delivery.objects.exclude(staged_name="").values_list("staged_name", flat=True)
    keep = {name for s in staged for name in (s, f"{s}.rows")}
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in incoming_dir().iterdir():
        if path.name in keep:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _looks_like_json(head: bytes, filename: str) -> bool:
    if filename.lower().endswith(".json"):
        return True
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


# ---------------------------------------------------------------------------
# Receipt
# ---------------------------------------------------------------------------


# No delivery is of a stand before this day. An earlier one (year 1, a typing error) passed the
# receipt and failed its processing: a birth date 120 years before it is no date.
EARLIEST_PEILDATUM = dt.date(2000, 1, 1)


def _parse_reference_date(value: dt.date | str | None) -> tuple[dt.date | None, str | None]:
    """(date, problem): ``problem`` is the ``PEILDATUM_ONGELDIG`` variant (``onleesbaar``,
    ``toekomst``, ``te_vroeg``) or ``None``. ``None`` is no problem here: a JSON body may still carry it."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return None, "onleesbaar"
    if value < EARLIEST_PEILDATUM:
        return value, "te_vroeg"
    return value, (None if value <= timezone.localdate() else "toekomst")


def _reference_date_refusal(problem: str, peildatum: dt.date | None = None, **details) -> dict:
    """A ``PEILDATUM_ONGELDIG`` refusal saying which problem it is (never more than the date)."""
    return _refusal(
        Code.PEILDATUM_ONGELDIG,
        message(
            Code.PEILDATUM_ONGELDIG,
            variant=problem,
            peildatum=peildatum.isoformat() if peildatum else "",
            voorbeeld=timezone.localdate().isoformat(),
            vroegst=EARLIEST_PEILDATUM.isoformat(),
            **details,
        ),
    )


def _refusal(code: Code, melding: str | None = None, **details) -> dict:
    return {"codes": [str(code)], "melding": melding or message(code, **details)}


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
                        f"{message(Code.LEVERING_DUBBEL)} Zelfde inhoud als levering {earlier.pk}.",
                    )
            delivery = Delivery.objects.create(
                creditor=creditor,
                kind=kind or "",
                reference_date=peildatum,
                status=S.AFGEWEZEN if refusal else S.ONTVANGEN,
                sha256=staged.sha256,
                size_bytes=staged.size,
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


def _enqueue(delivery_id: int) -> None:
    from .tasks import process_delivery_task

    process_delivery_task.enqueue(delivery_id)


def _human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return (f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")) + f" {unit}"
    return f"{n} bytes"


# ---------------------------------------------------------------------------
# Evaluation: parse, normalise, route — no writes but the progress
# ---------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What processing found, before anything is applied."""

    kind: str
    reference_date: dt.date | None
    file_format: str = ""
    accepted: pl.DataFrame | None = None  # the routed rows to apply
    # klantnummer, contractnummer of the rejected rows: a stand does not clear those
    # (a row that could not be read is no evidence that the arrear was paid).
    rejected_keys: pl.DataFrame | None = None
    issues: pl.DataFrame | None = None  # rij, klantnummer, veld, code, melding, is_warning
    rows_received: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_outside_covenant: int = 0
    report: dict = field(default_factory=dict)
    refusal: dict | None = None


ISSUE_COLUMNS = {
    "rij": pl.Int64(),
    "klantnummer": pl.String(),
    "veld": pl.String(),
    "code": pl.String(),
    "melding": pl.String(),
    "is_warning": pl.Boolean(),
}


def set_progress(delivery_id: int, percent: int) -> None:
    """Write the progress, and the heartbeat with it, in its own short statement
    (autocommit outside the apply transaction)."""
    Delivery.objects.filter(pk=delivery_id).update(
        progress=max(0, min(100, int(percent))), heartbeat_at=timezone.now()
    )


def column_mapping_for(creditor: Creditor | int) -> dict[str, str | None]:
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    mapping = ColumnMapping.objects.filter(creditor_id=creditor_id).values_list("mapping", flat=True).first()
    return dict(mapping or {})


def _count_per_code(issues: pl.DataFrame) -> dict[str, int]:
    if issues.height == 0:
        return {}
    per_code = issues.unique(["rij", "code"]).group_by("code").len().sort("code")
    return {code: int(n) for code, n in per_code.iter_rows()}


def _per_municipality(rows: pl.DataFrame) -> list[dict]:
    from vroegsignaal.organisations.models import Municipality

    if rows.height == 0:
        return []
    counts = rows.group_by("municipality_code").len().sort("municipality_code")
    names = dict(
        Municipality.objects.filter(code__in=counts.get_column("municipality_code").to_list()).values_list(
            "code", "name"
        )
    )
    return [
        {"gemeentecode": code, "gemeente": names.get(code, ""), "regels": int(n)}
        for code, n in counts.iter_rows()
    ]


def evaluate_delivery(delivery: Delivery, path: Path) -> Evaluation:
    """Parse, normalise, route and count one staged delivery; raises ``DeliveryRefused``."""
    from .normalise import ERRORS, WARNINGS, normalise_delivery
    from .parsing import DeliveryRefused, parse_delivery

    watch = _Stopwatch()
    # The staged file is decrypted in memory, never to disk; its bytes go as soon as
    # they are parsed (before the apply, the delivery's most memory-hungry step).
    content = [read_staged(path)]
    watch.lap(delivery.pk, "decrypt")
    parsed = parse_delivery(
        content.pop(),
        filename=delivery.filename or None,
        soort=delivery.kind or None,
        column_mapping=column_mapping_for(delivery.creditor_id),
        max_bytes=settings.MAX_DELIVERY_BYTES,
    )
    set_progress(delivery.pk, 25)
    watch.lap(delivery.pk, "parse")

    kind = delivery.kind
    reference_date = delivery.reference_date
    if parsed.format == "json":
        kind, reference_date = _settle_json_header(delivery, parsed.soort, parsed.peildatum)
    kind = kind or Soort.STAND
    if reference_date is None:
        refusal = _reference_date_refusal("ontbreekt")
        raise DeliveryRefused(Code.PEILDATUM_ONGELDIG, refusal["melding"])

    # Each stage's input table is let go as soon as the next has its own (a million
    # rows of text weigh hundreds of MiB): normalise gets the only reference to the
    # parsed table, and the normalised table goes once the rows are routed.
    raw = [parsed.table]
    parsed = dataclasses.replace(parsed, table=pl.DataFrame())
    normalised = normalise_delivery(raw.pop(), peildatum=reference_date, soort=kind)
    set_progress(delivery.pk, 45)
    watch.lap(delivery.pk, "normalise")

    table = routing.route_rows(normalised.table)
    normalised.table = pl.DataFrame()
    allowed = routing.covenant_municipality_ids(delivery.creditor_id, reference_date)
    table = table.with_columns(routing.in_covenant_expr(allowed).alias("in_covenant"))
    set_progress(delivery.pk, 65)
    watch.lap(delivery.pk, "route")

    unknown_address = (
        pl.col("postcode").is_not_null() & pl.col("municipality_id").is_null()
    )
    table = table.with_columns(
        pl.when(unknown_address)
        .then(pl.concat_list([pl.col(ERRORS), pl.lit(str(Code.ADRES_ONBEKEND))]))
        .otherwise(pl.col(ERRORS))
        .alias(ERRORS),
        pl.when(pl.col("match") == routing.Match.APPROXIMATE)
        .then(pl.concat_list([pl.col(WARNINGS), pl.lit(str(Code.ADRES_BIJ_BENADERING))]))
        .otherwise(pl.col(WARNINGS))
        .alias(WARNINGS),
    )
    # A row that fails a check is rejected wherever it lives (the creditor must fix it;
    # what is kept of it is the klantnummer). BUITEN_CONVENANT is for the valid rows.
    rejected = pl.col(ERRORS).list.len() > 0
    outside = ~rejected & (pl.col("in_covenant") == False)  # noqa: E712 - null stays null
    table = table.with_columns(
        outside.fill_null(False).alias("_outside"), rejected.alias("_rejected")
    )
    outside_rows = table.filter(pl.col("_outside"))
    accepted = table.filter(~pl.col("_outside") & ~pl.col("_rejected"))
    rejected_rows = table.filter(pl.col("_rejected"))

    # The issues to keep: every error of a rejected row, every warning of an accepted
    # one; nothing of the rows outside a covenant (not stored, not logged).
    routing_issues = pl.concat(
        [
            table.filter(unknown_address).select(
                "rij",
                pl.col("klantnummer").str.slice(0, 64),
                pl.lit("postcode").alias("veld"),
                pl.lit(str(Code.ADRES_ONBEKEND)).alias("code"),
                pl.lit(message(Code.ADRES_ONBEKEND)).alias("melding"),
                pl.lit(False).alias("is_warning"),
            ),
            accepted.filter(pl.col("match") == routing.Match.APPROXIMATE).select(
                "rij",
                pl.col("klantnummer").str.slice(0, 64),
                pl.lit("huisnummer").alias("veld"),
                pl.lit(str(Code.ADRES_BIJ_BENADERING)).alias("code"),
                pl.lit(message(Code.ADRES_BIJ_BENADERING)).alias("melding"),
                pl.lit(True).alias("is_warning"),
            ),
        ]
    )
    warning_codes = [str(c) for c in (Code.TELEFOON_ONGELDIG, Code.EMAIL_ONGELDIG, Code.ADRES_BIJ_BENADERING)]
    front_issues = normalised.issues.select(
        "rij",
        "klantnummer",
        "veld",
        "code",
        "melding",
        pl.col("code").is_in(warning_codes).alias("is_warning"),
    )
    rejected_ids = rejected_rows.select("rij")
    accepted_ids = accepted.select("rij")
    issues = pl.concat(
        [
            front_issues.filter(~pl.col("is_warning")).join(rejected_ids, on="rij", how="semi"),
            front_issues.filter(pl.col("is_warning")).join(accepted_ids, on="rij", how="semi"),
            routing_issues,
        ]
    ).cast(ISSUE_COLUMNS).sort("rij", maintain_order=True)  # type: ignore[arg-type]
    issues = name_columns(issues, parsed.columns)

    rows_rejected = rejected_rows.height
    rows_accepted = accepted.height
    routed_postcode_only = accepted.filter(pl.col("match") == routing.Match.POSTCODE).height
    report = {
        "afgewezen_per_code": _count_per_code(issues.filter(~pl.col("is_warning"))),
        "waarschuwingen_per_code": _count_per_code(issues.filter(pl.col("is_warning"))),
        "gerouteerd_per_gemeente": _per_municipality(accepted),
        "gerouteerd_alleen_op_postcode": routed_postcode_only,
        "buiten_convenant_per_gemeente": _per_municipality(outside_rows),
        "onbekende_kolommen": list(parsed.unknown_columns) + list(parsed.duplicate_columns),
        "kolommen": dict(parsed.columns),
        "opmerkingen": [dataclasses.asdict(note) | {"code": str(note.code)} for note in normalised.notes]
        + _encoding_notes(parsed.mixed_encoding_row),
    }
    evaluation = Evaluation(
        kind=kind,
        reference_date=reference_date,
        file_format=parsed.format,
        accepted=accepted.drop(["_outside", "_rejected", "in_covenant", ERRORS]),
        rejected_keys=rejected_rows.select("klantnummer", "contractnummer"),
        issues=issues,
        rows_received=table.height,
        rows_accepted=rows_accepted,
        rows_rejected=rows_rejected,
        rows_outside_covenant=outside_rows.height,
        report=report,
    )
    # TE_VEEL_FOUTEN: more than half of the rows received. Rows outside a covenant are
    # not rejections, but they are rows of the delivery.
    if rows_rejected > MAX_REJECTED_SHARE * table.height:
        evaluation.refusal = _refusal(Code.TE_VEEL_FOUTEN)
    watch.lap(delivery.pk, "collect")
    return evaluation


def _encoding_notes(row: int | None) -> list[dict]:
    """A report note for a CSV that mixes UTF-8 with another encoding (no code: spec 1.6 has none,
    and the rows are kept as read)."""
    if row is None:
        return []
    return [
        {
            "veld": "",
            "code": "",
            "melding": (
                "Het bestand is gelezen als Windows-1252, maar er staan vóór rij "
                f"{row} tekens in die UTF-8 zijn: het is waarschijnlijk deels UTF-8 en deels een "
                "andere codering. Letters met accenten in de UTF-8-rijen zijn dan verkeerd "
                "overgenomen (bijvoorbeeld 'Ã¼' voor 'ü'). Lever het hele bestand in één "
                "codering, bij voorkeur UTF-8."
            ),
        }
    ]


def name_columns(issues: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """The messages name the creditor's own column where its header is not the field's name.

    ``veld`` stays the contract's field name (spec 1.7); the message says where that
    field is in the creditor's file: "Het veld geboortedatum (kolom 'Gebdat') bevat geen
    geldige datum." A header that differs only in case, spaces, ``_``, ``-`` or ``.``
    (``Geboortedatum``, ``E-mail``) is left out: the creditor recognises it. Every
    message that names a field says "veld <field>" (:data:`.codes.MESSAGES`).
    """
    own = {
        veld: shown_header(header)
        for veld, header in columns.items()
        if header and header_key(header) != header_key(veld)
    }
    if issues.height == 0 or not own:
        return issues
    melding = pl.col("melding")
    for veld, header in own.items():
        named = melding.str.replace(f"veld {veld}", f"veld {veld} (kolom '{header}')", literal=True, n=1)
        melding = pl.when(pl.col("veld") == veld).then(named).otherwise(melding)
    return issues.with_columns(melding.alias("melding"))


def _settle_json_header(
    delivery: Delivery, body_soort: str | None, body_peildatum: str | None
) -> tuple[str, dt.date | None]:
    """Kind and peildatum of a JSON delivery: the body's, unless the caller gave them (then equal)."""
    from .parsing import DeliveryRefused

    kind = delivery.kind
    if body_soort not in (None, ""):
        if body_soort not in Soort.values:
            raise DeliveryRefused(
                Code.BESTAND_ONLEESBAAR,
                message(Code.BESTAND_ONLEESBAAR, variant="reden", reden='"soort" is niet stand of mutatie'),
            )
        if kind and kind != body_soort:
            raise DeliveryRefused(
                Code.BESTAND_ONLEESBAAR,
                message(
                    Code.BESTAND_ONLEESBAAR,
                    variant="reden",
                    reden=f'"soort" in het bestand ({body_soort}) wijkt af van de opgegeven soort ({kind})',
                ),
            )
        kind = body_soort
    reference_date = delivery.reference_date
    if body_peildatum not in (None, ""):
        parsed, problem = _parse_reference_date(body_peildatum)
        if problem or parsed is None:
            refusal = _reference_date_refusal(problem or "onleesbaar", parsed)
            raise DeliveryRefused(Code.PEILDATUM_ONGELDIG, refusal["melding"])
        if reference_date is not None and parsed != reference_date:
            refusal = _reference_date_refusal("afwijkend", parsed, opgegeven=reference_date.isoformat())
            raise DeliveryRefused(Code.PEILDATUM_ONGELDIG, refusal["melding"])
        reference_date = parsed
    return kind, reference_date


# ---------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------


def _households():
    """The households app's service (imported late: it imports this app's models)."""
    return importlib.import_module("vroegsignaal.households.services")


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
        return _process_delivery(delivery_id)


def _process_delivery(delivery_id: int) -> Delivery:
    from .parsing import DeliveryRefused

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
        return _finish_refused(delivery, None, {"codes": [str(refused.code)], "melding": refused.message})
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
            creditor, evaluation.accepted, rejected_keys=evaluation.rejected_keys
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


FAILURE_NOTE = "Bij het verwerken ging iets mis; er is niets gewijzigd."


def _note_failure(delivery_id: int, error: Exception) -> None:
    """Say on the delivery that processing broke off (it stays in_behandeling and can run again)."""
    error.delivery_id = delivery_id  # type: ignore[attr-defined]
    # Never the error's text: a database error's message can name key values (a klantnummer, an
    # address). The worker neither logs nor stores it (the task wrapper and log filter in
    # conf/logsafety.py keep only the class); the command prints the class, and the traceback
    # only on the terminal with --traceback.
    log.error("Levering %s: verwerking afgebroken; er is niets gewijzigd", delivery_id)
    try:
        with transaction.atomic():
            current = Delivery.objects.select_for_update().get(pk=delivery_id)
            current.report = {**current.report, "storing": FAILURE_NOTE}
            current.save(update_fields=["report"])
    except Exception:  # noqa: BLE001 - the original error matters more
        log.exception("Levering %s: storing niet vastgelegd", delivery_id)


def _store_issues(delivery: Delivery, issues: pl.DataFrame | None) -> None:
    """Replace the delivery's rejected rows and warnings, in bulk (inside the caller's transaction)."""
    DeliveryRowIssue.objects.filter(delivery=delivery).delete()
    if issues is None or issues.height == 0:
        return
    frame = issues.select(
        pl.lit(delivery.pk, dtype=pl.Int64).alias("delivery_id"),
        pl.col("rij").alias("row"),
        pl.col("klantnummer").fill_null(""),
        pl.col("veld").fill_null("").alias("field"),
        pl.col("code"),
        pl.col("melding").str.slice(0, 300).alias("message"),
        pl.col("is_warning"),
    )
    table = connection.ops.quote_name(DeliveryRowIssue._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in frame.iter_rows():
                    copy.write_row(values)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(frame.columns))})"  # noqa: S608
        for part in frame.iter_slices(ISSUE_BATCH):
            cursor.executemany(sql, part.rows())


def _write_counts(delivery: Delivery, evaluation: Evaluation) -> None:
    delivery.kind = evaluation.kind
    delivery.reference_date = evaluation.reference_date
    delivery.file_format = evaluation.file_format
    delivery.rows_received = evaluation.rows_received
    delivery.rows_accepted = evaluation.rows_accepted
    delivery.rows_rejected = evaluation.rows_rejected
    delivery.rows_outside_covenant = evaluation.rows_outside_covenant
    delivery.report = {**delivery.report, **evaluation.report}


_COUNT_FIELDS = [
    "kind",
    "reference_date",
    "file_format",
    "rows_received",
    "rows_accepted",
    "rows_rejected",
    "rows_outside_covenant",
    "report",
]


def _locked(delivery_id: int, *expected: str) -> Delivery | None:
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    return delivery if delivery.status in expected else None


def _audit_outcome(delivery: Delivery, user=None, purpose: str = "levering verwerkt") -> None:
    privacy.record(
        user,
        privacy.AuditAction.UPDATE,
        delivery,
        purpose=purpose,
        details={
            "status": delivery.status,
            "ontvangen": delivery.rows_received,
            "geaccepteerd": delivery.rows_accepted,
            "afgewezen": delivery.rows_rejected,
            "buiten_convenant": delivery.rows_outside_covenant,
            "nieuw": delivery.arrears_new,
            "gewijzigd": delivery.arrears_changed,
            "afgemeld": delivery.arrears_cleared,
            **({"weigering": delivery.report["weigering"]["codes"]} if delivery.report.get("weigering") else {}),
        },
    )


def _finish_refused(delivery: Delivery, evaluation: Evaluation | None, refusal: dict) -> Delivery:
    with transaction.atomic():
        current = _locked(delivery.pk, S.IN_BEHANDELING)
        if current is None:
            return Delivery.objects.get(pk=delivery.pk)
        if evaluation is not None:
            _write_counts(current, evaluation)
            _store_issues(current, evaluation.issues)
        current.report = {**current.report, "weigering": refusal}
        current.move_to(S.AFGEWEZEN)
        current.progress = 100
        current.processed_at = timezone.now()
        staged, current.staged_name = current.staged_name, ""
        current.save()
        _audit_outcome(current, purpose="levering afgewezen")
    _remove_staged(staged)
    return current


def _held_rows_path(delivery: Delivery) -> Path:
    return incoming_dir() / f"{delivery.staged_name}.rows"


def _parquet_b64(frame: pl.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _write_held_rows(path: Path, rows: pl.DataFrame, rejected_keys: pl.DataFrame) -> None:
    """What a held delivery needs to be applied later, as Parquet encrypted with the field key."""
    payload = json.dumps({"rows": _parquet_b64(rows), "rejected_keys": _parquet_b64(rejected_keys)})
    token = privacy.encrypt(payload)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with privacy.open_private(tmp) as out:
        out.write(token.encode("ascii"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _read_held_rows(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    payload = json.loads(privacy.decrypt(path.read_bytes().decode("ascii")))
    frames = [pl.read_parquet(io.BytesIO(base64.b64decode(payload[k]))) for k in ("rows", "rejected_keys")]
    return frames[0], frames[1]


def _hold(delivery: Delivery, evaluation: Evaluation) -> Delivery:
    rows_path = _held_rows_path(delivery)
    _write_held_rows(rows_path, evaluation.accepted, evaluation.rejected_keys)
    with transaction.atomic():
        current = _locked(delivery.pk, S.IN_BEHANDELING)
        if current is None:
            return Delivery.objects.get(pk=delivery.pk)
        _write_counts(current, evaluation)
        _store_issues(current, evaluation.issues)
        current.move_to(S.WACHT_OP_BEVESTIGING)
        current.progress = 100
        current.save()
        _audit_outcome(current, purpose="levering wacht op bevestiging")
    # Only the routed rows are needed to apply it later; the file itself goes.
    (incoming_dir() / current.staged_name).unlink(missing_ok=True)
    return current


def _later_stand_date(creditor_id: int, reference_date: dt.date) -> dt.date | None:
    """The peildatum of the creditor's latest applied stand, when it is later than ``reference_date``."""
    return (
        Delivery.objects.filter(
            creditor_id=creditor_id, kind=Soort.STAND, status=S.VERWERKT, reference_date__gt=reference_date
        )
        .order_by("-reference_date")
        .values_list("reference_date", flat=True)
        .first()
    )


def _newer_applied(delivery: Delivery) -> Delivery | None:
    return (
        Delivery.objects.filter(
            creditor_id=delivery.creditor_id,
            kind=delivery.kind,
            reference_date=delivery.reference_date,
            status=S.VERWERKT,
            pk__gt=delivery.pk,
        )
        .order_by("-pk")
        .first()
    )


def _apply(delivery: Delivery, evaluation: Evaluation, *, store_issues: bool = True) -> Delivery:
    """Apply the routed rows, write the outcome and supersede earlier deliveries: one transaction."""
    households = _households()
    from vroegsignaal.households.bulk import bulk_cache

    set_progress(delivery.pk, 70)
    watch = _Stopwatch()
    with bulk_cache(), transaction.atomic():
        current = _locked(delivery.pk, S.IN_BEHANDELING)
        if current is None:
            return Delivery.objects.get(pk=delivery.pk)
        _write_counts(current, evaluation)
        newer = _newer_applied(current)
        if newer is not None:
            # A newer delivery with this peildatum was applied meanwhile: it is authoritative.
            current.superseded_by = newer
            current.report = {
                **current.report,
                "weigering": {
                    "codes": [],
                    "melding": f"Vervangen door levering {newer.pk} met dezelfde peildatum; er is niets verwerkt.",
                },
            }
            current.move_to(S.AFGEWEZEN)
        else:
            reports: list = []
            counts = households.apply_rows(
                current,
                evaluation.accepted,
                kind=current.kind,
                creditor=current.creditor,
                reference_date=current.reference_date,
                rejected_keys=evaluation.rejected_keys,
                # A mutatie speaks for the creditor's customers in these municipalities.
                municipality_ids=routing.covenant_municipality_ids(
                    current.creditor_id, current.reference_date
                ),
                # Signals are evaluated while the new persons' fields are encrypted.
                while_persons_encrypt=lambda applied: reports.extend(
                    _evaluate_signals(
                        current,
                        applied.touched_household_ids,
                        applied.municipality_ids,
                        applied.new_persons,
                    )
                ),
            )
            wall, cpu = _summed_timings(reports, prefix="evaluate: ")
            watch.lap(
                current.pk,
                "apply",
                {**getattr(counts, "timings", {}), **wall},
                {**getattr(counts, "cpu_timings", {}), **cpu},
            )
            current.arrears_new = counts.new
            current.arrears_changed = counts.changed
            current.arrears_cleared = counts.cleared
            current.move_to(S.VERWERKT)
            _supersede_earlier(current)
        if store_issues:
            _store_issues(current, evaluation.issues)
        current.progress = 100
        current.processed_at = timezone.now()
        staged, current.staged_name = current.staged_name, ""
        current.save()
        _audit_outcome(current)
        watch.lap(current.pk, "outcome")
    watch.lap(current.pk, "commit")
    _remove_staged(staged)
    return current


def _evaluate_signals(
    delivery: Delivery,
    household_ids: pl.Series | None,
    municipality_ids=(),
    pending_persons: pl.DataFrame | None = None,
) -> list:
    """Evaluate the signal rules for the households the delivery touched, and the
    municipalities where the creditor has open arrears, inside the apply transaction
    (a crash leaves neither); see docs/signals.md. ``pending_persons``: the delivery's
    new persons, not written yet (their birth dates are all evaluation reads of them)."""
    from vroegsignaal.signals.services import evaluate_after_delivery

    ids = household_ids.to_list() if household_ids is not None else []
    if ids or municipality_ids:
        return evaluate_after_delivery(
            delivery, ids, municipality_ids=municipality_ids, pending_persons=pending_persons
        )
    return []


def _summed_timings(reports, prefix: str = "") -> tuple[dict, dict]:
    """Wall and CPU seconds per step of the evaluations, summed over municipalities."""
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for report in reports:
        for target, source in ((wall, report.timings), (cpu, getattr(report, "cpu_timings", {}))):
            for step, seconds in source.items():
                target[prefix + step] = target.get(prefix + step, 0.0) + seconds
    return wall, cpu


def _supersede_earlier(delivery: Delivery) -> None:
    """Spec 1.2: a newer delivery with the same creditor, kind and peildatum supersedes the earlier."""
    earlier = Delivery.objects.filter(
        creditor_id=delivery.creditor_id,
        kind=delivery.kind,
        reference_date=delivery.reference_date,
        pk__lt=delivery.pk,
        superseded_by__isnull=True,
    )
    earlier.filter(status=S.VERWERKT).update(superseded_by=delivery)
    # One still waiting for confirmation is replaced: it can no longer be confirmed.
    for held in earlier.filter(status=S.WACHT_OP_BEVESTIGING).select_for_update():
        held.move_to(S.AFGEWEZEN)
        held.superseded_by = delivery
        held.processed_at = timezone.now()
        held.report = {
            **held.report,
            "weigering": {
                "codes": [],
                "melding": f"Vervangen door levering {delivery.pk} voordat deze werd bevestigd; er is niets verwerkt.",
            },
        }
        staged, held.staged_name = held.staged_name, ""
        held.save()
        transaction.on_commit(lambda name=staged: _remove_staged(name))


def _apply_confirmed(delivery: Delivery) -> Delivery:
    path = _held_rows_path(delivery) if delivery.staged_name else None
    if path is None or not path.exists():
        return _finish_refused(
            delivery,
            None,
            {
                "codes": [],
                "melding": "De gegevens van deze levering zijn niet meer beschikbaar; lever haar opnieuw aan.",
            },
        )
    accepted, rejected_keys = _read_held_rows(path)
    evaluation = Evaluation(
        kind=delivery.kind,
        reference_date=delivery.reference_date,
        file_format=delivery.file_format,
        accepted=accepted,
        rejected_keys=rejected_keys,
        rows_received=delivery.rows_received,
        rows_accepted=delivery.rows_accepted,
        rows_rejected=delivery.rows_rejected,
        rows_outside_covenant=delivery.rows_outside_covenant,
    )
    return _apply(delivery, evaluation, store_issues=False)


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
        if not running:
            raise DeliveryError(
                gettext("Levering %(pk)s wordt niet verwerkt (status: %(status)s); opnieuw verwerken is niet nodig.")
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
        stalled_seconds = int((current.heartbeat_at - since).total_seconds()) if since else None
        log.warning(
            "Levering %s: verwerking stond stil (%s s); opnieuw %s (via %s%s)",
            pk,
            stalled_seconds if stalled_seconds is not None else "?",
            "in de wachtrij gezet" if background else "gestart",
            via,
            ", geforceerd" if force and since is None else "",
        )
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


def _not_waiting(delivery: Delivery) -> str:
    return gettext("Levering %(pk)s wacht niet op bevestiging (status: %(status)s).") % {
        "pk": delivery.pk,
        "status": delivery.get_status_display(),
    }


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
        current.save(update_fields=["status", "confirmed_by", "confirmed_at", "progress", "heartbeat_at"])
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
        current.move_to(S.AFGEWEZEN)
        current.processed_at = timezone.now()
        current.report = {
            **current.report,
            "weigering": {"codes": [], "melding": DECLINED_MESSAGE},
        }
        staged, current.staged_name = current.staged_name, ""
        current.save()
        privacy.record(user, privacy.AuditAction.UPDATE, current, purpose="levering niet bevestigd")
    _remove_staged(staged)
    return current


# ---------------------------------------------------------------------------
# Rejected rows
# ---------------------------------------------------------------------------

REJECTED_ROWS_HEADER = ("rij", "klantnummer", "veld", "code", "melding")


def rejected_rows(delivery: Delivery, *, warnings: bool = False):
    """The delivery's rejected rows (and with ``warnings`` its warnings), in row order."""
    qs = DeliveryRowIssue.objects.filter(delivery=delivery)
    if not warnings:
        qs = qs.filter(is_warning=False)
    return qs.order_by("row", "id")


def record_rejected_rows_read(delivery: Delivery, user, *, request=None, how: str, count: int | None = None) -> None:
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
    from .normalise import csv_lines

    rows = (
        rejected_rows(delivery, warnings=warnings)
        .values_list("row", "klantnummer", "field", "code", "message")
        .iterator(chunk_size=5000)
    )
    return csv_lines(REJECTED_ROWS_HEADER, rows, identifiers=("klantnummer",))


# ---------------------------------------------------------------------------
# API keys
# ---------------------------------------------------------------------------

API_KEY_PREFIX_BYTES = 6  # 12 hex characters
API_KEY_SECRET_BYTES = 32  # 256 bits


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_key(creditor: Creditor, name: str, user=None) -> tuple[ApiKey, str]:
    """A new key for a creditor system; returns the key and its text ``<prefix>.<secret>``, shown once."""
    name = (name or "").strip()[:100] or "API-sleutel"
    secret = secrets.token_urlsafe(API_KEY_SECRET_BYTES)
    for _attempt in range(5):
        prefix = secrets.token_hex(API_KEY_PREFIX_BYTES)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    creditor=creditor,
                    name=name,
                    prefix=prefix,
                    secret_hash=_hash_secret(secret),
                    created_by=user if getattr(user, "pk", None) else None,
                )
                privacy.record(
                    user, privacy.AuditAction.CREATE, key, purpose="API-sleutel aangemaakt",
                    details={"schuldeiser": creditor.code, "voorvoegsel": prefix},
                )
            return key, f"{prefix}.{secret}"
        except IntegrityError:  # a prefix collision: 1 in 2**48
            continue
    raise RuntimeError("Kon geen unieke API-sleutel maken.")


def revoke_api_key(api_key: ApiKey, user=None) -> ApiKey:
    """Revoke a key; it is refused from then on. Revoking twice changes nothing."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            privacy.record(
                user, privacy.AuditAction.UPDATE, key, purpose="API-sleutel ingetrokken",
                details={"schuldeiser": key.creditor.code, "voorvoegsel": key.prefix},
            )
    return key


def authenticate_api_key(text: str) -> ApiKey | None:
    """The active key ``<prefix>.<secret>`` names, or ``None``; compares hashes in constant time."""
    prefix, dot, secret = (text or "").strip().partition(".")
    if not dot or not prefix or not secret or len(prefix) > 16 or len(secret) > 200:
        return None
    key = ApiKey.objects.select_related("creditor").filter(prefix=prefix).first()
    # Hash even when there is no key, so timing does not tell whether a prefix exists.
    candidate = _hash_secret(secret)
    expected = key.secret_hash if key is not None else "0" * 64
    if not hmac.compare_digest(candidate, expected) or key is None or key.revoked_at is not None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_user_for(key: ApiKey):
    """The (unsaved) creditor user an API key acts as, so the scoping layer applies unchanged."""
    from vroegsignaal.organisations.models import Role, User

    user = User(username=f"api-{key.prefix}", role=Role.SCHULDEISER, creditor=key.creditor, is_active=True)
    user.api_key = key
    return user


# ---------------------------------------------------------------------------
# Column mapping and preview
# ---------------------------------------------------------------------------


def save_column_mapping(creditor: Creditor, mapping: dict[str, str | None], user=None) -> ColumnMapping:
    """Store the creditor's own headers (spec 1.3); entries equal to the defaults are left out."""
    clean = validate_column_mapping(mapping)
    own = {
        header.strip(): target
        for header, target in clean.items()
        if header.strip() and field_for_header(header) != target
    }
    saved, _created = ColumnMapping.objects.update_or_create(creditor=creditor, defaults={"mapping": own})
    privacy.record(
        user, privacy.AuditAction.UPDATE, saved, purpose="kolomindeling opgeslagen",
        details={"kolommen": len(own)},
    )
    return saved


@dataclass
class Preview:
    """The first rows of a file with the creditor's column mapping applied, for the upload page."""

    rows: list[dict[str, str | None]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → header in the file
    unknown_columns: list[str] = field(default_factory=list)
    file_format: str = ""
    refusal: dict | None = None


def preview_delivery(creditor: Creditor, path: Path, *, filename: str = "", kind: str | None = None) -> Preview:
    """Read the head of a staged file as the delivery will be read; never raises for bad files."""
    from .parsing import DeliveryRefused, parse_delivery

    name = filename.lower()
    is_json = name.endswith(".json")
    is_xlsx = name.endswith((".xlsx", ".xls"))
    # A CSV's or JSON body's head is enough; an XLSX is a ZIP and is decrypted whole,
    # but only the head of its sheet is read.
    by_head = not is_xlsx
    # The staged file is encrypted: its plaintext (the head) is read into memory.
    source: bytes = read_staged(path, limit=PREVIEW_HEAD_BYTES + 1 if by_head else None)
    whole = len(source) <= PREVIEW_HEAD_BYTES or not by_head
    if not whole:
        head = source[:PREVIEW_HEAD_BYTES]
        cut = head.rfind(b"\n")
        source = head if is_json else head[: cut + 1] if cut > 0 else head
    try:
        try:
            parsed = parse_delivery(
                source,
                filename=filename or None,
                soort=kind or None,
                column_mapping=column_mapping_for(creditor),
                max_bytes=settings.MAX_DELIVERY_BYTES,
                head_rows=PREVIEW_ROWS if (is_json and not whole) or is_xlsx else None,
            )
        except DeliveryRefused as refused:
            if whole or refused.code in (Code.KOLOM_ONTBREEKT, Code.BESTAND_TE_GROOT):
                raise
            # The head cut a quoted value in two: read the whole file.
            parsed = parse_delivery(
                read_staged(path),
                filename=filename or None,
                soort=kind or None,
                column_mapping=column_mapping_for(creditor),
                max_bytes=settings.MAX_DELIVERY_BYTES,
            )
    except DeliveryRefused as refused:
        return Preview(refusal={"codes": [str(refused.code)], "melding": refused.message})
    fields_present = [c for c in parsed.table.columns if c != "rij"]
    head_rows = parsed.table.head(PREVIEW_ROWS)
    return Preview(
        rows=head_rows.to_dicts(),
        fields=fields_present,
        columns=dict(parsed.columns),
        unknown_columns=list(parsed.unknown_columns) + list(parsed.duplicate_columns),
        file_format=parsed.format,
    )


# --- retention (privacy.retention calls this) ------------------------------------


def purge_rejected_rows(*, received_before: dt.date) -> int:
    """Delete the rejected rows and warnings of deliveries received before ``received_before``.

    They may hold a customer's number and delivered values; the delivery keeps
    its counts and report (per code, no personal data). One DELETE.
    """
    from vroegsignaal.privacy.retention import delete_set

    start = timezone.make_aware(dt.datetime.combine(received_before, dt.time.min))
    return delete_set(DeliveryRowIssue.objects.filter(delivery__received_at__lt=start))


def expire_held_deliveries(*, received_before: dt.date) -> int:
    """Refuse the deliveries still waiting for confirmation that came in before ``received_before``.

    A held ``stand`` keeps its routed rows (personal data, encrypted) next to
    its staged file until the creditor confirms or declines it; one never
    answered is refused as a declined one is, and its files are removed when
    the transaction commits (so a dry run of the purge keeps them). The
    purge's audit event records the count.
    """
    start = timezone.make_aware(dt.datetime.combine(received_before, dt.time.min))
    held = list(
        Delivery.objects.select_for_update().filter(
            status=S.WACHT_OP_BEVESTIGING, received_at__lt=start
        )
    )
    now = timezone.now()
    for delivery in held:  # a handful: deliveries, not rows
        delivery.move_to(S.AFGEWEZEN)
        delivery.processed_at = now
        delivery.report = {
            **delivery.report,
            "weigering": {
                "codes": [],
                "melding": "Niet op tijd bevestigd door de schuldeiser; er is niets verwerkt.",
            },
        }
        staged, delivery.staged_name = delivery.staged_name, ""
        delivery.save(update_fields=["status", "processed_at", "report", "staged_name"])
        transaction.on_commit(lambda name=staged: _remove_staged(name))
    return len(held)
