"""A signal the retention run deletes while a coordinator's page still shows it: picking it up or
declining it says that it is gone, where the service answered with a server error
(Signal.DoesNotExist) in that moment."""

from __future__ import annotations

import datetime as dt

import pytest

from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, NotPickedUpReason
from vroegsignaal.privacy.retention import delete_set
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.workflow import InvalidTransition as SignalTransition

pytestmark = pytest.mark.django_db

GONE = "Dit signaal bestaat niet meer"


def _purged(signal: Signal) -> Signal:
    delete_set(Signal.objects.filter(pk=signal.pk))
    return signal  # the page's copy


def test_picking_up_a_purged_signal_says_it_is_gone(coordinator, team, signal):
    stale = _purged(signal)
    with pytest.raises(SignalTransition, match=GONE):
        services.pick_up_signal(stale, coordinator, team=team, on=dt.date(2026, 3, 2))
    assert not Case.objects.exists()


def test_declining_a_purged_signal_says_it_is_gone(coordinator, signal):
    stale = _purged(signal)
    with pytest.raises(SignalTransition, match=GONE):
        services.mark_not_picked_up(stale, coordinator, NotPickedUpReason.ANDERS.value)
