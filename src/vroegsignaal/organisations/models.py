"""Organisations (tenants and partners) and the users who work for them."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scoping import Scope

municipality_code_validator = RegexValidator(
    r"^\d{4}$", _("Een gemeentecode bestaat uit vier cijfers.")
)
organisation_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{1,31}$", _("Gebruik 2–32 hoofdletters, cijfers, '-' of '_'.")
)


class CreditorType(models.TextChoices):
    """DDAS-vroegsignalering v0.9 ``EnumSignaalpartner`` (VNG-Realisatie).

    The values are the specification's and leave the system as they are (DDAS export);
    the labels are what the portal shows, in the user's language.
    """

    ENERGIE = "Energie", _("Energie")
    HUUR = "Huur", _("Huur")
    HYPOTHEEK = "Hypotheek", _("Hypotheek")
    CAK_ZORGVERZEKERINGEN = "CAK Zorgverzekeringen", _("CAK Zorgverzekeringen")
    ZORG = "Zorg", _("Zorg")
    WATER = "Water", _("Water")
    DUO = "DUO", "DUO"
    BELASTINGDIENST = "Belastingdienst", _("Belastingdienst")
    CAK_EIGEN_BIJDRAGE = "CAK Eigen bijdrage", _("CAK Eigen bijdrage")
    OVERIGE = "Overige", _("Overige")
    DIENST_TOESLAGEN = "Dienst Toeslagen", _("Dienst Toeslagen")


class Municipality(models.Model):
    """A gemeente: the tenant. Identified by its CBS gemeentecode."""

    code = models.CharField(
        _("gemeentecode"), max_length=4, unique=True, validators=[municipality_code_validator]
    )
    name = models.CharField(_("naam"), max_length=200)

    scope = Scope(municipality="pk", team="teams", privacy_officer="pk", beheerder=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Creditor(models.Model):
    """A schuldeiser / signaalpartner that delivers arrears."""

    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[organisation_code_validator]
    )
    name = models.CharField(_("naam"), max_length=200)
    type = models.CharField(_("soort"), max_length=32, choices=CreditorType.choices)
    contact_email = models.EmailField(_("e-mailadres voor meldingen"), blank=True)

    # A municipality (and its privacy officer) sees the creditors it has a covenant with (names only).
    scope = Scope(
        creditor="pk",
        municipality="covenants__municipality",
        privacy_officer="covenants__municipality",
        beheerder=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("schuldeiser")
        verbose_name_plural = _("schuldeisers")

    def __str__(self) -> str:
        return self.name


# The longest collection pause a covenant gives (Wgs practice: weeks to a few months), in the
# admin as in ``load_config``.
MAX_COLLECTION_PAUSE_DAYS = 365


class CovenantQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> CovenantQuerySet:
        return self.filter(valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Covenant(models.Model):
    """Agreement creditor × municipality; without an active one no data flows."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="covenants", verbose_name=_("schuldeiser")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="covenants",
        verbose_name=_("gemeente"),
    )
    valid_from = models.DateField(_("geldig vanaf"))
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    collection_pause_days = models.PositiveSmallIntegerField(
        _("dagen incasso-uitstel"),
        default=30,
        validators=[
            MaxValueValidator(
                MAX_COLLECTION_PAUSE_DAYS,
                _("Geef een incasso-uitstel van ten hoogste %(limit_value)s dagen."),
            )
        ],
    )
    bsn_allowed = models.BooleanField(_("BSN mag worden aangeleverd"), default=False)

    objects = CovenantQuerySet.as_manager()
    scope = Scope(municipality="municipality", creditor="creditor", beheerder=True)

    class Meta:
        ordering = ["municipality__name", "creditor__name"]
        verbose_name = _("convenant")
        verbose_name_plural = _("convenanten")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "municipality", "valid_from"], name="covenant_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="covenant_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creditor} × {self.municipality}"

    def is_active(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def overlaps(self, valid_from: dt.date, valid_until: dt.date | None) -> bool:
        """Whether the period ``valid_from`` … ``valid_until`` (``None``: open) shares a day with
        this covenant's: two of one creditor and municipality at once make routing ambiguous."""
        return (self.valid_until is None or valid_from <= self.valid_until) and (
            valid_until is None or self.valid_from <= valid_until
        )


class Team(models.Model):
    """A wijkteam of a municipality, optionally responsible for neighbourhoods."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="teams", verbose_name=_("gemeente")
    )
    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[organisation_code_validator]
    )
    name = models.CharField(_("naam"), max_length=200)
    # Wijk or buurt codes (CBS); kept as codes so configuration can precede the register.
    neighbourhood_codes = models.JSONField(_("wijken en buurten"), default=list, blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=32, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    visiting_address = models.CharField(_("bezoekadres"), max_length=200, blank=True)

    scope = Scope(
        municipality="municipality", team="pk", privacy_officer="municipality", beheerder=True
    )

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("wijkteam")
        verbose_name_plural = _("wijkteams")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, buurt_code: str | None, wijk_code: str | None) -> bool:
        codes = set(self.neighbourhood_codes or [])
        return bool(codes & {buurt_code, wijk_code})

    def clean(self) -> None:
        super().clean()
        codes = self.neighbourhood_codes
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ValidationError(
                {
                    "neighbourhood_codes": _(
                        'Geef een lijst van wijk- of buurtcodes, zoals ["WK036301"].'
                    )
                }
            )
        if self.municipality_id:
            foreign = foreign_neighbourhood_codes(codes, self.municipality.code)
            if foreign:
                raise ValidationError(
                    {
                        "neighbourhood_codes": _("%(codes)s hoort niet bij deze gemeente.")
                        % {"codes": ", ".join(foreign)}
                    }
                )


def foreign_neighbourhood_codes(codes: list[str], municipality_code: str) -> list[str]:
    """The codes that are no wijk (``WK``) or buurt (``BU``) of the municipality."""
    own = re.compile(rf"^(WK|BU){re.escape(municipality_code)}\d+$")
    return [c for c in codes if not own.match(c)]


class Role(models.TextChoices):
    BEHEERDER = "beheerder", _("Beheerder")
    COORDINATOR = "coordinator", _("Coördinator vroegsignalering")
    HULPVERLENER = "hulpverlener", _("Hulpverlener wijkteam")
    SCHULDEISER = "schuldeiser", _("Medewerker schuldeiser")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")


class User(AbstractUser):
    """A portal user: one organisation, one role."""

    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("gemeente"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("wijkteam"),
    )
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("schuldeiser"),
    )
    must_change_password = models.BooleanField(_("moet wachtwoord wijzigen"), default=False)

    scope = Scope(municipality="municipality", team="team", creditor="creditor")

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        constraints = [
            models.CheckConstraint(
                name="user_role_matches_organisation",
                condition=(
                    Q(role="beheerder", team__isnull=True, creditor__isnull=True)
                    | Q(
                        role="coordinator",
                        municipality__isnull=False,
                        team__isnull=True,
                        creditor__isnull=True,
                    )
                    | Q(
                        role="hulpverlener",
                        municipality__isnull=False,
                        team__isnull=False,
                        creditor__isnull=True,
                    )
                    | Q(
                        role="schuldeiser",
                        municipality__isnull=True,
                        team__isnull=True,
                        creditor__isnull=False,
                    )
                    | Q(role="privacy_officer", team__isnull=True, creditor__isnull=True)
                    | Q(role="")
                ),
            )
        ]

    def clean(self) -> None:
        """Role and organisation as the database constraint takes them, every problem at once and
        at its field: what the role needs (chosen) and what it does not (the field to clear)."""
        super().clean()
        if self.role == Role.HULPVERLENER and self.team_id:
            self.municipality_id = self.team.municipality_id
        required = {
            Role.COORDINATOR: (
                "municipality",
                _("Een coördinator hoort bij een gemeente: kies de gemeente."),
            ),
            Role.HULPVERLENER: (
                "team",
                _("Een hulpverlener hoort bij een wijkteam: kies het wijkteam."),
            ),
            Role.SCHULDEISER: (
                "creditor",
                _(
                    "Een medewerker van een schuldeiser hoort bij een schuldeiser: kies de schuldeiser."
                ),
            ),
        }
        errors = {}
        if self.role in required:
            field, message = required[self.role]
            if getattr(self, f"{field}_id") is None:
                errors[field] = message
        if self.role != Role.HULPVERLENER and self.team_id:
            errors["team"] = _(
                "Alleen een hulpverlener hoort bij een wijkteam: maak het veld Wijkteam leeg."
            )
        if self.role != Role.SCHULDEISER and self.creditor_id:
            errors["creditor"] = _(
                "Alleen een medewerker van een schuldeiser hoort bij een schuldeiser: "
                "maak het veld Schuldeiser leeg."
            )
        if self.role == Role.SCHULDEISER and self.municipality_id:
            errors["municipality"] = _(
                "Een medewerker van een schuldeiser hoort niet bij een gemeente: "
                "maak het veld Gemeente leeg."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.role == Role.HULPVERLENER and self.team_id and not self.municipality_id:
            self.municipality_id = self.team.municipality_id
        self.is_staff = staff_status(self.role, superuser=self.is_superuser, staff=self.is_staff)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"role", "is_superuser"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)

    @property
    def organisation(self) -> Municipality | Team | Creditor | None:
        return self.team or self.creditor or self.municipality


def staff_status(role: str, *, superuser: bool, staff: bool) -> bool:
    """Whether a user may enter the admin: a beheerder, and a superuser that was let in.

    Set on every save, so that a beheerder given another role leaves the admin with it. A
    superuser keeps the flag it had (Django's ``create_superuser`` sets it without a role;
    ``createsuperuser`` is refused) and a superuser-beheerder keeps it in another role.
    """
    return role == Role.BEHEERDER or (superuser and staff)


def staff_not_following_role() -> Q:
    """The users whose ``is_staff`` is not what :func:`staff_status` makes of their role: a
    beheerder kept out of the admin, or another role let in without being a superuser.

    ``User.save`` never leaves one; a role changed past it (``QuerySet.update``, a data
    migration) may. ``checks.check_staff_follows_role`` looks for them.
    """
    return Q(role=Role.BEHEERDER, is_staff=False) | (
        Q(is_staff=True, is_superuser=False) & ~Q(role=Role.BEHEERDER)
    )
