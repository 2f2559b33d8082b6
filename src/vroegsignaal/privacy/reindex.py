"""A new blind-index key: every stored value made with the old one is made again
(``vroegsignaal rotate_blind_index_key``; the procedure is in ``docs/operations.md``, "Key rotation").

What ``VROEGSIGNAAL_BLIND_INDEX_KEY`` made, and what happens to it:

* ``households.Person``: ``birth_date_index``, ``surname_index``, ``identity_index`` and
  ``bsn_index`` are made again from the person's decrypted fields, by the functions
  intake makes them with (``households.services.person_indexes``).
  ``details_digest`` too: it is the digest of the contact details last delivered, which
  are the stored ones with the fields emptied that the delivery left empty (an empty
  value does not erase a stored one); which ones is found with the current key. One that
  fits no such details (none, when every person came from intake) is cleared: the next
  delivery of that person writes their details and a digest again.
* ``feedback.FeedbackEvent.klantnummer_index``: made again from the decrypted
  ``klantnummer``.
* ``households.Arrear.link_digest`` ("repeated rows" of a monthly ``stand``): only a
  delivered row can make it, so it is cleared; the next ``stand`` links those rows
  like any other and stores digests under the new key.

Nothing else holds one: a staged delivery file and the routed rows of a delivery held
for confirmation are encrypted with the field key and get their indexes when applied.

It all happens in one transaction: an interruption changes nothing. Each index is
first made with the current key as well: one that the current key does not give for
the stored values (none, when every person came from intake) is counted and made
again from the stored values. The web server and the worker must be stopped
meanwhile and started with the new key afterwards: a process that still has the old
key would make indexes nobody finds.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.db import transaction

from . import crypto

DEFAULT_BATCH_SIZE = 5000
PERSON_LABEL = "households.person"
FEEDBACK_LABEL = "feedback.feedbackevent"
ARREAR_LABEL = "households.arrear"
# The stored values that are no search index but a cache of what was last delivered.
DETAILS_DIGEST = "details_digest"

Progress = Callable[[str, int, int], None]  # (model label, rows done, rows in all)


class RotationRefused(Exception):
    """The rotation cannot start; the message (Dutch) says why and what to do. Nothing changed."""


@dataclass
class IndexRotation:
    dry_run: bool
    # model label -> rows made again (households.arrear: link digests cleared)
    counts: dict[str, int] = field(default_factory=dict)
    # "table.column" -> rows whose stored value the current key did not give for the stored values
    deviating: dict[str, int] = field(default_factory=dict)
    details_cleared: int = 0  # persons whose details_digest was cleared

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def parse_new_key(raw: str | None) -> bytes:
    """The new key, from ``VROEGSIGNAAL_NEW_BLIND_INDEX_KEY``; :class:`RotationRefused` when it is
    missing, not base64, shorter than 32 bytes or the current key (the message never shows it)."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        key = crypto.parse_blind_index_key(raw, "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY")
    except ImproperlyConfigured as error:
        raise RotationRefused(str(error)) from None
    if hmac.compare_digest(key, crypto.blind_index_key()):
        raise RotationRefused(
            "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY is dezelfde sleutel als VROEGSIGNAAL_BLIND_INDEX_KEY: "
            f"maak een nieuwe. {crypto.MAKE_KEY}"
        )
    return key


