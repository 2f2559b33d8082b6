"""A herhaald signal keeps its herhaald line and reasons across the evaluations after the one
that decided it.

Review 27: a sleeping signal that woke up as a repeat of its own earlier run (``repeat_of``
empty, ``repeat_until`` the last day of that run) got the line "herhaald: eerder signaal tot en
met …" when it woke, but the next evaluation (the next monthly delivery, the signal still open
and counting) wrote its explanation and reasons again without it, while ``repeat`` stayed true:
the explanation took "a repeat" from the earlier signal's id, and the stored ``repeat_of`` is
empty. The same befell a signal whose earlier signal was purged or anonymised (``repeat_of``
emptied), and a signal raised on the peildatum on which such a signal lapsed (it takes over the
repeat). The reasons of a signal that repeats its own run name no signal (``previous_signal_id``
null), when it wakes up and after.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from vroegsignaal.signals import services
from vroegsignaal.signals.explanations import content_digest, explain, explain_frame, reasons_json
from vroegsignaal.signals.explanations_english import explanation_lines
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM

MARCH, APRIL, MAY, JUNE = PEILDATUM, dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)
JULY, AUGUST = dt.date(2026, 7, 1), dt.date(2026, 8, 1)
HERHAALD_MARCH = "herhaald: eerder signaal tot en met 1 maart 2026 (binnen 183 dagen)"
HERHAALD_DECEMBER = "herhaald: eerder signaal tot en met 1 december 2025 (binnen 183 dagen)"


def evaluate(world, day, **kwargs):
    return services.evaluate(world.municipality, reference_date=day, received_on=day, **kwargs)


def confirm(arrear, day):
    """The creditor's next stand confirms the arrear unchanged on ``day``."""
    arrear.last_seen_on = day
    arrear.save()


def repeat_reasons(signal: Signal) -> dict | None:
    return signal.reasons["repeat"]


def stored(signal: Signal) -> tuple:
    signal.refresh_from_db()
    return (signal.explanation, signal.reasons, signal.content_digest)


def woken_as_own_repeat(world):
    """Signalled on 1 March (an arrear 90 days old), asleep on 1 April, woken on 1 May by a new
    arrear: herhaald, its own run (until 1 March) the earlier signalling."""
    household = world.household()
    world.arrear(household, "WOONBRUG", age=90)
    evaluate(world, MARCH)
    evaluate(world, APRIL)
    new = world.arrear(household, "ENERGIENOORD", start=dt.date(2026, 4, 20), last_seen_on=MAY)
    evaluate(world, MAY)
    signal = Signal.objects.get(household=household)
    assert (signal.dormant_since, signal.repeat, signal.repeat_of_id, signal.repeat_until) == (
        None, True, None, MARCH,
    )  # fmt: skip
    return household, signal, new


# ---------------------------------------------------------------------------
# Woken up as a repeat of its own earlier run
# ---------------------------------------------------------------------------


def test_a_signal_woken_as_its_own_repeat_names_no_signal_in_its_reasons(world):
    _, signal, _ = woken_as_own_repeat(world)
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == {
        "previous_signal_id": None, "until": "2026-03-01", "window_days": 183,
    }  # fmt: skip
    english = explanation_lines(signal.reasons, reference_date=MAY, creditor_names={})
    assert "repeat: earlier signal up to and including 1 March 2026 (within 183 days)" in english


def test_the_next_delivery_keeps_the_herhaald_line_of_a_signal_woken_as_its_own_repeat(world):
    _, signal, new = woken_as_own_repeat(world)
    woke = stored(signal)
    confirm(new, JUNE)  # the next monthly stand: still open, still counting
    evaluate(world, JUNE)
    assert stored(signal) == woke
    assert (signal.repeat, signal.repeat_of_id, signal.repeat_until, signal.repeat_since) == (
        True, None, MARCH, MAY,
    )  # fmt: skip
    assert signal.last_signalled_on == JUNE


def test_an_update_with_new_figures_keeps_the_herhaald_line_of_its_own_repeat(world):
    household, signal, new = woken_as_own_repeat(world)
    _, reasons_then, _ = stored(signal)
    confirm(new, JUNE)
    world.arrear(household, "ZORGZUID", start=dt.date(2026, 5, 20), last_seen_on=JUNE)
    evaluate(world, JUNE)
    confirm(new, JULY)
    evaluate(world, JULY)
    signal.refresh_from_db()
    assert (signal.kind, signal.creditor_count, signal.repeat) == ("meervoudig", 2, True)
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == reasons_then["repeat"]


