"""Review: a signal that lapses or falls asleep on a peildatum keeps the figures of an
evaluation between two deliveries of that peildatum (a state that never held at its end).

1 March: a household with arrears at WOONBRUG (125 euro) and ENERGIENOORD (300 euro): a
meervoudig signal of 2 creditors, 425 euro. 1 April: both creditors deliver; each
delivery's evaluation sees the other creditor's arrear of March still counting.
"""

from __future__ import annotations

import datetime as dt

import pytest

from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.rules import RuleValues
from vroegsignaal.signals.tests.conftest import PEILDATUM

pytestmark = pytest.mark.django_db

MARCH, APRIL = PEILDATUM, dt.date(2026, 4, 1)
AMOUNTS = {"WOONBRUG": 12_500, "ENERGIENOORD": 30_000}
FIGURES = ("kind", "creditor_count", "total_amount_cents", "debt_swap", "crisis",
           "last_signalled_on", "explanation", "reasons", "dormant_since")  # fmt: skip


def _stored(signal):
    """The stored figures, with the creditors of the arrears that count (``counts``)."""
    figures = {f: getattr(signal, f) for f in FIGURES}
    figures["reasons"] = {k: v for k, v in signal.reasons.items() if k != "arrears"} | {
        "arrears": sorted(a["creditor"] for a in signal.reasons.get("arrears", []))
    }
    figures["counting"] = sorted(
        sa.arrear.creditor.code for sa in signal.signal_arrears.filter(counts=True)
    )
    return figures


def _deliver(world, household, day):
    """What intake does after each applied delivery: evaluate the households it touched."""
    services.evaluate(
        world.municipality, reference_date=day, received_on=day, household_ids=[household.pk]
    )


def _march(world):
    household = world.household()
    arrears = {c: world.arrear(household, c, amount=a, age=30) for c, a in AMOUNTS.items()}
    services.evaluate(world.municipality, reference_date=MARCH, received_on=MARCH)
    signal = Signal.objects.get(household=household)
    assert (signal.kind, signal.creditor_count, signal.total_amount_cents, signal.debt_swap) == (
        "meervoudig", 2, 42_500, False,
    )  # fmt: skip
    return household, arrears, _stored(signal)


def lapsed(world, order):
    """Both creditors' files of 1 April clear their arrear, delivered in ``order``."""
    household, arrears, march = _march(world)
    for creditor in order:
        world.clear(arrears[creditor], APRIL)
        _deliver(world, household, APRIL)
    signal = Signal.objects.get(household=household)
    assert (signal.status, signal.closed_on) == ("vervallen", APRIL)
    return _stored(signal), march


def asleep(world, order):
    """1 April: WOONBRUG's file clears its arrear, ENERGIENOORD's brings it down to 20 euro
    (under the minimum of 50 euro): nothing counts, an arrear is still open: asleep."""
    services.set_rules(world.municipality, RuleValues(min_amount_eur=50))
    household, arrears, march = _march(world)
    for creditor in order:
        arrear = arrears[creditor]
        if creditor == "WOONBRUG":
            world.clear(arrear, APRIL)
        else:
            arrear.amount_cents, arrear.last_seen_on = 2_000, APRIL
            arrear.save()
        _deliver(world, household, APRIL)
    signal = Signal.objects.get(household=household)
    assert (signal.status, signal.dormant_since) == ("nieuw", APRIL)
    return _stored(signal), march


@pytest.mark.parametrize("outcome", [lapsed, asleep])
def test_the_order_of_the_deliveries_of_one_peildatum_does_not_matter(world, outcome):
    first, _ = outcome(world, ["WOONBRUG", "ENERGIENOORD"])
    second, _ = outcome(world, ["ENERGIENOORD", "WOONBRUG"])
    assert first == second


@pytest.mark.parametrize("order", [["WOONBRUG", "ENERGIENOORD"], ["ENERGIENOORD", "WOONBRUG"]])
@pytest.mark.parametrize("outcome", [lapsed, asleep])
def test_a_lapsed_or_sleeping_signal_keeps_the_figures_of_its_last_peildatum(world, outcome, order):
    stored, march = outcome(world, order)
    march.pop("dormant_since"), stored.pop("dormant_since")
    assert stored == march  # meervoudig, 2 creditors, 425 euro, no debt swap, signalled 1 March


def slept_then_lapsed(world, order):
    """Asleep since 1 April (minimum 50 euro): WOONBRUG's file cleared its arrear and brought
    a new one that starts on 15 April (it does not count yet), ENERGIENOORD's brought its
    arrear down to 20 euro. 1 May: the new arrear counts (woken up, when ENERGIENOORD's
    delivery comes first) until WOONBRUG's file clears it; ENERGIENOORD's clears its arrear:
    the signal lapses, asleep since 1 April with the figures of 1 March."""
    may = dt.date(2026, 5, 1)
    services.set_rules(world.municipality, RuleValues(min_amount_eur=50))
    household, arrears, march = _march(world)
    world.clear(arrears["WOONBRUG"], APRIL)
    later = world.arrear(
        household, "WOONBRUG", amount=20_000, start=dt.date(2026, 4, 15), last_seen_on=APRIL
    )
    low = arrears["ENERGIENOORD"]
    low.amount_cents, low.last_seen_on = 2_000, APRIL
    low.save()
    _deliver(world, household, APRIL)
    signal = Signal.objects.get(household=household)
    assert (signal.status, signal.dormant_since) == ("nieuw", APRIL)
    for creditor in order:
        world.clear(later if creditor == "WOONBRUG" else low, may)
        _deliver(world, household, may)
        if creditor == order[0] == "ENERGIENOORD":
            woken = Signal.objects.get(household=household)
            assert (woken.dormant_since, woken.creditor_count) == (None, 1)
    signal = Signal.objects.get(household=household)
    assert (signal.status, signal.closed_on) == ("vervallen", may)
    return _stored(signal), march


@pytest.mark.parametrize("order", [["WOONBRUG", "ENERGIENOORD"], ["ENERGIENOORD", "WOONBRUG"]])
def test_a_signal_asleep_before_the_peildatum_that_wakes_between_deliveries(world, order):
    stored, march = slept_then_lapsed(world, order)
    assert stored.pop("dormant_since") == APRIL
    march.pop("dormant_since")
    assert stored == march
