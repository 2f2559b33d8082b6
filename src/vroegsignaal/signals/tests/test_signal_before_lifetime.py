"""A signal's snapshot before a peildatum (``SignalBefore``, ``SignalArrear.counted_before``)
lives only as long as it can settle the signal: while the signal is open, on the peildatum its
municipality is at. It goes when the signal closes and at the municipality's first evaluation on
a later peildatum; its reference to an earlier signal is emptied when that signal is purged; the
integrity check reports a snapshot that should have gone.

Before: the rows stayed for closed signals and for every open signal nothing changed since, and
settling could put back a ``repeat_of`` of a purged signal.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.factories import MunicipalityFactory
from vroegsignaal.privacy.services import purge
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, SignalArrear, SignalBefore
from vroegsignaal.signals.selectors import integrity_problems
from vroegsignaal.signals.tests.conftest import PEILDATUM

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = PEILDATUM, dt.date(2026, 4, 1), dt.date(2026, 5, 1)


def _evaluate(world, day, *households):
    """As intake does after a delivery: the households it touched (all without any)."""
    ids = [h.pk for h in households] if households else None
    services.evaluate(world.municipality, reference_date=day, received_on=day, household_ids=ids)


def _changed_on_april(world):
    """A signal of 1 March that a third creditor's arrear joins on 1 April: it has a snapshot."""
    household = world.household()
    arrears = [world.arrear(household, c, age=30) for c in ("WOONBRUG", "ENERGIENOORD")]
    _evaluate(world, MARCH)
    arrears.append(world.arrear(household, "WATERNET", age=5, last_seen_on=APRIL))
    for arrear in arrears[:2]:
        arrear.last_seen_on = APRIL
        arrear.save()
    _evaluate(world, APRIL, household)
    signal = Signal.objects.get(household=household)
    assert (signal.creditor_count, _snapshots(signal)) == (3, [(APRIL, 2)])
    return household, arrears, signal


def _snapshots(signal) -> list[tuple[dt.date, int]]:
    """The signal's snapshots, each with the number of its arrears marked ``counted_before``."""
    counted = SignalArrear.objects.filter(signal=signal, counted_before=True).count()
    return [(b.peildatum, counted) for b in SignalBefore.objects.filter(signal=signal)] or (
        [(None, counted)] if counted else []
    )


def test_a_signal_that_lapses_keeps_no_snapshot(world):
    household, arrears, signal = _changed_on_april(world)
    for arrear in arrears:
        world.clear(arrear, APRIL)
    _evaluate(world, APRIL, household)
    signal.refresh_from_db()
    assert (signal.status, signal.creditor_count, _snapshots(signal)) == ("vervallen", 2, [])


@pytest.mark.parametrize("handled", ["declined", "closed"])
def test_a_signal_a_person_declines_or_closes_keeps_no_snapshot(world, handled):
    _, _, signal = _changed_on_april(world)
    if handled == "declined":
        services.decline_signal(signal, on=APRIL)
    else:
        services.pick_up_signal(signal, on=APRIL)
        assert _snapshots(signal) == [(APRIL, 2)]  # picked up: still open
        services.close_signal(signal, on=APRIL)
    assert _snapshots(signal) == []


def test_the_first_evaluation_on_a_later_peildatum_ends_the_snapshots_of_the_earlier_one(world):
    _, _, signal = _changed_on_april(world)
    elsewhere = MunicipalityFactory(code="0888", name="Ergens")
    other = world.household(municipality=elsewhere)
    world.arrear(other, "WOONBRUG", age=30)
    world.arrear(other, "ENERGIENOORD", age=30)
    services.evaluate(elsewhere, reference_date=MAY, received_on=MAY)
    assert _snapshots(signal) == [(APRIL, 2)]  # another municipality's peildatum

    # 1 May: a delivery that touches another household of the municipality only.
    someone = world.household()
    world.arrear(someone, "ZORGZUID", age=10, last_seen_on=MAY)
    _evaluate(world, MAY, someone)
    assert _snapshots(signal) == []


def test_a_late_delivery_on_an_earlier_peildatum_leaves_the_later_snapshots(world):
    household, arrears, signal = _changed_on_april(world)
    world.arrear(household, "ZORGZUID", age=5, last_seen_on=MAY)
    _evaluate(world, MAY, household)
    assert _snapshots(signal) == [(MAY, 3)]
    someone = world.household()
    world.arrear(someone, "ZORGWEST", age=10, last_seen_on=APRIL)
    _evaluate(world, APRIL, someone)
    assert _snapshots(signal) == [(MAY, 3)]