def test_evaluating_a_signal_woken_as_its_own_repeat_again_writes_nothing(world):
    _, signal, _ = woken_as_own_repeat(world)
    woke = stored(signal)
    report = evaluate(world, MAY)
    assert (report.updated, report.unchanged) == (0, 1)
    assert stored(signal) == woke


def test_a_signal_woken_by_a_rule_change_keeps_its_herhaald_line_afterwards(world):
    household = world.household()
    old = world.arrear(household, "WOONBRUG", age=90)
    evaluate(world, MARCH)
    evaluate(world, APRIL)
    services.set_rules(world.municipality, RuleValues(max_age_days=365))  # it counts again
    confirm(old, MAY)
    evaluate(world, MAY)
    signal = Signal.objects.get(household=household)
    woke = stored(signal)
    assert HERHAALD_MARCH in signal.explanation
    confirm(old, JUNE)
    evaluate(world, JUNE)
    assert stored(signal) == woke
    assert (signal.repeat, signal.repeat_since, signal.last_signalled_on) == (True, MAY, JUNE)


# ---------------------------------------------------------------------------
# Raised as a repeat of another signal
# ---------------------------------------------------------------------------


def raised_as_repeat(world):
    """A signal of 1 March that lapsed on 1 April, and its repeat, raised on 1 June."""
    household = world.household()
    first = world.arrear(household, "WOONBRUG", age=30)
    evaluate(world, MARCH)
    world.clear(first, APRIL)
    evaluate(world, APRIL)
    new = world.arrear(household, "ENERGIENOORD", start=dt.date(2026, 5, 10), last_seen_on=JUNE)
    evaluate(world, JUNE)
    earlier = Signal.objects.get(household=household, status="vervallen")
    signal = Signal.objects.get(household=household, status="nieuw")
    assert (signal.repeat, signal.repeat_of_id, signal.repeat_until) == (True, earlier.pk, MARCH)
    return household, earlier, signal, new


def test_a_signal_raised_as_a_repeat_of_another_keeps_naming_it_afterwards(world):
    household, earlier, signal, new = raised_as_repeat(world)
    raised = stored(signal)
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == {
        "previous_signal_id": earlier.pk, "until": "2026-03-01", "window_days": 183,
    }  # fmt: skip
    confirm(new, JULY)
    evaluate(world, JULY)
    assert stored(signal) == raised  # nothing but last_signalled_on moved
    world.arrear(household, "ZORGZUID", start=dt.date(2026, 7, 10), last_seen_on=AUGUST)
    confirm(new, AUGUST)
    evaluate(world, AUGUST)
    signal.refresh_from_db()
    assert (signal.creditor_count, signal.repeat, signal.repeat_of_id) == (2, True, earlier.pk)
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == raised[1]["repeat"]


def test_a_repeat_whose_earlier_signal_is_gone_keeps_its_herhaald_line(world):
    """The earlier signal purged (retention) or anonymised: ``repeat_of`` is emptied, the later
    signal stays herhaald, and its reasons no longer name the signal that is gone."""
    household, earlier, signal, new = raised_as_repeat(world)
    earlier.delete()  # repeat_of is SET_NULL, as the purge and anonymising leave it
    signal.refresh_from_db()
    assert (signal.repeat, signal.repeat_of_id, signal.repeat_until) == (True, None, MARCH)
    world.arrear(household, "ZORGZUID", start=dt.date(2026, 6, 10), last_seen_on=JULY)
    confirm(new, JULY)
    evaluate(world, JULY)
    signal.refresh_from_db()
    assert (signal.creditor_count, signal.repeat, signal.repeat_of_id) == (2, True, None)
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == {
        "previous_signal_id": None, "until": "2026-03-01", "window_days": 183,
    }  # fmt: skip
    assert evaluate(world, JULY).updated == 0


# ---------------------------------------------------------------------------
# Raised on the peildatum on which a signal that repeated its own run lapsed
# ---------------------------------------------------------------------------


