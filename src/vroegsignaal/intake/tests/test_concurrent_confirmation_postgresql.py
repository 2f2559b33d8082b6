"""A creditor's two answers, or two uploads, at the same moment, on PostgreSQL.

Confirming and declining one held stand at once (portal, API and ``vroegsignaal deliver
--bevestig/--weiger`` all come to the same services), and one file sent twice at once:
the delivery's row lock and the creditor's lock on receipt let exactly one of them happen
whole; the other gets a Dutch refusal (``DeliveryError``, ``LEVERING_DUBBEL``), never a
database error. Skipped on SQLite, where one database write lock serialises all writers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.concurrency import at_the_same_moment
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via

from .support import PEILDATUM, stand

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

S = DeliveryStatus


def deliver(world, content: bytes, **kwargs) -> Delivery:
    kwargs.setdefault("filename", "levering.csv")
    kwargs.setdefault("reference_date", PEILDATUM)
    kwargs.setdefault("via", Via.CLI)
    return services.receive_delivery(world.creditor, content, **kwargs)


@pytest.fixture
def held(world, households) -> Delivery:
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    assert held.status == S.WACHT_OP_BEVESTIGING
    return held


@pytest.mark.parametrize("first", ["bevestigen", "weigeren"])
def test_confirming_and_declining_a_held_stand_at_once_does_one_of_them(
    world, households, held, first
):
    confirm = lambda: services.confirm_delivery(held, world.user)  # noqa: E731
    decline = lambda: services.decline_delivery(held, None)  # noqa: E731 - the command line
    one, other = at_the_same_moment(
        *((confirm, decline) if first == "bevestigen" else (decline, confirm))
    )
    assert isinstance(one, Delivery)
    assert isinstance(other, services.DeliveryError)
    assert str(other).startswith(f"Levering {held.pk} wacht niet op bevestiging")
    held.refresh_from_db()
    assert held.status == (S.VERWERKT if first == "bevestigen" else S.AFGEWEZEN)
    assert list(services.incoming_dir().iterdir()) == []


def test_one_file_sent_twice_at_once_is_processed_once(world, households):
    content = stand(range(1, 11))
    before = len(households.snapshot())
    one, other = at_the_same_moment(
        lambda: deliver(world, content), lambda: deliver(world, content)
    )
    assert isinstance(one, Delivery) and one.status == S.VERWERKT
    assert isinstance(other, Delivery) and other.status == S.AFGEWEZEN
    assert other.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]
    assert len(households.snapshot()) == before + 10  # applied once
