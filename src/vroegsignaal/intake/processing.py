"""Steps 3 to 5 of :mod:`.services`: a delivery's outcome, written in one transaction.

A refusal (:func:`_finish_refused`), a held ``stand`` (:func:`_hold`: its routed rows
kept encrypted next to the staged file until the creditor confirms) or the apply
(:func:`_apply`: households, signals, rejected rows, counts, supersession and status
together, so a crash before the commit leaves the data as it was). Each takes the
delivery's row lock and gives up when another process got there first.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
import json
import logging
import os
import time
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from vroegsignaal.privacy import services as privacy

from . import routing
from .evaluation import Evaluation, set_progress
from .fields import Soort
from .models import Delivery, DeliveryRowIssue
from .report import UNCHANGED_KEY
from .shared import S, _parse_reference_date, _Stopwatch
from .staging import _remove_staged, incoming_dir

# The name of the public face's log, as before the split: log filters and searches use it.
log = logging.getLogger("vroegsignaal.intake.services")

ISSUE_BATCH = 5000


def _households():
    """The households app's service (imported late: it imports this app's models)."""
    return importlib.import_module("vroegsignaal.households.services")


FAILURE_NOTE = "Bij het verwerken ging iets mis; er is niets gewijzigd."


def _note_failure(delivery_id: int, error: Exception) -> None:
    """Say on the delivery that processing broke off (it stays in_behandeling and can run again)."""
    error.delivery_id = delivery_id  # type: ignore[attr-defined]
    # Never the error's text: a database error's message can name key values (a klantnummer, an
    # address). The worker neither logs nor stores it (the task wrapper and log filter in
    # conf/logsafety.py keep only the class); the command prints the class, and the traceback
    # only on the terminal with --traceback.
    from vroegsignaal.conf.logsafety import operator_reason

    from .staging import incoming_dir

    # The reason an operator can act on (a full disk and its folder, a locked or unreachable
    # database, keys that do not open the data): never the error's own text.
    reason = operator_reason(error, folders=[incoming_dir()]) or type(error).__name__
    log.error(
        "Levering %s: verwerking afgebroken (%s); er is niets gewijzigd. Opnieuw: vroegsignaal "
        "deliver --opnieuw %s; lukt dat steeds niet, dan afbreken met --weiger %s",
        delivery_id,
        reason,
        delivery_id,
        delivery_id,
    )
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
            **(
                {"weigering": delivery.report["weigering"]["codes"]}
                if delivery.report.get("weigering")
                else {}
            ),
        },
    )
    log_outcome(delivery)


def _audit_per_municipality(delivery: Delivery) -> None:
    """One event per municipality whose residents the applied delivery concerns.

    The delivery's own events have no municipality (it spans several), so without these a
    municipality's privacy officer would not see what a creditor did with her residents'
    data: the rows routed there and the arrears cleared there, by count.
    """
    from vroegsignaal.organisations.models import Municipality

    routed = {
        entry["gemeentecode"]: int(entry["regels"])
        for entry in delivery.report.get("gerouteerd_per_gemeente", [])
    }
    cleared = _households().cleared_per_municipality(delivery.pk)
    codes = sorted(set(routed) | set(cleared))
    for municipality in Municipality.objects.filter(code__in=codes).order_by("code"):
        privacy.record(
            delivery.submitted_by,
            privacy.AuditAction.DELIVER,
            delivery,
            purpose="levering verwerkt voor de gemeente",
            municipality=municipality,
            details={
                "schuldeiser": delivery.creditor.code,
                "soort": delivery.kind,
                "regels": routed.get(municipality.code, 0),
                "opgelost": cleared.get(municipality.code, 0),
            },
        )


def log_outcome(delivery: Delivery) -> None:
    """One line in the operator's log per delivery outcome, once it is committed.

    Which delivery, what became of it and its counts; a refusal by its codes. Never a
    value from the file (no personal data): the message of a refusal is logged only
    when it has no code, as the system's own texts (declined, replaced) have none.
    """
    d = delivery
    head = (
        f"Levering {d.pk} van {d.creditor.code} ({d.kind or '-'}, peildatum "
        f"{d.reference_date.isoformat() if d.reference_date else '-'}, via {d.via})"
    )
    rows = (
        f"{d.rows_received} regels: {d.rows_accepted} geaccepteerd, {d.rows_rejected} afgewezen, "
        f"{d.rows_outside_covenant} buiten convenant"
    )
    if d.status == S.VERWERKT:
        outcome = (
            f"verwerkt; {rows}; achterstanden nieuw {d.arrears_new}, gewijzigd "
            f"{d.arrears_changed}, afgemeld {d.arrears_cleared}"
        )
    elif d.status == S.WACHT_OP_BEVESTIGING:
        check = d.report.get("veiligheidscontrole") or {}
        why = (
            f"er is al een stand met peildatum {check['latere_stand']}"
            if check.get("latere_stand")
            else f"{check.get('af_te_melden')} van {check.get('open_achterstanden')} open "
            "achterstanden zouden worden afgemeld"
        )
        outcome = f"wacht op bevestiging ({why}); {rows}"
    else:
        refusal = d.report.get("weigering") or {}
        codes = ", ".join(refusal.get("codes") or [])
        outcome = f"afgewezen ({codes or refusal.get('melding', '')})"
    seconds = (timezone.now() - d.received_at).total_seconds()
    line = f"{head}: {outcome}; " + f"{seconds:.1f}".replace(".", ",") + " s na ontvangst"
    transaction.on_commit(lambda: log.info("%s", line))


def _finish_refused(
    delivery: Delivery,
    evaluation: Evaluation | None,
    refusal: dict,
    *,
    header: tuple[str | None, str | None] = (None, None),
) -> Delivery:
    """Record the refusal; ``header`` is a refused JSON body's (soort, peildatum), kept where
    the delivery has none of its own and the value is valid."""
    with transaction.atomic():
        current = _locked(delivery.pk, S.IN_BEHANDELING)
        if current is None:
            return Delivery.objects.get(pk=delivery.pk)
        if evaluation is not None:
            _write_counts(current, evaluation)
            _store_issues(current, evaluation.issues)
        soort, peildatum = header
        if not current.kind and soort in Soort.values:
            current.kind = soort
        if current.reference_date is None:
            parsed, problem = _parse_reference_date(peildatum)
            current.reference_date = None if problem else parsed
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
    frames = [
        pl.read_parquet(io.BytesIO(base64.b64decode(payload[k]))) for k in ("rows", "rejected_keys")
    ]
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
            creditor_id=creditor_id,
            kind=Soort.STAND,
            status=S.VERWERKT,
            reference_date__gt=reference_date,
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
    applied_rows = 0
    started = time.perf_counter()
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
            applied_rows = evaluation.accepted.height if evaluation.accepted is not None else 0
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
            # Accepted rows that confirmed an open arrear as it was (most of a stand): not a
            # field of spec 1.7, so kept in the stored report for the page and the command.
            current.report = {**current.report, UNCHANGED_KEY: counts.unchanged}
            _note_outdated(current, getattr(counts, "outdated", 0))
            _note_ignored(current, getattr(counts, "ignored", 0))
            current.move_to(S.VERWERKT)
            _supersede_earlier(current)
        if store_issues:
            _store_issues(current, evaluation.issues)
        current.progress = 100
        current.processed_at = timezone.now()
        staged, current.staged_name = current.staged_name, ""
        current.save()
        _audit_outcome(current)
        _audit_per_municipality(current)
        watch.lap(current.pk, "outcome")
    watch.lap(current.pk, "commit")
    _log_transaction(current.pk, applied_rows, time.perf_counter() - started)
    _remove_staged(staged)
    return current


def sqlite_busy_timeout() -> float | None:
    """Seconds a SQLite connection waits for the write lock (``OPTIONS["timeout"]``, 30 in the
    settings; sqlite3's default 5); ``None`` on PostgreSQL."""
    if connection.vendor != "sqlite":
        return None
    return float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))