def test_purging_the_earlier_signal_empties_the_repeat_of_in_a_snapshot(world):
    """1 March raised, lapsed 1 April; 1 May a new signal repeats it; 1 June a creditor joins
    (a snapshot naming the earlier signal); the purge deletes the earlier one."""
    household = world.household()
    first = [world.arrear(household, c, age=30) for c in ("WOONBRUG", "ENERGIENOORD")]
    _evaluate(world, MARCH)
    earlier = Signal.objects.get(household=household)
    for arrear in first:
        world.clear(arrear, APRIL)
    _evaluate(world, APRIL, household)
    start = dt.date(2026, 4, 20)
    world.arrear(household, "ZORGZUID", start=start, last_seen_on=MAY)
    world.arrear(household, "WATERNET", start=start, last_seen_on=MAY)
    _evaluate(world, MAY, household)
    later = Signal.objects.get(household=household, status="nieuw")
    assert (later.repeat, later.repeat_of_id) == (True, earlier.pk)
    june = dt.date(2026, 6, 1)
    world.arrear(household, "ZORGWEST", start=dt.date(2026, 5, 20), last_seen_on=june)
    _evaluate(world, june, household)
    assert SignalBefore.objects.get(signal=later).repeat_of_id == earlier.pk

    report = purge(today=dt.date(2026, 12, 1), municipalities=[world.municipality])

    assert not Signal.objects.filter(pk=earlier.pk).exists()
    later.refresh_from_db()
    assert (later.repeat_of_id, SignalBefore.objects.get(signal=later).repeat_of_id) == (None, None)
    assert set(report.counts[world.municipality.code]) >= {"signalen"}


def test_a_purged_signal_takes_its_snapshot_along_without_a_category_of_its_own(world):
    """A ``nieuw`` signal asleep since 1 April (its arrears aged) with its snapshot of then,
    never picked up: the purge deletes both, and reports the signal, not the snapshot."""
    household = world.household()
    for creditor in ("WOONBRUG", "ENERGIENOORD"):
        world.arrear(household, creditor, age=80)
    _evaluate(world, MARCH)
    _evaluate(world, APRIL, household)
    signal = Signal.objects.get(household=household)
    assert (signal.dormant_since, _snapshots(signal)) == (APRIL, [(APRIL, 2)])

    report = purge(today=dt.date(2027, 3, 1), municipalities=[world.municipality])

    assert not SignalBefore.objects.exists()
    counts = report.counts[world.municipality.code]
    assert counts["signalen"] == 1
    assert "signals.signalbefore" not in counts


# -- the integrity check ------------------------------------------------------------------------


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_integrity_reports_a_snapshot_of_a_closed_signal_and_its_counted_before(world):
    _, _, signal = _changed_on_april(world)
    assert integrity_problems() == {}
    table = Signal._meta.db_table
    closing = f"UPDATE {table} SET status = 'vervallen', closed_on = %s WHERE id = %s"  # noqa: S608
    _sql(closing, [APRIL, signal.pk])
    assert integrity_problems() == {"before.closed_signal": 1}
    _sql(f"DELETE FROM {SignalBefore._meta.db_table} WHERE signal_id = %s", [signal.pk])  # noqa: S608
    assert integrity_problems() == {"member.counted_before": 2}
    SignalArrear.objects.filter(signal=signal).update(counted_before=False)


def test_integrity_reports_a_snapshot_pointing_nowhere_or_elsewhere(world):
    _, _, signal = _changed_on_april(world)
    before = SignalBefore._meta.db_table
    elsewhere = services.ensure_default_trays(MunicipalityFactory(code="0888", name="Ergens"))[0]
    _sql(
        f"UPDATE {before} SET tray_id = %s, repeat_of_id = %s, peildatum = %s WHERE signal_id = %s",  # noqa: S608
        [elsewhere.pk, signal.pk, MARCH, signal.pk],
    )
    assert integrity_problems() == {"before.tray": 1, "before.repeat_of": 1, "before.peildatum": 1}
    _sql(f"UPDATE {before} SET signal_id = %s WHERE signal_id = %s", [10**9, signal.pk])  # noqa: S608
    assert integrity_problems()["before.signal"] == 1
    _sql(f"DELETE FROM {before} WHERE signal_id = %s", [10**9])  # noqa: S608
    SignalArrear.objects.filter(signal=signal).update(counted_before=False)


def test_a_signal_a_colleague_closes_while_the_evaluation_writes_keeps_no_snapshot(
    world, monkeypatch
):
    """On PostgreSQL the close cannot see the evaluation's snapshot, not yet committed, to delete
    it; the evaluation's update then passes the closed signal by, and deletes the snapshot itself
    (review 28). Here the close comes between the snapshot and the update."""
    from vroegsignaal.signals import writing

    household = world.household()
    arrears = [world.arrear(household, c, age=30) for c in ("WOONBRUG", "ENERGIENOORD")]
    _evaluate(world, MARCH)
    signal = Signal.objects.get(household=household)
    world.arrear(household, "WATERNET", age=5, last_seen_on=APRIL)
    for arrear in arrears:
        arrear.last_seen_on = APRIL
        arrear.save()
    snapshot = writing._snapshot

    def snapshot_then_a_colleague_declines(signal_ids, reference_date, extra=""):
        snapshot(signal_ids, reference_date, extra)
        Signal.objects.filter(pk=signal.pk).update(status="niet_opgepakt", closed_on=APRIL)

    monkeypatch.setattr(writing, "_snapshot", snapshot_then_a_colleague_declines)
    _evaluate(world, APRIL, household)
    signal.refresh_from_db()
    assert (signal.status, signal.creditor_count, _snapshots(signal)) == ("niet_opgepakt", 2, [])
    assert integrity_problems() == {}
