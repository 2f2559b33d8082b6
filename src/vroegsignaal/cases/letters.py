"""The outreach letter: a municipality-editable text, rendered to PDF with WeasyPrint.

The text uses ``$placeholders`` (:class:`string.Template`), never Django
template syntax: a coordinator's text cannot reach code or data beyond the
values below. Values are substituted first and the result HTML-escaped, so
nothing typed (or delivered) becomes markup. WeasyPrint fetches nothing:
the letter's own CSS is inline and every URL is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from string import Template

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

# Placeholder → what it holds (shown to the coordinator who edits the text).
PLACEHOLDERS: dict[str, str] = {
    "aanhef": _("de namen van de bewoners, of 'bewoner(s)' als die onbekend zijn"),
    "adres": _("straat en huisnummer"),
    "postcode_plaats": _("postcode en woonplaats"),
    "gemeente": _("naam van de gemeente"),
    "datum": _("datum van de brief"),
    "team": _("naam van het wijkteam"),
    "team_telefoon": _("telefoonnummer van het wijkteam"),
    "team_email": _("e-mailadres van het wijkteam"),
    "team_bezoekadres": _("bezoekadres van het wijkteam"),
}

DEFAULT_SUBJECT = "Hulp bij geldzaken"
DEFAULT_BODY = """Beste $aanhef,

Wij hebben van een of meer organisaties, zoals uw verhuurder, energieleverancier, waterbedrijf of zorgverzekeraar, gehoord dat er een betalingsachterstand is. De gemeente $gemeente wil u helpen voordat dit een groter probleem wordt. Dat mag volgens de wet, en het is gratis.

Wij bieden u een gesprek aan met een medewerker van $team. Samen kijken we naar uw situatie en wat er nodig is. U bent niet verplicht om hulp aan te nemen.

Neem contact met ons op:
Telefoon: $team_telefoon
E-mail: $team_email
Bezoekadres: $team_bezoekadres

Misschien komen wij ook bij u langs of bellen wij u. Heeft u de achterstand al betaald of een regeling getroffen? Dan hoeft u niets te doen.

Met vriendelijke groet,

$team
Gemeente $gemeente"""


def text_problems(text: str) -> list[str]:
    """What is wrong with the ``$placeholders`` of a letter text: unknown names, and a
    ``$`` that starts no placeholder (``${team``, ``$ 5``). Empty when the text is good."""
    template = Template(text)
    problems = []
    unknown = [name for name in template.get_identifiers() if name not in PLACEHOLDERS]
    if unknown:
        problems.append(
            ngettext(
                "Onbekend invulveld: %(unknown)s. U kunt deze invulvelden gebruiken: %(allowed)s.",
                "Onbekende invulvelden: %(unknown)s. U kunt deze invulvelden gebruiken: %(allowed)s.",
                len(unknown),
            )
            % {
                "unknown": ", ".join(f"${name}" for name in unknown),
                "allowed": ", ".join(f"${name}" for name in PLACEHOLDERS),
            }
        )
    if not template.is_valid():
        invalid = next(m for m in template.pattern.finditer(text) if m.group("invalid") is not None)
        start = invalid.start()
        problems.append(
            gettext(
                "Regel %(line)s: „%(text)s” is geen invulveld. Schrijf een invulveld als $aanhef of ${aanhef}, "
                "en een los $-teken als $$."
            )
            % {
                "line": text.count("\n", 0, start) + 1,
                "text": re.match(r"\$\S{0,15}", text[start:]).group(),
            }
        )
    return problems


def substitute(text: str, values: dict[str, str]) -> str:
    """Fill ``$placeholders``; unknown ones stay as typed so the editor can see them."""
    return Template(text).safe_substitute(values)


def paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated paragraphs, each a list of lines."""
    blocks = [block.strip("\n") for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in blocks if block.strip()]


def dutch_date(on: dt.date) -> str:
    """``3 maart 2026``: the letter is Dutch whatever language the portal speaks."""
    with translation.override("nl"):
        return date_format(on, "j F Y")


def letter_values(
    *, names: list[str], address_lines: tuple[str, str], municipality_name: str, team, on: dt.date
) -> dict[str, str]:
    missing = "—"
    return {
        # "A, B en C", not "A en B en C".
        "aanhef": (", ".join(names[:-1]) + " en " + names[-1] if len(names) > 1 else "".join(names))
        or "bewoner(s)",
        "adres": address_lines[0],
        "postcode_plaats": address_lines[1],
        "gemeente": municipality_name,
        "datum": dutch_date(on),
        "team": getattr(team, "name", "") or f"het wijkteam van gemeente {municipality_name}",
        "team_telefoon": getattr(team, "phone", "") or missing,
        "team_email": getattr(team, "email", "") or missing,
        "team_bezoekadres": getattr(team, "visiting_address", "") or missing,
    }


def letter_html(*, subject: str, body: str, values: dict[str, str], recipient: list[str]) -> str:
    """The letter as HTML, rendered in Dutch (a letter to a citizen), whatever the portal's language."""
    with translation.override("nl"):
        return render_to_string(
            "cases/letter.html",
            {
                "subject": substitute(subject, values),
                "paragraphs": paragraphs(substitute(body, values)),
                "recipient": recipient,
                "values": values,
            },
        )


def _refuse_urls(url: str, *args, **kwargs):
    raise ValueError(f"De brief haalt geen bestanden op ({url[:40]}).")


def html_to_pdf(html: str) -> bytes:
    """PDF/UA-1: a tagged PDF (headings, paragraphs, reading order, language, title), so that
    a resident who reads with a screen reader gets the letter as well as one who prints it."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only letters need it

    return HTML(string=html, url_fetcher=_refuse_urls).write_pdf(pdf_variant="pdf/ua-1")
