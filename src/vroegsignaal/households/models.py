"""Households, the persons in them, and each creditor's arrear timeline.

A :class:`Household` is everyone at one address. A :class:`Person` holds only
encrypted personal fields plus the blind indexes matching needs. An
:class:`Arrear` is one customer's arrears at one creditor (key: creditor,
klantnummer, contractnummer) for as long as it stays open at one household;
:class:`ArrearEvent` is its append-only history, one row per delivery that
opened, changed or closed it.

Rows are written in bulk by :mod:`.services` (explicit ids, raw executemany /
COPY), not through ``save()``: model defaults that matter there are repeated in
``services.py``.

Foreign keys and the database: the references that ``apply_rows`` writes a
million at a time (household → address and municipality, person → household, arrear →
creditor, household, person, municipality, deliveries, event → arrear) are
Django foreign keys without a database constraint (``db_constraint=False``).
A constraint costs a lookup per inserted row (PostgreSQL: a trigger per row,
fired at commit), which on a first delivery of a million rows was most of the
time spent. The one writer reserves ids and inserts parents before children in
one transaction; :func:`.selectors.integrity_problems` checks the references
set-based, and the tests run it after every apply. Household → registry
address has no constraint either (PostgreSQL would fire a trigger per new
household); the register never deletes addresses, and the check covers it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vroegsignaal.intake.fields import CrisisReden
from vroegsignaal.organisations.models import Creditor, Municipality
from vroegsignaal.organisations.scoping import Scope
from vroegsignaal.privacy.fields import EncryptedDateField, EncryptedTextField

BLIND_INDEX_LENGTH = 32  # privacy.crypto.BLIND_INDEX_LENGTH
KEY_LENGTH = 64  # klantnummer, contractnummer, signaal_id: spec 1.5
# Closed cases past their retention period move to one household per municipality whose
# ``unregistered_address`` is this prefix and the municipality's code; no delivered address
# has this form (those start with a postcode).
ANONYMOUS_PREFIX = "anoniem:"


class Household(models.Model):
    """Everyone at one address (huishouden).

    Normally keyed by its register :class:`~vroegsignaal.registry.models.Address`.
    A row that intake could route by postcode only (the house number is not in
    the register yet) still needs a household: it is keyed by the delivered
    address in normal form (``unregistered_address``) until a later delivery
    routes that address exactly, which then links it (see ``services``).
    """

    address = models.OneToOneField(
        "registry.Address",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household",
        verbose_name=_("adres"),
        db_constraint=False,  # see the module docstring
    )
    # "1234AB|12|A|2": postcode|huisnummer|huisletter|toevoeging; "" when ``address`` is set.
    unregistered_address = models.CharField(
        _("adres buiten het adressenregister"), max_length=24, blank=True, default=""
    )
    # Denormalised from the address for scoping and per-municipality reads.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("gemeente"),
        db_constraint=False,  # see the module docstring
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    # A wijkteam sees the households of its own open cases (reached from the case page), nothing
    # else: not after its case closed, when another team may be working a new case there.
    scope = Scope(
        municipality="municipality",
        team="cases__team",
        team_while={
            "cases__status__in": ["opgepakt", "contact_gezocht", "in_contact", "hulp_aanvaard"]
        },
    )

    class Meta:
        verbose_name = _("huishouden")
        verbose_name_plural = _("huishoudens")
        constraints = [
            models.CheckConstraint(
                condition=(Q(address__isnull=False) & Q(unregistered_address=""))
                | (Q(address__isnull=True) & ~Q(unregistered_address="")),
                name="household_address_xor_unregistered",
            ),
            models.UniqueConstraint(
                fields=["unregistered_address"],
                condition=~Q(unregistered_address=""),
                name="household_unique_unregistered_address",
            ),
        ]

    def __str__(self) -> str:
        return f"Huishouden {self.pk}"


class Person(models.Model):
    """A person in a household, as creditors delivered them. All personal fields encrypted.

    Blind indexes (HMAC, see ``privacy.crypto``) make equality checks possible
    without decrypting: ``birth_date_index`` of the ISO date, ``surname_index``
    of the normalised surname (``matching.normalise_surname``), ``bsn_index``,
    and ``identity_index`` of birth date + normalised surname + initials, which
    lets a monthly delivery recognise known persons without decrypting anyone.
    ``details_digest`` is a keyed hash of the contact fields last delivered, to
    see whether they changed without decrypting them.

    Surname, tussenvoegsel, initials and birth date are kept as first
    delivered; first names, gender, phone, e-mail and BSN take the latest
    delivered value (an empty delivered value does not erase a known one).
    """

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("huishouden"),
        db_constraint=False,  # see the module docstring
    )
    surname = EncryptedTextField(_("achternaam"))  # without tussenvoegsel
    tussenvoegsel = EncryptedTextField(_("tussenvoegsel"), blank=True, default="")
    initials = EncryptedTextField(_("voorletters"))  # "J.P."
    first_names = EncryptedTextField(_("voornamen"), blank=True, default="")
    birth_date = EncryptedDateField(_("geboortedatum"))
    gender = EncryptedTextField(_("geslacht"), blank=True, default="")  # M/V/X/O
    phone = EncryptedTextField(_("telefoonnummer"), blank=True, default="")
    email = EncryptedTextField(_("e-mailadres"), blank=True, default="")
    bsn = EncryptedTextField(_("BSN"), blank=True, default="")

    birth_date_index = models.CharField(max_length=BLIND_INDEX_LENGTH)
    surname_index = models.CharField(max_length=BLIND_INDEX_LENGTH)
    identity_index = models.CharField(max_length=BLIND_INDEX_LENGTH)
    bsn_index = models.CharField(max_length=BLIND_INDEX_LENGTH, null=True, blank=True)
    details_digest = models.CharField(max_length=BLIND_INDEX_LENGTH, blank=True, default="")

    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    scope = Scope(municipality="household__municipality")

    class Meta:
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")
        indexes = [
            # Few persons have a BSN (only where the covenant allows it): index just those.
            models.Index(
                fields=["bsn_index"],
                condition=Q(bsn_index__isnull=False),
                name="person_bsn_index_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Persoon {self.pk}"  # never the name: str() ends up in logs


class ArrearStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Afgemeld")
    # Closed because the customer's address changed: continued as a new arrear
    # (``previous`` points here) at the new household.
    MOVED = "moved", _("Verhuisd")


class Arrear(models.Model):
    """One customer's arrears at one creditor, open at one household for a while.

    At most one open arrear per (creditor, klantnummer, contractnummer). When a
    closed one appears again, or the customer moved, a new row continues it
    (``previous``); closed rows are never reopened in place, so ``opened_on``
    and ``cleared_on`` of every episode stay as they were.
    """

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="arrears",
        verbose_name=_("schuldeiser"),
        db_index=False,  # the (creditor, klantnummer, contractnummer) index starts with it
        db_constraint=False,  # see the module docstring, as for the other references below
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="arrears",
        verbose_name=_("huishouden"),
        db_constraint=False,
    )
    # No index: every write of a million arrears would pay for it, and persons are
    # read through their household. (Purging persons deletes their arrears first.)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="arrears",
        verbose_name=_("persoon"),
        db_index=False,
        db_constraint=False,
    )
    # A copy of the household's, for scoping.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
        db_constraint=False,
    )
    klantnummer = models.CharField(_("klantnummer"), max_length=KEY_LENGTH)
    contractnummer = models.CharField(
        _("contractnummer"), max_length=KEY_LENGTH, blank=True, default=""
    )
    amount_cents = models.BigIntegerField(_("bedrag (centen)"))
    start_date = models.DateField(_("ontstaansdatum"))
    crisis = models.BooleanField(_("crisissignaal"), default=False)
    crisis_reason = models.CharField(
        _("reden crisis"), max_length=32, choices=CrisisReden.choices, blank=True, default=""
    )
    warm_transfer = models.BooleanField(_("warme overdracht"), default=False)
    signal_reference = models.CharField(
        _("signaal-id van de schuldeiser"), max_length=KEY_LENGTH, blank=True, default=""
    )
    instalments = models.PositiveIntegerField(_("aantal termijnen"), null=True, blank=True)
    # Keyed digest (64 bits of a MAC, never a plain hash) of what linking read in the
    # row that last delivered this arrear: identity, contact details, routed address.
    # Null when a later delivery cannot trust its person and household without
    # linking again (see ``services`` "Repeated rows"). An integer: a million arrears
    # are read and rewritten every month. No reader outside ``services``.
    link_digest = models.BigIntegerField(null=True, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=8, choices=ArrearStatus.choices, default=ArrearStatus.OPEN
    )
    opened_on = models.DateField(_("voor het eerst gezien op (peildatum)"))
    last_seen_on = models.DateField(_("laatst gezien op (peildatum)"))
    cleared_on = models.DateField(_("afgemeld op (peildatum)"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("vervolg van"),
    )
    # Lineage: the deliveries that opened, last confirmed and closed this arrear.
    # No index: read per arrear.
    opened_by_delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    last_delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    cleared_by_delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )

    scope = Scope(municipality="municipality", creditor="creditor")

    class Meta:
        verbose_name = _("achterstand")
        verbose_name_plural = _("achterstanden")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "klantnummer", "contractnummer"],
                condition=Q(status="open"),
                name="arrear_unique_open_key",
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="arrear_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="open", cleared_on__isnull=True)
                | (~Q(status="open") & Q(cleared_on__isnull=False)),
                name="arrear_cleared_on_iff_closed",
            ),
        ]
        indexes = [
            # Closed arrears by key, to link an arrear that reappears to its predecessor.
            # Open ones are found through arrear_unique_open_key; new arrears are open,
            # so inserting them does not touch this index.
            models.Index(
                fields=["creditor", "klantnummer", "contractnummer"],
                condition=~Q(status="open"),
                name="arrear_closed_key_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Achterstand {self.pk} ({self.creditor_id}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ArrearStatus.OPEN


class ArrearEventKind(models.TextChoices):
    OPENED = "opened", _("Nieuw")
    CHANGED = "changed", _("Gewijzigd")
    CLEARED = "cleared", _("Afgemeld")
    # The first event of an arrear whose key had an earlier, closed arrear.
    REOPENED = "reopened", _("Opnieuw")
    # The last event of an arrear whose customer now lives elsewhere.
    MOVED = "moved", _("Verhuisd")


class ArrearEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("De geschiedenis van een achterstand wordt niet gewijzigd.")


class ArrearEvent(models.Model):
    """One step of an arrear's timeline (append-only): what a delivery did to it."""

    arrear = models.ForeignKey(
        Arrear,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("achterstand"),
        db_constraint=False,  # see the module docstring
    )
    # No index and no database constraint: apply_rows hands the households it touched
    # to its caller, and a million-row delivery would pay for both on every event.
    delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("levering"),
        db_index=False,
        db_constraint=False,
    )
    reference_date = models.DateField(_("peildatum"))
    kind = models.CharField(_("soort"), max_length=8, choices=ArrearEventKind.choices)
    amount_cents = models.BigIntegerField(_("bedrag (centen)"))
    crisis = models.BooleanField(_("crisissignaal"), default=False)

    objects = ArrearEventQuerySet.as_manager()
    scope = Scope(municipality="arrear__municipality", creditor="arrear__creditor")

    class Meta:
        ordering = ["arrear", "id"]
        verbose_name = _("gebeurtenis van een achterstand")
        verbose_name_plural = _("gebeurtenissen van achterstanden")

    def __str__(self) -> str:
        return f"{self.arrear_id} {self.kind} {self.reference_date}"


