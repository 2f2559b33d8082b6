"""Property: the order of the rows in a delivery never changes the persons or arrears."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vroegsignaal.households.models import Arrear, ArrearEvent, Person
from vroegsignaal.households.services import apply_rows

from .conftest import PEILDATUM, frame

# People who share addresses, birth dates and names in the ways that make matching hard.
# (address, birth date, spellings of the surname, ways of writing the first names)
PEOPLE = [
    (
        0,
        dt.date(1975, 2, 3),
        ["Bakker", "Bakekr", "bakker"],
        [("J.", None), ("J.P.", None), (None, "Jan Pieter")],
    ),
    (0, dt.date(2003, 8, 9), ["Bakker", "Baker"], [("J.", None), (None, "Jan")]),  # the son
    (0, dt.date(1977, 6, 1), ["Visser", "Vissre"], [("M.", None), (None, "Maria")]),
    (
        0,
        dt.date(1977, 6, 1),
        ["Bakker"],
        [("M.", None)],
    ),  # same birth date as the mother, other name
    (1, dt.date(1990, 1, 1), ["de Vries", "Vries", "VRIES"], [("A.", None), ("A.B.", None)]),
    (1, dt.date(1990, 1, 1), ["Vries"], [("A.C.", None)]),  # twin: A.C. is not A.B.
]


@st.composite
def deliveries(draw):
    def rows_of(prefix: str):
        picks = draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(PEOPLE) - 1),
                    st.integers(0, 2),
                    st.integers(0, 2),
                    st.integers(1, 40),
                    st.sampled_from([None, "0611111111", "0622222222"]),
                ),
                min_size=1,
                max_size=12,
            )
        )
        rows = []
        for n, (who, spelling, writing, euros, phone) in enumerate(picks):
            address, born, surnames, writings = PEOPLE[who]
            voorletters, voornamen = writings[writing % len(writings)]
            surname = surnames[spelling % len(surnames)]
            tussenvoegsel = None
            if surname.startswith("de "):
                tussenvoegsel, surname = "de", surname[3:]
            rows.append(
                {
                    "klantnummer": f"{prefix}{who}",
                    "contractnummer": str(n),
                    "address": address,
                    "geboortedatum": born,
                    "achternaam": surname,
                    "tussenvoegsel": tussenvoegsel,
                    "voorletters": voorletters,
                    "voornamen": voornamen,
                    "bedrag_cents": euros * 100,
                    "telefoonnummer": phone,
                }
            )
        return rows

    first, second = rows_of("K"), rows_of("K")
    permutation_1 = draw(st.permutations(range(len(first))))
    permutation_2 = draw(st.permutations(range(len(second))))
    return first, second, permutation_1, permutation_2


def snapshot() -> tuple:
    """Persons as the set of arrear keys linked to each, with their stored fields; arrears by key."""
    keys_of: dict[int, set] = {}
    for person_id, k, c in Arrear.objects.values_list("person_id", "klantnummer", "contractnummer"):
        keys_of.setdefault(person_id, set()).add((k, c))
    persons = set()
    for p in Person.objects.all():
        persons.add(
            (
                frozenset(keys_of.get(p.pk, ())),
                p.household.address_id,
                p.surname,
                p.initials,
                p.first_names,
                p.birth_date,
                p.phone,
            )
        )
    arrears = set(
        Arrear.objects.values_list(
            "klantnummer",
            "contractnummer",
            "status",
            "amount_cents",
            "household__address_id",
            "opened_on",
            "cleared_on",
        )
    )
    events = sorted(
        ArrearEvent.objects.values_list(
            "arrear__klantnummer",
            "arrear__contractnummer",
            "kind",
            "reference_date",
            "amount_cents",
        )
    )
    return persons, arrears, events


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(deliveries())
def test_shuffling_rows_gives_the_same_persons_and_arrears(world, delivered):
    first, second, permutation_1, permutation_2 = delivered

    def routed(rows):
        out = []
        for r in rows:
            r = dict(r)
            out.append(world.at(r.pop("address"), **r))
        return out

    def run(rows_1, rows_2):
        with transaction.atomic():
            for rows, day in ((rows_1, PEILDATUM), (rows_2, dt.date(2026, 12, 1))):
                delivery = world.delivery(day=day)
                apply_rows(
                    delivery,
                    frame(*rows),
                    kind="stand",
                    creditor=world.creditor,
                    reference_date=day,
                )
            result = snapshot()
            transaction.set_rollback(True)
        return result

    # Rows of one delivery share no (klantnummer, contractnummer).
    first, second = routed(first), routed(second)
    in_order = run(first, second)
    shuffled = run([first[i] for i in permutation_1], [second[i] for i in permutation_2])
    assert in_order == shuffled


def test_frame_helper_builds_the_input_schema(world):
    assert frame(world.at(0)).schema["geboortedatum"] == pl.Date
