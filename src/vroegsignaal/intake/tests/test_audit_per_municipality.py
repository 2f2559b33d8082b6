"""An applied delivery is in each concerned municipality's audit log, by count."""

from __future__ import annotations

import datetime as dt

from tests.factories import CovenantFactory, UserFactory
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Via
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.privacy.models import AuditAction, AuditEvent

from .support import PEILDATUM, csv_bytes, row


def deliver(world, rows, peildatum=PEILDATUM, user=None):
    return services.receive_delivery(
        world.creditor,
        csv_bytes(rows),
        filename="levering.csv",
        reference_date=peildatum,
        via=Via.UPLOAD if user else Via.CLI,
        user=user,
    )


def officer_of(municipality):
    return UserFactory(role=Role.PRIVACY_OFFICER, municipality=municipality)


def delivered_for(user) -> list[tuple[str, dict]]:
    events = scoped(user, AuditEvent).filter(
        action=AuditAction.DELIVER, purpose="levering verwerkt voor de gemeente"
    )
    return [(e.organisation, e.details) for e in events.order_by("seq")]


def test_each_municipality_officer_sees_the_rows_delivered_and_cleared_for_her_residents(world):
    CovenantFactory(
        creditor=world.creditor, municipality=world.proefdorp, valid_from=dt.date(2026, 1, 1)
    )
    in_proefdorp = [row(n, postcode="9999ZZ", huisnummer=str(n - 10)) for n in (11, 12)]
    first = deliver(world, [row(1), row(2), row(3), *in_proefdorp], user=world.user)
    # The next stand has nobody in Proefdorp: it clears both arrears there.
    second = deliver(world, [row(1), row(2), row(3)], peildatum=dt.date(2026, 11, 15))

    voorbeeldstad, proefdorp = officer_of(world.voorbeeldstad), officer_of(world.proefdorp)
    assert delivered_for(voorbeeldstad) == [
        (
            "schuldeiser WOONBRUG",
            {"schuldeiser": "WOONBRUG", "soort": "stand", "regels": 3, "opgelost": 0},
        ),
        ("systeem", {"schuldeiser": "WOONBRUG", "soort": "stand", "regels": 3, "opgelost": 0}),
    ]
    assert delivered_for(proefdorp) == [
        (
            "schuldeiser WOONBRUG",
            {"schuldeiser": "WOONBRUG", "soort": "stand", "regels": 2, "opgelost": 0},
        ),
        ("systeem", {"schuldeiser": "WOONBRUG", "soort": "stand", "regels": 0, "opgelost": 2}),
    ]
    events = AuditEvent.objects.filter(purpose="levering verwerkt voor de gemeente")
    assert {(e.object_id, e.municipality_code) for e in events} == {
        (str(first.pk), "0999"),
        (str(first.pk), "0998"),
        (str(second.pk), "0999"),
        (str(second.pk), "0998"),
    }


def test_a_refused_delivery_is_in_no_municipality_log(world):
    deliver(world, [row(1, geboortedatum="gisteren"), row(2, geboortedatum="morgen")])
    assert not AuditEvent.objects.filter(purpose="levering verwerkt voor de gemeente").exists()