def transaction_line(
    delivery_id: int, rows: int, seconds: float, busy_timeout: float | None
) -> tuple[int, str]:
    """The level and text of the line that says how long the apply's transaction took.

    On SQLite that transaction holds the database's write lock (``transaction_mode`` IMMEDIATE):
    a request that writes meanwhile waits ``busy_timeout`` seconds and is then answered 503
    (``portal/busy.py``). Past that it is a warning, so that an operator can tie those 503s to
    a delivery. Only the delivery's id and counts: nothing from the file.
    """
    took = f"{seconds:.1f}".replace(".", ",")
    line = f"Schrijftransactie van levering {delivery_id}: {rows} regels toegepast in {took} s"
    if busy_timeout is not None and seconds > busy_timeout:
        waits = f"{busy_timeout:g}".replace(".", ",")
        return logging.WARNING, (
            f"{line}, langer dan de wachttijd van {waits} s van de SQLite-database; andere "
            "verzoeken kregen mogelijk 503"
        )
    return logging.INFO, line


def _log_transaction(delivery_id: int, rows: int, seconds: float) -> None:
    level, line = transaction_line(delivery_id, rows, seconds, sqlite_busy_timeout())
    log.log(level, "%s", line)


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
            delivery,
            ids,
            municipality_ids=municipality_ids,
            pending_persons=pending_persons,
            reference_date=_evaluation_date(delivery),
        )
    return []


