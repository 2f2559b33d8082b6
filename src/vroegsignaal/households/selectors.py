"""Reads of households and arrears for other apps.

Signal evaluation reads open arrears for many households at once, so
:func:`open_arrears_frame` returns a Polars frame; screens read one household
through querysets (pass them through ``organisations.scoping.scoped`` in views)
and :func:`household_persons`, which decrypts. The inzageverzoek finds persons by
blind index through :func:`persons_matching`. Audit reads of personal data
where they are shown (``privacy.audit.record``), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.db.models import Q, QuerySet

from vroegsignaal.intake.normalise_names import split_surname
from vroegsignaal.privacy.services import blind_index

from . import bulk
from .frames import BIRTH_DATE_CONTEXT, BSN_CONTEXT, SURNAME_CONTEXT
from .matching import normalise_surname
from .models import AppliedStand, Arrear, ArrearEvent, ArrearStatus, ClosedKey, Household, Person

OPEN_ARREARS_SCHEMA: dict[str, pl.DataType] = {
    "arrear_id": pl.Int64(),
    "household_id": pl.Int64(),
    "person_id": pl.Int64(),
    "creditor_id": pl.Int64(),
    "municipality_id": pl.Int64(),
    "amount_cents": pl.Int64(),
    "start_date": pl.Date(),
    "crisis": pl.Boolean(),
    "crisis_reason": pl.String(),
    "opened_on": pl.Date(),
    "last_seen_on": pl.Date(),
}


def open_arrears_frame(
    *, municipality_id: int | None = None, household_ids: Iterable[int] | None = None
) -> pl.DataFrame:
    """Open arrears as a frame (columns :data:`OPEN_ARREARS_SCHEMA`), for signal evaluation.

    Limit to one municipality, to some households, or both; with neither, all.
    """
    table = Arrear._meta.db_table
    where, params = ["status = %s"], [ArrearStatus.OPEN.value]
    if municipality_id is not None:
        where.append("municipality_id = %s")
        params.append(municipality_id)
    if household_ids is not None:
        ids = sorted(set(household_ids))
        if not ids:
            return pl.DataFrame(schema=OPEN_ARREARS_SCHEMA)
        clause, extra = bulk.id_list("household_id", ids)
        where.append(clause)
        params.extend(extra)
    sql = (
        "SELECT id, household_id, person_id, creditor_id, municipality_id, amount_cents, start_date, "  # noqa: S608
        f"crisis, crisis_reason, opened_on, last_seen_on FROM {table} WHERE {' AND '.join(where)}"
    )
    return bulk.read_frame(sql, params, OPEN_ARREARS_SCHEMA)


def open_arrears(household: Household | int) -> QuerySet[Arrear]:
    """A household's open arrears, oldest first, with their creditors."""
    household_id = getattr(household, "pk", household)
    return (
        Arrear.objects.filter(household_id=household_id, status=ArrearStatus.OPEN)
        .select_related("creditor")
        .order_by("start_date", "id")
    )


def arrear_history(household: Household | int) -> QuerySet[ArrearEvent]:
    """Every event of every arrear (open or closed) of a household, in order."""
    household_id = getattr(household, "pk", household)
    return (
        ArrearEvent.objects.filter(arrear__household_id=household_id)
        .select_related("arrear", "arrear__creditor")
        .order_by("reference_date", "arrear_id", "id")
    )


def households_touched_by(delivery) -> QuerySet[Household]:
    """Households whose arrears a delivery opened, changed or closed: what to evaluate again.

    Right after applying, use ``ApplyCounts.touched_household_ids`` instead: this
    query scans the events (they carry no index on the delivery, to keep a
    million-row apply fast).
    """
    delivery_id = getattr(delivery, "pk", delivery)
    return Household.objects.filter(
        pk__in=Arrear.objects.filter(events__delivery_id=delivery_id).values("household_id")
    )


