"""Signal rules per municipality (versioned); signals and trays follow in the signals issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope

from . import rules


class RuleSet(models.Model):
    """One version of a municipality's signal rules; the newest version is in force.

    Rows are never changed: a change is a new version, so each signal can name
    the version that produced it.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="rule_sets")
    version = models.PositiveIntegerField(_("versie"))
    max_age_days = models.PositiveIntegerField(_("maximale ouderdom (dagen)"), default=rules.DEFAULT_MAX_AGE_DAYS)
    min_creditors = models.PositiveSmallIntegerField(_("minimum aantal schuldeisers"), default=rules.DEFAULT_MIN_CREDITORS)
    min_amount_eur = models.PositiveIntegerField(_("minimumbedrag (euro)"), default=rules.DEFAULT_MIN_AMOUNT_EUR)
    single_signals = models.BooleanField(_("enkelvoudige signalen"), default=True)
    single_signal_excluded_types = models.JSONField(_("geen enkelvoudige signalen voor"), default=list, blank=True)
    debt_swap_window_days = models.PositiveIntegerField(
        _("venster schuldverschuiving (dagen)"), default=rules.DEFAULT_DEBT_SWAP_WINDOW_DAYS
    )
    repeat_window_days = models.PositiveIntegerField(
        _("venster herhaald signaal (dagen)"), default=rules.DEFAULT_REPEAT_WINDOW_DAYS
    )
    count_distinct = models.CharField(
        _("tel schuldeisers per"),
        max_length=10,
        choices=[("creditor", _("schuldeiser")), ("type", _("soort schuldeiser"))],
        default="creditor",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    scope = Scope(municipality="municipality", privacy_officer="municipality", beheerder=True)

    class Meta:
        ordering = ["municipality", "-version"]
        verbose_name = _("regelset")
        verbose_name_plural = _("regelsets")
        constraints = [models.UniqueConstraint(fields=["municipality", "version"], name="ruleset_unique_version")]

    def __str__(self) -> str:
        return f"{self.municipality} v{self.version}"

    def values(self) -> rules.RuleValues:
        return rules.RuleValues(
            max_age_days=self.max_age_days,
            min_creditors=self.min_creditors,
            min_amount_eur=self.min_amount_eur,
            single_signals=self.single_signals,
            single_signal_excluded_types=tuple(self.single_signal_excluded_types or ()),
            debt_swap_window_days=self.debt_swap_window_days,
            repeat_window_days=self.repeat_window_days,
            count_distinct=self.count_distinct,
        )
