"""Cases tests reuse the signals tests' small world (households with arrears)."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.tests.conftest import PEILDATUM, World, make_signal, world  # noqa: F401 - the fixture

__all__ = ["PEILDATUM", "World", "make_signal", "world"]


@pytest.fixture
def team(world):
    return TeamFactory(
        municipality=world.municipality, code="NOORD", name="Wijkteam Noord",
        phone="020-1234567", email="noord@voorbeeldstad.nl", visiting_address="Dorpsplein 1",
    )  # fmt: skip


@pytest.fixture
def other_team(world):
    return TeamFactory(municipality=world.municipality, code="ZUID", name="Wijkteam Zuid")


@pytest.fixture
def coordinator(world):
    return UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )


@pytest.fixture
def worker(team):
    return UserFactory(
        username="werker-noord", role=Role.HULPVERLENER, team=team, municipality=team.municipality
    )


@pytest.fixture
def other_worker(other_team):
    return UserFactory(
        username="werker-zuid",
        role=Role.HULPVERLENER,
        team=other_team,
        municipality=other_team.municipality,
    )


@pytest.fixture
def signal(world):
    return make_signal(world)


@pytest.fixture
def crisis_signal(world):
    return make_signal(world, crisis=True)
