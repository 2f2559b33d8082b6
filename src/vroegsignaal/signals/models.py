"""Signal rules per municipality (versioned), trays, and the signals themselves.

* :class:`RuleSet`: one version of a municipality's rules (never changed in place).
* :class:`Tray` (werkbakje): an ordered queue with plain conditions; a signal
  goes to the first tray whose conditions it meets (:mod:`.trays`).
* :class:`Signal` (vroegsignaal): a household that needs outreach, with its
  reasons in words (``explanation``) and as data (``reasons``). At most one
  signal per household is open (``nieuw`` or ``opgepakt``).
* :class:`SignalArrear`: the arrears that count (or counted) for a signal,
  and those known when its case was closed.
* :class:`SignalStatusChange`: the append-only history of each signal's status.

Signals are written in bulk by :mod:`.writing` (explicit ids), not through
``save()``: defaults that matter there are repeated in ``writing.py``.

Foreign keys and the database: the references evaluation writes in bulk
(signal → municipality, household, rule set, tray, earlier signal; member →
signal, arrear; status change → signal) are Django foreign keys without a
database constraint (``db_constraint=False``), as in the households app: on
PostgreSQL each constraint fires a trigger per inserted row at commit, which
after a first delivery of a million rows (200,000 signals) took five seconds.
Evaluation inserts parents before children in one transaction, the ORM still
cascades and protects on delete, and :func:`.selectors.integrity_problems`
checks the references set-based (the tests run it after each test).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope

from . import rules


class RuleSet(models.Model):
    """One version of a municipality's signal rules; the newest version is in force.

    Rows are never changed: a change is a new version, so each signal can name
    the version that produced it.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="rule_sets"
    )
    version = models.PositiveIntegerField(_("versie"))
    max_age_days = models.PositiveIntegerField(
        _("maximale ouderdom (dagen)"), default=rules.DEFAULT_MAX_AGE_DAYS
    )
    min_creditors = models.PositiveSmallIntegerField(
        _("minimum aantal schuldeisers"), default=rules.DEFAULT_MIN_CREDITORS
    )
    min_amount_eur = models.PositiveIntegerField(
        _("minimumbedrag (euro)"), default=rules.DEFAULT_MIN_AMOUNT_EUR
    )
    single_signals = models.BooleanField(_("enkelvoudige signalen"), default=True)
    single_signal_excluded_types = models.JSONField(
        _("geen enkelvoudige signalen voor"), default=list, blank=True
    )
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    scope = Scope(municipality="municipality", privacy_officer="municipality", beheerder=True)

    class Meta:
        ordering = ["municipality", "-version"]
        verbose_name = _("regelset")
        verbose_name_plural = _("regelsets")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "version"], name="ruleset_unique_version"
            )
        ]

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


class SignalStatus(models.TextChoices):
    """Spec section 5: the statuses of a signal, exactly as the export writes them."""

    NIEUW = "nieuw", _("Nieuw")  # not yet picked up
    OPGEPAKT = "opgepakt", _("Opgepakt")
    NIET_OPGEPAKT = "niet_opgepakt", _("Niet opgepakt")
    VERVALLEN = "vervallen", _("Vervallen")
    AFGESLOTEN = "afgesloten", _("Afgesloten")


# A household has at most one signal in these statuses.
OPEN_STATUSES = (SignalStatus.NIEUW.value, SignalStatus.OPGEPAKT.value)
# After a signal in one of these, only arrears new since then raise a new signal.
HANDLED_STATUSES = (SignalStatus.AFGESLOTEN.value, SignalStatus.NIET_OPGEPAKT.value)


class SignalKind(models.TextChoices):
    MEERVOUDIG = "meervoudig", _("Meervoudig")
    ENKELVOUDIG = "enkelvoudig", _("Enkelvoudig")


