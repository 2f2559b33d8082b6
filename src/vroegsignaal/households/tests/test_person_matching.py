"""Linking delivered records to persons: across creditors and months, and within one delivery."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.households.models import Arrear, Person

from .conftest import PEILDATUM

NEXT_MONTH = dt.date(2026, 12, 1)
FATHER = dt.date(1975, 2, 3)
SON = dt.date(2003, 8, 9)


def persons_of(*klantnummers: str) -> set[int]:
    return set(
        Arrear.objects.filter(klantnummer__in=klantnummers).values_list("person_id", flat=True)
    )


def test_same_person_with_typo_in_surname_is_matched(world):
    world.apply(world.at(0, klantnummer="K1", achternaam="Bakker"))
    world.apply(world.at(0, klantnummer="E1", achternaam="Bakekr"), creditor=world.other_creditor)
    assert len(persons_of("K1", "E1")) == 1


def test_typos_within_one_delivery_are_one_person(world):
    counts = world.apply(
        world.at(0, klantnummer="K1", achternaam="Boer"),
        world.at(0, klantnummer="K2", achternaam="Bore"),  # letters swapped
        world.at(0, klantnummer="K3", achternaam="Bor"),  # a letter dropped
    )
    assert counts.persons_created == 1


def test_surname_is_compared_without_case_diacritics_and_tussenvoegsel(world):
    world.apply(world.at(0, klantnummer="K1", achternaam="Bruijn", tussenvoegsel="de"))
    world.apply(
        world.at(0, klantnummer="E1", achternaam="BRUYN", tussenvoegsel=None),
        creditor=world.other_creditor,
    )
    world.apply(
        world.at(0, klantnummer="W1", achternaam="Brüijn"),
        creditor=world.other_creditor,
        day=NEXT_MONTH,
    )
    assert Person.objects.count() == 1


def test_different_surnames_at_one_address_are_different_persons(world):
    world.apply(
        world.at(0, klantnummer="K1", achternaam="Jansen"),
        world.at(0, klantnummer="K2", achternaam="Visser"),  # partner born the same day
    )
    assert Person.objects.count() == 2


def test_parent_and_child_with_same_initials_are_not_merged(world):
    world.apply(
        world.at(0, klantnummer="K1", voorletters="J.", geboortedatum=FATHER),
        world.at(0, klantnummer="K2", voorletters="J.", geboortedatum=SON),
    )
    world.apply(
        world.at(0, klantnummer="E1", voorletters="J.", geboortedatum=SON),
        creditor=world.other_creditor,
    )
    assert Person.objects.count() == 2
    assert persons_of("K2") == persons_of("E1")
    assert persons_of("K1") != persons_of("K2")


def test_initials_and_full_first_names_match_same_person(world):
    world.apply(world.at(0, klantnummer="K1", voorletters="J.P.", voornamen=None))
    world.apply(
        world.at(0, klantnummer="E1", voorletters=None, voornamen="Jan Pieter"),
        creditor=world.other_creditor,
    )
    world.apply(
        world.at(0, klantnummer="W1", voorletters="J.", voornamen=None),
        creditor=world.other_creditor,
        day=NEXT_MONTH,
    )
    assert Person.objects.count() == 1


def test_twins_with_other_initials_are_not_merged(world):
    world.apply(
        world.at(0, klantnummer="K1", voorletters="J.P.", geboortedatum=SON),
        world.at(0, klantnummer="K2", voorletters="J.K.", geboortedatum=SON),
        world.at(0, klantnummer="K3", voorletters="M.", geboortedatum=SON),
    )
    assert Person.objects.count() == 3


def test_different_bsns_are_never_merged(world):
    world.apply(
        world.at(0, klantnummer="K1", bsn="111222333"),
        world.at(0, klantnummer="K2", bsn="123456782"),
    )
    assert Person.objects.count() == 2
    world.apply(world.at(0, klantnummer="E1", bsn="123456782"), creditor=world.other_creditor)
    assert Person.objects.count() == 2
    assert persons_of("E1") == persons_of("K2")


def test_same_person_at_another_address_is_another_person(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2"))
    assert Person.objects.count() == 2


def test_changed_phone_updates_the_person(world):
    world.apply(world.at(0, telefoonnummer="0611111111", email="a@voorbeeld.example"))
    counts = world.apply(
        world.at(0, telefoonnummer="0622222222", email="a@voorbeeld.example"), day=NEXT_MONTH
    )
    assert counts.persons_updated == 1
    person = Person.objects.get()
    assert (person.phone, person.email) == ("0622222222", "a@voorbeeld.example")


def test_absent_contact_details_do_not_erase_known_ones(world):
    world.apply(world.at(0, telefoonnummer="0611111111", voornamen="Jan"))
    world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    person = Person.objects.get()
    assert (person.phone, person.first_names) == ("0611111111", "Jan")


def test_new_person_takes_contact_details_from_any_of_its_rows(world):
    world.apply(
        world.at(0, klantnummer="K1", telefoonnummer=None, email="j@voorbeeld.example"),
        world.at(0, klantnummer="K2", telefoonnummer="0633333333", email=None),
    )
    person = Person.objects.get()
    assert (person.phone, person.email, person.surname, person.birth_date) == (
        "0633333333",
        "j@voorbeeld.example",
        "Jansen",
        dt.date(1980, 5, 17),
    )
    assert Arrear.objects.filter(opened_on=PEILDATUM).count() == 2