def household_for_address(address_id: int) -> Household | None:
    return Household.objects.filter(address_id=address_id).first()


@dataclass(frozen=True)
class PersonView:
    """A person decrypted, for the household view."""

    id: int
    initials: str
    first_names: str
    tussenvoegsel: str
    surname: str
    birth_date: dt.date
    gender: str
    phone: str
    email: str

    @property
    def name(self) -> str:
        """``J.P. van der Berg``."""
        return " ".join(p for p in (self.initials, self.tussenvoegsel, self.surname) if p)

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def household_persons(household: Household | int) -> list[PersonView]:
    """The persons of a household, decrypted, oldest first. The BSN is left out on purpose.

    The caller audits the read (``privacy.audit.record(..., AuditAction.VIEW, household)``).
    """
    household_id = getattr(household, "pk", household)
    return persons_of_households([household_id]).get(household_id, [])


def persons_of_households(household_ids: Iterable[int]) -> dict[int, list[PersonView]]:
    """The persons of many households, decrypted, oldest first per household; no BSN.

    For exports of many signals at once; the caller audits the export.
    """
    found: dict[int, list[PersonView]] = {}
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), 500):  # stay under SQLite's parameter limit
        for p in Person.objects.filter(household_id__in=ids[start : start + 500]).defer("bsn"):
            found.setdefault(p.household_id, []).append(
                PersonView(
                    id=p.pk,
                    initials=p.initials,
                    first_names=p.first_names,
                    tussenvoegsel=p.tussenvoegsel,
                    surname=p.surname,
                    birth_date=p.birth_date,
                    gender=p.gender,
                    phone=p.phone,
                    email=p.email,
                )
            )
    for persons in found.values():
        persons.sort(key=lambda p: (p.birth_date, p.id))
    return found


# --- the inzageverzoek's search (privacy.subject_access) ------------------------------------


def bsn_index(bsn: str) -> str:
    """The blind index of a BSN in normal form (nine digits), as ``Person.bsn_index`` stores it."""
    return blind_index(bsn, context=BSN_CONTEXT)


def birth_date_index(day: dt.date) -> str:
    return blind_index(day.isoformat(), context=BIRTH_DATE_CONTEXT)


def surname_indexes(surname: str) -> list[str]:
    """The blind indexes a surname may be stored under: as typed, and without a tussenvoegsel.

    Intake stores the surname without its tussenvoegsel (``van Dijk`` → ``Dijk``);
    an officer may type either.
    """
    forms = {normalise_surname(surname)}
    _tussenvoegsel, name = split_surname(surname)
    if name:
        forms.add(normalise_surname(name))
    return sorted(blind_index(f, context=SURNAME_CONTEXT) for f in forms if f)


def persons_matching(
    municipalities,
    *,
    bsn: str = "",
    surname: str = "",
    birth_date: dt.date | None = None,
    postcode: str = "",
) -> QuerySet[Person]:
    """The persons of households in ``municipalities`` (a queryset of their pks) that match, by
    blind index only: nothing is decrypted to be compared.

    A BSN (normal form) decides alone; otherwise a surname and a birth date are both needed
    (none: no one), and a postcode narrows them. For the inzageverzoek, which takes
    ``municipalities`` from the scoping layer and audits the search.
    """
    persons = Person.objects.filter(household__municipality__in=municipalities)
    if bsn:
        return persons.filter(bsn_index=bsn_index(bsn))
    indexes = surname_indexes(surname) if surname else []
    if not (indexes and birth_date):
        return persons.none()
    persons = persons.filter(
        birth_date_index=birth_date_index(birth_date), surname_index__in=indexes
    )
    if postcode:
        persons = persons.filter(
            Q(household__address__postcode=postcode)
            | Q(household__unregistered_address__startswith=f"{postcode}|")
        )
    return persons


