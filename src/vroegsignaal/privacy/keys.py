"""Key rotation: re-encrypt stored values that use an old key; and whether the keys fit the data.

Put the new key first in ``VROEGSIGNAAL_ENCRYPTION_KEYS`` (keep the old one
after it), restart every process, run ``vroegsignaal rotate_keys``, check with
``vroegsignaal check_keys`` that the old key is no longer used, then remove it
(``docs/operations.md``, "Key rotation").

:func:`check_keys` is the test after a restore or a rotation: which key ids
the stored values use, whether a sample of each decrypts with the configured
key of that id, whether the blind-index key is the one the stored indexes were
made with, and which keys the delivery files waiting in the incoming folder
need. Without it a wrong key shows only when a page or a command first reads
personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast

from vroegsignaal.formats import thousands

from . import crypto
from .fields import ENCRYPTED_FIELD_TYPES

DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 1_000_000  # rows per transaction at most (rotate_keys, rotate_blind_index_key); more is a typing error


@dataclass
class RotationReport:
    key_id: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)  # "app_label.model" -> values re-encrypted

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def values_phrase(count: int) -> str:
    """``1 waarde``, ``3 waarden``: how the key commands count stored values (Dutch, as they print)."""
    return f"{thousands(count)} {'waarde' if count == 1 else 'waarden'}"


def installed_models() -> list[type[models.Model]]:
    return list(apps.get_models())


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    """The encrypted columns a model owns (not those of a parent or proxy target)."""
    meta = model._meta
    if meta.proxy or not meta.managed or meta.swapped:
        return []
    return [f for f in meta.local_concrete_fields if isinstance(f, ENCRYPTED_FIELD_TYPES)]


def _stale_tokens(model: type[models.Model], column: models.Field, using: str) -> models.QuerySet:
    """Rows whose token in ``column`` was made with another key than the current one.

    The column is read through a cast to text so that the field does not
    decrypt it; the prefix test runs in SQL.
    """
    return (
        model._base_manager.using(using)
        .annotate(_token=Cast(column.attname, output_field=models.TextField()))
        .filter(_token__startswith=f"{crypto.TOKEN_VERSION}:")
        .exclude(_token__startswith=f"{crypto.TOKEN_VERSION}:{crypto.current_key_id()}:")
    )


def _rotate_column(
    model: type[models.Model],
    column: models.Field,
    batch_size: int,
    using: str,
    batch_done: Callable[[int], None] | None = None,
) -> int:
    done, last_pk = 0, None
    while True:
        # One transaction per batch, rows locked so a concurrent save is not overwritten.
        with transaction.atomic(using=using):
            batch = _stale_tokens(model, column, using).order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values_list("pk", "_token")[:batch_size])
            if not rows:
                return done
            pks = [pk for pk, _ in rows]
            tokens = crypto.encrypt_many(crypto.decrypt_many([token for _, token in rows]))
            new_values = Case(
                *[
                    When(pk=pk, then=Value(token, output_field=models.TextField()))
                    for pk, token in zip(pks, tokens, strict=True)
                ],
                output_field=models.TextField(),
            )
            model._base_manager.using(using).filter(pk__in=pks).update(
                **{column.attname: new_values}
            )
        done += len(rows)
        last_pk = pks[-1]
        if batch_done is not None:
            batch_done(len(rows))


def rotate_keys(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    models_to_check: Iterable[type[models.Model]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str, int], None] | None = None,
    working: Callable[[str, int, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every encrypted value not under the current key; idempotent.

    ``dry_run`` only counts. Values whose key is no longer configured make the
    run stop with a :class:`~.crypto.DecryptionError`: put that key back.
    ``progress(label, count)`` is called as each model is done (a long run shows it goes on), and
    ``working(label, done, total)`` after each batch of a model with values to re-encrypt: the
    persons of a big municipality take a minute.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RotationReport(key_id=crypto.current_key_id(), dry_run=dry_run)
    for model in models_to_check if models_to_check is not None else installed_models():
        columns = encrypted_fields(model)
        if not columns:
            continue
        count = 0
        label = model._meta.label_lower
        total = (
            sum(_stale_tokens(model, column, using).count() for column in columns)
            if working is not None and not dry_run
            else 0
        )

        def batch_done(rows: int, label: str = label, total: int = total) -> None:
            nonlocal count
            count += rows
            working(label, count, total)

        for column in columns:
            if dry_run:
                count += _stale_tokens(model, column, using).count()
            elif total:
                _rotate_column(model, column, batch_size, using, batch_done)
            else:
                count += _rotate_column(model, column, batch_size, using)
        report.counts[label] = count
        if progress is not None:
            progress(label, count)
    if not dry_run:
        from .audit import record
        from .models import AuditAction

        record(
            None,
            AuditAction.KEY_ROTATION,
            purpose="sleutelrotatie",
            details={"key_id": report.key_id, "counts": report.counts},
        )
    return report


# --- do the keys fit the data? ------------------------------------------------------

SAMPLE_SIZE = 20  # values decrypted per column and key id: the first and the last ones


@dataclass
class KeyCheck:
    configured: list[str]  # key ids in VROEGSIGNAAL_ENCRYPTION_KEYS, the current one first
    in_use: dict[str, int] = field(default_factory=dict)  # configured key id -> stored values
    unknown_values: int = 0  # stored values under a key id that is not configured
    unknown_ids: set[str] = field(default_factory=set)  # those key ids (as seen in a sample)
    unknown_columns: list[str] = field(default_factory=list)  # "table.column" holding them
    undecryptable: dict[str, list[str]] = field(
        default_factory=dict
    )  # key id -> columns whose sample failed
    staged: dict[str, int] = field(
        default_factory=dict
    )  # key id -> files waiting in the incoming folder
    staged_problems: list[str] = field(default_factory=list)
    decrypted: int = 0  # sample values decrypted
    persons: int = 0  # persons in the sample for the blind-index key
    blind_index_checked: int = 0  # of those, whose stored blind index was computed again
    blind_index_mismatches: int = 0

    @property
    def problems(self) -> list[str]:
        """What does not fit, in Dutch: key ids, tables and counts, never a value or a key."""
        problems = []
        if self.unknown_values:
            ids = ", ".join(f"'{kid}'" for kid in sorted(self.unknown_ids))
            problems.append(
                f"{self.unknown_values} {'waarde' if self.unknown_values == 1 else 'waarden'} in "
                f"{_columns(self.unknown_columns)} gebruiken sleutel-id {ids}, die niet in "
                "VROEGSIGNAAL_ENCRYPTION_KEYS staat: zet die sleutel terug (achteraan)."
            )
        for kid, columns in self.undecryptable.items():
            problems.append(
                f"Waarden met sleutel-id '{kid}' in {_columns(columns)} zijn niet te ontsleutelen met de sleutel "
                f"die VROEGSIGNAAL_ENCRYPTION_KEYS onder '{kid}' noemt: dat is een andere sleutel met hetzelfde "
                "id (of de gegevens zijn beschadigd)."
            )
        if self.blind_index_mismatches:
            problems.append(
                f"VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens: bij {self.blind_index_mismatches} van "
                f"{self.blind_index_checked} personen geeft hij een andere zoekindex dan opgeslagen. Met deze "
                "sleutel worden personen niet meer herkend (dubbele personen; een inzageverzoek vindt niets): "
                "zet de sleutel terug waarmee de gegevens zijn gemaakt."
            )
        return problems + self.staged_problems

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unused(self) -> list[str]:
        """Older configured keys that no stored value and no waiting file needs (they may go, after the backups)."""
        return [
            kid
            for kid in self.configured[1:]
            if not self.in_use.get(kid) and not self.staged.get(kid)
        ]


def _columns(labels: list[str]) -> str:
    shown = ", ".join(labels[:3])
    return shown + (f" en {len(labels) - 3} andere kolommen" if len(labels) > 3 else "")


def _column_label(model: type[models.Model], column: models.Field) -> str:
    return f"{model._meta.db_table}.{column.column}"


def _tokens(model: type[models.Model], column: models.Field, using: str) -> models.QuerySet:
    return (
        model._base_manager.using(using)
        .annotate(_token=Cast(column.attname, output_field=models.TextField()))
        .filter(_token__startswith=f"{crypto.TOKEN_VERSION}:")
    )


def _check_column(report: KeyCheck, model, column, using: str) -> None:
    label = _column_label(model, column)
    tokens = _tokens(model, column, using)
    known = 0
    for kid in report.configured:
        of_key = tokens.filter(_token__startswith=f"{crypto.TOKEN_VERSION}:{kid}:")
        count = of_key.count()
        if not count:
            continue
        known += count
        report.in_use[kid] = report.in_use.get(kid, 0) + count
        half = SAMPLE_SIZE // 2
        sample = dict(of_key.order_by("pk").values_list("pk", "_token")[:half])
        sample.update(of_key.order_by("-pk").values_list("pk", "_token")[:half])
        for token in sample.values():
            try:
                crypto.decrypt(token)
            except crypto.DecryptionError:
                report.undecryptable.setdefault(kid, []).append(label)
                break
            report.decrypted += 1
    others = tokens.count() - known
    if others:
        unknown = tokens
        for kid in report.configured:
            unknown = unknown.exclude(_token__startswith=f"{crypto.TOKEN_VERSION}:{kid}:")
        report.unknown_values += others
        report.unknown_ids.update(
            _kid_or_unknown(t) for t in unknown.values_list("_token", flat=True)[:100]
        )
        report.unknown_columns.append(label)


def _kid_or_unknown(token: str) -> str:
    try:
        return crypto.key_id_of(token)
    except crypto.DecryptionError:
        return "?"


def _check_blind_index(report: KeyCheck, using: str, sample: int = SAMPLE_SIZE) -> None:
    """Compute the stored birth-date index of a few persons again: equal only with the same key."""
    from vroegsignaal.households.models import Person
    from vroegsignaal.households.selectors import birth_date_index

    persons = Person.objects.using(using)
    half = max(1, sample // 2)
    pks = list(persons.order_by("pk").values_list("pk", flat=True)[:half])
    pks += list(persons.order_by("-pk").values_list("pk", flat=True)[:half])
    report.persons = len(set(pks))
    for pk in sorted(set(pks)):
        try:
            birth_date, stored = persons.values_list("birth_date", "birth_date_index").get(pk=pk)
        except crypto.DecryptionError:
            continue  # the field key does not fit: reported by the column check
        report.blind_index_checked += 1
        if birth_date_index(birth_date) != stored:
            report.blind_index_mismatches += 1


def _check_staged(report: KeyCheck) -> None:
    from vroegsignaal.intake import sealing
    from vroegsignaal.intake.services import incoming_dir

    for path in sorted(incoming_dir().iterdir()):
        if not path.is_file():
            continue
        try:
            kid = sealing.file_key_id(path)
        except OSError:
            continue  # processed and removed meanwhile
        if kid is None:
            continue  # staged before sealing existed: no key needed
        report.staged[kid] = report.staged.get(kid, 0) + 1
        try:
            sealing.check_file_key(path)
        except crypto.DecryptionError as error:
            report.staged_problems.append(str(error))


class BlindIndexKeyMismatch(RuntimeError):
    """The blind-index key is not the one the stored indexes were made with."""

    text_is_safe = True  # the message names the setting, never a key or a value (conf.logsafety)


BLIND_INDEX_MISMATCH = (
    "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de opgeslagen zoekindexen: met deze sleutel zou "
    "elke persoon van een levering opnieuw worden aangemaakt. Zet de sleutel terug waarmee de "
    "gegevens zijn gemaakt; welke sleutels passen zegt: vroegsignaal check_keys"
)


def blind_index_key_fits(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Does the blind-index key give the stored index of the first and the newest person?

    ``True`` when no person is stored yet, or when their birth dates cannot be decrypted
    (the encryption keys' own check says so)."""
    report = KeyCheck(configured=[])
    _check_blind_index(report, using, sample=2)
    return not report.blind_index_mismatches


