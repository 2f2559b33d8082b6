"""The audit log: append-only and hash-chained, so tampering shows.

Rows are written only by :func:`vroegsignaal.privacy.audit.record`; the ORM
refuses to change or delete them. Someone with direct database access can
still change rows, but :func:`vroegsignaal.privacy.audit.verify_chain` then
finds the break. The log holds no personal data of residents: object ids,
codes and counts only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    """What happened. Add members as apps need them; stored as the code."""

    VIEW = "view", _("Inzien")
    EXPORT = "export", _("Exporteren")
    CREATE = "create", _("Aanmaken")
    UPDATE = "update", _("Wijzigen")
    DELETE = "delete", _("Verwijderen")
    LOGIN = "login", _("Inloggen")
    LOGIN_FAILED = "login_failed", _("Mislukte inlogpoging")
    LOGOUT = "logout", _("Uitloggen")
    ACCESS_DENIED = "access_denied", _("Toegang geweigerd")
    DELIVER = "deliver", _("Aanleveren")
    PURGE = "purge", _("Opschonen")
    KEY_ROTATION = "key_rotation", _("Sleutels vervangen")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes would bypass the chain; refuse them."""

    def update(self, **kwargs):
        raise PermissionError("Het auditlog kan niet worden gewijzigd.")

    def delete(self):
        raise PermissionError("Het auditlog kan niet worden verwijderd.")

    def bulk_create(self, *args, **kwargs):
        raise PermissionError("Schrijf in het auditlog via vroegsignaal.privacy.audit.record().")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("Het auditlog kan niet worden gewijzigd.")


class AuditEvent(models.Model):
    """One audited action. ``seq`` is the position in the chain (1, 2, …)."""

    seq = models.BigIntegerField(_("volgnummer"), primary_key=True, editable=False)
    timestamp = models.DateTimeField(_("tijdstip"), db_index=True)
    actor_id = models.BigIntegerField(_("gebruiker-id"), null=True, blank=True)
    actor_username = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)
    municipality_code = models.CharField(_("gemeentecode"), max_length=4, null=True, blank=True)
    # Not a real constraint: deleting a municipality must never touch the log.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    action = models.CharField(
        _("handeling"), max_length=32, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("soort object"), max_length=100, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    purpose = models.TextField(_("doel"), blank=True)
    # Plain text, not GenericIPAddressField: the hash covers exactly what is stored.
    ip_address = models.CharField(_("IP-adres"), max_length=45, null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("vorige hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AppendOnlyQuerySet.as_manager()
    scope = Scope(privacy_officer="municipality")

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("auditlog")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not getattr(self, "_chain_insert", False) or not self._state.adding:
            raise PermissionError(
                "Auditgebeurtenissen worden alleen via vroegsignaal.privacy.audit.record() geschreven "
                "en nooit gewijzigd."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Het auditlog kan niet worden verwijderd.")


class AuditChainHead(models.Model):
    """The single row (pk 1) holding the last seq and hash.

    Locking it serialises appends; comparing it with the last row reveals a
    truncated tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    scope = Scope()  # bookkeeping; no role sees it through scoped()

    class Meta:
        verbose_name = _("kop van de auditketen")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
