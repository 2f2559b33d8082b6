"""Deliveries of creditors, their rejected rows, API keys and saved column mappings.

A :class:`Delivery` keeps what the contract says survives processing: the
SHA-256, the size, the counts and the report (spec 1.7). The file itself is
staged under ``DATA_DIR/incoming`` while it is processed and deleted after.
The status workflow is the table :data:`TRANSITIONS`; the service writes every
change through :meth:`Delivery.move_to` under a row lock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Creditor
from vroegsignaal.organisations.scoping import Scope

from .fields import Soort


class DeliveryStatus(models.TextChoices):
    """Spec 1.1: the statuses of a delivery, exactly as the API shows them."""

    ONTVANGEN = "ontvangen", _("Ontvangen")
    IN_BEHANDELING = "in_behandeling", _("In behandeling")
    WACHT_OP_BEVESTIGING = "wacht_op_bevestiging", _("Wacht op bevestiging")
    VERWERKT = "verwerkt", _("Verwerkt")
    AFGEWEZEN = "afgewezen", _("Afgewezen")


S = DeliveryStatus
# The whole workflow. IN_BEHANDELING → IN_BEHANDELING is processing again after
# a crash or a killed worker; WACHT_OP_BEVESTIGING → IN_BEHANDELING is the
# creditor's confirmation, → AFGEWEZEN its refusal (or a newer delivery with the
# same peildatum that replaced it before it was confirmed).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ONTVANGEN: frozenset({S.IN_BEHANDELING, S.AFGEWEZEN}),
    S.IN_BEHANDELING: frozenset(
        {S.IN_BEHANDELING, S.WACHT_OP_BEVESTIGING, S.VERWERKT, S.AFGEWEZEN}
    ),
    S.WACHT_OP_BEVESTIGING: frozenset({S.IN_BEHANDELING, S.AFGEWEZEN}),
    S.VERWERKT: frozenset(),
    S.AFGEWEZEN: frozenset(),
}
FINAL_STATUSES = frozenset({S.VERWERKT, S.AFGEWEZEN})
# The refusal text of a held stand the creditor chose not to confirm (``services.decline_delivery``).
DECLINED_MESSAGE = "Niet bevestigd door de schuldeiser; er is niets verwerkt."
RUNNING_STATUSES = frozenset({S.ONTVANGEN, S.IN_BEHANDELING})


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str):
        super().__init__(f"Een levering met status {current} kan niet naar {target}.")
        self.current, self.target = current, target


class Via(models.TextChoices):
    UPLOAD = "upload", _("Uploadpagina")
    API = "api", _("API")
    CLI = "cli", _("Opdrachtregel")


class Delivery(models.Model):
    """One file or API post of a creditor, with its peildatum (reference date)."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("schuldeiser")
    )
    # Empty only until processing when the caller left it to the file (a JSON body's "soort").
    kind = models.CharField(_("soort"), max_length=10, choices=Soort.choices, blank=True)
    # Null only for a delivery refused because its peildatum was missing or unreadable.
    reference_date = models.DateField(_("peildatum"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=DeliveryStatus.choices, default=DeliveryStatus.ONTVANGEN
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("grootte (bytes)"), default=0)
    file_format = models.CharField(_("bestandsformaat"), max_length=8, blank=True)
    filename = models.CharField(_("bestandsnaam"), max_length=255, blank=True)
    via = models.CharField(_("aangeleverd via"), max_length=8, choices=Via.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingediend door"),
    )
    api_key = models.ForeignKey(
        "ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("API-sleutel"),
    )
    received_at = models.DateTimeField(_("ontvangen op"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("verwerkt op"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bevestigd door"),
    )
    confirmed_at = models.DateTimeField(_("bevestigd op"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("voortgang (%)"), default=0)
    # Written with the progress: processing that shows no life for DELIVERY_STALLED_AFTER
    # seconds has stopped (a killed worker) and may be started again (stalled_since()).
    heartbeat_at = models.DateTimeField(_("laatste voortgang op"), null=True, blank=True)
    # The staged file (and, while held for confirmation, the routed rows), under
    # DATA_DIR/incoming; empty once processing has finished and they are deleted.
    staged_name = models.CharField(_("tijdelijk bestand"), max_length=100, blank=True)

    rows_received = models.PositiveIntegerField(_("regels ontvangen"), default=0)
    rows_accepted = models.PositiveIntegerField(_("regels geaccepteerd"), default=0)
    rows_rejected = models.PositiveIntegerField(_("regels afgewezen"), default=0)
    rows_outside_covenant = models.PositiveIntegerField(_("regels buiten convenant"), default=0)
    arrears_new = models.PositiveIntegerField(_("achterstanden nieuw"), default=0)
    arrears_changed = models.PositiveIntegerField(_("achterstanden gewijzigd"), default=0)
    arrears_cleared = models.PositiveIntegerField(_("achterstanden afgemeld"), default=0)
    # Per code and per municipality; see report.py for the keys. No personal data.
    report = models.JSONField(_("verslag"), default=dict, blank=True)

    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("vervangen door"),
    )

    scope = Scope(creditor="creditor", beheerder=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("levering")
        verbose_name_plural = _("leveringen")
        constraints = [
            # LEVERING_DUBBEL: one file per creditor, soort and peildatum, refused ones aside
            # (see services._earlier_same_delivery for what "the same content" is).
            models.UniqueConstraint(
                fields=["creditor", "sha256", "kind", "reference_date"],
                condition=~Q(status="afgewezen"),
                name="delivery_unique_content",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="delivery_progress_max_100"
            ),
        ]
        indexes = [
            models.Index(
                fields=["creditor", "kind", "reference_date"], name="delivery_supersession_idx"
            )
        ]

    def __str__(self) -> str:
        # In the reader's language (the admin); the creditor by its code when it is loaded
        # (the admin selects it), else by id: no query for a name.
        creditor = self.creditor.code if Delivery.creditor.is_cached(self) else self.creditor_id
        return gettext("Levering %(pk)s (schuldeiser %(creditor)s, peildatum %(date)s)") % {
            "pk": self.pk,
            "creditor": creditor,
            "date": self.reference_date or "—",
        }

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def declined_by_creditor(self) -> bool:
        """Held by the safety check and then not confirmed: refused by the creditor's own choice."""
        return (
            self.status == S.AFGEWEZEN
            and (self.report or {}).get("weigering", {}).get("melding") == DECLINED_MESSAGE
        )

    def stalled_since(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When processing last showed life, if it has stopped; else ``None``.

        Stopped: ``in_behandeling`` with a failure noted (``verslag.storing``: the
        process said it broke off), or without a heartbeat for
        ``DELIVERY_STALLED_AFTER`` seconds (a killed worker says nothing).
        """
        if self.status != S.IN_BEHANDELING:
            return None
        last = self.heartbeat_at or self.received_at
        if (self.report or {}).get("storing"):
            return last
        now = now or timezone.now()
        if now - last >= dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER):
            return last
        return None

    def waiting_since(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When it was received, if no worker has taken it up for ``DELIVERY_STALLED_AFTER`` seconds.

        Nothing has been done with it yet: the operator must start the worker
        (the health check says ``achterstand``); the creditor need not deliver again.
        """
        if self.status != S.ONTVANGEN:
            return None
        now = now or timezone.now()
        if now - self.received_at >= dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER):
            return self.received_at
        return None

    @staticmethod
    def overdue(now: dt.datetime | None = None) -> Q:
        """The deliveries :meth:`stalled_since` or :meth:`waiting_since` give a time for, as a filter."""
        cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER)
        waiting = Q(status=S.ONTVANGEN, received_at__lte=cutoff)
        stalled = Q(status=S.IN_BEHANDELING) & (
            Q(heartbeat_at__lte=cutoff)
            | Q(heartbeat_at__isnull=True, received_at__lte=cutoff)
            | Q(report__has_key="storing")
        )
        return waiting | stalled

    @property
    def is_stalled(self) -> bool:
        return self.stalled_since() is not None

    def can_move_to(self, target: str) -> bool:
        return target in TRANSITIONS[self.status]

    def move_to(self, target: str) -> None:
        """Change the status in memory, checked against :data:`TRANSITIONS`."""
        if not self.can_move_to(target):
            raise InvalidTransition(self.status, target)
        self.status = target


class DeliveryRowIssue(models.Model):
    """A rejected row (or a warning) of a delivery: ``rij;klantnummer;veld;code;melding``."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("rij"))
    klantnummer = models.CharField(_("klantnummer"), max_length=64, blank=True)
    field = models.CharField(_("veld"), max_length=32, blank=True)
    code = models.CharField(_("code"), max_length=40)
    message = models.CharField(_("melding"), max_length=300)
    is_warning = models.BooleanField(_("waarschuwing"), default=False)

    scope = Scope(creditor="delivery__creditor")

    class Meta:
        ordering = ["delivery", "row", "id"]
        verbose_name = _("afgewezen regel")
        verbose_name_plural = _("afgewezen regels")
        indexes = [
            models.Index(fields=["delivery", "is_warning", "row"], name="issue_delivery_row_idx")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}:{self.row} {self.code}"


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A creditor system's key: ``<prefix>.<secret>``; only the secret's SHA-256 is stored.

    The secret is 256 random bits, so a fast hash is enough (no dictionary to
    try); the prefix finds the row, the hash is compared in constant time.
    """

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("schuldeiser")
    )
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(_("voorvoegsel"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("SHA-256 van het geheim"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt op"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()
    scope = Scope(creditor="creditor", beheerder=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ColumnMapping(models.Model):
    """A creditor's own headers: ``{their header: our field, or null to ignore}`` (spec 1.3)."""

    creditor = models.OneToOneField(
        Creditor,
        on_delete=models.CASCADE,
        related_name="column_mapping",
        verbose_name=_("schuldeiser"),
    )
    mapping = models.JSONField(_("kolomindeling"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    scope = Scope(creditor="creditor", beheerder=True)

    class Meta:
        verbose_name = _("kolomindeling")
        verbose_name_plural = _("kolomindelingen")

    def __str__(self) -> str:
        return gettext("Kolomindeling van schuldeiser %(creditor)s") % {
            "creditor": self.creditor_id
        }
