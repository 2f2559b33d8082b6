"""The purposes the audit log records, as the audit pages show them.

An audit event stores its purpose as the code wrote it (``"zaak afgesloten"``,
a household view's ``"signaalbehandeling"``): the log is evidence and stays as
written. The pages show a label in the reader's language instead. Every purpose
a ``record(..., purpose=...)`` call in the source can write is listed here
(``privacy/tests/test_audit_purposes.py`` reads the source and fails on one that is
not); a purpose that is not (an older one) is shown as stored.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LABELS = {
    # Log-in and accounts
    "inloggen": pgettext_lazy("doel in het auditlog", "Inloggen"),  # the noun, not the button
    "wachtwoord onjuist": _("Wachtwoord onjuist"),
    "account geblokkeerd": _("Account geblokkeerd"),
    "account gedeactiveerd": _("Account gedeactiveerd"),
    "onbekende gebruikersnaam": _("Onbekende gebruikersnaam"),
    "tweede factor onjuist": _("Tweede factor onjuist"),
    "inloggen hersteld": _("Inloggen hersteld (eenmalig wachtwoord via de opdrachtregel)"),
    "tweede factor verwijderd": _("Tweede factor verwijderd (beheer)"),
    "blokkade opgeheven": _("Blokkade na mislukte inlogpogingen opgeheven (beheer)"),
    "rol gewijzigd": _("Rol gewijzigd"),
    "gebruiker aangemaakt": _("Gebruiker aangemaakt"),
    "organisatie gewijzigd": _("Organisatie van gebruiker gewijzigd"),
    "gebruiker gedeactiveerd": _("Gebruiker gedeactiveerd"),
    "gebruiker geactiveerd": _("Gebruiker weer actief gemaakt"),
    "supergebruiker gewijzigd": _("Supergebruikersstatus gewijzigd"),
    "gebruikersnaam gewijzigd": _("Gebruikersnaam gewijzigd"),
    "API-sleutel aangemaakt": _("API-sleutel aangemaakt"),
    "API-sleutel ingetrokken": _("API-sleutel ingetrokken"),
    "API-sleutel geweigerd": _("API-sleutel geweigerd"),
    "API-sleutel openen buiten eigen bereik": _(
        "API-sleutel openen: niet gevonden of buiten eigen bereik"
    ),
    # Deliveries
    "levering ontvangen": _("Levering ontvangen"),
    "levering verwerkt": _("Levering verwerkt"),
    "levering verwerkt voor de gemeente": _("Levering verwerkt: het deel voor deze gemeente"),
    "levering afgewezen": _("Levering afgewezen"),
    "levering wacht op bevestiging": _("Levering wacht op bevestiging"),
    "levering bevestigd": _("Levering bevestigd"),
    "levering niet bevestigd": _("Levering niet bevestigd"),
    "levering afgebroken": _("Levering afgebroken door de beheerder"),
    "levering opnieuw verwerkt": _("Levering opnieuw verwerkt"),
    "afgewezen regels inzien": _("Afgewezen regels ingezien"),
    "kolomindeling opgeslagen": _("Kolomindeling opgeslagen"),
    "levering openen buiten eigen bereik": _(
        "Levering openen: niet gevonden of buiten eigen bereik"
    ),
    # Signals, trays and rules
    "status vroegsignaal": _("Status van signaal gewijzigd"),
    "signaal toegewezen": _("Signaal toegewezen"),
    "vroegsignaal opgepakt": _("Signaal opgepakt"),
    "crisissignaal na oppakken": _("Crisissignaal na oppakken"),
    "signaalregels gewijzigd": _("Signaalregels gewijzigd"),
    "werkbakje bekeken": _("Werkbakje bekeken"),
    "werkbakje aangemaakt": _("Werkbakje aangemaakt"),
    "werkbakje gewijzigd": _("Werkbakje gewijzigd"),
    "werkbakje verplaatst": _("Werkbakje verplaatst"),
    "werkbakje verwijderd": _("Werkbakje verwijderd"),
    "signaal openen buiten eigen bereik": _("Signaal openen: niet gevonden of buiten eigen bereik"),
    "werkbakje openen buiten eigen bereik": _(
        "Werkbakje openen: niet gevonden of buiten eigen bereik"
    ),
    # Households: the purposes of viewing a user chooses (reporting.services.PURPOSES takes these)
    "signaalbehandeling": _("Signaalbehandeling"),
    "hulpverlening": _("Hulpverlening (zaak)"),
    "kwaliteitscontrole": _("Kwaliteitscontrole"),
    "zoeken": _("Zoeken op adres of zaaknummer"),
    # A household outside the user's scope (access_denied, as the others "… buiten eigen bereik");
    # the labels say "niet gevonden of": a colleague may have deleted what a bookmark points to,
    # and the event is the same for an id that does not exist as for one of another organisation
    "huishouden openen buiten eigen bereik": _(
        "Huishouden openen: niet gevonden of buiten eigen bereik"
    ),
    # Past the limit of refused look-ups (organisations.scoping.TOO_MANY_PURPOSE): the last event
    # until older refusals leave the window; the answer is 429
    "te veel geweigerde opvragingen": _(
        "Te veel geweigerde opvragingen: verdere opvragingen tijdelijk geblokkeerd"
    ),
    # Cases
    "zaak behandelen": _("Zaak behandelen"),
    "zaak toegewezen": _("Zaak toegewezen"),
    "zaak openen buiten eigen bereik": _("Zaak openen: niet gevonden of buiten eigen bereik"),
    "contactpoging vastgelegd": _("Contactpoging vastgelegd"),
    "hulpaanbod vastgelegd": _("Hulpaanbod vastgelegd"),
    "brief met hulpaanbod aangemaakt": _("Brief met hulpaanbod aangemaakt"),
    "briefsjabloon gewijzigd": _("Briefsjabloon gewijzigd"),
    "notitie bij zaak": _("Notitie bij zaak"),
    "zaak afgesloten": _("Zaak afgesloten"),
    # Exports and feedback
    "export werkbakje": _("Export van werkbakje"),
    "export vroegsignalen": _("Export van vroegsignalen"),
    "export monitorcijfers": _("Export van monitorcijfers"),
    "DDAS-export": _("DDAS-export"),
    "terugkoppeling inzien": _("Terugkoppeling ingezien"),
    "terugkoppeling downloaden": _("Terugkoppeling gedownload"),
    # Privacy and operations
    "auditlog ingezien": _("Auditlog ingezien"),
    "auditlog geëxporteerd": _("Auditlog geëxporteerd"),
    "auditlog laten controleren": _("Controle van het auditlog gestart"),
    "inzageverzoek": _("Inzageverzoek"),
    "bewaartermijnen toegepast": _("Bewaartermijnen toegepast"),
    "reservekopie": _("Reservekopie"),
    "sleutelrotatie": _("Sleutelrotatie"),
}


def purpose_label(value: str | None) -> str:
    """The label of a recorded purpose in the active language; an unknown one as stored,
    none as a dash."""
    if not value:
        return "—"
    label = LABELS.get(value)
    return str(label) if label is not None else value
