"""apply_rows: households, persons and the arrear timeline."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection

from vroegsignaal.households.models import Arrear, ArrearEvent, ArrearStatus, Household, Person
from vroegsignaal.households.services import count_cleared_by_stand, open_arrear_count

from .conftest import PEILDATUM, frame

NEXT_MONTH = dt.date(2026, 12, 1)


def kinds(arrear: Arrear) -> list[str]:
    return list(arrear.events.order_by("id").values_list("kind", flat=True))


# --- the timeline -----------------------------------------------------------------


def test_first_delivery_opens_arrears_with_households_and_persons(world):
    counts = world.apply(
        world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker")
    )
    assert (counts.new, counts.changed, counts.cleared, counts.unchanged) == (2, 0, 0, 0)
    assert (counts.households_created, counts.persons_created) == (2, 2)
    arrear = Arrear.objects.get(klantnummer="K1")
    assert arrear.household.address == world.address(0)
    assert arrear.municipality == world.municipality
    assert arrear.status == ArrearStatus.OPEN
    assert (arrear.opened_on, arrear.last_seen_on, arrear.cleared_on) == (
        PEILDATUM,
        PEILDATUM,
        None,
    )
    assert kinds(arrear) == ["opened"]


def test_stand_clears_absent_arrears(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    counts = world.apply(world.at(0, klantnummer="K1"), day=NEXT_MONTH)
    assert (counts.cleared, counts.unchanged) == (1, 1)
    gone = Arrear.objects.get(klantnummer="K2")
    assert (gone.status, gone.cleared_on) == (ArrearStatus.CLEARED, NEXT_MONTH)
    assert kinds(gone) == ["opened", "cleared"]
    kept = Arrear.objects.get(klantnummer="K1")
    assert (kept.status, kept.last_seen_on) == (ArrearStatus.OPEN, NEXT_MONTH)


def test_stand_only_clears_arrears_of_its_own_creditor(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    world.apply(day=NEXT_MONTH)  # an empty stand of the first creditor
    assert Arrear.objects.get(klantnummer="E1").status == ArrearStatus.OPEN
    assert Arrear.objects.get(klantnummer="K1").status == ArrearStatus.CLEARED


def test_rejected_rows_do_not_clear_their_arrears(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    rejected = pl.DataFrame(
        {"klantnummer": ["K2"], "contractnummer": [None]},
        schema={"klantnummer": pl.String, "contractnummer": pl.String},
    )
    counts = world.apply(world.at(0, klantnummer="K1"), day=NEXT_MONTH, rejected_keys=rejected)
    assert counts.cleared == 0
    assert Arrear.objects.get(klantnummer="K2").last_seen_on == PEILDATUM


def test_amount_change_is_a_changed_event(world):
    world.apply(world.at(0, bedrag_cents=12_500))
    counts = world.apply(world.at(0, bedrag_cents=20_000), day=NEXT_MONTH)
    assert (counts.changed, counts.new) == (1, 0)
    arrear = Arrear.objects.get()
    assert arrear.amount_cents == 20_000
    assert list(arrear.events.order_by("id").values_list("kind", "amount_cents")) == [
        ("opened", 12_500),
        ("changed", 20_000),
    ]


def test_crisis_flag_change_is_a_changed_event(world):
    world.apply(world.at(0))
    world.apply(world.at(0, crisissignaal=True, crisis_reden="ontruiming"), day=NEXT_MONTH)
    arrear = Arrear.objects.get()
    assert (arrear.crisis, arrear.crisis_reason) == (True, "ontruiming")
    assert kinds(arrear) == ["opened", "changed"]


def test_new_signal_id_alone_updates_quietly(world):
    world.apply(world.at(0, signaal_id="S-1"))
    counts = world.apply(world.at(0, signaal_id="S-2"), day=NEXT_MONTH)
    assert (counts.changed, counts.unchanged) == (0, 1)
    arrear = Arrear.objects.get()
    assert (arrear.signal_reference, arrear.last_seen_on) == ("S-2", NEXT_MONTH)
    assert kinds(arrear) == ["opened"]


def test_contractnummer_distinguishes_arrears_of_one_customer(world):
    counts = world.apply(world.at(0, contractnummer="C1"), world.at(0, contractnummer="C2"))
    assert counts.new == 2
    assert Person.objects.count() == 1


def test_mutatie_afgemeld_clears(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    counts = world.apply(
        world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=NEXT_MONTH
    )
    assert (counts.cleared, counts.new, counts.unchanged) == (1, 0, 0)
    assert Arrear.objects.get(klantnummer="K1").status == ArrearStatus.CLEARED
    # A mutatie delivers changes only: what it does not mention is still open on its
    # peildatum (seen then), and was last delivered by the first delivery.
    untouched = Arrear.objects.get(klantnummer="K2")
    assert (untouched.status, untouched.last_seen_on) == (ArrearStatus.OPEN, NEXT_MONTH)
    assert untouched.last_delivery_id == untouched.opened_by_delivery_id
    assert counts.municipality_ids == (world.municipality.pk,)


def test_mutatie_speaks_only_for_the_given_municipalities_and_never_back(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(world.at(0, klantnummer="K1", status="gewijzigd", bedrag_cents=99_00),
                kind="mutatie", day=NEXT_MONTH, municipality_ids=[])  # fmt: skip
    assert Arrear.objects.get(klantnummer="K2").last_seen_on == PEILDATUM  # no covenant there
    world.apply(kind="mutatie", day=NEXT_MONTH, municipality_ids=[world.municipality.pk])
    assert Arrear.objects.get(klantnummer="K2").last_seen_on == NEXT_MONTH
    world.apply(kind="mutatie", day=PEILDATUM)  # a late mutatie of an older peildatum
    assert Arrear.objects.get(klantnummer="K2").last_seen_on == NEXT_MONTH


def test_mutatie_nieuw_and_gewijzigd_open_and_change(world):
    world.apply(world.at(0, klantnummer="K1"))
    counts = world.apply(
        world.at(0, klantnummer="K1", status="gewijzigd", bedrag_cents=99_00),
        world.at(1, klantnummer="K2", status="nieuw", achternaam="Bakker"),
        kind="mutatie",
        day=NEXT_MONTH,
    )
    assert (counts.new, counts.changed) == (1, 1)


def test_mutatie_afgemeld_for_unknown_arrear_is_ignored(world):
    counts = world.apply(world.at(0, status="afgemeld"), kind="mutatie")
    assert (counts.ignored, counts.cleared, Arrear.objects.count()) == (1, 0, 0)


def test_cleared_arrear_that_reappears_is_a_new_arrear(world):
    world.apply(world.at(0))
    world.apply(day=NEXT_MONTH)
    counts = world.apply(world.at(0), day=dt.date(2027, 1, 1))
    assert counts.new == 1
    first, second = Arrear.objects.order_by("id")
    assert (first.status, first.cleared_on) == (ArrearStatus.CLEARED, NEXT_MONTH)
    assert (second.status, second.opened_on, second.previous) == (
        ArrearStatus.OPEN,
        dt.date(2027, 1, 1),
        first,
    )
    assert kinds(second) == ["reopened"]


def test_customer_who_moved_continues_at_the_new_household(world):
    world.apply(world.at(0))
    counts = world.apply(world.at(1), day=NEXT_MONTH)
    assert (counts.changed, counts.new, counts.cleared) == (1, 0, 0)
    old, new = Arrear.objects.order_by("id")
    assert (old.status, old.cleared_on, old.household.address) == (
        ArrearStatus.MOVED,
        NEXT_MONTH,
        world.address(0),
    )
    assert (new.status, new.previous, new.household.address) == (
        ArrearStatus.OPEN,
        old,
        world.address(1),
    )
    assert kinds(old) == ["opened", "moved"] and kinds(new) == ["reopened"]
    assert new.person != old.person  # persons belong to a household


def test_apply_twice_is_idempotent(world):
    rows = [
        world.at(0, klantnummer="K1", voornamen="Jan Pieter", telefoonnummer="0612345678"),
        world.at(0, klantnummer="K2", achternaam="Janssen"),  # the same person with a typo
        world.at(0, klantnummer="K3", geboortedatum=dt.date(2008, 1, 2)),  # the son
        world.at(1, klantnummer="K4", achternaam="Bakker", bsn="111222333"),
    ]
    world.apply(*rows)

    def snapshot():
        return (
            sorted(
                Person.objects.values_list(
                    "id", "household_id", "identity_index", "details_digest", "updated_at"
                )
            ),
            sorted(
                Arrear.objects.values_list(
                    "id", "klantnummer", "person_id", "status", "amount_cents", "last_seen_on"
                )
            ),
            ArrearEvent.objects.count(),
            Household.objects.count(),
        )

    before = snapshot()
    counts = world.apply(*rows)
    assert (counts.new, counts.changed, counts.cleared, counts.unchanged) == (0, 0, 0, 4)
    assert (counts.persons_created, counts.persons_updated, counts.households_created) == (0, 0, 0)
    assert snapshot() == before


def test_rows_must_have_unique_keys(world):
    with pytest.raises(ValueError, match="DUBBEL_IN_LEVERING"):
        world.apply(world.at(0), world.at(1))


def test_a_failing_apply_changes_nothing(world, monkeypatch):
    from vroegsignaal.households import timeline

    world.apply(world.at(0, klantnummer="K1"))

    def boom(*args, **kwargs):
        raise RuntimeError("killed half way")

    monkeypatch.setattr(timeline, "_open", boom)  # where _apply_arrears reads it
    with pytest.raises(RuntimeError):
        world.apply(world.at(1, klantnummer="K2", achternaam="Bakker"), day=NEXT_MONTH)
    assert Arrear.objects.get().status == ArrearStatus.OPEN
    assert (Household.objects.count(), Person.objects.count(), ArrearEvent.objects.count()) == (
        1,
        1,
        1,
    )


# --- intake's safety check ---------------------------------------------------------


def test_count_cleared_by_stand_changes_nothing(world):
    world.apply(
        world.at(0, klantnummer="K1"),
        world.at(1, klantnummer="K2", achternaam="Bakker"),
        world.at(2, klantnummer="K3"),
    )
    world.apply(world.at(3, klantnummer="E1"), creditor=world.other_creditor)
    assert open_arrear_count(world.creditor) == 3
    assert count_cleared_by_stand(world.creditor, frame(world.at(0, klantnummer="K1"))) == 2
    assert count_cleared_by_stand(world.creditor, frame()) == 3
    assert open_arrear_count(world.creditor) == 3
    assert ArrearEvent.objects.count() == 4


# --- households ---------------------------------------------------------------------


def test_one_household_per_address_across_creditors(world):
    world.apply(world.at(0, klantnummer="K1"))
    counts = world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    assert counts.households_created == 0
    assert Household.objects.count() == 1
    assert Person.objects.count() == 1  # and the same person


def test_row_routed_by_postcode_only_gets_a_household_that_the_register_address_adopts_later(world):
    unregistered = world.at(0, huisnummer=99, address_id=None)
    world.apply(unregistered)
    household = Household.objects.get()
    assert (household.address, household.unregistered_address) == (None, "1234AB|99||")
    # The register now knows 1234AB 99: the household is linked, not duplicated.
    from vroegsignaal.registry.models import Address

    address = Address.objects.create(
        postcode="1234AB", huisnummer=99, municipality=world.municipality
    )
    world.apply(world.at(0, huisnummer=99, address_id=address.pk), day=NEXT_MONTH)
    household.refresh_from_db()
    assert (Household.objects.count(), household.address, household.unregistered_address) == (
        1,
        address,
        "",
    )
    assert Arrear.objects.get().household == household


# --- privacy ------------------------------------------------------------------------


def test_personal_fields_are_not_stored_in_plaintext(world):
    world.apply(
        world.at(
            0,
            achternaam="Vermeulen",
            tussenvoegsel="van der",
            voorletters="Q.X.",
            voornamen="Quirijn Xander",
            geboortedatum=dt.date(1971, 3, 4),
            telefoonnummer="0687654321",
            email="quirijn@voorbeeld.example",
            bsn="123456782",
            geslacht="M",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table}")  # noqa: S608
        stored = " ".join(str(v) for v in cursor.fetchone())
    for secret in (
        "Vermeulen",
        "vermeulen",
        "van der",
        "Q.X.",
        "Quirijn",
        "1971",
        "0687654321",
        "quirijn@",
        "123456782",
    ):
        assert secret not in stored
    person = Person.objects.get()  # and the model reads them back
    assert (person.surname, person.tussenvoegsel, person.birth_date, person.bsn) == (
        "Vermeulen",
        "van der",
        dt.date(1971, 3, 4),
        "123456782",
    )


def test_new_persons_are_the_same_when_encrypted_in_a_child_process(world, monkeypatch):
    from vroegsignaal.households import background

    monkeypatch.setattr(background, "CHILD_MIN_VALUES", 0)  # a child for any delivery
    rows = (
        world.at(0, klantnummer="K1", telefoonnummer="0611111111", bsn="123456782"),
        world.at(1, klantnummer="K2", achternaam="Bakker", tussenvoegsel="de"),
    )
    world.apply(*rows)
    again = world.apply(*rows, day=NEXT_MONTH)  # recognised by the indexes the child made
    assert (again.persons_created, again.persons_updated) == (0, 0)
    persons = {p.surname: p for p in Person.objects.all()}
    assert persons["Jansen"].phone == "0611111111"
    assert persons["Jansen"].bsn_index is not None
    assert (persons["Bakker"].tussenvoegsel, persons["Bakker"].phone) == ("de", "")
    assert persons["Bakker"].bsn_index is None


def test_a_background_job_that_fails_changes_nothing(world, monkeypatch):
    from vroegsignaal.households import background

    monkeypatch.setattr(background, "CHILD_MIN_VALUES", 0)
    # The child gets a header it cannot use, and exits 1 halfway.
    monkeypatch.setattr(background, "_header", lambda *args: b'{"slices": 1}\n')
    with pytest.raises(RuntimeError, match="achtergrond"):
        world.apply(world.at(0))
    assert (Household.objects.count(), Person.objects.count(), Arrear.objects.count()) == (0, 0, 0)


def test_applying_the_same_delivery_again_changes_nothing(world):
    from vroegsignaal.households.services import apply_rows

    delivery = world.delivery()
    rows = frame(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    apply_rows(delivery, rows, kind="stand", creditor=world.creditor, reference_date=PEILDATUM)
    again = apply_rows(
        delivery, rows, kind="stand", creditor=world.creditor, reference_date=PEILDATUM
    )
    assert (again.new, again.unchanged, ArrearEvent.objects.count()) == (0, 2, 2)


def test_touched_households_are_those_whose_arrears_changed(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    counts = world.apply(
        world.at(0, klantnummer="K1"), world.at(2, klantnummer="K3"), day=NEXT_MONTH
    )
    touched = set(
        Household.objects.filter(pk__in=counts.touched_household_ids.to_list()).values_list(
            "address_id", flat=True
        )
    )
    assert touched == {world.address(1).pk, world.address(2).pk}


def test_household_follows_its_address_into_another_municipality(world):
    from tests.factories import MunicipalityFactory

    world.apply(world.at(0, klantnummer="K1"))
    world.apply(world.at(0, klantnummer="E1"), creditor=world.other_creditor)
    merged = MunicipalityFactory(code="1999", name="Samengevoegd")  # a herindeling
    world.address(0).municipality = merged
    world.address(0).save()
    world.apply(world.at(0, klantnummer="K1", municipality_id=merged.pk), day=NEXT_MONTH)
    household = Household.objects.get()
    assert household.municipality == merged
    # The other creditor's arrear moves along, before that creditor delivers again.
    assert set(Arrear.objects.values_list("municipality_id", flat=True)) == {merged.pk}


# --- a first load into empty tables builds their indexes afterwards (SQLite) ---------

LOADED_TABLES = (
    "households_household",
    "households_person",
    "households_arrear",
    "households_arrearevent",
)


def _index_names() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        return {
            table: {
                name
                for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"]
            }
            for table in LOADED_TABLES
        }


def test_first_load_with_deferred_indexes_gives_the_same_rows_and_indexes(world, monkeypatch):
    from vroegsignaal.households import bulk

    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _index_names()
    counts = world.apply(
        world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker")
    )
    assert (counts.new, counts.households_created, counts.persons_created) == (2, 2, 2)
    assert _index_names() == before
    assert Arrear.objects.filter(household__address=world.address(1)).count() == 1


def test_failed_first_load_with_deferred_indexes_leaves_tables_and_indexes(world, monkeypatch):
    from vroegsignaal.households import bulk, services

    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _index_names()

    during = []

    def fail(*args, **kwargs):
        during.append(_index_names())
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "_apply_arrears", fail)
    with pytest.raises(RuntimeError):
        world.apply(world.at(0, klantnummer="K1"))
    if connection.vendor == "sqlite":  # the non-unique indexes were gone while loading
        assert "households_arrear_household_id_8bae4d47" not in during[0]["households_arrear"]
    assert _index_names() == before
    assert (Household.objects.count(), Person.objects.count(), Arrear.objects.count()) == (0, 0, 0)


def test_reading_all_persons_at_once_links_rows_to_the_same_persons(world, monkeypatch):
    from vroegsignaal.households import frames

    rows = (world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(*rows)
    before = dict(Arrear.objects.values_list("klantnummer", "person_id"))
    monkeypatch.setattr(frames, "FULL_SCAN_FROM", 1)  # (on PostgreSQL the join stays)
    counts = world.apply(*rows, world.at(2, klantnummer="K3", achternaam="Smit"), day=NEXT_MONTH)
    assert (counts.persons_created, counts.unchanged, counts.new) == (1, 2, 1)
    after = dict(Arrear.objects.filter(status="open").values_list("klantnummer", "person_id"))
    assert {k: after[k] for k in before} == before
