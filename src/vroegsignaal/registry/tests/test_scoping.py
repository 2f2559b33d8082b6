"""Who sees the register: coordinators their own municipality; hulpverleners browse nothing."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.registry.services import import_addresses, import_neighbourhoods

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(voorbeeldstad, write, buurten_file):
    other = MunicipalityFactory(code="0888", name="Buurgemeente")
    import_neighbourhoods(buurten_file)
    import_addresses(
        write(
            "a.csv",
            "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
            "1234AB,1,Dorpsweg,Voorbeeldstad,0999\n"
            "5678CD,1,Grensweg,Elders,0888\n",
        )
    )
    return voorbeeldstad, other


def test_coordinator_sees_only_addresses_of_own_municipality(register):
    voorbeeldstad, _ = register
    user = UserFactory(role=Role.COORDINATOR, municipality=voorbeeldstad)
    assert list(scoped(user, Address).values_list("postcode", flat=True)) == ["1234AB"]


def test_hulpverlener_does_not_browse_the_address_register(register):
    voorbeeldstad, _ = register
    user = UserFactory(
        role=Role.HULPVERLENER,
        municipality=voorbeeldstad,
        team=TeamFactory(municipality=voorbeeldstad),
    )
    assert not scoped(user, Address).exists()


def test_beheerder_sees_neighbourhoods_but_not_addresses(register):
    user = UserFactory(role=Role.BEHEERDER, municipality=None)
    assert scoped(user, Neighbourhood).count() == 6
    assert not scoped(user, Address).exists()


def test_privacy_officer_sees_neighbourhoods_of_own_municipality(register):
    voorbeeldstad, other = register
    user = UserFactory(role=Role.PRIVACY_OFFICER, municipality=other)
    assert not scoped(user, Neighbourhood).exists()
