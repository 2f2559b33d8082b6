"""Every code of the delivery contract, with its kind and its Dutch message.

Source: ``shared/spec/aanleverformaat.md`` section 1.6. This module is the one
place the rest of the application takes codes and messages from: the intake
front end (parsing, normalisation), the routing and applying service, the
delivery report and the rejected-rows CSV (``rij;klantnummer;veld;code;melding``).

Labels are translated where a page shows them (the report page in English);
messages are fixed Dutch sentences. They may name a field (the contract's
field name, e.g. ``geboortedatum``) and carry non-personal details (a maximum
length, a row number, the missing column names) but never a delivered value:
the rejected-rows file must not leak personal data beyond the klantnummer.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .normalise_amounts import MAX_AMOUNT_CENTS, euros_text


class Code(models.TextChoices):
    """All codes of spec 1.6: row rejections, warnings and refusals of a whole delivery."""

    # -- a row is rejected; the other rows go on
    VERPLICHT_VELD_LEEG = "VERPLICHT_VELD_LEEG", _("Verplicht veld leeg")
    POSTCODE_ONGELDIG = "POSTCODE_ONGELDIG", _("Postcode ongeldig")
    HUISNUMMER_ONGELDIG = "HUISNUMMER_ONGELDIG", _("Huisnummer ongeldig")
    DATUM_ONGELDIG = "DATUM_ONGELDIG", _("Datum ongeldig")
    GEBOORTEDATUM_ONWAARSCHIJNLIJK = (
        "GEBOORTEDATUM_ONWAARSCHIJNLIJK",
        _("Geboortedatum onwaarschijnlijk"),
    )
    ONTSTAANSDATUM_NA_PEILDATUM = "ONTSTAANSDATUM_NA_PEILDATUM", _("Ontstaansdatum na peildatum")
    BEDRAG_ONGELDIG = "BEDRAG_ONGELDIG", _("Bedrag ongeldig")
    BSN_ONGELDIG = "BSN_ONGELDIG", _("BSN ongeldig")
    DUBBEL_IN_LEVERING = "DUBBEL_IN_LEVERING", _("Dubbel in levering")
    ADRES_ONBEKEND = "ADRES_ONBEKEND", _("Adres onbekend")
    BUITEN_CONVENANT = "BUITEN_CONVENANT", _("Buiten convenant")
    # -- warnings: the row is kept
    TELEFOON_ONGELDIG = "TELEFOON_ONGELDIG", _("Telefoonnummer ongeldig")
    EMAIL_ONGELDIG = "EMAIL_ONGELDIG", _("E-mailadres ongeldig")
    ADRES_BIJ_BENADERING = "ADRES_BIJ_BENADERING", _("Adres bij benadering")
    # -- the whole delivery is refused and changes nothing
    BESTAND_LEEG = "BESTAND_LEEG", _("Bestand leeg")
    BESTAND_ONLEESBAAR = "BESTAND_ONLEESBAAR", _("Bestand onleesbaar")
    KOLOM_ONTBREEKT = "KOLOM_ONTBREEKT", _("Kolom ontbreekt")
    PEILDATUM_ONGELDIG = "PEILDATUM_ONGELDIG", _("Peildatum ongeldig")
    LEVERING_DUBBEL = "LEVERING_DUBBEL", _("Levering dubbel")
    BESTAND_TE_GROOT = "BESTAND_TE_GROOT", _("Bestand te groot")
    TE_VEEL_FOUTEN = "TE_VEEL_FOUTEN", _("Te veel fouten")


class Kind(models.TextChoices):
    """What a code does to the delivery (spec 1.6, column "kind")."""

    ROW = "rij", _("Regel afgewezen")
    WARNING = "waarschuwing", _("Waarschuwing, regel behouden")
    DELIVERY = "levering", _("Levering geweigerd")


ROW_CODES: frozenset[Code] = frozenset(
    {
        Code.VERPLICHT_VELD_LEEG,
        Code.POSTCODE_ONGELDIG,
        Code.HUISNUMMER_ONGELDIG,
        Code.DATUM_ONGELDIG,
        Code.GEBOORTEDATUM_ONWAARSCHIJNLIJK,
        Code.ONTSTAANSDATUM_NA_PEILDATUM,
        Code.BEDRAG_ONGELDIG,
        Code.BSN_ONGELDIG,
        Code.DUBBEL_IN_LEVERING,
        Code.ADRES_ONBEKEND,
        Code.BUITEN_CONVENANT,
    }
)
WARNING_CODES: frozenset[Code] = frozenset(
    {Code.TELEFOON_ONGELDIG, Code.EMAIL_ONGELDIG, Code.ADRES_BIJ_BENADERING}
)
DELIVERY_CODES: frozenset[Code] = frozenset(
    {
        Code.BESTAND_LEEG,
        Code.BESTAND_ONLEESBAAR,
        Code.KOLOM_ONTBREEKT,
        Code.PEILDATUM_ONGELDIG,
        Code.LEVERING_DUBBEL,
        Code.BESTAND_TE_GROOT,
        Code.TE_VEEL_FOUTEN,
    }
)


def kind_of(code: Code | str) -> Kind:
    code = Code(code)
    if code in ROW_CODES:
        return Kind.ROW
    if code in WARNING_CODES:
        return Kind.WARNING
    return Kind.DELIVERY


# One sentence per code. ``{veld}`` is the contract's field name; the other
# placeholders are filled by the caller with non-personal details.
MESSAGES: dict[Code, str] = {
    Code.VERPLICHT_VELD_LEEG: "Het verplichte veld {veld} is leeg.",
    Code.POSTCODE_ONGELDIG: (
        "Het veld {veld} bevat geen geldige postcode "
        "(vier cijfers, de eerste geen 0, en twee letters)."
    ),
    Code.HUISNUMMER_ONGELDIG: "In het veld {veld} staat geen huisnummer van 1 tot en met 99999.",
    Code.DATUM_ONGELDIG: (
        "Het veld {veld} bevat geen geldige datum (een bestaande dag, zoals 2026-11-01 of 01-11-2026)."
    ),
    Code.GEBOORTEDATUM_ONWAARSCHIJNLIJK: (
        "Het veld {veld} ligt na de peildatum of meer dan 120 jaar ervoor."
    ),
    Code.ONTSTAANSDATUM_NA_PEILDATUM: "Het veld {veld} ligt na de peildatum.",
    Code.BEDRAG_ONGELDIG: (
        "Het veld {veld} bevat geen bedrag groter dan nul (zoals 1234,56 of 1234.56, zonder minteken)."
    ),
    Code.BSN_ONGELDIG: (
        "Het veld {veld} bevat geen geldig burgerservicenummer (negen cijfers die de elfproef doorstaan)."
    ),
    Code.DUBBEL_IN_LEVERING: (
        "De combinatie van klantnummer en contractnummer komt meer dan eens voor in deze levering; "
        "alle regels met deze combinatie zijn afgewezen."
    ),
    Code.ADRES_ONBEKEND: (
        "Postcode en huisnummer, en ook de postcode alleen, komen niet voor in de adresregistratie."
    ),
    Code.BUITEN_CONVENANT: (
        "Het adres ligt in een gemeente waarmee geen actief convenant is gesloten."
    ),
    Code.TELEFOON_ONGELDIG: (
        "Het veld {veld} bevat geen geldig telefoonnummer; de waarde is niet overgenomen."
    ),
    Code.EMAIL_ONGELDIG: (
        "Het veld {veld} bevat geen geldig e-mailadres; de waarde is niet overgenomen."
    ),
    Code.ADRES_BIJ_BENADERING: (
        "Huisletter of toevoeging komt niet voor in de adresregistratie; het dichtstbijzijnde "
        "adres met deze postcode en dit huisnummer is gebruikt."
    ),
    Code.BESTAND_LEEG: "Het bestand is leeg of bevat alleen een kopregel.",
    Code.BESTAND_ONLEESBAAR: "Het bestand kan niet worden gelezen.",
    Code.KOLOM_ONTBREEKT: "Verplichte kolommen ontbreken: {kolommen}.",
    Code.PEILDATUM_ONGELDIG: "De peildatum ontbreekt, is geen geldige datum of ligt in de toekomst.",
    Code.LEVERING_DUBBEL: "Dit bestand is al eerder aangeleverd; er is niets gewijzigd.",
    Code.BESTAND_TE_GROOT: "Het bestand is groter dan de toegestane {maximum}.",
    Code.TE_VEEL_FOUTEN: (
        "Meer dan de helft van de regels is afgewezen; de levering is niet verwerkt."
    ),
}

# Variants of a message for a more precise reason under the same code
# (spec 1.6 has no separate code for these; see normalise.py for when each applies).
VARIANTS: dict[tuple[Code, str], str] = {
    (Code.VERPLICHT_VELD_LEEG, "te_lang"): (
        "Het veld {veld} is langer dan {maximum} tekens en kan niet worden gebruikt."
    ),
    # The field's XLSX cell holds an Excel error, read as empty (evaluation._excel_error_messages).
    (Code.VERPLICHT_VELD_LEEG, "excel_fout"): (
        "Het veld {veld} bevat in het werkblad een Excel-foutwaarde ({fout}) in plaats van een "
        "waarde; herstel de formule of de cel."
    ),
    (Code.VERPLICHT_VELD_LEEG, "voorletters_of_voornamen"): (
        "Voorletters en voornamen zijn allebei leeg; een van beide is verplicht."
    ),
    (Code.VERPLICHT_VELD_LEEG, "status_onbekend"): (
        "Het veld {veld} is leeg of is niet nieuw, gewijzigd of afgemeld "
        "(verplicht bij een mutatielevering)."
    ),
    # The rejected-rows CSV has no column for the contractnummer: the message names the pair and
    # another row that has it (normalise._duplicate_messages). ``{contract}`` is "met
    # contractnummer C-9" or "zonder contractnummer", ``{andere}`` "" or " en 2 andere rijen".
    (Code.DUBBEL_IN_LEVERING, "met_rij"): (
        "Klantnummer {klantnummer} {contract} staat meer dan eens in deze levering (ook op rij "
        "{rij}{andere}); alle regels met deze combinatie zijn afgewezen."
    ),
    (Code.BEDRAG_ONGELDIG, "kolom_gemengd"): (
        "Het veld {veld} gebruikt in deze kolom zowel een decimale komma als een decimale "
        "punt; bedragen met een scheidingsteken worden niet geraden."
    ),
    (Code.BEDRAG_ONGELDIG, "dubbelzinnig"): (
        "Het veld {veld} is dubbelzinnig: een punt gevolgd door drie cijfers kan zowel "
        "duizendtallen als decimalen aangeven."
    ),
    (Code.BEDRAG_ONGELDIG, "te_groot"): (
        "Het veld {veld} bevat een te groot bedrag; het hoogste bedrag dat kan worden "
        f"opgeslagen is {euros_text(MAX_AMOUNT_CENTS)}."
    ),
    (Code.BESTAND_ONLEESBAAR, "reden"): "Het bestand kan niet worden gelezen: {reden}.",
    # A JSON body's own soort differs from the one given with it: the file can be read, so the
    # message does not say it cannot (spec 1.6 has no closer code; see shared.settle_json_header).
    (Code.BESTAND_ONLEESBAAR, "soort_afwijkend"): (
        "De soort in het bestand ({soort}) wijkt af van de opgegeven soort ({opgegeven}); "
        "laat er een weg of maak ze gelijk."
    ),
    (Code.KOLOM_ONTBREEKT, "een"): "Verplichte kolom ontbreekt: {kolommen}.",
    # A JSON body has fields, not columns.
    (Code.KOLOM_ONTBREEKT, "velden"): "Verplichte velden ontbreken: {kolommen}.",
    (Code.KOLOM_ONTBREEKT, "veld"): "Verplicht veld ontbreekt: {kolommen}.",
    # A title or an export date above the column names (see parsing_table.header_further_down).
    (Code.KOLOM_ONTBREEKT, "kopregel_lager"): (
        "De kolomnamen staan op rij {rij}, maar de eerste regel die niet leeg is moet de "
        "kopregel zijn. Verwijder de {regels} boven de kolomnamen (bijvoorbeeld een titel of "
        "een exportdatum) en lever het bestand opnieuw aan."
    ),
    # PEILDATUM_ONGELDIG says which of its cases it is, and how to write the date.
    (Code.PEILDATUM_ONGELDIG, "ontbreekt"): (
        "De peildatum ontbreekt; geef de datum waarop de achterstanden gelden mee "
        "als JJJJ-MM-DD (bijvoorbeeld {voorbeeld})."
    ),
    (Code.PEILDATUM_ONGELDIG, "onleesbaar"): (
        "De peildatum is geen geldige datum; schrijf hem als JJJJ-MM-DD (bijvoorbeeld {voorbeeld})."
    ),
    (Code.PEILDATUM_ONGELDIG, "toekomst"): (
        "De peildatum {peildatum} ligt in de toekomst; de peildatum is de datum waarop de "
        "achterstanden in het bestand gelden, uiterlijk vandaag ({voorbeeld})."
    ),
    (Code.PEILDATUM_ONGELDIG, "te_vroeg"): (
        "De peildatum {peildatum} ligt vóór {vroegst}; de peildatum is de datum waarop de "
        "achterstanden in het bestand gelden (bijvoorbeeld {voorbeeld})."
    ),
    (Code.PEILDATUM_ONGELDIG, "afwijkend"): (
        "De peildatum in het bestand ({peildatum}) wijkt af van de opgegeven peildatum "
        "({opgegeven}); laat er een weg of maak ze gelijk."
    ),
    # Both differ: one message; the refusal has PEILDATUM_ONGELDIG and BESTAND_ONLEESBAAR.
    (Code.PEILDATUM_ONGELDIG, "afwijkend_met_soort"): (
        "De peildatum in het bestand ({peildatum}) wijkt af van de opgegeven peildatum "
        "({opgegeven}), en de soort in het bestand ({soort}) van de opgegeven soort "
        "({opgegeven_soort}); laat ze weg of maak ze gelijk."
    ),
}


def message(
    code: Code | str, veld: str | None = None, variant: str | None = None, **details
) -> str:
    """The Dutch message for ``code`` naming ``veld``, optionally a more precise ``variant``."""
    code = Code(code)
    template = VARIANTS.get((code, variant), MESSAGES[code]) if variant else MESSAGES[code]
    return template.format(veld=veld or "", **details)
