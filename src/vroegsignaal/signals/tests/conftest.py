"""A small world for the signals tests: households with arrears written directly.

The arrears are created as the households app would leave them (open or
cleared, with opened_on / last_seen_on / cleared_on), so these tests pin the
signal rules without going through intake or matching. The rules page's tests have a world of
their own: ``municipality``, its ``coordinator`` and a ``colleague`` (with
:mod:`.rules_support`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.factories import CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.households.models import Arrear, ArrearStatus, Household, Person
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import CreditorType, Role
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.rules import RuleValues
from vroegsignaal.signals.selectors import integrity_problems

PEILDATUM = dt.date(2026, 3, 1)
_numbers = itertools.count(1)

CREDITORS = {
    "WOONBRUG": ("Woonstichting De Brug", CreditorType.HUUR),
    "ENERGIENOORD": ("Energie Noord", CreditorType.ENERGIE),
    "ZORGZUID": ("Zorgverzekeraar Zuid", CreditorType.ZORG),
    "ZORGWEST": ("Zorgverzekeraar West", CreditorType.ZORG),
    "WATERNET": ("Waterbedrijf", CreditorType.WATER),
}


def days_before(day: dt.date, n: int) -> dt.date:
    return day - dt.timedelta(days=n)


@dataclass
class World:
    municipality: object
    creditors: dict = field(default_factory=dict)
    deliveries: dict = field(default_factory=dict)
    wijk: object = None
    buurt: object = None

    def delivery(self, code: str) -> Delivery:
        if code not in self.deliveries:
            n = next(_numbers)
            self.deliveries[code] = Delivery.objects.create(
                creditor=self.creditors[code],
                kind="stand",
                reference_date=PEILDATUM,
                sha256=hashlib.sha256(f"d{n}".encode()).hexdigest(),
                via="cli",
                status="verwerkt",
            )
        return self.deliveries[code]

    def household(
        self, *, born: dt.date = dt.date(1980, 5, 17), also_born: tuple = (), municipality=None
    ) -> Household:
        n = next(_numbers)
        municipality = municipality or self.municipality
        address = Address.objects.create(
            postcode=f"{1000 + n % 8999:04d}AB",
            huisnummer=n,
            straatnaam="Dorpsweg",
            woonplaats="Voorbeeldstad",
            municipality=municipality,
            buurt=self.buurt if municipality == self.municipality else None,
        )
        household = Household.objects.create(address=address, municipality=municipality)
        for i, day in enumerate((born, *also_born)):
            Person.objects.create(
                household=household,
                surname=f"Jansen{n}",
                initials="J.",
                birth_date=day,
                birth_date_index=f"b{n}-{i}",
                surname_index=f"s{n}",
                identity_index=f"i{n}-{i}",
            )
        return household

    def arrear(
        self,
        household: Household,
        creditor: str,
        *,
        amount: int = 12_500,
        start: dt.date | None = None,
        age: int | None = None,
        crisis: bool = False,
        reason: str = "",
        opened_on: dt.date | None = None,
        last_seen_on: dt.date = PEILDATUM,
        cleared_on: dt.date | None = None,
        status: str | None = None,
    ) -> Arrear:
        """An arrear of ``household`` at ``creditor``; ``age`` days old on PEILDATUM, or from ``start``."""
        if start is None:
            start = days_before(PEILDATUM, 30 if age is None else age)
        delivery = self.delivery(creditor)
        status = status or (ArrearStatus.CLEARED if cleared_on else ArrearStatus.OPEN)
        return Arrear.objects.create(
            creditor=self.creditors[creditor],
            household=household,
            person=household.persons.order_by("pk").first(),
            municipality=household.municipality,
            klantnummer=f"K{next(_numbers)}",
            amount_cents=amount,
            start_date=start,
            crisis=crisis,
            crisis_reason=reason,
            status=status,
            opened_on=opened_on or max(start, days_before(PEILDATUM, 120)),
            last_seen_on=last_seen_on,
            cleared_on=cleared_on,
            opened_by_delivery=delivery,
            last_delivery=delivery,
            cleared_by_delivery=delivery if cleared_on else None,
        )

    def clear(self, arrear: Arrear, on: dt.date) -> Arrear:
        arrear.status = ArrearStatus.CLEARED
        arrear.cleared_on = on
        arrear.cleared_by_delivery = arrear.last_delivery
        arrear.save()
        return arrear


def make_signal(world: World, *, crisis: bool = False) -> Signal:
    """A household with arrears at WOONBRUG and ENERGIENOORD, evaluated: its (multiple) signal."""
    household = world.household()
    world.arrear(household, "WOONBRUG", crisis=crisis, reason="ontruiming" if crisis else "")
    world.arrear(household, "ENERGIENOORD")
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    return Signal.objects.get(household=household)


@pytest.fixture
def world(db) -> Iterator[World]:
    municipality = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    wijk = Neighbourhood.objects.create(
        code="WK099901", name="Noord", kind="wijk", municipality=municipality
    )
    buurt = Neighbourhood.objects.create(
        code="BU09990101", name="Oude Dorp", kind="buurt", wijk=wijk, municipality=municipality
    )
    creditors = {
        code: CreditorFactory(code=code, name=name, type=kind)
        for code, (name, kind) in CREDITORS.items()
    }
    yield World(municipality=municipality, creditors=creditors, wijk=wijk, buurt=buurt)
    # The references evaluation writes in bulk have no database constraint.
    assert integrity_problems() == {}


# -- the rules page ------------------------------------------------------------------------------


@pytest.fixture
def municipality(db):
    """Voorbeeldstad (0363) with rules version 1: min_amount_eur 50, the rest the defaults."""
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues(min_amount_eur=50))
    return municipality


@pytest.fixture
def coordinator(municipality):
    return UserFactory(username="coordinator", role=Role.COORDINATOR, municipality=municipality,
                       first_name="Carla", last_name="Coördinator")  # fmt: skip


@pytest.fixture
def colleague(municipality):
    """Another coordinator of the municipality."""
    return UserFactory(role=Role.COORDINATOR, municipality=municipality, first_name="Piet",
                       last_name="Jansen")  # fmt: skip