def deliveries_in_progress() -> list[int]:
    """Ids of the deliveries being processed or waiting for the worker (a held one has no indexes)."""
    from vroegsignaal.intake.models import RUNNING_STATUSES, Delivery

    return list(
        Delivery.objects.filter(status__in=RUNNING_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _refuse_while_delivering() -> None:
    busy = deliveries_in_progress()
    if busy:
        shown = ", ".join(str(pk) for pk in busy[:10]) + (" …" if len(busy) > 10 else "")
        raise RotationRefused(
            f"{len(busy)} {'levering wordt' if len(busy) == 1 else 'leveringen worden'} verwerkt of "
            f"{'staat' if len(busy) == 1 else 'staan'} in de wachtrij (id {shown}). Die zouden met de oude "
            "sleutel worden verwerkt. Laat de worker ze eerst afmaken ('vroegsignaal deliver --opnieuw ID "
            "--wacht' volgt er een; een vastgelopen levering: '--opnieuw ID --forceer'), stop dan de webserver "
            "en de worker en draai dit opnieuw. Er is niets gewijzigd."
        )


def _refuse_if_current_key_does_not_fit() -> None:
    """The indexes can be checked only with the key they were made with (check_keys' sample)."""
    from .keys import KeyCheck, _check_blind_index

    sample = KeyCheck(configured=[])
    _check_blind_index(sample, "default")
    if sample.blind_index_mismatches:
        raise RotationRefused(
            f"VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens (bij {sample.blind_index_mismatches} van "
            f"{sample.blind_index_checked} personen in de steekproef): de rotatie heeft de sleutel nodig "
            "waarmee de zoekindexen zijn gemaakt. Zet die in VROEGSIGNAAL_BLIND_INDEX_KEY "
            "(controleer met 'vroegsignaal check_keys'). Er is niets gewijzigd."
        )


def rotate_blind_index_key(
    new_key: bytes,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> IndexRotation:
    """Make every stored value of the blind-index key again with ``new_key``, in one transaction,
    and record it in the audit log.

    ``dry_run`` does all the reading, decrypting and computing but writes and records
    nothing (so it also shows that every value decrypts), and does not wait for deliveries.
    Raises :class:`RotationRefused` (before changing anything) while deliveries are being
    processed or wait for the worker, or when the current key does not fit the stored
    indexes; a :class:`~.crypto.DecryptionError` midway rolls everything back.
    ``progress(label, done, total)`` is called after each batch.
    """
    from vroegsignaal.households import services as households

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if hmac.compare_digest(new_key, crypto.blind_index_key()):
        raise RotationRefused("De nieuwe sleutel is dezelfde als VROEGSIGNAAL_BLIND_INDEX_KEY.")
    if not dry_run:
        _refuse_while_delivering()
    _refuse_if_current_key_does_not_fit()
    report = IndexRotation(dry_run=dry_run)
    if dry_run:
        _rotate(report, new_key, batch_size, progress)
        return report
    with transaction.atomic():
        households.lock_out_applies()
        _refuse_while_delivering()  # one that started meanwhile
        _rotate(report, new_key, batch_size, progress)
        from .audit import record
        from .models import AuditAction

        # Last in the transaction: on SQLite it commits with the rotation; on PostgreSQL
        # record's own connection commits it first, so a rotation is never left unrecorded.
        record(
            None,
            AuditAction.KEY_ROTATION,
            purpose="sleutelrotatie",
            details={
                "key": "VROEGSIGNAAL_BLIND_INDEX_KEY",
                "counts": report.counts,
                "deviating": report.deviating,
                "details_digests_cleared": report.details_cleared,
            },
        )
    return report


def _rotate(
    report: IndexRotation, new_key: bytes, batch_size: int, progress: Progress | None
) -> None:
    from vroegsignaal.households import services as households

    write = not report.dry_run
    _persons(report, new_key, batch_size, progress, write=write)
    _feedback_events(report, new_key, batch_size, progress, write=write)
    report.counts[ARREAR_LABEL] = households.forget_link_digests(dry_run=report.dry_run)
    if progress is not None:
        progress(ARREAR_LABEL, report.counts[ARREAR_LABEL], report.counts[ARREAR_LABEL])


# --- persons ------------------------------------------------------------------------------

# Person's encrypted fields, as the columns of households.services.PERSON_INDEX_INPUT.
PERSON_FIELDS = {
    "surname": "achternaam",
    "initials": "voorletters",
    "first_names": "voornamen",
    "birth_date": "geboortedatum",
    "gender": "geslacht",
    "phone": "telefoonnummer",
    "email": "email",
    "bsn": "bsn",
}


def _persons(
    report: IndexRotation,
    new_key: bytes,
    batch_size: int,
    progress: Progress | None,
    *,
    write: bool,
) -> None:
    from vroegsignaal.households import services as households
    from vroegsignaal.households.models import Person

    persons = Person._base_manager
    table = Person._meta.db_table
    indexes = households.PERSON_INDEXES
    schema = {"id": pl.Int64, **households.PERSON_INDEX_INPUT, **dict.fromkeys(indexes, pl.String)}
    total, done, last_pk = persons.count(), 0, 0
    while True:
        # The fields decrypt as they are read; a batch at a time, in key order.
        rows = list(
            persons.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", *PERSON_FIELDS, *indexes)[:batch_size]
        )
        if not rows:
            break
        stored = pl.DataFrame(rows, schema=schema, orient="row")
        del rows
        source = stored.select(
            *[
                pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
                if dtype == pl.String
                else pl.col(c)
                for c, dtype in households.PERSON_INDEX_INPUT.items()
            ]
        )  # an empty field is null, as in a delivered row
        now = households.person_indexes(source)
        with crypto.blind_index_key_in_use(new_key):
            new = households.person_indexes(source)
        for column in indexes:
            if column == DETAILS_DIGEST:
                continue
            deviating = stored.get_column(column).ne_missing(now.get_column(column)).sum()
            if deviating:
                label = f"{table}.{column}"
                report.deviating[label] = report.deviating.get(label, 0) + deviating
        # The stored details digest is of the contact details last delivered: mostly the stored
        # ones; otherwise those with some fields emptied (_delivered_details_digests).
        stored_digest = stored.get_column(DETAILS_DIGEST)
        details = new.get_column(DETAILS_DIGEST)
        other = stored_digest != now.get_column(DETAILS_DIGEST)
        if other.any():
            again = _delivered_details_digests(
                source.filter(other), stored_digest.filter(other), new_key
            )
            report.details_cleared += int(
                ((again == "") & (stored_digest.filter(other) != "")).sum()
            )
            details = details.scatter(other.arg_true(), again)
        if write:
            households.store_person_indexes(new.with_columns(details, stored.get_column("id")))
        done += stored.height
        last_pk = stored.get_column("id")[-1]
        if progress is not None:
            progress(PERSON_LABEL, done, total)
    report.counts[PERSON_LABEL] = done


def _delivered_details_digests(
    details: pl.DataFrame, stored: pl.Series, new_key: bytes
) -> pl.Series:
    """For persons whose stored ``details_digest`` is not that of their stored contact details:
    the digest, with ``new_key``, of the details it was made of; ``''`` where none are found.

    A delivery that leaves a contact field empty keeps the stored value but makes the digest
    with the field empty (``households.person_details._update_person_details``), so those
    details are the stored ones with some fields emptied: each way of emptying them (at most
    31) is tried with the current key.
    """
    from vroegsignaal.households import services as households

    fields = households.DETAIL_FIELDS
    found = pl.Series(DETAILS_DIGEST, [None] * len(stored), dtype=pl.String)
    for emptied in itertools.product((False, True), repeat=len(fields)):
        if not any(emptied):
            continue
        candidate = details.with_columns(
            pl.lit(None, pl.String).alias(name)
            for name, empty in zip(fields, emptied, strict=True)
            if empty
        )
        hit = found.is_null() & (households.details_digests(candidate) == stored)
        if hit.any():
            with crypto.blind_index_key_in_use(new_key):
                found = found.scatter(
                    hit.arg_true(), households.details_digests(candidate.filter(hit))
                )
    return found.fill_null("")


# --- feedback events ----------------------------------------------------------------------


def _feedback_events(
    report: IndexRotation,
    new_key: bytes,
    batch_size: int,
    progress: Progress | None,
    *,
    write: bool,
) -> None:
    from vroegsignaal.feedback.models import FeedbackEvent
    from vroegsignaal.feedback.services import KLANTNUMMER_CONTEXT

    events = FeedbackEvent._base_manager
    label = f"{FeedbackEvent._meta.db_table}.klantnummer_index"
    total, done, last_pk = events.count(), 0, 0
    while True:
        rows = list(
            events.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "klantnummer", "klantnummer_index")[:batch_size]
        )
        if not rows:
            break
        pks, numbers, stored = zip(*rows, strict=True)
        now = crypto.blind_index_many(numbers, context=KLANTNUMMER_CONTEXT)
        with crypto.blind_index_key_in_use(new_key):
            new = crypto.blind_index_many(numbers, context=KLANTNUMMER_CONTEXT)
        deviating = sum(a != b for a, b in zip(stored, now, strict=True))
        if deviating:
            report.deviating[label] = report.deviating.get(label, 0) + deviating
        if write:
            events.bulk_update(
                [
                    FeedbackEvent(pk=pk, klantnummer_index=index)
                    for pk, index in zip(pks, new, strict=True)
                ],
                ["klantnummer_index"],
            )
        done += len(pks)
        last_pk = pks[-1]
        if progress is not None:
            progress(FEEDBACK_LABEL, done, total)
    report.counts[FEEDBACK_LABEL] = done
