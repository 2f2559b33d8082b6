"""Repeated rows of a stand keep their arrear's person and household without linking.

The property: whatever the deliveries, applying them with the shortcut gives
exactly the stored outcome of applying them without it (``LINK_SHORTCUT``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vroegsignaal.households import frames, services
from vroegsignaal.households import persons as linking_persons
from vroegsignaal.households.models import Arrear, ArrearEvent, Household, Person
from vroegsignaal.households.selectors import integrity_problems

from .conftest import PEILDATUM

MONTHS = [PEILDATUM + dt.timedelta(days=31 * i) for i in range(4)]

# (address, birth date, spellings of the surname, ways of writing the first names)
PEOPLE = [
    (0, dt.date(1975, 2, 3), ["Bakker", "Bakekr"], [("J.", None), ("J.P.", None), (None, "Jan")]),
    (0, dt.date(2003, 8, 9), ["Bakker", "Baker"], [("J.", None), (None, "Jan")]),  # the son
    (0, dt.date(1977, 6, 1), ["Visser", "Vissre"], [("M.", None), (None, "Maria")]),
    (1, dt.date(1990, 1, 1), ["Vries", "VRIES"], [("A.", None), ("A.B.", None)]),
    (1, dt.date(1990, 1, 1), ["Vries"], [("A.C.", None)]),  # twin: A.C. is not A.B.
    (2, dt.date(1961, 11, 30), ["Smit", "Smid"], [("K.", None)]),
]
PHONES = [None, "0611111111", "0622222222"]
BSNS = [None, "111222333", "999888777"]

person_row = st.tuples(
    st.integers(0, len(PEOPLE) - 1),  # who
    st.integers(0, 1),  # spelling
    st.integers(0, 2),  # writing of the first names
    st.integers(0, 2),  # phone
    st.integers(0, 2),  # bsn
    st.integers(0, 2),  # address: 0 = theirs, 1 = moved to address 3, 2 = theirs
)


@st.composite
def histories(draw):
    """The creditor's first stand, then changed copies of it; the other creditor's stands."""
    first = draw(st.lists(person_row, min_size=1, max_size=10))
    stands = [first]
    for _ in range(2):
        previous = stands[-1]
        # Mostly repeated unchanged; some dropped, changed, or new.
        kept = [draw(st.sampled_from(["same", "same", "same", "drop", "change"])) for _ in previous]
        stand = []
        for row, fate in zip(previous, kept, strict=True):
            if row is None:  # a key that was gone comes back (a new arrear) or stays away
                stand.append(draw(person_row) if fate == "change" else None)
            elif fate == "same":
                stand.append(row)
            elif fate == "change":
                stand.append(draw(person_row.map(lambda new, row=row: (row[0], *new[1:]))))
            else:
                stand.append(None)  # (the key is left out)
        stand += draw(st.lists(person_row, max_size=3))
        stands.append(stand)
    other = draw(st.lists(person_row, max_size=6))
    mutatie = draw(st.booleans())
    return stands, other, mutatie


def _row(world, key: str, pick) -> dict:
    who, spelling, writing, phone, bsn, moved = pick
    address, born, surnames, writings = PEOPLE[who]
    voorletters, voornamen = writings[writing % len(writings)]
    return world.at(
        3 if moved == 1 else address,
        klantnummer=key,
        geboortedatum=born,
        achternaam=surnames[spelling % len(surnames)],
        voorletters=voorletters,
        voornamen=voornamen,
        telefoonnummer=PHONES[phone],
        bsn=BSNS[bsn] if who in (0, 3) else None,  # BSNs of two people only, never shared
        bedrag_cents=(who + 1) * 1000,
    )


def _household_key(household_id: int) -> tuple:
    household = Household.objects.get(pk=household_id)
    return (household.address_id, household.unregistered_address, household.municipality_id)


def snapshot() -> tuple:
    """Households, persons, arrears and events by natural keys (ids differ between runs)."""
    keys_of: dict[int, set] = {}
    for person_id, creditor_id, k, c, opened_on in Arrear.objects.values_list(
        "person_id", "creditor_id", "klantnummer", "contractnummer", "opened_on"
    ):
        keys_of.setdefault(person_id, set()).add((creditor_id, k, c, opened_on))
    person_key = {pid: frozenset(keys) for pid, keys in keys_of.items()}
    persons = sorted(
        (
            sorted(person_key.get(p.pk, ())),
            _household_key(p.household_id),
            p.surname,
            p.tussenvoegsel,
            p.initials,
            p.first_names,
            p.birth_date,
            p.gender,
            p.phone,
            p.email,
            p.bsn,
            p.bsn_index,
            p.identity_index,
            p.details_digest,
        )
        for p in Person.objects.all()
    )
    households = sorted(
        Household.objects.values_list("address_id", "unregistered_address", "municipality_id"),
        key=repr,
    )
    arrears = sorted(
        (
            *values,
            sorted(person_key[person_id]),
            _household_key(household_id),
        )
        for *values, person_id, household_id in Arrear.objects.values_list(
            "creditor_id",
            "klantnummer",
            "contractnummer",
            "status",
            "amount_cents",
            "start_date",
            "instalments",
            "municipality_id",
            "opened_on",
            "last_seen_on",
            "cleared_on",
            "opened_by_delivery__reference_date",
            "last_delivery__reference_date",
            "cleared_by_delivery__reference_date",
            "previous__opened_on",
            "person_id",
            "household_id",
        )
    )
    events = sorted(
        ArrearEvent.objects.values_list(
            "arrear__creditor_id",
            "arrear__klantnummer",
            "arrear__opened_on",
            "kind",
            "reference_date",
            "amount_cents",
            "crisis",
        )
    )
    return households, persons, arrears, events


def _counts(counts: services.ApplyCounts) -> tuple:
    return (
        counts,
        sorted(_household_key(h) for h in counts.touched_household_ids.to_list()),
        counts.municipality_ids,
        sorted(counts.new_persons.get_column("birth_date").to_list()),
    )


def run_history(world, monkeypatch, history, *, shortcut: bool) -> tuple:
    stands, other, mutatie = history
    monkeypatch.setattr(services, "LINK_SHORTCUT", shortcut)
    results = []
    with transaction.atomic():
        for month, stand in enumerate(stands):
            rows = [_row(world, f"K{i}", pick) for i, pick in enumerate(stand) if pick]
            results.append(_counts(world.apply(*rows, day=MONTHS[month])))
            if month == 0:
                other_rows = [_row(world, f"L{i}", pick) for i, pick in enumerate(other)]
                results.append(
                    _counts(world.apply(*other_rows, creditor=world.other_creditor, day=MONTHS[0]))
                )
            if month == 1 and mutatie and stand and stand[0]:
                changed = _row(world, "K0", (*stand[0][:3], 1, 0, stand[0][5]))
                results.append(
                    _counts(world.apply({**changed, "status": "gewijzigd"}, kind="mutatie"))
                )
        results.append(snapshot())
        transaction.set_rollback(True)
    return tuple(results)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories())
def test_shortcut_gives_the_same_outcome_as_linking_every_row(world, monkeypatch, history):
    assert run_history(world, monkeypatch, history, shortcut=True) == run_history(
        world, monkeypatch, history, shortcut=False
    )


def _linked_rows(monkeypatch) -> list[int]:
    """Collects how many rows each apply links to persons."""
    seen: list[int] = []
    original = linking_persons._person_features

    def spy(live: pl.DataFrame) -> pl.DataFrame:
        seen.append(live.height)
        return original(live)

    monkeypatch.setattr(linking_persons, "_person_features", spy)  # where _link_persons reads it
    return seen


def _stand(world, **changes) -> list[dict]:
    return [
        world.at(0, klantnummer="K1", telefoonnummer="0611111111", **changes),
        world.at(0, klantnummer="K2", achternaam="Visser", voorletters="M."),
        world.at(1, klantnummer="K3", achternaam="Smit", bsn="111222333"),
    ]


def test_first_stand_stores_a_digest_on_every_arrear_it_links_exactly(world):
    world.apply(*_stand(world))
    digests = dict(Arrear.objects.values_list("klantnummer", "link_digest"))
    assert all(isinstance(digest, int) for digest in digests.values())
    assert len(set(digests.values())) == 3


def test_repeated_rows_are_not_linked_again(world, monkeypatch):
    world.apply(*_stand(world))
    linked = _linked_rows(monkeypatch)
    counts = world.apply(*_stand(world), world.at(2, klantnummer="K4"), day=MONTHS[1])
    assert linked == [1]  # only the new customer
    assert (counts.new, counts.unchanged, counts.persons_created) == (1, 3, 1)
    assert Arrear.objects.filter(status="open", link_digest__isnull=True).count() == 0


def test_a_changed_row_is_linked_again_and_so_are_the_other_rows_of_its_person(world, monkeypatch):
    rows = [*_stand(world), world.at(0, klantnummer="K1", contractnummer="2")]
    world.apply(*rows)
    linked = _linked_rows(monkeypatch)
    rows[0] = world.at(0, klantnummer="K1", telefoonnummer="0699999999")
    counts = world.apply(*rows, day=MONTHS[1])
    assert linked == [2]  # K1's two contracts; Visser and Smit repeated
    assert counts.persons_updated == 1
    assert Person.objects.get(arrears__contractnummer="2").phone == "0699999999"


def test_a_person_whose_arrear_is_gone_is_linked_again(world, monkeypatch):
    rows = [*_stand(world), world.at(0, klantnummer="K1", contractnummer="2", telefoonnummer=None)]
    world.apply(*rows)
    linked = _linked_rows(monkeypatch)
    world.apply(*rows[1:], day=MONTHS[1])  # K1's first contract paid
    assert linked == [1]
    # Contact details are those of the rows delivered: the phone stays (never erased).
    assert Person.objects.get(arrears__contractnummer="2").phone == "0611111111"


def test_details_changed_by_another_creditor_make_the_household_link_again(world, monkeypatch):
    world.apply(*_stand(world))
    world.apply(
        world.at(0, klantnummer="X1", telefoonnummer="0622222222"), creditor=world.other_creditor
    )
    assert list(
        Arrear.objects.filter(creditor=world.creditor, household__address=world.address(0))
        .values_list("link_digest", flat=True)
        .distinct()
    ) == [None]
    linked = _linked_rows(monkeypatch)
    world.apply(*_stand(world), day=MONTHS[1])
    assert linked == [2]  # Jansen and Visser at address 0; Smit repeated
    # As without the shortcut: the latest delivery's phone.
    assert Person.objects.get(arrears__klantnummer="K1").phone == "0611111111"


OTHER_BLIND_INDEX_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def test_a_new_blind_index_key_makes_every_row_link_again(world, monkeypatch):
    """The digests are keyed by the blind-index key. (A key that does not fit the stored
    indexes is refused before linking, below; ``rotate_blind_index_key`` clears the digests.)"""
    world.apply(*_stand(world))
    linked = _linked_rows(monkeypatch)
    monkeypatch.setattr(services, "require_blind_index_key", lambda: None)
    with override_settings(BLIND_INDEX_KEY=OTHER_BLIND_INDEX_KEY):
        world.apply(*_stand(world), day=MONTHS[1])
    assert linked == [3]


def test_a_blind_index_key_that_does_not_fit_the_stored_indexes_changes_nothing(world):
    from vroegsignaal.privacy.services import BlindIndexKeyMismatch

    world.apply(*_stand(world))
    before = list(Arrear.objects.order_by("pk").values_list("pk", "amount_cents", "link_digest"))
    persons = Person.objects.count()
    with (
        override_settings(BLIND_INDEX_KEY=OTHER_BLIND_INDEX_KEY),
        pytest.raises(BlindIndexKeyMismatch) as refused,
    ):
        world.apply(*_stand(world, bedrag_cents=1), day=MONTHS[1])
    assert "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de opgeslagen zoekindexen" in str(
        refused.value
    )
    assert Person.objects.count() == persons  # not every person made again
    assert (
        list(Arrear.objects.order_by("pk").values_list("pk", "amount_cents", "link_digest"))
        == before
    )


def test_a_mutatie_forgets_the_digests_of_its_households(world):
    world.apply(*_stand(world))
    world.apply(
        {
            **world.at(1, klantnummer="K3", achternaam="Smit", bedrag_cents=99),
            "status": "gewijzigd",
        },
        kind="mutatie",
        day=MONTHS[1],
    )
    digests = dict(Arrear.objects.filter(status="open").values_list("klantnummer", "link_digest"))
    assert digests["K3"] is None
    assert digests["K1"] is not None and digests["K2"] is not None


def test_a_missing_person_is_linked_again(world, monkeypatch):
    """Retention never deletes a person with an open arrear; if one went anyway, link again."""
    world.apply(*_stand(world))
    arrear = Arrear.objects.get(klantnummer="K3")
    stray = Person.objects.filter(pk=arrear.person_id)
    stray.update(
        household=Household.objects.create(
            unregistered_address="9999ZZ|1||", municipality=world.municipality
        )
    )
    linked = _linked_rows(monkeypatch)
    monkeypatch.setattr(frames, "FULL_SCAN_FROM", 1)  # the one-pass reads (SQLite)
    counts = world.apply(*_stand(world), day=MONTHS[1])
    assert linked == [1]
    assert counts.persons_created == 1
    assert integrity_problems() == {}


@pytest.mark.parametrize("shortcut", [True, False])
def test_rows_routed_by_postcode_only_are_always_linked(world, monkeypatch, shortcut):
    monkeypatch.setattr(services, "LINK_SHORTCUT", shortcut)
    unrouted = world.at(0, klantnummer="K9", address_id=None, postcode="1234ZZ", huisnummer=7)
    world.apply(unrouted)
    assert Arrear.objects.get(klantnummer="K9").link_digest is None
    linked = _linked_rows(monkeypatch)
    world.apply(unrouted, day=MONTHS[1])
    assert linked == [1]


def test_a_row_matched_by_similarity_keeps_no_digest_and_follows_a_later_exact_person(
    world, monkeypatch
):
    """K2 ("Bakekr", no BSN) joins Bakker by similarity while K3 with the same spelling
    but another BSN becomes a person of its own: next month K2 links to K3's person
    (exactly its identity), with or without the shortcut."""
    bakker = {"geboortedatum": dt.date(1975, 2, 3), "voorletters": "J."}
    first = [world.at(0, klantnummer="K1", achternaam="Bakker", bsn="111222333", **bakker)]
    later = [
        *first,
        world.at(0, klantnummer="K2", achternaam="Bakekr", **bakker),
        world.at(0, klantnummer="K3", achternaam="Bakekr", bsn="999888777", **bakker),
    ]
    outcomes = []
    for shortcut in (True, False):
        monkeypatch.setattr(services, "LINK_SHORTCUT", shortcut)
        with transaction.atomic():
            for month, rows in enumerate([first, later, later]):
                world.apply(*rows, day=MONTHS[month])
                if month == 1:
                    assert Arrear.objects.get(klantnummer="K2").link_digest is None
            person = dict(
                Arrear.objects.filter(status="open").values_list("klantnummer", "person_id")
            )
            assert person["K2"] == person["K3"] != person["K1"]
            outcomes.append(snapshot())
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
