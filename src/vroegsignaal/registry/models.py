"""The address register: BAG addresses and CBS neighbourhoods.

Addresses are keyed by their normal form (``addressing.py``): postcode,
huisnummer, huisletter and huisnummertoevoeging, with ``""`` (never NULL) for
an absent letter or addition, so that the unique constraint holds and intake can
join on plain equality.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope

from .addressing import MAX_HOUSE_NUMBER


class NeighbourhoodKind(models.TextChoices):
    WIJK = "wijk", _("wijk")
    BUURT = "buurt", _("buurt")


class Neighbourhood(models.Model):
    """A CBS wijk (``WK099901``) or buurt (``BU09990101``) with its outline."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=5, choices=NeighbourhoodKind.choices)
    wijk = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="buurten",
        limit_choices_to={"kind": NeighbourhoodKind.WIJK},
        verbose_name=_("wijk"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="neighbourhoods",
        verbose_name=_("gemeente"),
    )
    # A GeoJSON geometry (Polygon or MultiPolygon) in EPSG:4326, longitude first.
    geometry = models.JSONField(_("geometrie"), null=True, blank=True)
    inhabitants = models.PositiveIntegerField(_("aantal inwoners"), null=True, blank=True)
    households = models.PositiveIntegerField(_("aantal huishoudens"), null=True, blank=True)

    scope = Scope(municipality="municipality", privacy_officer="municipality", beheerder=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("wijk of buurt")
        verbose_name_plural = _("wijken en buurten")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=NeighbourhoodKind.BUURT) | Q(wijk__isnull=True),
                name="neighbourhood_only_buurt_has_wijk",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Address(models.Model):
    """One BAG address (nummeraanduiding) in normal form."""

    postcode = models.CharField(_("postcode"), max_length=6)
    huisnummer = models.PositiveIntegerField(_("huisnummer"))
    huisletter = models.CharField(_("huisletter"), max_length=1, blank=True, default="")
    toevoeging = models.CharField(_("huisnummertoevoeging"), max_length=4, blank=True, default="")
    straatnaam = models.CharField(_("straatnaam"), max_length=200, blank=True, default="")
    woonplaats = models.CharField(_("woonplaats"), max_length=200, blank=True, default="")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("gemeente")
    )
    buurt = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="addresses",
        limit_choices_to={"kind": NeighbourhoodKind.BUURT},
        verbose_name=_("buurt"),
    )
    # The buurtcode the register file gave, if any. It takes precedence over the
    # coordinates, and links the address once that buurt is imported.
    buurtcode = models.CharField(
        _("buurtcode uit het adressenbestand"), max_length=16, blank=True, default=""
    )
    latitude = models.FloatField(_("breedtegraad"), null=True, blank=True)
    longitude = models.FloatField(_("lengtegraad"), null=True, blank=True)

    # Hulpverleners do not browse the register; they see addresses through their cases.
    scope = Scope(municipality="municipality")

    class Meta:
        ordering = ["postcode", "huisnummer", "huisletter", "toevoeging"]
        verbose_name = _("adres")
        verbose_name_plural = _("adressen")
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "huisnummer", "huisletter", "toevoeging"],
                name="address_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(huisnummer__gte=1, huisnummer__lte=MAX_HOUSE_NUMBER),
                name="address_huisnummer_range",
            ),
        ]
        indexes = [
            models.Index(fields=["postcode", "huisnummer"], name="address_postcode_number_idx"),
            models.Index(fields=["postcode"], name="address_postcode_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.straatnaam} {self.house_number_display}, {self.postcode} {self.woonplaats}".strip()

    @property
    def house_number_display(self) -> str:
        """``12``, ``12A``, ``12-2``, ``12A-2``: how a letter or a label is written."""
        text = f"{self.huisnummer}{self.huisletter}"
        return f"{text}-{self.toevoeging}" if self.toevoeging else text
