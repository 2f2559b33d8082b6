"""Feedback to creditors (terugkoppeling, spec section 4).

* :class:`FeedbackEvent`: one thing a creditor may know about one of its
  customers in a signal — ``opgepakt`` (with the collection pause end date),
  ``afgesloten`` (with the creditor-visible result) or ``niet_opgepakt`` —
  and nothing of the case beyond that. Its id is the cursor creditor systems
  poll with (``GET /api/v1/feedback/?sinds=<id>``).
* :class:`FeedbackStream`: one row per creditor, locked while its events are
  written, so that a creditor's events commit in the order of their ids (see
  :mod:`.services`); it also remembers the day of the last e-mail notice.

Events are written by :mod:`.services` only, inside the transaction of the
case change that caused them; they are never changed afterwards.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Creditor, Municipality
from vroegsignaal.organisations.scoping import Scope
from vroegsignaal.privacy.fields import EncryptedTextField

BLIND_INDEX_LENGTH = 32  # privacy.crypto.BLIND_INDEX_LENGTH
KEY_LENGTH = 64  # signaal_id: spec 1.5


class FeedbackKind(models.TextChoices):
    """Spec 4 ``gebeurtenis``."""

    OPGEPAKT = "opgepakt", _("Opgepakt")
    AFGESLOTEN = "afgesloten", _("Afgesloten")
    NIET_OPGEPAKT = "niet_opgepakt", _("Niet opgepakt")


class FeedbackResult(models.TextChoices):
    """Spec 4 ``resultaat``: what a creditor may know of a closed case."""

    HULP_IN_GANG_GEZET = "hulp_in_gang_gezet", _("Hulp in gang gezet")
    GEEN_CONTACT = "geen_contact", _("Geen contact")
    GEEN_HULP_GEWENST = "geen_hulp_gewenst", _("Geen hulp gewenst")
    ZELF_OPGELOST = "zelf_opgelost", _("Zelf opgelost")
    ONTERECHT_SIGNAAL = "onterecht_signaal", _("Onterecht signaal")
    OVERLEDEN = "overleden", _("Overleden")
    VERHUISD = "verhuisd", _("Verhuisd")
    NIET_OPGEPAKT = "niet_opgepakt", _("Niet opgepakt")


class FeedbackStream(models.Model):
    """A creditor's feedback stream: the row its writers lock, and the last notice day."""

    creditor = models.OneToOneField(
        Creditor, on_delete=models.CASCADE, primary_key=True, related_name="feedback_stream"
    )
    notified_on = models.DateField(_("laatste melding per e-mail"), null=True, blank=True)

    scope = Scope()  # internal bookkeeping: nobody reads it through the portal

    class Meta:
        verbose_name = _("terugkoppelingsstroom")
        verbose_name_plural = _("terugkoppelingsstromen")

    def __str__(self) -> str:
        return f"Terugkoppeling {self.creditor_id}"


class FeedbackEvent(models.Model):
    """One feedback event for one customer of one creditor in one signal (spec 4).

    ``klantnummer`` is the creditor's own customer number, encrypted at rest;
    ``klantnummer_index`` is its blind index (equality only). ``signal_reference``
    is the ``signaal_id`` the creditor delivered with the arrear, if any.
    ``collection_pause_until`` is set with ``opgepakt``, ``result`` with
    ``afgesloten``; a ``niet_opgepakt`` event carries neither.
    """

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="feedback_events",
        verbose_name=_("schuldeiser"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("gemeente")
    )
    # Kept (without the link) when retention removes a signal or case: the creditor's record stays.
    signal = models.ForeignKey(
        "signals.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("vroegsignaal"),
    )  # fmt: skip
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("vroegsignaalzaak"),
    )  # fmt: skip
    klantnummer = EncryptedTextField(_("klantnummer"))
    klantnummer_index = models.CharField(max_length=BLIND_INDEX_LENGTH, editable=False)
    signal_reference = models.CharField(
        _("signaal-id van de schuldeiser"), max_length=KEY_LENGTH, blank=True, default=""
    )
    kind = models.CharField(_("gebeurtenis"), max_length=16, choices=FeedbackKind.choices)
    date = models.DateField(_("datum"))
    collection_pause_until = models.DateField(
        _("incasso-uitstel tot en met"), null=True, blank=True
    )
    result = models.CharField(
        _("resultaat"), max_length=20, choices=FeedbackResult.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    # Only the creditor itself: no other role sees its customers' numbers here.
    scope = Scope(creditor="creditor")

    class Meta:
        ordering = ["id"]
        verbose_name = _("terugkoppeling")
        verbose_name_plural = _("terugkoppelingen")
        constraints = [
            models.UniqueConstraint(
                fields=["signal", "creditor", "klantnummer_index", "signal_reference", "kind"],
                name="feedbackevent_once_per_customer_and_kind",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="opgepakt", collection_pause_until__isnull=False, result="")
                    | (
                        models.Q(kind="afgesloten", collection_pause_until__isnull=True)
                        & ~models.Q(result="")
                    )
                    | models.Q(kind="niet_opgepakt", collection_pause_until__isnull=True, result="")
                ),
                name="feedbackevent_fields_match_kind",
            ),
        ]
        indexes = [
            # The cursor: a creditor's events after an id, in id order.
            models.Index(fields=["creditor", "id"], name="feedbackevent_cursor_idx"),
        ]

    def __str__(self) -> str:
        return f"Terugkoppeling {self.pk} ({self.kind})"  # never the klantnummer
