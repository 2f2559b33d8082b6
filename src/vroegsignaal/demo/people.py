"""Households and the people in them: Dutch names, birth dates, BSNs.

Names come from Faker's ``nl_NL`` person provider (its first names and its
surnames, which carry tussenvoegsels such as ``de Boer`` or ``van der Veen``),
drawn with the generator's own seeded ``random.Random`` rather than through a
Faker instance: the same names, a hundred times faster, and a stream that
depends only on the seed. People are made lazily — only for households that
appear in a delivery — from a stream of their own, so a household always has
the same members no matter when it is first needed.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from functools import cache

from faker.providers.person.nl_NL import Provider as _FakerPerson

from .ids import rng, synthetic_bsn

TUSSENVOEGSELS = (
    "van der",
    "van den",
    "van de",
    "van 't",
    "in 't",
    "op de",
    "in de",
    "uit de",
    "uit den",
    "van",
    "de",
    "den",
    "der",
    "ter",
    "ten",
    "te",
    "'t",
)
# Household kinds (CBS: eenpersoons, paar zonder/met kinderen, eenouder, overig).
ALONE = "alleenstaand"
COUPLE = "paar"
COUPLE_CHILDREN = "paar_met_kinderen"
SINGLE_PARENT = "eenouder"
OTHER = "overig"

# CBS 2024, households by size (1..6+), in per cent.
SIZE_WEIGHTS = (39.0, 33.0, 12.0, 11.0, 4.0, 1.0)
# Flats hold smaller households, detached houses larger ones.
SIZE_WEIGHTS_BY_BUILDING = {
    "flat": (46.0, 32.0, 10.0, 8.0, 3.0, 1.0),
    "flat_nummers": (46.0, 32.0, 10.0, 8.0, 3.0, 1.0),
    "etages": (42.0, 33.0, 11.0, 9.0, 3.5, 1.5),
    "gesplitst": (38.0, 33.0, 12.0, 11.0, 4.5, 1.5),
    "eengezinswoning": (20.0, 32.0, 16.0, 21.0, 8.0, 3.0),
    "vrijstaand": (16.0, 40.0, 14.0, 20.0, 7.5, 2.5),
}


@dataclass(frozen=True, slots=True)
class Person:
    uid: int
    voornamen: str
    tussenvoegsel: str
    achternaam: str
    geslacht: str  # M, V or X
    geboortedatum: dt.date
    bsn: str
    telefoon: str
    email: str

    @property
    def voorletters(self) -> str:
        return "".join(f"{n[0]}." for n in self.voornamen.split())

    @property
    def full_surname(self) -> str:
        return f"{self.tussenvoegsel} {self.achternaam}".strip()


@cache
def name_lists() -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(male first names, female first names, (tussenvoegsel, surname)) from Faker nl_NL."""
    surnames: list[tuple[str, str]] = []
    for raw in _FakerPerson.last_names:
        parsed = _parse_surname(raw)
        if parsed is not None:
            surnames.append(parsed)
    male = tuple(n for n in _FakerPerson.first_names_male if n.isalpha())
    female = tuple(n for n in _FakerPerson.first_names_female if n.isalpha())
    return male, female, tuple(surnames)


def _parse_surname(raw: str) -> tuple[str, str] | None:
    """``'van der Veen'`` → ``('van der', 'Veen')``; ``None`` for names we cannot use plainly."""
    text = raw.strip()
    if ", " in text:  # "Bourgondië, van"
        surname, _, tussen = text.partition(", ")
        tussen = tussen.lower()
        return (tussen, surname) if tussen in TUSSENVOEGSELS and _plain_word(surname) else None
    lower = text.lower()
    for tussen in TUSSENVOEGSELS:
        if lower.startswith(tussen + " "):
            rest = text[len(tussen) + 1 :]
            return (tussen, rest) if _plain_word(rest) else None
    return ("", text) if _plain_word(text) else None


def _plain_word(word: str) -> bool:
    return (
        bool(word)
        and word[0].isupper()
        and all(c.isalpha() or c in "-'" for c in word)
        and " " not in word
    )


