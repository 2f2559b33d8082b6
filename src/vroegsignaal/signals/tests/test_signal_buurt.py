"""Each signal keeps a copy of its household's buurt (``Signal.buurt``) for the tray filter."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.registry import services as registry
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal

from .conftest import PEILDATUM

TODAY = dt.date(2026, 3, 3)


def evaluate(world, day=PEILDATUM):
    return services.evaluate(world.municipality, reference_date=day, received_on=TODAY)


def signal_with_two_creditors(world, household):
    world.arrear(household, "WOONBRUG")
    world.arrear(household, "ENERGIENOORD")


def test_evaluation_stores_the_buurt_of_the_households_address(world):
    placed, unplaced = world.household(), world.household()
    Address.objects.filter(pk=unplaced.address_id).update(buurt=None)
    signal_with_two_creditors(world, placed)
    signal_with_two_creditors(world, unplaced)

    evaluate(world)

    assert Signal.objects.get(household=placed).buurt_id == world.buurt.pk
    assert Signal.objects.get(household=unplaced).buurt_id is None


def test_a_register_import_that_moves_addresses_moves_their_signals(world):
    moved, stays = world.household(), world.household()
    signal_with_two_creditors(world, moved)
    signal_with_two_creditors(world, stays)
    evaluate(world)
    other = Neighbourhood.objects.create(
        code="BU09990102",
        name="Nieuwe Wijk",
        kind="buurt",
        wijk=world.wijk,
        municipality=world.municipality,
    )
    # The register file names each address's buurt; for one of them that is now the new buurt.
    Address.objects.filter(pk=stays.address_id).update(buurtcode=world.buurt.code)
    Address.objects.filter(pk=moved.address_id).update(buurtcode=other.code)

    changed = registry.assign_buurten({world.municipality.pk})

    assert changed == 1
    assert Signal.objects.get(household=moved).buurt_id == other.pk
    assert Signal.objects.get(household=stays).buurt_id == world.buurt.pk


def test_placing_signals_again_changes_only_those_whose_buurt_differs(world):
    household = world.household()
    signal_with_two_creditors(world, household)
    evaluate(world)
    Signal.objects.filter(household=household).update(buurt=None)  # as before the copy existed

    assert services.place_signals([world.municipality.pk]) == 1
    assert Signal.objects.get(household=household).buurt_id == world.buurt.pk
    assert services.place_signals([world.municipality.pk]) == 0


def test_an_address_import_that_moves_an_address_moves_its_signal(world, tmp_path):
    household = world.household()
    signal_with_two_creditors(world, household)
    evaluate(world)
    other = Neighbourhood.objects.create(
        code="BU09990102",
        name="Nieuwe Wijk",
        kind="buurt",
        wijk=world.wijk,
        municipality=world.municipality,
    )
    address = household.address
    path = tmp_path / "adressen.csv"
    path.write_text(
        "postcode;huisnummer;straatnaam;woonplaats;gemeentecode;buurtcode\n"
        f"{address.postcode};{address.huisnummer};{address.straatnaam};{address.woonplaats};0999;{other.code}\n",
        encoding="utf-8",
    )

    result = registry.import_addresses(path)

    assert (result.created, result.updated) == (0, 1)
    assert Signal.objects.get(household=household).buurt_id == other.pk
