"""selectors.integrity_problems: the references evaluation writes without a database constraint."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, SignalArrear
from vroegsignaal.signals.selectors import integrity_problems

from .conftest import PEILDATUM


def test_a_member_pointing_nowhere_is_reported_and_a_sound_world_has_no_problems(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    world.arrear(h, "ENERGIENOORD")
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=dt.date(2026, 3, 3))
    assert Signal.objects.filter(household=h).exists()
    assert integrity_problems() == {}

    member = SignalArrear.objects.filter(signal__household=h).first()
    table = SignalArrear._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET arrear_id = %s WHERE id = %s", [10**9, member.pk])  # noqa: S608
    assert integrity_problems() == {"member.arrear": 1}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET arrear_id = %s WHERE id = %s",  # noqa: S608
            [member.arrear_id, member.pk],
        )
