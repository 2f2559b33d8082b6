"""Case work (vroegsignaalzaak, DDAS-vroegsignalering v0.9 ``vroegsignaalzaken``).

* :class:`Case`: the municipality's handling of a signal, from pick-up
  (``datum_opgepakt``) to its outcome (``resultaat``), with its deadlines.
* :class:`CaseStatusChange`: the append-only history of each case's status;
  the allowed transitions are in :mod:`.workflow`.
* :class:`ContactAttempt` (contactpoging) and :class:`CaseNote`.

Models hold data; every change goes through :mod:`.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.models import Municipality
from vroegsignaal.organisations.scoping import Scope
from vroegsignaal.privacy.fields import EncryptedTextField

from . import deadlines


class CaseStatus(models.TextChoices):
    """Where a case stands; the allowed steps are in :mod:`.workflow`."""

    OPGEPAKT = "opgepakt", _("Opgepakt")  # picked up, no contact attempt yet
    CONTACT_GEZOCHT = "contact_gezocht", _("Contact gezocht")  # attempted, nobody reached yet
    IN_CONTACT = "in_contact", _("In contact")  # the household was reached
    HULP_AANVAARD = "hulp_aanvaard", _("Hulp aanvaard")  # offer accepted: first conversation due
    AFGESLOTEN = "afgesloten", _("Afgesloten")


# Source: DDAS-vroegsignalering v0.9 (shared/standards/ddas-vroegsignalering-v0.9.schema.json), $defs.
class ContactKind(models.TextChoices):
    """DDAS ``EnumContactsoort``."""

    MAIL = "Mail", _("Mail")
    BRIEF = "Brief", _("Brief")
    SMS_WHATSAPP = "SMS/Whatsapp", _("SMS/Whatsapp")
    TELEFOON = "Telefoon", _("Telefoon")
    HUISBEZOEK = "Huisbezoek", _("Huisbezoek")
    KAARTJE = "Kaartje", _("Kaartje")
    OVERIGE = "Overige", _("Overige")
    ADMINISTRATIEF = "Administratief", _("Administratief")


class PartOfDay(models.TextChoices):
    """DDAS ``EnumDagdeel``."""

    OCHTEND = "Ochtend", _("Ochtend")
    MIDDAG = "Middag", _("Middag")
    AVOND = "Avond", _("Avond")


class Outcome(models.TextChoices):
    """DDAS ``EnumEindresultaat`` (eindresultaat van een vroegsignaalzaak)."""

    NIET_OPGEPAKT_HERHAALD = (
        "Niet opgepakt: herhaalde melding",
        _("Niet opgepakt: herhaalde melding"),
    )
    NIET_OPGEPAKT_ONTERECHT = (
        "Niet opgepakt: onterecht signaal",
        _("Niet opgepakt: onterecht signaal"),
    )
    OVERLEDEN = "Inwoner is overleden", _("Inwoner is overleden")
    GEEN_INWONER = (
        "Persoon is geen inwoner (meer) in de gemeente",
        _("Persoon is geen inwoner (meer) in de gemeente"),
    )
    NIET_OPGEPAKT_ANDERS = "Niet opgepakt: andere reden", _("Niet opgepakt: andere reden")
    AL_BEKEND = (
        "Inwoner al bekend bij schuldhulpverlening",
        _("Inwoner al bekend bij schuldhulpverlening"),
    )
    ANDER_TRAJECT = (
        "Inwoner heeft al een ander lopend traject",
        _("Inwoner heeft al een ander lopend traject"),
    )
    GEEN_CONTACT = (
        "Definitief geen contact kunnen krijgen",
        _("Definitief geen contact kunnen krijgen"),
    )
    GEEN_REACTIE = "Geen reactie na eerder contact", _("Geen reactie na eerder contact")
    GEEN_HULP_NODIG = (
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
        _("Inwoner hoeft geen hulp vanuit vroegsignalering"),
    )
    ZELF_BETAALD = (
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        _("Inwoner heeft zelf al betaald/betalingsregeling getroffen"),
    )
    ADVIES_QUICK_FIX = "(Budget)advies en/of quick fix", _("(Budget)advies en/of quick fix")
    VERVOLG_FINANCIEEL = (
        "Vervolghulp en/of verwijzing financieel",
        _("Vervolghulp en/of verwijzing financieel"),
    )
    VERWIJZING_ZONDER_CONTACT = "Verwijzing zonder contact", _("Verwijzing zonder contact")
    VERVOLG_NIET_FINANCIEEL = (
        "Vervolghulp en/of verwijzing niet financieel",
        _("Vervolghulp en/of verwijzing niet financieel"),
    )


# A picked-up case ends with one of these. The "Niet opgepakt: …" results belong to
# signals that never became a case (``services.mark_not_picked_up``), except "onterecht
# signaal": a case may find out only after contact that the signal was wrong, and the
# creditors are then told ``onterecht_signaal`` (spec section 4).
CASE_OUTCOMES = tuple(
    o
    for o in Outcome
    if not o.value.startswith("Niet opgepakt") or o is Outcome.NIET_OPGEPAKT_ONTERECHT
)


# The outcomes that say this case gave the resident help: advice or a quick fix, follow-up help
# or a referral after contact. Help is given after the offer of help (Wgs art. 4(1)), so a case
# closes with one of these only once its offer is recorded (``services.close_case``). All of them
# tell the creditors ``hulp_in_gang_gezet`` (``feedback.rules``). The other outcomes that do so need
# no offer of this case: the resident already has help elsewhere (al bekend bij
# schuldhulpverlening, ander lopend traject), or the referral was made without contact.
OUTCOMES_AFTER_OFFER = frozenset(
    {Outcome.ADVIES_QUICK_FIX, Outcome.VERVOLG_FINANCIEEL, Outcome.VERVOLG_NIET_FINANCIEEL}
)


class NotPickedUpReason(models.TextChoices):
    """DDAS ``EnumSignaalstatus`` without "Nog niet opgepakt": why a signal was not picked up."""

    ONTERECHT = "Niet opgepakt: onterecht signaal", _("Niet opgepakt: onterecht signaal")
    OVERLEDEN = "Inwoner is overleden", _("Inwoner is overleden")
    GEEN_INWONER = (
        "Persoon is geen inwoner (meer) in de gemeente",
        _("Persoon is geen inwoner (meer) in de gemeente"),
    )
    HERHAALD = "Niet opgepakt: herhaalde melding", _("Niet opgepakt: herhaalde melding")
    ANDERS = "Niet opgepakt: andere reden", _("Niet opgepakt: andere reden")


class OfferAnswer(models.TextChoices):
    OPEN = "", _("Nog geen antwoord")
    AANVAARD = "aanvaard", _("Aanvaard")
    GEWEIGERD = "geweigerd", _("Geweigerd")


class Case(models.Model):
    """A vroegsignaalzaak: the handling of one signal by a team or worker.

    ``due_on`` is the earliest deadline still to be met (contact after a crisis
    signal, first conversation after an accepted offer), kept by the services
    so lists can sort and filter on it.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="cases", verbose_name=_("gemeente")
    )
    signal = models.OneToOneField(
        "signals.Signal",
        on_delete=models.PROTECT,
        related_name="case",
        verbose_name=_("vroegsignaal"),
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("huishouden"),
    )
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("wijkteam"),
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("hulpverlener"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPGEPAKT
    )
    crisis = models.BooleanField(_("crisis"), default=False)
    picked_up_on = models.DateField(_("datum opgepakt"))
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opgepakt door"),
    )
    offer_made_on = models.DateField(_("hulpaanbod gedaan op"), null=True, blank=True)
    offer_answer = models.CharField(
        _("antwoord op hulpaanbod"),
        max_length=10,
        choices=OfferAnswer.choices,
        blank=True,
        default="",
    )
    offer_answered_on = models.DateField(_("antwoord gegeven op"), null=True, blank=True)
    contact_due = models.DateField(_("contact uiterlijk"), null=True, blank=True)
    contacted_on = models.DateField(_("contact gelegd op"), null=True, blank=True)
    first_conversation_due = models.DateField(_("eerste gesprek uiterlijk"), null=True, blank=True)
    first_conversation_on = models.DateField(_("eerste gesprek op"), null=True, blank=True)
    due_on = models.DateField(_("eerstvolgende termijn"), null=True, blank=True)
    outcome = models.CharField(
        _("eindresultaat"), max_length=80, choices=Outcome.choices, blank=True, default=""
    )
    closed_on = models.DateField(_("afgesloten op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    scope = Scope(municipality="municipality", team="team")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("vroegsignaalzaak")
        verbose_name_plural = _("vroegsignaalzaken")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="afgesloten") & Q(closed_on__isnull=False) & ~Q(outcome=""))
                | (~Q(status="afgesloten") & Q(closed_on__isnull=True) & Q(outcome="")),
                name="case_closed_iff_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "status", "due_on"], name="case_municipality_due_idx"
            ),
            models.Index(fields=["team", "status", "due_on"], name="case_team_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Zaak {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.AFGESLOTEN

    @property
    def contacted_late(self) -> bool:
        """Contact was made after the crisis deadline (Wgs art. 4(2))."""
        return deadlines.met_late(self.contact_due, self.contacted_on)

    @property
    def first_conversation_late(self) -> bool:
        """The first conversation was held after its deadline (Wgs art. 4(1)(b))."""
        return deadlines.met_late(self.first_conversation_due, self.first_conversation_on)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("De geschiedenis van een zaak wordt niet gewijzigd.")

    def delete(self):
        raise PermissionError("De geschiedenis van een zaak wordt niet verwijderd.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("De geschiedenis van een zaak wordt niet gewijzigd.")


class CaseStatusChange(models.Model):
    """One step of a case's life (append-only); ``from_status`` is empty when the case was opened.

    ``occurred_on`` is the day the step happened: the pick-up's ``picked_up_on``, the contact
    attempt's date, the day the offer was made, refused or accepted, the closing date; for an
    assignment or a correction, the day it was made. ``changed_at`` is when the step was
    recorded, which may be days later (a worker catching up on last week's visits). The
    history is read in that order, newest first: by ``occurred_on``, then ``changed_at``; a
    backdated step's status arrow that would contradict an earlier recorded one is shown on
    the day it was recorded (``selectors.case_history``).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("van"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("naar"), max_length=16, choices=CaseStatus.choices)
    # The services always give it; a row written without (a bulk load) happened today.
    occurred_on = models.DateField(_("datum"), default=timezone.localdate)
    changed_at = models.DateTimeField(_("vastgelegd op"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    note = models.CharField(_("toelichting"), max_length=200, blank=True, default="")

    objects = AppendOnlyQuerySet.as_manager()
    scope = Scope(municipality="case__municipality", team="case__team")

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("statuswijziging van een zaak")
        verbose_name_plural = _("statuswijzigingen van zaken")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '-'} → {self.to_status}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("De geschiedenis van een zaak wordt niet gewijzigd.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("De geschiedenis van een zaak wordt niet verwijderd.")


class ContactAttempt(models.Model):
    """A contactpoging (DDAS ``contactpogingen``): kind, reached or not, date and part of day."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_attempts")
    kind = models.CharField(_("soort"), max_length=16, choices=ContactKind.choices)
    reached = models.BooleanField(_("bereikt"))
    date = models.DateField(_("datum"))
    part_of_day = models.CharField(
        _("dagdeel"), max_length=8, choices=PartOfDay.choices, blank=True, default=""
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    note = EncryptedTextField(_("toelichting"), blank=True, default="")
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    scope = Scope(municipality="case__municipality", team="case__team")

    class Meta:
        ordering = ["case", "date", "id"]
        verbose_name = _("contactpoging")
        verbose_name_plural = _("contactpogingen")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} {self.date}"


class CaseNote(models.Model):
    """A note on a case; the text is encrypted at rest."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("notitie"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True)

    scope = Scope(municipality="case__municipality", team="case__team")

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("notitie bij een zaak")
        verbose_name_plural = _("notities bij zaken")

    def __str__(self) -> str:
        return f"Notitie {self.pk}"  # never the text


class LetterTemplate(models.Model):
    """The municipality's own text for the outreach letter (see :mod:`.letters` for the placeholders)."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="letter_template",
        verbose_name=_("gemeente"),
    )
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("tekst"))
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gewijzigd door"),
    )

    scope = Scope(municipality="municipality")

    class Meta:
        verbose_name = _("briefsjabloon")
        verbose_name_plural = _("briefsjablonen")

    def __str__(self) -> str:
        return f"Briefsjabloon {self.municipality}"
