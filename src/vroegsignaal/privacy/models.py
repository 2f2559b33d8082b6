"""The audit log: append-only and hash-chained, so tampering shows.

Rows are written only by :func:`vroegsignaal.privacy.audit.record`; the ORM
refuses to change or delete them. Someone with direct database access can
still change rows, but :func:`vroegsignaal.privacy.audit.verify_chain` then
finds the break. The log holds no personal data of residents: object ids,
codes and counts only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
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
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The privacy officer's search: a municipality's events, newest first, and per user.
            models.Index(fields=["municipality", "seq"], name="audit_municipality_idx"),
            models.Index(fields=["actor_username", "seq"], name="audit_actor_idx"),
        ]

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


# --- retention ------------------------------------------------------------------

# ARCHITECTURE.md, "Defaults for the rules": signals not picked up are purged after
# 6 months; closed cases are anonymised after the municipality's period (12 months).
DEFAULT_UNPICKED_SIGNAL_MONTHS = 6
DEFAULT_CLOSED_CASE_MONTHS = 12


class RetentionPolicy(models.Model):
    """A municipality's retention periods; without a row the defaults apply.

    Arrears that never joined a signal follow the municipality's signal rules
    (see :mod:`.retention`), not a period of their own.
    """

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="retention_policy",
        verbose_name=_("gemeente"),
    )
    unpicked_signal_months = models.PositiveSmallIntegerField(
        _("niet opgepakte signalen bewaren (maanden)"),
        default=DEFAULT_UNPICKED_SIGNAL_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Signalen die nooit zijn opgepakt worden zo lang na hun laatste datum verwijderd."
        ),
    )
    closed_case_months = models.PositiveSmallIntegerField(
        _("afgesloten zaken bewaren (maanden)"),
        default=DEFAULT_CLOSED_CASE_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Afgesloten zaken worden zo lang na het afsluiten geanonimiseerd."),
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    scope = Scope(municipality="municipality", privacy_officer="municipality", beheerder=True)

    class Meta:
        verbose_name = _("bewaartermijn")
        verbose_name_plural = _("bewaartermijnen")

    def __str__(self) -> str:
        # Named by its municipality: the admin says "De bewaartermijn ‘gemeente X (0344)’ is gewijzigd."
        return gettext("gemeente %(municipality)s") % {"municipality": self.municipality}


class RetentionRun(models.Model):
    """One purge of one municipality (or, without one, of the platform's intake data): counts only."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retention_runs",
        verbose_name=_("gemeente"),
    )
    today = models.DateField(_("peildag"))  # the day the limits were computed from
    started_at = models.DateTimeField(_("gestart op"))
    finished_at = models.DateTimeField(_("klaar op"))
    # {category: number of rows removed or anonymised}; see retention.CATEGORIES.
    counts = models.JSONField(_("aantallen"), default=dict)
    # The periods and limits that applied, e.g. {"unpicked_signal_months": 6, …}.
    limits = models.JSONField(_("termijnen"), default=dict)

    scope = Scope(privacy_officer="municipality")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("opschoonronde")
        verbose_name_plural = _("opschoonrondes")
        indexes = [
            models.Index(fields=["municipality", "-started_at"], name="retentionrun_muni_idx")
        ]

    def __str__(self) -> str:
        return f"Opschoonronde {self.pk} ({self.today})"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class AnonymisedCase(models.Model):
    """A closed case whose personal data the purge removed, with the area it was in.

    The case keeps its status, outcome, dates, municipality and team; its
    household becomes the municipality's anonymous household, so the wijk and
    buurt (for figures per area) are kept here.
    """

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="anonymised",
        verbose_name=_("zaak"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("gemeente")
    )
    wijk_code = models.CharField(_("wijkcode"), max_length=16, blank=True, default="")
    buurt_code = models.CharField(_("buurtcode"), max_length=16, blank=True, default="")
    anonymised_on = models.DateField(_("geanonimiseerd op"))

    scope = Scope(municipality="municipality", privacy_officer="municipality")

    class Meta:
        verbose_name = _("geanonimiseerde zaak")
        verbose_name_plural = _("geanonimiseerde zaken")

    def __str__(self) -> str:
        return f"Zaak {self.case_id} (geanonimiseerd)"


# --- verifying the audit log from the portal --------------------------------------


class VerificationScope(models.TextChoices):
    CHAIN = "keten", _("Het hele auditlog")
    MUNICIPALITY = "gemeente", _("De gebeurtenissen van de gemeente")


class AuditVerification(models.Model):
    """One run of the audit check, asked for in the portal and done by the worker."""

    scope_kind = models.CharField(_("omvang"), max_length=10, choices=VerificationScope.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    requested_by = models.ForeignKey(
        "organisations.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    requested_at = models.DateTimeField(_("aangevraagd op"))
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    # Set when the worker starts it and at each progress: a killed worker's check stops showing it.
    progress_at = models.DateTimeField(_("laatste voortgang op"), null=True, blank=True)
    total = models.BigIntegerField(_("te controleren"), default=0)
    checked = models.BigIntegerField(_("gecontroleerd"), default=0)
    ok = models.BooleanField(_("intact"), null=True)  # None while running, and when broken off
    first_bad_seq = models.BigIntegerField(_("eerste fout bij"), null=True, blank=True)
    problem = models.CharField(_("bevinding"), max_length=300, blank=True, default="")
    head_seq = models.BigIntegerField(_("kop: volgnummer"), default=0)
    head_hash = models.CharField(_("kop: hash"), max_length=64, blank=True, default="")

    scope = Scope(privacy_officer="municipality")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("controle van het auditlog")
        verbose_name_plural = _("controles van het auditlog")

    def __str__(self) -> str:
        return f"Controle {self.pk}"

    @property
    def is_running(self) -> bool:
        """Asked for and not finished: waiting for the worker, or checking."""
        return self.finished_at is None and self.stalled_since() is None

    @property
    def is_waiting(self) -> bool:
        """Asked for, and no worker has taken it up yet (it has nothing to count yet)."""
        return self.finished_at is None and self.progress_at is None

    @property
    def is_broken_off(self) -> bool:
        """It ended without a verdict: the worker stopped or crashed in its middle (noted), or was
        killed (no progress for ``DELIVERY_STALLED_AFTER``). Nothing was found either way."""
        if self.finished_at is not None:
            return self.ok is None
        return self.stalled_since() is not None

    def stalled_since(self, now=None):
        """When the worker last showed progress on it, if that is ``DELIVERY_STALLED_AFTER``
        seconds ago (a killed worker says nothing); else ``None``. One no worker has taken up
        yet is waiting, not stalled: it runs when a worker starts."""
        if self.finished_at is not None or self.progress_at is None:
            return None
        now = now or timezone.now()
        if now - self.progress_at >= dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER):
            return self.progress_at
        return None

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.finished_at else 0
        return min(100, int(self.checked * 100 / self.total))
