"""When two delivered records are the same person: the rules, as plain functions.

Two records are one person when they live in the same household and

* their birth dates are equal (exactly: a parent and a child with the same
  initials and surname differ in nothing else), and
* their surnames, normalised by :func:`normalise_surname` (without
  tussenvoegsel; case, diacritics, spaces, hyphens and apostrophes ignored;
  Dutch ``ij`` read as ``y``), are equal, one typo apart (an insertion,
  deletion, substitution or swap of neighbours: Damerau–Levenshtein/OSA
  distance 1), or similar enough (rapidfuzz ``ratio`` ≥ :data:`SURNAME_MIN_RATIO`), and
* their initials are compatible: the same first initial, and one set of
  initials starts with the other (``J.`` and ``J.P.`` agree, ``J.P.`` and
  ``J.K.`` do not). Full first names count through their initials, and
* they do not carry different BSNs.

The household and the exact birth date carry most of the weight; the surname
and initials rules only have to tell apart the few people who share both. The
same rules decide between a delivered record and a stored person, and between
two records of one delivery.

Every function here has a scalar form; the two that run over whole deliveries
also have a Polars form, and the tests hold the two to the same answers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

# Above this, two surnames that are more than one typo apart still match
# ("Wijngaarden" / "Wyngaerden"). Below it a longer difference means another name.
SURNAME_MIN_RATIO = 85.0

_LETTERS_ONLY = "[^a-z]"


def normalise_surname(value: str | None) -> str:
    """``'Jánssen-de Bruijn'`` → ``'janssendebruyn'``: the form surnames are compared in."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("ij", "y")
    return "".join(ch for ch in text if "a" <= ch <= "z")


def normalise_surname_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of :func:`normalise_surname` (null → ``''``)."""
    return (
        column.fill_null("")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all("ij", "y", literal=True)
        .str.replace_all(_LETTERS_ONLY, "")
    )


def initials_letters(voorletters: str | None, voornamen: str | None = None) -> str:
    """``'J.P.'`` → ``'JP'``; without initials, the first letters of ``voornamen``.

    Diacritics are dropped (``'É.'`` → ``'E'``) so that creditors who write
    them and those who do not agree.
    """
    source = voorletters
    if not source and voornamen:
        source = "".join(name[:1] for name in voornamen.split())
    if not source:
        return ""
    text = unicodedata.normalize("NFKD", source)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    return "".join(ch for ch in text if "A" <= ch <= "Z")


def initials_letters_expr(voorletters: pl.Expr, voornamen: pl.Expr) -> pl.Expr:
    """Polars version of :func:`initials_letters`."""
    from_names = (
        voornamen.fill_null("").str.split(" ").list.eval(pl.element().str.slice(0, 1)).list.join("")
    )
    source = pl.when(voorletters.fill_null("") != "").then(voorletters).otherwise(from_names)
    return (
        source.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_uppercase()
        .str.replace_all("[^A-Z]", "")
    )


def surname_score(a: str, b: str) -> float | None:
    """How alike two normalised surnames are (100 = equal), or ``None`` if they do not match."""
    if a == b:
        return 100.0
    if not a or not b:
        return None
    ratio = fuzz.ratio(a, b)
    if ratio >= SURNAME_MIN_RATIO or OSA.distance(a, b, score_cutoff=1) <= 1:
        return ratio
    return None


def initials_compatible(a: str, b: str) -> bool:
    """Initial letters (``'JP'``, ``'J'``) that can belong to one person."""
    if not a or not b or a[0] != b[0]:
        return False
    return a.startswith(b) or b.startswith(a)


@dataclass(frozen=True, slots=True)
class Identity:
    """What matching compares: normalised surname, initial letters, BSN index (or ``None``).

    Callers compare only identities of one household with one birth date.
    """

    surname: str
    initials: str
    bsn_index: str | None = None


def match_score(a: Identity, b: Identity) -> float | None:
    """How alike two identities (same household, same birth date) are, ``None`` if not one person."""
    if a.bsn_index and b.bsn_index and a.bsn_index != b.bsn_index:
        return None
    if not initials_compatible(a.initials, b.initials):
        return None
    score = surname_score(a.surname, b.surname)
    if score is None:
        return None
    # Prefer the candidate whose initials agree completely.
    return score + (0.5 if a.initials == b.initials else 0.0)


def best_match(record: Identity, candidates: Sequence[Identity]) -> int | None:
    """Position of the candidate ``record`` matches best (the first of equals), or ``None``."""
    best, best_score = None, -1.0
    for position, candidate in enumerate(candidates):
        score = match_score(record, candidate)
        if score is not None and score > best_score:
            best, best_score = position, score
    return best


def cluster(identities: Sequence[Identity]) -> list[int]:
    """Group the records of one household and birth date into persons.

    Records are taken in the given order; each joins the person whose first
    record it matches best, or starts a new one. Returns, per record, the
    position of the first record of its person. The order decides only between
    equally good matches, so callers pass a stable order (the delivery's keys).
    """
    leaders: list[int] = []
    out: list[int] = []
    for position, identity in enumerate(identities):
        choice = best_match(identity, [identities[leader] for leader in leaders])
        if choice is None:
            leaders.append(position)
            out.append(position)
        else:
            out.append(leaders[choice])
    return out
