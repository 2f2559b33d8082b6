"""Feedback tests reuse the signals tests' small world: households with arrears, signals by evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import CovenantFactory, UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import NotPickedUpReason, Outcome
from vroegsignaal.households.models import Arrear
from vroegsignaal.intake import services as intake_services
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.tests.conftest import PEILDATUM, World, world  # noqa: F401 - the fixture

__all__ = ["PEILDATUM", "World", "world"]

PICKED_UP = dt.date(2026, 3, 2)  # a Monday


def make_signal(world, creditors=("WOONBRUG", "ENERGIENOORD"), *, references=None) -> Signal:
    """A household with an arrear at each creditor, evaluated into a signal.

    ``references`` maps creditor code → the signaal_id it delivered with the arrear.
    """
    household = world.household()
    for code in creditors:
        arrear = world.arrear(household, code)
        if references and code in references:
            Arrear.objects.filter(pk=arrear.pk).update(signal_reference=references[code])
    signal_services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    return Signal.objects.get(household=household)


@pytest.fixture
def covenants(world):
    """WOONBRUG pauses 30 days, ENERGIENOORD 45 (an old covenant of 14 days ended before)."""
    CovenantFactory(
        creditor=world.creditors["WOONBRUG"],
        municipality=world.municipality,
        valid_from=dt.date(2020, 1, 1),
    )
    CovenantFactory(
        creditor=world.creditors["ENERGIENOORD"], municipality=world.municipality,
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2025, 12, 31), collection_pause_days=14,
    )  # fmt: skip
    CovenantFactory(
        creditor=world.creditors["ENERGIENOORD"], municipality=world.municipality,
        valid_from=dt.date(2026, 1, 1), collection_pause_days=45,
    )  # fmt: skip


@pytest.fixture
def coordinator(world):
    return UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )


@pytest.fixture
def signal(world, covenants):
    return make_signal(world, references={"WOONBRUG": "WB-2026-0001"})


@pytest.fixture
def history(world, covenants, coordinator):
    """Three signals with WOONBRUG and ENERGIENOORD: picked up and closed, picked up, declined."""
    first = case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    case_services.close_case(first, coordinator, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    case_services.pick_up_signal(make_signal(world), coordinator, on=dt.date(2026, 3, 10))
    case_services.mark_not_picked_up(
        make_signal(world), coordinator, NotPickedUpReason.ANDERS, on=dt.date(2026, 3, 12)
    )
    return world


def creditor_user(world, code: str):
    return UserFactory(
        username=f"se-{code.lower()}",
        role=Role.SCHULDEISER,
        creditor=world.creditors[code],
        municipality=None,
    )


@pytest.fixture
def api(world):
    """``api(code)``: an API client with a fresh key of that creditor."""

    def client_for(code: str) -> APIClient:
        _key, text = intake_services.create_api_key(world.creditors[code], "Incassosysteem")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
        return client

    return client_for
