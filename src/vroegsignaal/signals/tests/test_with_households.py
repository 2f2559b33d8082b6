"""Signals on arrears kept by the households app: monthly stands through ``apply_rows``,
then ``evaluate_after_delivery`` as intake calls it."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import polars as pl
import pytest

from vroegsignaal.households.services import INPUT_SCHEMA, apply_rows
from vroegsignaal.intake.models import Delivery
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _made_up_blind_indexes(monkeypatch):
    """The world's persons carry made-up blind indexes (conftest): the key check before
    linking would take them for indexes of another key."""
    from vroegsignaal.households import services as households

    monkeypatch.setattr(households, "require_blind_index_key", lambda: None)


@pytest.fixture
def address(world):
    return world.household().address  # an address in the register (its household is reused)


def _row(address, klantnummer: str, *, amount: int, start: dt.date) -> dict:
    row = dict.fromkeys(INPUT_SCHEMA)
    row.update(
        klantnummer=klantnummer, contractnummer="", voorletters="J.", achternaam="Jansen",
        geboortedatum=dt.date(1980, 5, 17), postcode=address.postcode, huisnummer=address.huisnummer,
        bedrag_cents=amount, ontstaansdatum=start, crisissignaal=False, warme_overdracht=False,
        address_id=address.pk, municipality_id=address.municipality_id,
    )  # fmt: skip
    return row


def stand(world, creditor: str, day: dt.date, *rows: dict):
    delivery = Delivery.objects.create(
        creditor=world.creditors[creditor], kind="stand", reference_date=day, via="cli",
        sha256=hashlib.sha256(f"s{next(_n)}".encode()).hexdigest(),
    )  # fmt: skip
    frame = (
        pl.DataFrame(list(rows), schema=INPUT_SCHEMA) if rows else pl.DataFrame(schema=INPUT_SCHEMA)
    )
    counts = apply_rows(
        delivery, frame, kind="stand", creditor=world.creditors[creditor], reference_date=day
    )
    return services.evaluate_after_delivery(delivery, counts.touched_household_ids)


def test_debt_swap_across_two_creditors_monthly_stands(world, address):
    stand(world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)))
    stand(world, "WOONBRUG", FEB)  # cleared: last seen 1 January, gone on 1 February
    stand(
        world, "ENERGIENOORD", FEB, _row(address, "E-1", amount=21_000, start=dt.date(2026, 1, 20))
    )
    signal = Signal.objects.get(household__address=address, status="nieuw")
    assert (
        signal.debt_swap
        and "opgelost op 1 februari; nieuwe achterstand bij Energie Noord (€ 210,00) sinds 20 januari"
        in (signal.explanation)
    )


def test_stand_without_the_arrear_lets_the_new_signal_lapse(world, address):
    stand(world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)))
    assert Signal.objects.get(household__address=address).status == "nieuw"
    stand(world, "WOONBRUG", FEB)
    assert Signal.objects.get(household__address=address).status == "vervallen"


def test_second_creditor_joins_the_signal_and_makes_it_multiple(world, address):
    stand(world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)))
    stand(world, "WOONBRUG", FEB, _row(address, "H-1", amount=70_000, start=dt.date(2025, 12, 1)))
    stand(world, "ZORGZUID", FEB, _row(address, "Z-1", amount=12_000, start=dt.date(2026, 1, 15)))
    signal = Signal.objects.get(household__address=address)
    assert (signal.kind, signal.total_amount_cents, signal.signal_date) == (
        "meervoudig",
        82_000,
        JAN,
    )


def test_same_stand_twice_changes_no_signal(world, address):
    rows = [_row(address, "H-1", amount=65_000, start=dt.date(2026, 2, 1))]
    stand(world, "WOONBRUG", MAR, *rows)
    before = list(Signal.objects.values())
    stand(world, "WOONBRUG", MAR, *rows)
    assert list(Signal.objects.values()) == before


def test_new_signal_on_the_peildatum_its_predecessor_lapsed_is_no_repeat(world, address):
    stand(world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)))
    stand(world, "WOONBRUG", FEB)  # the old signal lapses on 1 February …
    stand(
        world, "ENERGIENOORD", FEB, _row(address, "E-1", amount=21_000, start=dt.date(2026, 1, 25))
    )
    fresh = Signal.objects.get(household__address=address, status="nieuw")
    assert (fresh.repeat, fresh.debt_swap) == (False, True)  # … and the new one continues it


def test_new_signal_a_month_after_the_lapse_is_a_repeat(world, address):
    stand(world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)))
    stand(world, "WOONBRUG", FEB)
    stand(
        world, "ENERGIENOORD", MAR, _row(address, "E-1", amount=21_000, start=dt.date(2026, 2, 25))
    )
    assert Signal.objects.get(household__address=address, status="nieuw").repeat is True


def mutatie(world, creditor: str, day: dt.date, *rows: dict):
    """A ``mutatie`` through ``apply_rows``, then evaluation as intake calls it."""
    delivery = Delivery.objects.create(
        creditor=world.creditors[creditor], kind="mutatie", reference_date=day, via="cli",
        sha256=hashlib.sha256(f"m{next(_n)}".encode()).hexdigest(),
    )  # fmt: skip
    frame = (
        pl.DataFrame(list(rows), schema=INPUT_SCHEMA) if rows else pl.DataFrame(schema=INPUT_SCHEMA)
    )
    counts = apply_rows(
        delivery, frame, kind="mutatie", creditor=world.creditors[creditor], reference_date=day
    )
    return services.evaluate_after_delivery(
        delivery, counts.touched_household_ids, municipality_ids=counts.municipality_ids
    )


def _status(row: dict, status: str) -> dict:
    return {**row, "status": status}


@pytest.mark.parametrize("other_changes", [True, False], ids=["with-other-rows", "empty-mutatie"])
def test_mutatie_without_the_arrear_keeps_it_signalled_on_its_peildatum(
    world, address, other_changes
):
    """A mutatie delivers changes only: the creditor's untouched open arrears are still
    there on its peildatum, so the household is still signalled then — and a signal
    raised within the repeat window after that day is herhaald."""
    elsewhere = world.household().address
    arrear = _row(address, "M-1", amount=65_000, start=dt.date(2025, 12, 15))
    mutatie(world, "WOONBRUG", JAN, _status(arrear, "nieuw"))
    feb = [_status(_row(elsewhere, "M-2", amount=30_000, start=dt.date(2026, 1, 20)), "nieuw")]
    mutatie(world, "WOONBRUG", FEB, *(feb if other_changes else []))
    first = Signal.objects.get(household__address=address)
    assert first.last_signalled_on == FEB
    mutatie(world, "WOONBRUG", MAR, _status(arrear, "afgemeld"))
    first.refresh_from_db()
    assert (first.status, first.last_signalled_on) == ("vervallen", FEB)
    # 1 August is 181 days after 1 February (within the 183-day window), 212 after 1 January.
    aug = dt.date(2026, 8, 1)
    stand(
        world, "ENERGIENOORD", aug, _row(address, "E-1", amount=21_000, start=dt.date(2026, 7, 20))
    )
    fresh = Signal.objects.get(household__address=address, status="nieuw")
    assert (fresh.repeat, fresh.repeat_of_id) == (True, first.pk)


def _signal_index_names() -> dict[str, set[str]]:
    from django.db import connection

    from vroegsignaal.signals.writing import CHANGE_TABLE, MEMBER_TABLE, SIGNAL_TABLE

    with connection.cursor() as cursor:
        return {
            table: {
                name
                for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"]
            }
            for table in (SIGNAL_TABLE, MEMBER_TABLE, CHANGE_TABLE)
        }


@pytest.mark.parametrize("fail", [False, True], ids=["raised", "failed"])
def test_a_first_evaluation_with_deferred_indexes_keeps_every_index(
    world, address, monkeypatch, fail
):
    """A first load raises its signals with the tables' indexes built afterwards (SQLite);
    they are all there again after it, and after an evaluation that failed."""
    from vroegsignaal.households import bulk
    from vroegsignaal.signals import writing

    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _signal_index_names()
    if fail:
        monkeypatch.setattr(services, "_update_changed", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            stand(
                world,
                "WOONBRUG",
                JAN,
                _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1)),
            )
        assert not Signal.objects.exists()
    else:
        stand(
            world, "WOONBRUG", JAN, _row(address, "H-1", amount=65_000, start=dt.date(2025, 12, 1))
        )
        signal = Signal.objects.get(household__address=address)
        assert (signal.status, signal.total_amount_cents) == ("nieuw", 65_000)
        assert signal.signal_arrears.count() == 1 and signal.status_changes.count() == 1
    assert _signal_index_names() == before
    assert writing.SIGNAL_TABLE in before and before[writing.SIGNAL_TABLE]