def _note_outdated(delivery: Delivery, rows: int) -> None:
    """Tell the creditor which part of a late delivery was not applied (households.later)."""
    if not rows:
        return
    note = {
        "veld": "",
        "code": "",
        "melding": (
            f"{rows} {'regel is' if rows == 1 else 'regels zijn'} niet verwerkt: een levering met een "
            "latere peildatum heeft deze achterstanden al bijgewerkt, afgemeld of niet meer bevat. "
            "Wat die nieuwere levering zei, blijft staan."
        ),
    }
    delivery.report = {
        **delivery.report,
        "opmerkingen": [*delivery.report.get("opmerkingen", []), note],
    }


def _note_ignored(delivery: Delivery, rows: int) -> None:
    """Tell the creditor about ``afgemeld`` rows that closed nothing (no open arrear for the key):
    accepted rows that are in none of the arrears counts (spec 1.7 has no field for them)."""
    if not rows:
        return
    note = {
        "veld": "status",
        "code": "",
        "melding": (
            f"{rows} {'regel met status afgemeld is' if rows == 1 else 'regels met status afgemeld zijn'} "
            "genegeerd: voor die combinatie van klantnummer en contractnummer stond geen "
            "achterstand open."
        ),
    }
    delivery.report = {
        **delivery.report,
        "opmerkingen": [*delivery.report.get("opmerkingen", []), note],
    }


def _evaluation_date(delivery: Delivery) -> dt.date:
    """The delivery's peildatum, or the creditor's latest applied one when it arrived late:
    the arrears now hold what that later delivery said (households.later), and evaluating
    on an older date would age its arrears backwards."""
    latest = (
        Delivery.objects.filter(
            creditor_id=delivery.creditor_id,
            status=S.VERWERKT,
            reference_date__gt=delivery.reference_date,
        )
        .order_by("-reference_date")
        .values_list("reference_date", flat=True)
        .first()
    )
    return latest or delivery.reference_date


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


def _applied_later(delivery: Delivery) -> Delivery | None:
    """A stand of the creditor with a later peildatum, received after ``delivery`` and applied."""
    return (
        Delivery.objects.filter(
            creditor_id=delivery.creditor_id,
            kind=Soort.STAND,
            status=S.VERWERKT,
            reference_date__gt=delivery.reference_date,
            pk__gt=delivery.pk,
        )
        .order_by("-reference_date", "-pk")
        .first()
    )


def _apply_confirmed(delivery: Delivery) -> Delivery:
    # A stand waiting for confirmation is the creditor's arrears on its peildatum. A later
    # mutatie applied meanwhile changes that: the timeline leaves what it said alone
    # (households.later). A later stand applied meanwhile replaces it: nothing left to apply.
    later = _applied_later(delivery) if delivery.reference_date else None
    if later is not None:
        return _finish_refused(
            delivery,
            None,
            {
                "codes": [],
                "melding": (
                    f"Na deze stand is levering {later.pk}, een stand met een latere peildatum "
                    f"({later.reference_date.isoformat()}), verwerkt; die vervangt deze oudere "
                    "stand, die daarom niet is verwerkt."
                ),
            },
        )
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


# --- retention (privacy.retention calls this) ------------------------------------


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
