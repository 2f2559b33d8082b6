"""Deliveries end to end with the real households service: arrears, lineage, atomic refusal."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.households.models import Arrear, ArrearStatus, Household
from vroegsignaal.intake import services
from vroegsignaal.intake.models import DeliveryStatus, Via

from .support import PEILDATUM, csv_bytes, row, stand


def deliver(world, content: bytes, peildatum=PEILDATUM, **kwargs):
    return services.receive_delivery(
        world.creditor, content, filename="levering.csv", reference_date=peildatum, via=Via.CLI, **kwargs
    )


def arrears():
    return sorted(
        Arrear.objects.values_list("klantnummer", "status", "amount_cents", "household__address__huisnummer")
    )


def test_stand_opens_arrears_at_the_routed_households(world):
    delivery = deliver(world, stand(range(1, 6)))
    assert delivery.status == DeliveryStatus.VERWERKT
    assert delivery.arrears_new == 5
    assert Household.objects.count() == 5
    assert all(a.opened_by_delivery_id == delivery.pk for a in Arrear.objects.all())
    assert {a.municipality.code for a in Arrear.objects.all()} == {"0999"}


def test_next_stand_changes_and_clears(world):
    deliver(world, stand(range(1, 6)))
    rows = [row(n) for n in range(1, 4)] + [row(4, bedrag_achterstand="300,00")]
    delivery = deliver(world, csv_bytes(rows), dt.date(2026, 11, 8))
    assert (delivery.arrears_new, delivery.arrears_changed, delivery.arrears_cleared) == (0, 1, 1)
    assert Arrear.objects.filter(status=ArrearStatus.OPEN).count() == 4


def test_postcode_only_row_gets_a_household_without_register_address(world):
    delivery = deliver(world, csv_bytes([row(1), row(2), row(777, klantnummer="K-PC")]))
    assert delivery.arrears_new == 3
    unregistered = Household.objects.get(address__isnull=True)
    assert unregistered.unregistered_address.startswith("1234AB|777")


def test_refused_and_held_deliveries_change_no_arrear(world):
    deliver(world, stand(range(1, 11)))
    before = arrears()
    duplicate = deliver(world, stand(range(1, 11)))
    assert duplicate.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]
    held = deliver(world, stand(range(1, 3)), dt.date(2026, 11, 9))
    assert held.status == DeliveryStatus.WACHT_OP_BEVESTIGING
    refused = deliver(world, csv_bytes([row(n, postcode="1234AZ") for n in range(1, 5)]), dt.date(2026, 11, 9))
    assert refused.report["weigering"]["codes"] == ["TE_VEEL_FOUTEN"]
    assert arrears() == before
    done = services.confirm_delivery(held)
    assert done.arrears_cleared == 8
    assert Arrear.objects.filter(status=ArrearStatus.OPEN).count() == 2