def require_blind_index_key(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise :class:`BlindIndexKeyMismatch` unless the blind-index key fits the stored indexes.

    Linking finds persons by their blind indexes: with another key none would be found and a
    delivery would make every one of its persons again (``households.apply_rows`` asks first)."""
    if not blind_index_key_fits(using=using):
        raise BlindIndexKeyMismatch(BLIND_INDEX_MISMATCH)


def start_problem(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Do the configured keys open the newest value of each encrypted column, and does the
    blind-index key fit the stored indexes? A Dutch message naming the columns or the setting
    when not, ``None`` when they do (or nothing is stored yet).

    The web server asks this before it starts (``conf/gunicorn.py``): after a restore with
    other keys, every page with personal data would otherwise fail with a 500 while
    ``migrate`` and ``audit_verify`` pass. One value per column, newest first — a quick look,
    not :func:`check_keys`'s count of every value."""
    failing = []
    for model in installed_models():
        for column in encrypted_fields(model):
            token = (
                _tokens(model, column, using)
                .order_by("-pk")
                .values_list("_token", flat=True)
                .first()
            )
            if token is None:
                continue
            try:
                crypto.decrypt(token)
            except crypto.DecryptionError:
                failing.append(_column_label(model, column))
    if failing:
        return (
            f"De sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS openen de gegevens in de database niet "
            f"({_columns(failing)}). Zet de sleutels terug waarmee deze gegevens zijn versleuteld; "
            "welke dat zijn zegt: vroegsignaal check_keys"
        )
    return None if blind_index_key_fits(using=using) else BLIND_INDEX_MISMATCH


def check_keys(
    *, models_to_check: Iterable[type[models.Model]] | None = None, using: str = DEFAULT_DB_ALIAS
) -> KeyCheck:
    """Do the configured keys fit the stored data and the waiting delivery files? Reads, changes nothing."""
    ring = crypto.keyring()
    report = KeyCheck(
        configured=[ring.current_id, *(k for k in ring.ciphers if k != ring.current_id)]
    )
    for model in models_to_check if models_to_check is not None else installed_models():
        for column in encrypted_fields(model):
            _check_column(report, model, column, using)
    _check_blind_index(report, using)
    _check_staged(report)
    return report
