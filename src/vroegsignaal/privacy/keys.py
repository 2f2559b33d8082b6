"""Key rotation: re-encrypt stored values that use an old key.

Put the new key first in ``VROEGSIGNAAL_ENCRYPTION_KEYS`` (keep the old one
after it), deploy, run ``vroegsignaal rotate_keys``, then remove the old key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast

from . import crypto
from .fields import ENCRYPTED_FIELD_TYPES

DEFAULT_BATCH_SIZE = 1000


@dataclass
class RotationReport:
    key_id: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)  # "app_label.model" -> values re-encrypted

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
    model: type[models.Model], column: models.Field, batch_size: int, using: str
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


def rotate_keys(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    models_to_check: Iterable[type[models.Model]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RotationReport:
    """Re-encrypt every encrypted value not under the current key; idempotent.

    ``dry_run`` only counts. Values whose key is no longer configured make the
    run stop with a :class:`~.crypto.DecryptionError`: put that key back.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RotationReport(key_id=crypto.current_key_id(), dry_run=dry_run)
    for model in models_to_check if models_to_check is not None else installed_models():
        columns = encrypted_fields(model)
        if not columns:
            continue
        count = 0
        for column in columns:
            if dry_run:
                count += _stale_tokens(model, column, using).count()
            else:
                count += _rotate_column(model, column, batch_size, using)
        report.counts[model._meta.label_lower] = count
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
