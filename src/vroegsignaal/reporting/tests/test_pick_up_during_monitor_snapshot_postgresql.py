"""A pick-up while the monitor figures of its municipality are being computed, on PostgreSQL.

The snapshot holds the municipality's row lock to the end (it sees a settled state); a new
case refers to its municipality, and the foreign-key check at its commit must not wait for
that lock, or the coordinator's page hangs while someone opens the monitor page. Skipped on
SQLite, where one database write lock serialises all writers anyway.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from tests.factories import TeamFactory, UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Case
from vroegsignaal.organisations.models import Role
from vroegsignaal.reporting import monitor
from vroegsignaal.signals.tests.conftest import PEILDATUM, make_signal, world  # noqa: F401

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_a_pick_up_does_not_wait_for_a_monitor_snapshot(world):  # noqa: F811 - the fixture
    signal = make_signal(world)
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    team = TeamFactory(municipality=world.municipality, code="NOORD", name="Wijkteam Noord")
    computed, release, picked_up = threading.Event(), threading.Event(), threading.Event()
    failures: list[Exception] = []

    def snapshot():
        try:
            with transaction.atomic():
                monitor.snapshot(world.municipality)
                computed.set()
                assert release.wait(20)
        except Exception as error:  # reported below
            failures.append(error)
            computed.set()
        finally:
            connections.close_all()

    def pick_up():
        try:
            case_services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM)
            picked_up.set()
        except Exception as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=snapshot, daemon=True)
    holder.start()
    assert computed.wait(20)
    request = threading.Thread(target=pick_up, daemon=True)
    request.start()
    waited = not picked_up.wait(5)
    release.set()
    holder.join(20)
    request.join(20)
    assert failures == []
    assert not waited, "the pick-up waited for the monitor snapshot"
    assert Case.objects.filter(signal=signal).exists()