def surname_pool() -> list[str]:
    """Surnames without tussenvoegsel (for street names)."""
    return sorted({s for _, s in name_lists()[2]})


def first_name_pool() -> list[str]:
    male, female, _ = name_lists()
    return sorted(set(male) | set(female))


def compose_household(r: random.Random, building_kind: str) -> tuple[int, int, str]:
    """(size, adults, kind) for a new household in a building of this kind."""
    weights = SIZE_WEIGHTS_BY_BUILDING.get(building_kind, SIZE_WEIGHTS)
    u = r.random() * sum(weights)
    size = 6
    for candidate, weight in enumerate(weights, start=1):
        u -= weight
        if u < 0:
            size = candidate
            break
    if size == 1:
        return 1, 1, ALONE
    if size == 2:
        u = r.random()
        if u < 0.72:
            return 2, 2, COUPLE
        if u < 0.92:
            return 2, 1, SINGLE_PARENT
        return 2, 2, OTHER
    u = r.random()
    if u < 0.78:
        return size, 2, COUPLE_CHILDREN
    if u < 0.95:
        return size, 1, SINGLE_PARENT
    return size, min(size, 3), OTHER


def make_people(
    seed: int, hid: int, size: int, adults: int, kind: str, reference: dt.date
) -> list[Person]:
    """The members of household ``hid``: adults first (the first is the head), then children."""
    r = rng(seed, "people", hid)
    male, female, surnames = name_lists()
    people: list[Person] = []
    family_name = r.choice(surnames)
    head_age = _adult_age(r, kind)
    for i in range(size):
        uid = hid * 8 + i
        if i < adults:
            if i == 0:
                geslacht = "V" if r.random() < (0.62 if kind == SINGLE_PARENT else 0.5) else "M"
                tussen, surname = family_name
                age = head_age
            else:
                geslacht = "M" if people[0].geslacht == "V" else "V"
                if kind in (COUPLE, COUPLE_CHILDREN) and r.random() < 0.08:
                    geslacht = people[0].geslacht
                tussen, surname = (
                    r.choice(surnames) if kind == OTHER or r.random() < 0.7 else family_name
                )
                age = (
                    max(18, head_age + round(r.gauss(0, 3))) if kind != OTHER else r.randint(18, 35)
                )
        else:
            geslacht = r.choice("MV")
            tussen, surname = family_name
            age = r.randint(0, min(21, max(0, head_age - 18)))
        if r.random() < 0.002:
            geslacht = "X"
        first_pool = male if geslacht == "M" else female if geslacht == "V" else male + female
        n_names = r.choices((1, 2, 3), (45, 40, 15))[0]
        voornamen = " ".join(r.sample(first_pool, n_names))
        born = reference - dt.timedelta(days=age * 365 + r.randrange(365))
        people.append(
            Person(
                uid=uid,
                voornamen=voornamen,
                tussenvoegsel=tussen,
                achternaam=surname,
                geslacht=geslacht,
                geboortedatum=born,
                bsn=synthetic_bsn(uid),
                telefoon=f"0600{r.randrange(10**6):06d}",
                email=_email(r, voornamen, surname, uid),
            )
        )
    return people


def _adult_age(r: random.Random, kind: str) -> int:
    if kind == ALONE:
        return r.choice((r.randint(19, 35), r.randint(30, 65), r.randint(60, 92)))
    if kind in (COUPLE_CHILDREN, SINGLE_PARENT):
        return r.randint(26, 55)
    if kind == OTHER:
        return r.randint(19, 40)
    return r.choice((r.randint(22, 40), r.randint(40, 67), r.randint(65, 90)))


def _email(r: random.Random, voornamen: str, surname: str, uid: int) -> str:
    first = _ascii(voornamen.split()[0]).lower()
    last = _ascii(surname).lower().replace("'", "")
    domain = r.choice(("voorbeeld.example", "post.example", "mail.example"))
    return f"{first}.{last}{uid % 1000}@{domain}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
