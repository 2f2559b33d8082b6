"""The reporting app's own data: its permissions and the stored monitor figures (counts only)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope


class ReportingPermission(models.Model):
    """A table-less model that carries the reporting permissions.

    ``export_personal_data``: the portal's exports add the persons' names and
    contact details to the spec's columns (spec section 5: "may add … when the
    user's role allows it"). Without it the export has the spec's columns only,
    addresses included, as the command writes them. Give it per user (or
    group) in the admin; the coordinator role alone is not enough.
    """

    scope = Scope()  # no rows

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("export_personal_data", _("Mag namen en contactgegevens exporteren"))]
        verbose_name = _("rapportage-recht")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class MonitorFigureKind(models.TextChoices):
    """The figures of the Divosa monitor vroegsignalering that a month row holds (see docs/monitor.md)."""

    INWONERS = "inwoners", _("Inwoners")  # CBS, from the registry's wijken and buurten
    SIGNALEN = (
        "signalen",
        _("Signalen (huishoudens)"),
    )  # signals with their signaaldatum in the month
    SOORT_SIGNAAL = "soort_signaal", _("Enkelvoudig of meervoudig")  # category: SignalKind
    SOORT_SCHULDEISER = (
        "soort_schuldeiser",
        _("Per soort schuldeiser"),
    )  # category: DDAS EnumSignaalpartner
    CRISIS = "crisis", _("Crisissignalen")
    HERHAALD = "herhaald", _("Herhaalde signalen")
    OPGEPAKT = "opgepakt", _("Opgepakt")  # the signal has a case
    BEREIKT = "bereikt", _("Bereikt")  # the case has a reached contact attempt
    HULP_AANVAARD = "hulp_aanvaard", _("Hulp aanvaard")  # the offer of help was accepted
    STATUS = "status", _("Status")  # category: SignalStatus
    EINDRESULTAAT = "eindresultaat", _("Eindresultaat")  # category: DDAS EnumEindresultaat


class MonitorMonth(models.Model):
    """The monitor figures of one municipality for one month (of the signaaldatum): counts only.

    ``frozen_at`` is set when a snapshot found that data behind the stored
    figures was removed (the retention purge): from then on the month's figures
    are final and never recomputed from the reduced data.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="monitor_months",
        verbose_name=_("gemeente"),
    )
    month = models.DateField(_("maand"))  # the first day of the month
    computed_at = models.DateTimeField(_("berekend op"))
    frozen_at = models.DateTimeField(_("definitief sinds"), null=True, blank=True)
    frozen_reason = models.CharField(_("reden definitief"), max_length=200, blank=True, default="")

    scope = Scope(municipality="municipality", privacy_officer="municipality")

    class Meta:
        ordering = ["municipality", "month"]
        verbose_name = _("monitormaand")
        verbose_name_plural = _("monitormaanden")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="monitormonth_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.month:%Y-%m}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class MonitorFigure(models.Model):
    """One count of a monitor month: per wijk (``wijk_code``; ``""`` = the whole municipality)."""

    monitor_month = models.ForeignKey(
        MonitorMonth, on_delete=models.CASCADE, related_name="figures"
    )
    # "" for the whole municipality, "onbekend" for signals of households without a known wijk.
    wijk_code = models.CharField(_("wijkcode"), max_length=16, blank=True, default="")
    wijk_name = models.CharField(_("wijk"), max_length=200, blank=True, default="")
    figure = models.CharField(_("cijfer"), max_length=20, choices=MonitorFigureKind.choices)
    category = models.CharField(_("categorie"), max_length=80, blank=True, default="")
    value = models.PositiveIntegerField(_("aantal"))

    scope = Scope(
        municipality="monitor_month__municipality", privacy_officer="monitor_month__municipality"
    )

    class Meta:
        ordering = ["monitor_month", "wijk_code", "figure", "category"]
        verbose_name = _("monitorcijfer")
        verbose_name_plural = _("monitorcijfers")
        constraints = [
            models.UniqueConstraint(
                fields=["monitor_month", "wijk_code", "figure", "category"],
                name="monitorfigure_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.monitor_month_id} {self.wijk_code or 'totaal'} {self.figure} {self.category}: {self.value}"
