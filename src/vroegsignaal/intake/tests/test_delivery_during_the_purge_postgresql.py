"""A delivery applied while the nightly retention run purges its municipality, on PostgreSQL.

API deliveries arrive at any hour, so the worker may apply one in the minute the purge runs.
The purge deletes persons without arrears, households left empty and arrears that can no
longer count; the references a delivery writes (arrear → household and person, person →
household, event → arrear) have no database constraint (``households.models``). So nothing
stopped the purge from deleting a household or person a delivery had just linked a row to, or
the delivery from changing or closing an arrear the purge had just deleted: both committed,
and rows pointed nowhere, silently (only a stand that delivered such an arrear again failed,
on the count check of ``households.timeline._mark_seen``). Now the purge takes the lock every
apply takes (``households.services.lock_out_applies``) before anything else, so the two follow
one another. Skipped on SQLite, where one database write lock serialises all writers.

In each world customer 1 lives at 1234AB 1, alone, with one open arrear that began in
January: on the purge day it is out of the rules' age window (100 days), so the purge deletes
it, then the person (no arrears left), then the household (empty).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from tests.concurrency import at_the_same_moment
from vroegsignaal.households.models import Arrear, ArrearStatus, Household
from vroegsignaal.households.selectors import integrity_problems
from vroegsignaal.intake import processing, services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.privacy import retention
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.selectors import integrity_problems as signal_integrity_problems

from .support import HEADER, PEILDATUM, csv_bytes, row

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("without_audit_lock"),
]

OLD_START = "2026-01-05"  # out of the age window on the purge day
NEXT_PEILDATUM = dt.date(2026, 11, 8)
PURGE_DAY = NEXT_PEILDATUM


def deliver(creditor, content: bytes, peildatum: dt.date, kind: str = "stand") -> Delivery:
    return services.receive_delivery(
        creditor, content, filename="levering.csv", reference_date=peildatum, via=Via.CLI, kind=kind
    )


@pytest.fixture
def lonely_household(world) -> Household:
    """Customer 1 of Energie Noord, alone at 1234AB 1 with one arrear from January."""
    delivery = deliver(
        world.other_creditor,
        csv_bytes([row(1, klantnummer="E-1", ontstaansdatum=OLD_START)]),
        PEILDATUM,
    )
    assert delivery.status == DeliveryStatus.VERWERKT
    household = Household.objects.get()
    assert not Signal.objects.exists()
    return household


def purge(world, *, dry_run: bool = False) -> retention.PurgeReport:
    return retention.purge(
        today=PURGE_DAY, municipalities=[world.voorbeeldstad], intake=False, dry_run=dry_run
    )


def purged(report, category: str) -> int:
    return report.counts["0999"][category]


def assert_references_whole() -> None:
    assert integrity_problems() == {}
    assert signal_integrity_problems() == {}


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def purge_while_the_delivery_is_paused(
    monkeypatch, deliver_it: Callable, purge_it: Callable
) -> tuple[object, object, bool]:
    """Apply a delivery that pauses once its households, persons and arrears are linked (before
    its signal evaluation takes the municipality's lock), and run the purge in that pause, in
    another thread and connection. The delivery goes on once the purge has finished or waits
    for a lock. Returns what each returned (or raised) and whether the purge had finished when
    the delivery went on, i.e. without waiting for it."""
    outcome: dict[str, object] = {}
    linked, purge_done = threading.Event(), threading.Event()
    evaluate = processing._evaluate_signals

    def paused(*args, **kwargs):
        linked.set()
        deadline = time.monotonic() + 20
        while not purge_done.wait(0.05) and time.monotonic() < deadline:
            if someone_waits_for_a_lock():
                break
        outcome["purge finished first"] = purge_done.is_set()
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(processing, "_evaluate_signals", paused)

    def run(name: str, work: Callable, done: threading.Event | None) -> None:
        try:
            outcome[name] = work()
        except Exception as error:  # returned to the test, which checks it
            outcome[name] = error
        finally:
            linked.set()
            if done is not None:
                done.set()
            connections.close_all()

    delivery = threading.Thread(target=run, args=("delivery", deliver_it, None), daemon=True)
    delivery.start()
    assert linked.wait(20)
    the_purge = threading.Thread(target=run, args=("purge", purge_it, purge_done), daemon=True)
    the_purge.start()
    delivery.join(30)
    the_purge.join(30)
    return outcome["delivery"], outcome["purge"], outcome.get("purge finished first")


@pytest.mark.parametrize("surname", ["Jansen", "Bakker"], ids=["the-known-person", "a-new-person"])
def test_a_purge_during_a_delivery_keeps_the_household_the_delivery_linked_a_row_to(
    world, lonely_household, monkeypatch, surname
):
    # Woonstichting De Brug delivers an arrear at 1234AB 1: of the person living there
    # (Jansen), or of someone new there (Bakker).
    content = csv_bytes(
        [row(1, klantnummer="W-1", achternaam=surname, ontstaansdatum="2026-10-01")]
    )
    delivery, report, purge_finished_first = purge_while_the_delivery_is_paused(
        monkeypatch,
        lambda: deliver(world.creditor, content, NEXT_PEILDATUM),
        lambda: purge(world),
    )

    assert isinstance(delivery, Delivery) and delivery.status == DeliveryStatus.VERWERKT, delivery
    assert isinstance(report, retention.PurgeReport), report
    assert_references_whole()
    assert not purge_finished_first, "the purge should wait for the delivery"
    arrear = Arrear.objects.get(klantnummer="W-1")
    assert arrear.household_id == lonely_household.pk
    # Energie Noord's old arrear goes; the household stays, with its persons: it has a signal now.
    assert (purged(report, "achterstanden"), purged(report, "huishoudens")) == (1, 0)
    assert Signal.objects.get().household_id == lonely_household.pk


def test_a_dry_run_during_a_delivery_counts_what_a_run_after_it_removes(
    world, lonely_household, monkeypatch
):
    content = csv_bytes([row(1, klantnummer="W-1", ontstaansdatum="2026-10-01")])
    delivery, dry, purge_finished_first = purge_while_the_delivery_is_paused(
        monkeypatch,
        lambda: deliver(world.creditor, content, NEXT_PEILDATUM),
        lambda: purge(world, dry_run=True),
    )

    assert isinstance(delivery, Delivery) and delivery.status == DeliveryStatus.VERWERKT, delivery
    assert not purge_finished_first, "the dry run should wait for the delivery"
    assert dry.counts == purge(world).counts


def test_a_delivery_during_a_purge_links_its_rows_to_what_the_purge_left(world, lonely_household):
    content = csv_bytes([row(1, klantnummer="W-1", ontstaansdatum="2026-10-01")])
    report, delivery = at_the_same_moment(
        lambda: purge(world), lambda: deliver(world.creditor, content, NEXT_PEILDATUM)
    )

    assert isinstance(report, retention.PurgeReport), report
    assert isinstance(delivery, Delivery) and delivery.status == DeliveryStatus.VERWERKT, delivery
    assert_references_whole()
    assert (purged(report, "personen"), purged(report, "huishoudens")) == (1, 1)
    arrear = Arrear.objects.get()
    assert arrear.klantnummer == "W-1" and arrear.household_id != lonely_household.pk
    assert arrear.household.address.huisnummer == 1


NEIGHBOURS = [row(2), row(3)]  # customers 2 and 3 of the creditor, with recent arrears
NEIGHBOURS_OPEN = {"K-00002": 15_000, "K-00003": 15_000}


@pytest.mark.parametrize(
    ("kind", "rows", "open_after"),
    [
        (
            "stand",
            [row(1, ontstaansdatum=OLD_START, bedrag_achterstand="275,00"), *NEIGHBOURS],
            {"K-00001": 27_500, **NEIGHBOURS_OPEN},
        ),
        ("stand", NEIGHBOURS, NEIGHBOURS_OPEN),
        (
            "mutatie",
            [row(1, ontstaansdatum=OLD_START, bedrag_achterstand="275,00", status="gewijzigd")],
            {"K-00001": 27_500, **NEIGHBOURS_OPEN},
        ),
        ("mutatie", [row(1, ontstaansdatum=OLD_START, status="afgemeld")], NEIGHBOURS_OPEN),
    ],
    ids=[
        "a-stand-changes-it",
        "a-stand-leaves-it-out",
        "a-mutatie-changes-it",
        "a-mutatie-closes-it",
    ],
)
def test_a_delivery_that_writes_to_an_arrear_the_purge_deletes_finds_it_gone(
    world, kind, rows, open_after
):
    # Woonstichting De Brug's customer 1, alone at 1234AB 1, has an arrear from January: the
    # purge deletes it (out of the age window) while the creditor's next delivery changes it,
    # closes it or leaves it out of its stand.
    content = csv_bytes([row(1, ontstaansdatum=OLD_START), *NEIGHBOURS])
    assert deliver(world.creditor, content, PEILDATUM).status == DeliveryStatus.VERWERKT
    content = csv_bytes(rows, [*HEADER, "status"]) if kind == "mutatie" else csv_bytes(rows)
    report, delivery = at_the_same_moment(
        lambda: purge(world), lambda: deliver(world.creditor, content, NEXT_PEILDATUM, kind=kind)
    )

    assert isinstance(report, retention.PurgeReport), report
    assert isinstance(delivery, Delivery) and delivery.status == DeliveryStatus.VERWERKT, delivery
    assert_references_whole()
    assert purged(report, "achterstanden") == 1
    customer_1 = Arrear.objects.filter(klantnummer="K-00001")
    assert not customer_1.exclude(opened_by_delivery=delivery).exists()  # the old one is gone
    open_now = Arrear.objects.filter(status=ArrearStatus.OPEN)
    assert dict(open_now.values_list("klantnummer", "amount_cents")) == open_after