def integrity_problems() -> dict[str, int]:
    """References that point nowhere, or disagree, per kind; ``{}`` when all is well.

    The references ``services.apply_rows`` writes in bulk have no database
    constraint (see ``models``); this checks them set-based. Tests run it after
    every apply; run it after a manual repair too.
    """
    from vroegsignaal.intake.models import Delivery
    from vroegsignaal.organisations.models import Creditor, Municipality
    from vroegsignaal.registry.models import Address

    household = Household._meta.db_table
    person = Person._meta.db_table
    arrear = Arrear._meta.db_table
    event = ArrearEvent._meta.db_table
    municipality = Municipality._meta.db_table
    creditor = Creditor._meta.db_table
    address = Address._meta.db_table
    delivery = Delivery._meta.db_table
    closed_key = ClosedKey._meta.db_table
    applied_stand = AppliedStand._meta.db_table
    checks = {
        "household.address": f"SELECT count(*) FROM {household} h LEFT JOIN {address} a ON a.id = h.address_id WHERE h.address_id IS NOT NULL AND a.id IS NULL",  # noqa: S608
        "household.municipality": f"SELECT count(*) FROM {household} h LEFT JOIN {municipality} m "  # noqa: S608
        "ON m.id = h.municipality_id WHERE m.id IS NULL",
        "person.household": f"SELECT count(*) FROM {person} p LEFT JOIN {household} h "  # noqa: S608
        "ON h.id = p.household_id WHERE h.id IS NULL",
        "arrear.creditor": f"SELECT count(*) FROM {arrear} a LEFT JOIN {creditor} c "  # noqa: S608
        "ON c.id = a.creditor_id WHERE c.id IS NULL",
        "arrear.household": f"SELECT count(*) FROM {arrear} a LEFT JOIN {household} h "  # noqa: S608
        "ON h.id = a.household_id WHERE h.id IS NULL",
        # The person of an arrear lives in the arrear's household, and that household
        # is in the arrear's municipality.
        "arrear.person": f"SELECT count(*) FROM {arrear} a LEFT JOIN {person} p "  # noqa: S608
        "ON p.id = a.person_id WHERE p.id IS NULL OR p.household_id <> a.household_id",
        "arrear.municipality": f"SELECT count(*) FROM {arrear} a JOIN {household} h "  # noqa: S608
        "ON h.id = a.household_id WHERE h.municipality_id <> a.municipality_id",
        # A re-opened arrear points at the closed one it follows (SET_NULL when that one goes).
        "arrear.previous": f"SELECT count(*) FROM {arrear} a LEFT JOIN {arrear} p "  # noqa: S608
        "ON p.id = a.previous_id WHERE a.previous_id IS NOT NULL AND p.id IS NULL",
        "event.arrear": f"SELECT count(*) FROM {event} e LEFT JOIN {arrear} a "  # noqa: S608
        "ON a.id = e.arrear_id WHERE a.id IS NULL",
        # What ``later`` reads to let newer information win (late deliveries).
        "closedkey.creditor": f"SELECT count(*) FROM {closed_key} k LEFT JOIN {creditor} c "  # noqa: S608
        "ON c.id = k.creditor_id WHERE c.id IS NULL",
        "closedkey.municipality": f"SELECT count(*) FROM {closed_key} k LEFT JOIN {municipality} m "  # noqa: S608
        "ON m.id = k.municipality_id WHERE m.id IS NULL",
        "closedkey.delivery": f"SELECT count(*) FROM {closed_key} k LEFT JOIN {delivery} d "  # noqa: S608
        "ON d.id = k.delivery_id WHERE d.id IS NULL OR d.creditor_id <> k.creditor_id",
        "appliedstand.delivery": f"SELECT count(*) FROM {applied_stand} s LEFT JOIN {delivery} d "  # noqa: S608
        "ON d.id = s.delivery_id WHERE d.id IS NULL OR d.creditor_id <> s.creditor_id",
    }
    problems = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            count = cursor.fetchone()[0]
            if count:
                problems[name] = count
    return problems
