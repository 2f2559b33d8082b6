"""A municipality with trays, households, arrears with timelines and signals, built directly."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest

from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.households.models import Arrear, ArrearEvent, Household, Person
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import CreditorType, Role
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.signals.models import RuleSet, Signal, SignalArrear, Tray

PEILDATUM = dt.date(2026, 3, 1)
_numbers = itertools.count(1)


class Town:
    def __init__(self, code: str = "0999", name: str = "Voorbeeldstad"):
        self.municipality = MunicipalityFactory(code=code, name=name)
        self.rule_set = RuleSet.objects.create(municipality=self.municipality, version=1)
        self.wijk = Neighbourhood.objects.create(
            code=f"WK{code}01", name="Noord", kind="wijk", municipality=self.municipality
        )
        self.buurt = Neighbourhood.objects.create(
            code=f"BU{code}0101",
            name="Oude Dorp",
            kind="buurt",
            wijk=self.wijk,
            municipality=self.municipality,
        )
        self.other_buurt = Neighbourhood.objects.create(
            code=f"BU{code}0102",
            name="Nieuwe Haven",
            kind="buurt",
            wijk=self.wijk,
            municipality=self.municipality,
        )
        self.tray = Tray.objects.create(
            municipality=self.municipality, name="Meervoudig", position=1
        )
        self.team = TeamFactory(
            municipality=self.municipality, code=f"T{code}", name="Wijkteam Noord"
        )
        self.energie = CreditorFactory(
            code=f"EN{code}", name="Energie Noord", type=CreditorType.ENERGIE
        )
        self.huur = CreditorFactory(code=f"HU{code}", name="Woonstichting", type=CreditorType.HUUR)
        self.coordinator = UserFactory(
            username=f"coordinator-{code}", role=Role.COORDINATOR, municipality=self.municipality
        )

    def household(self, *, buurt=None, surname: str = "Jansen") -> Household:
        n = next(_numbers)
        address = Address.objects.create(
            postcode=f"{1000 + n:04d}AB", huisnummer=n, straatnaam="Dorpsweg", woonplaats="Voorbeeldstad",
            municipality=self.municipality, buurt=buurt or self.buurt,
        )  # fmt: skip
        household = Household.objects.create(address=address, municipality=self.municipality)
        Person.objects.create(
            household=household, surname=surname, initials="J.", birth_date=dt.date(1980, 5, 17),
            birth_date_index=f"b{n}", surname_index=f"s{n}", identity_index=f"i{n}",
        )  # fmt: skip
        return household

    def arrear(
        self, household, creditor, amounts: dict[dt.date, int], *, start=dt.date(2026, 1, 5)
    ) -> Arrear:
        n = next(_numbers)
        delivery = Delivery.objects.create(
            creditor=creditor, kind="stand", reference_date=PEILDATUM, via="cli", status="verwerkt",
            sha256=hashlib.sha256(f"r{n}".encode()).hexdigest(),
        )  # fmt: skip
        days = sorted(amounts)
        arrear = Arrear.objects.create(
            creditor=creditor, household=household, person=household.persons.first(),
            municipality=self.municipality, klantnummer=f"K{n}", amount_cents=amounts[days[-1]],
            start_date=start, status="open", opened_on=days[0], last_seen_on=days[-1],
            opened_by_delivery=delivery, last_delivery=delivery,
        )  # fmt: skip
        for i, day in enumerate(days):
            ArrearEvent.objects.create(
                arrear=arrear, delivery=delivery, reference_date=day, kind="opened" if i == 0 else "changed",
                amount_cents=amounts[day],
            )  # fmt: skip
        return arrear

    def signal(self, household=None, *, amount=50_000, crisis=False, status="nieuw", oldest=dt.date(2026, 1, 5),
               signal_date=PEILDATUM, priority=100, team=None, arrears=(), tray="default", explanation="Twee schuldeisers.") -> Signal:  # fmt: skip
        household = household or self.household()
        signal = Signal.objects.create(
            municipality=self.municipality, household=household, status=status, kind="meervoudig",
            crisis=crisis, creditor_count=2, total_amount_cents=amount, oldest_start_date=oldest,
            signal_date=signal_date, last_signalled_on=signal_date, rule_set=self.rule_set,
            tray=self.tray if tray == "default" else tray, priority=priority, explanation=explanation, team=team,
            closed_on=None if status in ("nieuw", "opgepakt") else signal_date,
            buurt_id=household.address.buurt_id if household.address_id else None,  # as evaluation writes it
        )  # fmt: skip
        for arrear in arrears:
            SignalArrear.objects.create(
                signal=signal, arrear=arrear, counts=True, joined_on=signal_date
            )
        return signal


@pytest.fixture
def town(db) -> Town:
    return Town()