def test_a_signal_continuing_one_that_repeated_its_own_run_has_the_herhaald_line(world):
    """The deliveries of 1 June arrive one creditor at a time: the stands that clear the woken
    signal's arrears first (it lapses), then one with a new arrear (a new signal continues it)."""
    household, woken, _ = woken_as_own_repeat(world)
    for arrear in household.arrears.filter(status="open"):
        world.clear(arrear, JUNE)
    evaluate(world, JUNE, household_ids=[household.pk])
    world.arrear(household, "WATERNET", start=dt.date(2026, 5, 25), last_seen_on=JUNE)
    evaluate(world, JUNE, household_ids=[household.pk])
    woken.refresh_from_db()
    signal = Signal.objects.get(household=household, status="nieuw")
    assert (woken.status, signal.repeat, signal.repeat_of_id, signal.repeat_until) == (
        "vervallen", True, None, MARCH,
    )  # fmt: skip
    assert HERHAALD_MARCH in signal.explanation
    assert repeat_reasons(signal) == {
        "previous_signal_id": None, "until": "2026-03-01", "window_days": 183,
    }  # fmt: skip


# ---------------------------------------------------------------------------
# explain_frame with a ``repeat`` column: the same bytes as explain() per signal
# ---------------------------------------------------------------------------


def test_explain_frame_takes_a_repeat_from_the_repeat_column_and_names_no_signal_when_none():
    until = dt.date(2025, 12, 1)
    rows = [  # (household_id, repeat, previous_signal_id, previous_until): herhaald line?
        (1, True, None, until),  # its own earlier run, or the earlier signal is gone: yes
        (2, True, 7, until),  # raised as a repeat of signal 7: yes
        (3, False, None, None),  # no repeat
        (4, True, None, None),  # no day to name: no line
    ]
    signals = pl.DataFrame(
        [{"household_id": h, "kind": "enkelvoudig", "distinct": 1, "deadline": None,
          "previous_signal_id": previous, "previous_until": day, "repeat": repeat}
         for h, repeat, previous, day in rows],
        schema={"household_id": pl.Int64, "kind": pl.String, "distinct": pl.UInt32,
                "deadline": pl.Date, "previous_signal_id": pl.Int64, "previous_until": pl.Date,
                "repeat": pl.Boolean},
    )  # fmt: skip
    arrears = [
        {"arrear_id": 10 + h, "household_id": h, "creditor_id": 1, "creditor_code": "WB",
         "creditor_name": "Woonstichting De Brug", "creditor_type": "Huur", "amount_cents": 12_500,
         "start_date": dt.date(2026, 2, 1), "crisis": False, "crisis_reason": "", "status": "open",
         "last_seen_on": MARCH, "cleared_on": None}
        for h, *_ in rows
    ]  # fmt: skip
    counting = pl.DataFrame(arrears)
    swaps = pl.DataFrame(
        schema={"household_id": pl.Int64, "new_arrear_id": pl.Int64, "new_creditor_id": pl.Int64,
                "new_amount_cents": pl.Int64, "start_date": pl.Date, "cleared_arrear_id": pl.Int64,
                "cleared_creditor_id": pl.Int64, "cleared_amount_cents": pl.Int64,
                "last_seen_on": pl.Date, "cleared_on": pl.Date}
    )  # fmt: skip
    creditors = counting.select("creditor_id", "creditor_code", "creditor_name", "creditor_type")
    rules = RuleValues()
    written = explain_frame(signals, counting, swaps, creditors.unique(), rules, MARCH)

    expected = []
    for (h, repeat, previous, day), arrear in zip(rows, arrears, strict=True):
        text, reasons = explain(
            kind="enkelvoudig", distinct=1, arrears=[arrear], swaps=[], deadline=None,
            repeat={"previous_signal_id": previous, "until": day} if repeat and day else None,
            rules=rules, reference_date=MARCH,
        )  # fmt: skip
        document = reasons_json(reasons)
        expected.append((h, text, document, content_digest(text, document)))
    assert written.rows() == expected
    lines = [HERHAALD_DECEMBER in text for _, text, _, _ in expected]
    assert lines == [True, True, False, False]
    assert '"previous_signal_id":null' in expected[0][2]
