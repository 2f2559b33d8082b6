"""The day a signal was picked up, declined or closed: not after today, not before the signal.

The cases services refused a day in the future before calling the signals service, but the
signals service (``decline_signal``, ``close_signal``, ``pick_up_signal``) took any day given
to it; and a pick-up or decline could be dated before the signal's signal date (the peildatum
that raised it, DDAS's matchingsdatum), a day on which there was no signal to pick up. The
signals service now refuses both, with the error on ``on``: a form with a date field shows it
next to that field.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, NotPickedUpReason, Outcome
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import SignalStatusChange

from .conftest import PEILDATUM

BEFORE_THE_SIGNAL = "De datum ligt vóór de signaaldatum (1 maart 2026)."
IN_THE_FUTURE = "De datum ligt in de toekomst."
THE_DAY_BEFORE = PEILDATUM - dt.timedelta(days=1)


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _refused_on(refused: pytest.ExceptionInfo) -> list[str]:
    assert list(refused.value.message_dict) == ["on"]
    return refused.value.message_dict["on"]


def _untouched(signal, status: str = "nieuw") -> None:
    signal.refresh_from_db()
    assert (signal.status, signal.closed_on) == (status, None)


# -- the signals service refuses a day in the future itself ----------------------------------------


def test_the_signals_service_refuses_a_decline_dated_in_the_future(signal):
    changes = SignalStatusChange.objects.count()
    with pytest.raises(ValidationError) as refused:
        signal_services.decline_signal(signal, on=_tomorrow())
    assert _refused_on(refused) == [IN_THE_FUTURE]
    _untouched(signal)
    assert SignalStatusChange.objects.count() == changes


def test_the_signals_service_refuses_a_closing_dated_in_the_future(signal):
    signal_services.pick_up_signal(signal)
    with pytest.raises(ValidationError) as refused:
        signal_services.close_signal(signal, on=_tomorrow())
    assert _refused_on(refused) == [IN_THE_FUTURE]
    _untouched(signal, "opgepakt")


def test_the_signals_service_refuses_a_pick_up_dated_in_the_future(signal):
    with pytest.raises(ValidationError) as refused:
        signal_services.pick_up_signal(signal, on=_tomorrow())
    assert _refused_on(refused) == [IN_THE_FUTURE]
    _untouched(signal)


# -- no day before the signal --------------------------------------------------------------------


def test_a_pick_up_dated_before_the_signal_date_is_refused(signal, coordinator, team):
    assert signal.signal_date == PEILDATUM
    with pytest.raises(ValidationError) as refused:
        services.pick_up_signal(signal, coordinator, team=team, on=THE_DAY_BEFORE)
    assert _refused_on(refused) == [BEFORE_THE_SIGNAL]
    _untouched(signal)
    signal.refresh_from_db()
    assert signal.team_id is None
    assert not Case.objects.exists()


def test_a_pick_up_dated_on_the_signal_date_is_recorded(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PEILDATUM)
    assert case.picked_up_on == PEILDATUM


def test_declining_dated_before_the_signal_date_is_refused(signal, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.mark_not_picked_up(
            signal, coordinator, NotPickedUpReason.OVERLEDEN, on=THE_DAY_BEFORE
        )
    assert _refused_on(refused) == [BEFORE_THE_SIGNAL]
    _untouched(signal)
    assert not SignalStatusChange.objects.filter(signal=signal, to_status="niet_opgepakt").exists()


def test_declining_dated_on_the_signal_date_is_recorded(signal, coordinator):
    declined = services.mark_not_picked_up(
        signal, coordinator, NotPickedUpReason.OVERLEDEN, on=PEILDATUM
    )
    assert (declined.status, declined.closed_on) == ("niet_opgepakt", PEILDATUM)


def test_the_signals_service_refuses_a_closing_dated_before_the_signal_date(signal):
    signal_services.pick_up_signal(signal)
    with pytest.raises(ValidationError) as refused:
        signal_services.close_signal(signal, on=THE_DAY_BEFORE)
    assert _refused_on(refused) == [BEFORE_THE_SIGNAL]
    _untouched(signal, "opgepakt")


def test_the_refusal_names_the_signal_date_in_the_readers_language(signal):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        signal_services.decline_signal(signal, on=THE_DAY_BEFORE)
    assert "1 March 2026" in _refused_on(refused)[0]


# -- the closing form shows it next to its date ---------------------------------------------------


@pytest.fixture
def picked_up_too_early(signal, coordinator, team):
    """A case picked up before this check, dated before its signal (as a backdated pick-up could)."""
    case = services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM)
    Case.objects.filter(pk=case.pk).update(picked_up_on=PEILDATUM - dt.timedelta(days=10))
    return Case.objects.get(pk=case.pk)


def test_closing_a_case_before_its_signal_date_shows_the_refusal_next_to_the_date(
    client, verified_client, coordinator, picked_up_too_early
):
    case = picked_up_too_early
    detail = reverse("cases:detail", kwargs={"case_id": case.pk})
    verified_client(coordinator)
    response = client.post(
        detail,
        {
            "formulier": "afsluiten",
            "afsluiten-outcome": Outcome.GEEN_CONTACT,
            "afsluiten-on": THE_DAY_BEFORE.isoformat(),
        },
    )
    assert (response.status_code, response.request["PATH_INFO"]) == (200, detail)
    assert response.context["close_form"].errors == {"on": [BEFORE_THE_SIGNAL]}
    body = response.content.decode()
    field_error = body[body.index('id="id_afsluiten-on_error"') :]
    assert field_error[: field_error.index("</div>")].endswith(f"<p>{BEFORE_THE_SIGNAL}</p>")
    case.refresh_from_db()
    case.signal.refresh_from_db()
    assert (case.status, case.closed_on, case.signal.status) == ("opgepakt", None, "opgepakt")
