"""A refused status change of a signal is explained with the statuses users see, not their codes."""

from __future__ import annotations

from vroegsignaal.signals.models import SignalStatus
from vroegsignaal.signals.workflow import InvalidTransition


def test_refusal_of_a_declined_signal_says_it_has_its_final_status():
    error = InvalidTransition(SignalStatus.NIET_OPGEPAKT, SignalStatus.OPGEPAKT)
    assert (
        str(error)
        == "Dit signaal heeft al de eindstatus 'niet opgepakt' en kan niet meer veranderen."
    )


def test_refused_transition_of_an_open_signal_names_both_statuses():
    error = InvalidTransition(SignalStatus.OPGEPAKT, SignalStatus.NIET_OPGEPAKT)
    assert str(error) == "Een signaal met status 'opgepakt' kan niet naar 'niet opgepakt'."


def test_picking_up_a_signal_that_is_already_picked_up_says_so_plainly():
    error = InvalidTransition(SignalStatus.OPGEPAKT, SignalStatus.OPGEPAKT)
    assert str(error) == "Dit signaal is al opgepakt."
