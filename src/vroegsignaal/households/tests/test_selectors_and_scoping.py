"""Reads for other apps, and who may see households, persons and arrears."""

from __future__ import annotations

import datetime as dt

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.households import selectors
from vroegsignaal.households.models import Arrear, ArrearEvent, Household, Person
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.registry.models import Address

NEXT_MONTH = dt.date(2026, 12, 1)


def test_open_arrears_frame_has_what_signal_evaluation_needs(world):
    world.apply(
        world.at(0, klantnummer="K1", crisissignaal=True),
        world.at(1, klantnummer="K2", achternaam="Bakker"),
    )
    world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    world.apply(world.at(0, klantnummer="K1", crisissignaal=True), day=NEXT_MONTH)  # K2 cleared
    frame = selectors.open_arrears_frame(municipality_id=world.municipality.pk)
    assert frame.height == 2
    assert set(frame.get_column("creditor_id").to_list()) == {
        world.creditor.pk,
        world.other_creditor.pk,
    }
    assert frame.filter(frame["crisis"]).get_column("last_seen_on").to_list() == [NEXT_MONTH]
    household = Household.objects.get(address=world.address(0))
    assert selectors.open_arrears_frame(household_ids=[household.pk]).height == 2
    assert selectors.open_arrears_frame(household_ids=[]).height == 0
    assert list(selectors.open_arrears(household).values_list("klantnummer", flat=True)) == [
        "K1",
        "E1",
    ]


def test_household_persons_are_decrypted_oldest_first(world):
    world.apply(
        world.at(0, klantnummer="K1", voorletters="J.", geboortedatum=dt.date(2003, 8, 9)),
        world.at(
            0,
            klantnummer="K2",
            voorletters="P.",
            tussenvoegsel="van der",
            achternaam="Berg",
            geboortedatum=dt.date(1975, 2, 3),
        ),
    )
    persons = selectors.household_persons(Household.objects.get())
    assert [p.name for p in persons] == ["P. van der Berg", "J. Jansen"]
    assert persons[0].age_on(dt.date(2026, 11, 1)) == 51


def test_households_touched_by_a_delivery(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    delivery = world.delivery(day=NEXT_MONTH)
    from vroegsignaal.households.services import apply_rows

    from .conftest import frame

    apply_rows(
        delivery,
        frame(world.at(0, klantnummer="K1")),
        kind="stand",
        creditor=world.creditor,
        reference_date=NEXT_MONTH,
    )
    assert list(selectors.households_touched_by(delivery)) == [
        Household.objects.get(address=world.address(1))
    ]


def test_coordinator_sees_only_own_municipality(world):
    other = MunicipalityFactory(code="0888", name="Elders")
    elsewhere = Address.objects.create(postcode="9999ZZ", huisnummer=1, municipality=other)
    world.apply(
        world.at(0, klantnummer="K1"),
        world.at(
            0,
            klantnummer="K2",
            postcode="9999ZZ",
            address_id=elsewhere.pk,
            municipality_id=other.pk,
        ),
    )
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    assert scoped(coordinator, Household).count() == 1
    assert scoped(coordinator, Person).count() == 1
    assert list(scoped(coordinator, Arrear).values_list("klantnummer", flat=True)) == ["K1"]
    assert scoped(coordinator, ArrearEvent).count() == 1


def test_creditor_sees_only_its_own_arrears_and_no_persons(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    staff = UserFactory(role=Role.SCHULDEISER, creditor=world.creditor, municipality=None)
    assert list(scoped(staff, Arrear).values_list("klantnummer", flat=True)) == ["K1"]
    assert scoped(staff, ArrearEvent).count() == 1
    assert scoped(staff, Person).count() == 0
    assert scoped(staff, Household).count() == 0


def test_hulpverlener_and_beheerder_see_nothing_yet(world):
    world.apply(world.at(0, klantnummer="K1"))
    from tests.factories import TeamFactory

    team = TeamFactory(municipality=world.municipality)
    for user in (
        UserFactory(role=Role.HULPVERLENER, team=team, municipality=world.municipality),
        UserFactory(role=Role.BEHEERDER, municipality=None),
    ):
        assert scoped(user, Person).count() == 0
        assert scoped(user, Arrear).count() == 0