class Tray(models.Model):
    """A werkbakje: an ordered queue of signals with plain conditions.

    Every condition is optional (empty = any); a signal goes to the first tray,
    by ``position``, whose conditions all hold (see :mod:`.trays`). Amounts and
    ages are inclusive bounds; ages are in whole years on the signal's
    peildatum, over the persons known in the household.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="trays")
    name = models.CharField(_("naam"), max_length=100)
    position = models.PositiveSmallIntegerField(_("volgorde"))
    kind = models.CharField(
        _("soort signaal"), max_length=12, choices=SignalKind.choices, blank=True, default=""
    )
    crisis = models.BooleanField(_("crisissignaal"), null=True, blank=True)
    repeat = models.BooleanField(_("herhaald signaal"), null=True, blank=True)
    debt_swap = models.BooleanField(_("schuldverschuiving"), null=True, blank=True)
    amount_min_eur = models.PositiveIntegerField(
        _("totaalbedrag vanaf (euro)"), null=True, blank=True
    )
    amount_max_eur = models.PositiveIntegerField(
        _("totaalbedrag tot en met (euro)"), null=True, blank=True
    )
    # DDAS EnumSignaalpartner values; the tray matches when any counting creditor has one.
    creditor_types = models.JSONField(_("soorten schuldeisers"), default=list, blank=True)
    youngest_age_min = models.PositiveSmallIntegerField(
        _("jongste persoon ten minste (jaar)"), null=True, blank=True
    )
    youngest_age_max = models.PositiveSmallIntegerField(
        _("jongste persoon ten hoogste (jaar)"), null=True, blank=True
    )
    oldest_age_min = models.PositiveSmallIntegerField(
        _("oudste persoon ten minste (jaar)"), null=True, blank=True
    )
    oldest_age_max = models.PositiveSmallIntegerField(
        _("oudste persoon ten hoogste (jaar)"), null=True, blank=True
    )
    # CBS wijk or buurt codes; the tray matches when the household's buurt or wijk is listed.
    neighbourhood_codes = models.JSONField(_("wijken en buurten"), default=list, blank=True)
    # The tray matches when the household lies in this team's wijken or buurten.
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wijkteam"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(municipality="municipality", privacy_officer="municipality", beheerder=True)

    class Meta:
        ordering = ["municipality", "position", "id"]
        verbose_name = _("werkbakje")
        verbose_name_plural = _("werkbakjes")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="tray_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Signal(models.Model):
    """A household that needs outreach (vroegsignaal), with its reasons.

    The figures (``kind``, ``creditor_count``, ``total_amount_cents``,
    ``oldest_start_date``, ``crisis``, ``debt_swap``) describe the arrears that
    counted at the last evaluation in which any did (``last_signalled_on``):
    a signal whose arrears merely age keeps them, and sleeps (``dormant_since``)
    until new arrears count. ``repeat`` is decided when the signal is raised or
    wakes up, and ``repeat_since`` keeps the peildatum of that decision;
    ``signal_date`` is the peildatum that raised it.
    """

    # Without a database constraint, as the other references evaluation writes in
    # bulk (see the module docstring).
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("gemeente"),
        db_constraint=False,
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("huishouden"),
        db_constraint=False,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SignalStatus.choices, default=SignalStatus.NIEUW
    )
    kind = models.CharField(_("soort"), max_length=12, choices=SignalKind.choices)
    crisis = models.BooleanField(_("crisis"), default=False)
    repeat = models.BooleanField(_("herhaald"), default=False)
    # The earlier signal that makes this one a repeat (empty when it repeats its own earlier run),
    # and the last day that earlier signalling lasted.
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("herhaling van"),
        db_constraint=False,
    )
    repeat_until = models.DateField(_("eerder gesignaleerd tot en met"), null=True, blank=True)
    # The peildatum on which the signal became herhaald: the one that raised it as a repeat, or
    # the one on which it woke up as one (empty while ``repeat`` is false). Stored because the
    # monitor counts herhaald in that month, and a wake-up leaves no other trace of its day (a
    # rule change wakes a signal on arrears that joined it long before).
    repeat_since = models.DateField(_("herhaald sinds (peildatum)"), null=True, blank=True)
    debt_swap = models.BooleanField(_("schuldverschuiving"), default=False)
    creditor_count = models.PositiveSmallIntegerField(_("aantal schuldeisers"))
    total_amount_cents = models.BigIntegerField(_("totaalbedrag (centen)"))
    oldest_start_date = models.DateField(_("oudste ontstaansdatum"))
    signal_date = models.DateField(_("signaaldatum (peildatum)"))
    last_signalled_on = models.DateField(_("laatst gesignaleerd op (peildatum)"))
    # Set by the first evaluation in which none of its arrears counted any more (they aged):
    # counting arrears after that start a new run, which may be herhaald.
    dormant_since = models.DateField(_("slapend sinds (peildatum)"), null=True, blank=True)
    rule_set = models.ForeignKey(
        RuleSet,
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("regelset"),
        db_constraint=False,
    )
    tray = models.ForeignKey(
        Tray,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("werkbakje"),
        db_constraint=False,
    )
    priority = models.IntegerField(_("prioriteit"), default=0)
    explanation = models.TextField(_("toelichting"))
    reasons = models.JSONField(_("redenen"), default=dict)
    # A hash of explanation and reasons: evaluation compares it instead of the texts.
    content_digest = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Crisis: contact no later than this day (Wgs art. 4(2), three working days).
    deadline = models.DateField(_("contact uiterlijk"), null=True, blank=True)
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("wijkteam"),
    )
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    # The buurt of the household's address, kept here so that the tray's wijk/buurt filter reads
    # the signal table alone instead of joining every signal of a tray to its household and address
    # (a wijk of the largest tray: 120-150 ms of SQL). Written by evaluation, kept in step by
    # :func:`.services.place_signals` when a register import moves addresses between buurten, and
    # cleared when the case is anonymised (the anonymous household has no address).
    buurt = models.ForeignKey(
        "registry.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("buurt"),
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    scope = Scope(municipality="municipality", team="team")

    class Meta:
        ordering = ["-priority", "id"]
        verbose_name = _("vroegsignaal")
        verbose_name_plural = _("vroegsignalen")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=OPEN_STATUSES),
                name="signal_one_open_per_household",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES, closed_on__isnull=True)
                | (~Q(status__in=OPEN_STATUSES) & Q(closed_on__isnull=False)),
                name="signal_closed_on_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status"], name="signal_municipality_status_idx"),
            models.Index(fields=["tray", "status", "-priority"], name="signal_tray_queue_idx"),
            # The tray page: open signals in the default order, counted and paged from the index
            # alone (PostgreSQL covers the columns the filters need), about 3 ms instead of 35.
            models.Index(
                fields=["tray", "-priority", "signal_date", "id"],
                include=["municipality", "team", "household", "buurt", "dormant_since"],
                condition=Q(status__in=OPEN_STATUSES),
                name="signal_open_tray_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Signaal {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SignalArrearRole(models.TextChoices):
    # Counted for the signal at some evaluation while it was open.
    MEMBER = "member", _("Telt mee")
    # Open at the household when the signal's case was closed: cannot raise a new signal.
    KNOWN_AT_CLOSE = "known", _("Bekend bij afsluiten")


class SignalArrear(models.Model):
    """An arrear of a signal: one that counts (or counted) for it, or one known at its closing.

    ``counts`` marks the arrears behind the signal's current figures (the
    export's ``schuldeisers`` and ``totaal_bedrag``).
    """

    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, related_name="signal_arrears", db_constraint=False
    )
    arrear = models.ForeignKey(
        "households.Arrear", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    role = models.CharField(
        _("rol"), max_length=8, choices=SignalArrearRole.choices, default=SignalArrearRole.MEMBER
    )
    counts = models.BooleanField(_("telt mee"), default=False)
    # ``counts`` as it was at the end of the previous peildatum, kept with :class:`SignalBefore`
    # (false on the arrears of a signal without one).
    counted_before = models.BooleanField(default=False, db_default=False, editable=False)
    joined_on = models.DateField(_("toegevoegd op (peildatum)"))

    scope = Scope(municipality="signal__municipality", team="signal__team")

    class Meta:
        verbose_name = _("achterstand van een signaal")
        verbose_name_plural = _("achterstanden van signalen")
        constraints = [
            models.UniqueConstraint(fields=["signal", "arrear"], name="signalarrear_unique")
        ]

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.arrear_id} ({self.role})"


class SignalBefore(models.Model):
    """An open signal's figures as they stood before the first update of a peildatum.

    A peildatum is one moment: its deliveries come one at a time, and each is evaluated
    on its own, so between two of them a signal may be rewritten to figures that never
    held at the end of that peildatum (one creditor's file read, another's not yet). When
    the signal lapses or falls asleep on that peildatum, :func:`.writing._settle` puts
    these figures back (and the ``counts`` of its arrears from ``counted_before``): it
    keeps those of the last peildatum on which it counted. Written by
    :func:`.writing._snapshot`; only an open signal has one, and only for the peildatum its
    municipality is at: it goes when the signal closes (lapses, is declined or closed) and at
    the municipality's first evaluation on a later peildatum, with the ``counted_before`` of
    its arrears (:func:`.writing._forget`), and with the signal.
    """

    signal = models.OneToOneField(
        Signal, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    # The peildatum whose first update this row precedes.
    peildatum = models.DateField()
    kind = models.CharField(max_length=12, choices=SignalKind.choices)
    crisis = models.BooleanField(default=False)
    debt_swap = models.BooleanField(default=False)
    creditor_count = models.PositiveSmallIntegerField()
    total_amount_cents = models.BigIntegerField()
    oldest_start_date = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    tray = models.ForeignKey(
        Tray,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    priority = models.IntegerField(default=0)
    explanation = models.TextField()
    reasons = models.JSONField(default=dict)
    content_digest = models.CharField(max_length=32, blank=True, default="")
    repeat = models.BooleanField(default=False)
    # A reference, as the signal's own: emptied when the earlier signal is purged or its case
    # anonymised (``privacy.retention``), so that settling never puts back a signal that is gone.
    repeat_of = models.ForeignKey(
        Signal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    repeat_until = models.DateField(null=True, blank=True)
    repeat_since = models.DateField(null=True, blank=True)
    last_signalled_on = models.DateField()
    dormant_since = models.DateField(null=True, blank=True)

    # Evaluation's working copy, read by no view: scoped as its signal is.
    scope = Scope(municipality="signal__municipality", team="signal__team")

    class Meta:
        indexes = [
            # The municipality's first evaluation on a later peildatum deletes the older rows.
            models.Index(fields=["peildatum"], name="signalbefore_peildatum_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.signal_id} voor {self.peildatum}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("De geschiedenis van een signaal wordt niet gewijzigd.")


class SignalStatusChange(models.Model):
    """One step of a signal's life (append-only); ``from_status`` is empty when it was raised."""

    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, related_name="status_changes", db_constraint=False
    )
    from_status = models.CharField(
        _("van"), max_length=16, choices=SignalStatus.choices, blank=True
    )
    to_status = models.CharField(_("naar"), max_length=16, choices=SignalStatus.choices)
    changed_at = models.DateTimeField(_("tijdstip"))
    # The peildatum of the evaluation that made the change; empty for a person's action.
    reference_date = models.DateField(_("peildatum"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("toelichting"), max_length=200, blank=True, default="")

    objects = AppendOnlyQuerySet.as_manager()
    scope = Scope(municipality="signal__municipality", team="signal__team")

    class Meta:
        ordering = ["signal", "id"]
        verbose_name = _("statuswijziging van een signaal")
        verbose_name_plural = _("statuswijzigingen van signalen")

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.from_status or '-'} → {self.to_status}"
