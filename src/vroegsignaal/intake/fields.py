"""The fields of a creditor delivery, their aliases and the matching of headers.

Source: ``shared/spec/aanleverformaat.md`` sections 1.2, 1.3 and 1.5. Field
names are the contract's Dutch names; they are also the column names of the
raw table that parsing produces and of the normalised table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Soort(models.TextChoices):
    """Kind of delivery (spec 1.2)."""

    # The values are the contract's; the labels are the upload page's (translated).
    STAND = "stand", _("Stand (volledig overzicht)")
    MUTATIE = "mutatie", _("Mutatie (alleen wijzigingen)")


class MutatieStatus(models.TextChoices):
    """``status`` of a row in a ``mutatie`` delivery (spec 1.2)."""

    NIEUW = "nieuw", "Nieuw"
    GEWIJZIGD = "gewijzigd", "Gewijzigd"
    AFGEMELD = "afgemeld", "Afgemeld"


class CrisisReden(models.TextChoices):
    """``crisis_reden`` (spec 1.5)."""

    ONTRUIMING = "ontruiming", "Ontruiming"
    AFSLUITING_ENERGIE = "afsluiting_energie", "Afsluiting energie"
    AFSLUITING_WATER = "afsluiting_water", "Afsluiting water"
    BEEINDIGING_ZORGVERZEKERING = "beeindiging_zorgverzekering", "Beëindiging zorgverzekering"


class Geslacht(models.TextChoices):
    """``geslacht`` (spec 1.5)."""

    MAN = "M", "Man"
    VROUW = "V", "Vrouw"
    X = "X", "X"
    ONBEKEND = "O", "Onbekend"


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # Longest accepted text (spec 1.5 where it says so; elsewhere our choice).
    max_length: int | None = None
    # Identifying text is never truncated: a shortened key could merge two customers.
    is_key: bool = False
    # ``max_length`` is spec 1.5's "accepted input" (``text ≤ 64``, ``text ≤ 200``): a longer
    # value is not accepted, so its row is rejected (normalise.py). Other maxima are our own
    # choice: a longer value is cut there and the report says so.
    spec_maximum: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "klantnummer",
        required=True,
        aliases=("klantnr", "debiteurnummer", "relatienummer", "customer_id"),
        max_length=64,
        is_key=True,
        spec_maximum=True,
    ),
    Field(
        "contractnummer",
        aliases=("contractnr", "polisnummer"),
        max_length=64,
        is_key=True,
        spec_maximum=True,
    ),
    Field("voorletters", aliases=("initialen",), max_length=40),
    Field("voornamen", aliases=("voornaam",), max_length=200),
    Field("tussenvoegsel", aliases=("voorvoegsel",), max_length=10),
    Field(
        "achternaam",
        required=True,
        aliases=("naam", "geslachtsnaam"),
        max_length=200,
        spec_maximum=True,
    ),
    Field("geboortedatum", required=True, aliases=("gebdat", "geboren")),
    Field("geslacht"),
    Field("straatnaam", aliases=("straat", "adres"), max_length=200),
    Field("huisnummer", required=True, aliases=("huisnr", "nr")),
    Field("huisletter"),
    Field("huisnummertoevoeging", aliases=("toevoeging", "toev")),
    Field("postcode", required=True, aliases=("pc", "postcode_nl")),
    Field("woonplaats", aliases=("plaats", "plaatsnaam"), max_length=200),
    Field(
        "bedrag_achterstand",
        required=True,
        aliases=("achterstand", "openstaand_bedrag", "saldo", "bedrag"),
    ),
    Field("ontstaansdatum", required=True, aliases=("datum_achterstand", "vervaldatum_oudste")),
    Field("aantal_termijnen", aliases=("termijnen",)),
    Field("crisissignaal", aliases=("crisis",)),
    Field("crisis_reden"),
    Field("warme_overdracht"),
    Field("telefoonnummer", aliases=("telefoon", "tel", "mobiel")),
    Field("email", aliases=("e-mail", "emailadres"), max_length=254),
    Field("bsn", aliases=("burgerservicenummer",)),
    Field("signaal_id", max_length=64, is_key=True, spec_maximum=True),
    Field("status", aliases=("mutatiesoort",)),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
# "one of these two" (spec 1.5)
ONE_OF_REQUIRED: tuple[str, str] = ("voorletters", "voornamen")
# status is required in a mutatie delivery (spec 1.5)
REQUIRED_IN_MUTATIE: tuple[str, ...] = ("status",)
DATE_FIELDS: tuple[str, ...] = ("geboortedatum", "ontstaansdatum")

_HEADER_NOISE = re.compile(r"[\s_\-.]+")


def header_key(text: object) -> str:
    """The form in which headers are compared: lower case, without spaces, ``_``, ``-``, ``.``."""
    if text is None:
        return ""
    return _HEADER_NOISE.sub("", str(text).replace("\ufeff", "")).casefold()


def _build_index() -> tuple[dict[str, str], dict[str, str]]:
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for f in FIELDS:
        names[header_key(f.name)] = f.name
    for f in FIELDS:
        for alias in f.aliases:
            key = header_key(alias)
            if key in names or key in aliases:
                if names.get(key, aliases.get(key)) != f.name:
                    raise RuntimeError(f"alias {alias!r} is ambiguous")
                continue
            aliases[key] = f.name
    return names, aliases


_NAME_INDEX, _ALIAS_INDEX = _build_index()


def field_for_header(header: object) -> str | None:
    """The field a header means by name or alias (spec 1.3), or ``None``."""
    key = header_key(header)
    return _NAME_INDEX.get(key) or _ALIAS_INDEX.get(key)


def validate_column_mapping(mapping: Mapping[str, str | None]) -> dict[str, str | None]:
    """Check a creditor's saved mapping ``{their header: our field or None to ignore}``.

    Raises ``ValueError`` naming the first target that is not a field.
    """
    clean: dict[str, str | None] = {}
    for header, target in mapping.items():
        if target in (None, ""):
            clean[str(header)] = None
            continue
        if target not in FIELDS_BY_NAME:
            raise ValueError(f"{target!r} is geen veld van het aanleverformaat")
        clean[str(header)] = target
    return clean


@dataclass(frozen=True)
class HeaderMatch:
    """How the columns of a file map onto the fields.

    ``columns`` maps each matched field to the position of its column;
    ``sources`` to the header as the file wrote it. ``unknown`` lists the
    headers that matched nothing (ignored, reported); ``duplicates`` those
    that matched a field already taken by an earlier or stronger column.
    ``unknown_positions`` and ``duplicate_positions`` are their columns' positions
    (from 0): a header that may be a value is reported by its position
    (:mod:`.unknown_columns`).
    """

    columns: dict[str, int]
    sources: dict[str, str]
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unknown_positions: list[int] = field(default_factory=list)
    duplicate_positions: list[int] = field(default_factory=list)


def unnamed_column_label(position: int) -> str:
    return f"(kolom {position + 1} zonder naam)"


def match_headers(
    headers: Sequence[object],
    saved_mapping: Mapping[str, str | None] | None = None,
    *,
    empty_columns: Iterable[int] = (),
) -> HeaderMatch:
    """Match file headers to fields.

    Precedence: the creditor's saved mapping (compared exactly, then in
    :func:`header_key` form), then the field's own name, then an alias. When
    two columns claim one field the stronger wins, then the leftmost; the other
    is listed in ``duplicates``. Columns without a header are ignored; they are
    listed as unknown unless their position is in ``empty_columns`` (no data).
    """
    mapping = validate_column_mapping(saved_mapping or {})
    exact = dict(mapping)
    by_key = {header_key(h): t for h, t in mapping.items()}
    empty = set(empty_columns)

    claims: list[tuple[int, int, str]] = []  # (strength, position, field)
    unknown: list[tuple[int, str]] = []
    for position, raw in enumerate(headers):
        text = "" if raw is None else str(raw).strip()
        key = header_key(text)
        if text in exact or (key and key in by_key):
            target = exact[text] if text in exact else by_key[key]
            if target is None:
                continue  # the creditor chose to ignore this column
            claims.append((0, position, target))
            continue
        if not key:
            if position not in empty:
                unknown.append((position, unnamed_column_label(position)))
            continue
        if key in _NAME_INDEX:
            claims.append((1, position, _NAME_INDEX[key]))
        elif key in _ALIAS_INDEX:
            claims.append((2, position, _ALIAS_INDEX[key]))
        else:
            unknown.append((position, text))

    columns: dict[str, int] = {}
    duplicates: list[tuple[int, str]] = []
    for _strength, position, target in sorted(claims):
        if target in columns:
            duplicates.append((position, str(headers[position]).strip()))
        else:
            columns[target] = position
    columns = dict(sorted(columns.items(), key=lambda item: item[1]))
    sources = {f: str(headers[p]).strip() for f, p in columns.items()}
    duplicates.sort()
    return HeaderMatch(
        columns=columns,
        sources=sources,
        unknown=[h for _, h in unknown],
        duplicates=[h for _, h in duplicates],
        unknown_positions=[p for p, _ in unknown],
        duplicate_positions=[p for p, _ in duplicates],
    )


def missing_columns(present: Iterable[str], soort: str | None = None) -> list[str]:
    """The required columns (spec 1.5) absent from ``present``, in contract order.

    The "one of voorletters/voornamen" requirement is reported as
    ``"voorletters of voornamen"``.
    """
    have = set(present)
    missing: list[str] = []
    for name in REQUIRED_FIELDS:
        if name == "achternaam" and not have.intersection(ONE_OF_REQUIRED):
            missing.append(" of ".join(ONE_OF_REQUIRED))
        if name not in have:
            missing.append(name)
    if soort == Soort.MUTATIE:
        missing.extend(name for name in REQUIRED_IN_MUTATIE if name not in have)
    return missing


# At most this many of the file's unrecognised headers are named, each at most this long.
NAMED_UNKNOWN_COLUMNS = 10
NAMED_HEADER_LENGTH = 40
# Control characters, and the invisible ones that turn or hide text (zero-width, bidi overrides,
# the byte-order mark): a name shown to the creditor reads as it is stored.
_NOT_PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def shown_header(text: object) -> str:
    """A header of the creditor's file as a message names it: without control characters, at most
    :data:`NAMED_HEADER_LENGTH` characters (its length is not ours). A header that may be a value
    is not named at all, but by its position (:mod:`.unknown_columns`)."""
    clean = _NOT_PRINTABLE.sub("", str(text)).strip()
    return clean if len(clean) <= NAMED_HEADER_LENGTH else clean[: NAMED_HEADER_LENGTH - 1] + "…"


def missing_columns_message(
    missing: Sequence[str],
    unknown: Sequence[str] = (),
    *,
    json: bool = False,
    first_line_is_data: bool = False,
    unknown_positions: Sequence[int] = (),
) -> str:
    """``KOLOM_ONTBREEKT``'s message: the missing columns with the other names they are known by,
    the file's headers that were not recognised (one of them is often the missing column under
    another name), and the two ways to fix it. ``json``: a JSON body's rows have fields.

    ``unknown`` are the unrecognised headers as they may be named
    (:func:`.unknown_columns.ignored_columns`: cut, and by position where a header may be a
    value). ``first_line_is_data``: the header looks like a row of data (a file without column
    names, a JSON body keyed by klantnummer); then no header is named, only the positions
    ``unknown_positions`` of the unrecognised columns, and the message says to add the names."""
    from .codes import Code, message

    def known_as(entry: str) -> str:
        names = entry.split(" of ")
        parts = []
        for name in names:
            aliases = FIELDS_BY_NAME[name].aliases if name in FIELDS_BY_NAME else ()
            parts.append(f"{name} (ook: {', '.join(aliases)})" if aliases else name)
        return " of ".join(parts)

    described = [known_as(entry) for entry in missing]
    if len(described) == 1:
        variant = "veld" if json else "een"
        text = message(Code.KOLOM_ONTBREEKT, variant=variant, kolommen=described[0])
    else:
        variant = "velden" if json else None
        text = message(Code.KOLOM_ONTBREEKT, variant=variant, kolommen=dutch_list(described))
    text += f" Hoofdletters, spaties, _, - en . in een {'veldnaam' if json else 'kolomnaam'} tellen niet mee."
    if first_line_is_data and json:
        # Rows keyed by a klantnummer (or another value): the keys are a person's data.
        return text + (
            " De veldnamen van de achterstanden lijken gegevens (zoals een klantnummer of een "
            "datum) in plaats van namen van velden; ze worden daarom niet herhaald. Geef elke "
            "achterstand de veldnamen van het aanleverformaat, met de gegevens als waarden."
        )
    if first_line_is_data:
        # A file without column names: its first row was read as them, and it holds a person's
        # data: none of it is named, only the positions of the columns.
        text += (
            " De eerste regel lijkt geen kopregel maar gegevens (zoals een datum, bedrag of "
            "postcode); wat erin staat wordt daarom niet herhaald."
        )
        if unknown_positions:
            text += f" Niet herkende kolommen: {positions_text(unknown_positions)}."
        return text + (
            " Lever het bestand met kolomnamen aan: zet de kolomnamen op de regel boven de gegevens."
        )
    if unknown:
        named = list(unknown[:NAMED_UNKNOWN_COLUMNS])
        rest = len(unknown) - len(named)
        if rest:
            named.append(f"{rest} andere")
        text += (
            f" Niet herkende {'velden' if json else 'kolommen'} in uw bestand: {dutch_list(named)}."
        )
    if json:
        text += (
            " Geef het veld een van deze namen, of leg in het portaal onder Kolomindeling vast "
            "welk veld van uw bestand het is."
        )
    else:
        text += (
            " Geef de kolom een van deze namen, of leg in het portaal onder Kolomindeling vast "
            "welke kolom van uw bestand het is."
        )
    if "status" in missing:
        # Only a mutatie needs it: a file that is the whole list is a stand.
        text += (
            f" Een mutatie zegt per regel nieuw, gewijzigd of afgemeld in {'het veld' if json else 'de kolom'} "
            "status; is het bestand het volledige overzicht van uw achterstanden, lever het dan "
            "aan als stand."
        )
    return text


def positions_text(positions: Iterable[int]) -> str:
    """Column positions (from 0) as a message names them, runs of three or more shortened:
    ``[0, 1, 2, 4]`` → ``'kolom 1 tot en met 3 en 5'``."""
    numbers = sorted({p + 1 for p in positions})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]} tot en met {run[-1]}")
        else:
            parts.extend(str(n) for n in run)
    return f"kolom {dutch_list(parts)}"


def dutch_list(items: Sequence[str]) -> str:
    """``['a', 'b', 'c']`` → ``'a, b en c'``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]