class ClosedKey(models.Model):
    """A key that a ``mutatie`` reported ``afgemeld`` while it had no open arrear.

    Nothing is closed then, so no arrear remembers it; yet a delivery with an older
    peildatum applied after this one must not open the key (:mod:`.later`). Stored
    as arrears store their key; retention deletes it with the closed arrears of its
    age (:func:`.purging.purge_unsignalled_arrears`).
    """

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (creditor, reference_date) index starts with it
        db_constraint=False,  # see the module docstring, as for the other references below
    )
    # Where intake routed the row: retention runs per municipality.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    klantnummer = models.CharField(_("klantnummer"), max_length=KEY_LENGTH)
    contractnummer = models.CharField(
        _("contractnummer"), max_length=KEY_LENGTH, blank=True, default=""
    )
    delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    reference_date = models.DateField(_("peildatum"))

    scope = Scope()  # bookkeeping of late deliveries: nobody reads it through the portal

    class Meta:
        verbose_name = _("afmelding zonder achterstand")
        verbose_name_plural = _("afmeldingen zonder achterstand")
        indexes = [
            models.Index(fields=["creditor", "reference_date"], name="closedkey_creditor_date_idx"),
        ]

    def __str__(self) -> str:
        return f"Afgemeld zonder achterstand {self.pk} ({self.creditor_id})"


class AppliedStand(models.Model):
    """A ``stand`` that was applied: a complete snapshot of the creditor on its peildatum.

    A delivery with an older peildatum applied after it opens no key (:mod:`.later`),
    also when the stand left no arrear that says it was there (it delivered nothing,
    or a later mutatie delivered its arrears again). No personal data.
    """

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (creditor, reference_date) index starts with it
        db_constraint=False,
    )
    delivery = models.ForeignKey(
        "intake.Delivery",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    reference_date = models.DateField(_("peildatum"))

    scope = Scope()  # bookkeeping of late deliveries: nobody reads it through the portal

    class Meta:
        verbose_name = _("verwerkte stand")
        verbose_name_plural = _("verwerkte standen")
        indexes = [
            models.Index(fields=["creditor", "reference_date"], name="appliedstand_creditor_idx"),
        ]

    def __str__(self) -> str:
        return f"Stand {self.delivery_id} ({self.creditor_id}, {self.reference_date})"
