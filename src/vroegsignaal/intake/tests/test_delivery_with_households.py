"""Deliveries end to end with the real households service: arrears, lineage, atomic refusal."""

from __future__ import annotations

import datetime as dt

from vroegsignaal.households.models import Arrear, ArrearStatus, Household
from vroegsignaal.intake import services
from vroegsignaal.intake.models import DeliveryStatus, Via
from vroegsignaal.intake.report import delivery_report, report_context

from .support import HEADER, PEILDATUM, csv_bytes, row, stand


def deliver(world, content: bytes, peildatum=PEILDATUM, **kwargs):
    return services.receive_delivery(
        world.creditor,
        content,
        filename="levering.csv",
        reference_date=peildatum,
        via=Via.CLI,
        **kwargs,
    )


def arrears():
    return sorted(
        Arrear.objects.values_list(
            "klantnummer", "status", "amount_cents", "household__address__huisnummer"
        )
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
    refused = deliver(
        world, csv_bytes([row(n, postcode="1234AZ") for n in range(1, 5)]), dt.date(2026, 11, 9)
    )
    assert refused.report["weigering"]["codes"] == ["TE_VEEL_FOUTEN"]
    assert arrears() == before
    done = services.confirm_delivery(held)
    assert done.arrears_cleared == 8
    assert Arrear.objects.filter(status=ArrearStatus.OPEN).count() == 2


def test_a_held_stand_confirmed_after_a_later_mutatie_keeps_what_the_mutatie_said(world):
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 5)), dt.date(2026, 11, 8))
    assert held.status == DeliveryStatus.WACHT_OP_BEVESTIGING
    mutatie = csv_bytes(
        [row(2, status="gewijzigd", bedrag_achterstand="300,00"), row(11, status="nieuw")],
        [*HEADER, "status"],
    )
    later = deliver(world, mutatie, dt.date(2026, 11, 15), kind="mutatie")
    assert later.status == DeliveryStatus.VERWERKT

    done = services.confirm_delivery(held)
    assert done.status == DeliveryStatus.VERWERKT
    # Six arrears are absent from the stand of the 8th: gone then. The mutatie of the
    # 15th opened K11 and changed K2 after it; the older stand leaves both as they are.
    assert done.arrears_cleared == 6
    open_now = {k: a for k, _s, a, _h in arrears() if _s == ArrearStatus.OPEN}
    assert sorted(open_now) == sorted([row(n)["klantnummer"] for n in (1, 2, 3, 4, 11)])
    assert open_now[row(2)["klantnummer"]] == 30_000
    cleared = Arrear.objects.filter(status=ArrearStatus.CLEARED)
    assert {a.cleared_on for a in cleared} == {dt.date(2026, 11, 8)}
    # K2's row of the 8th was not applied; the creditor reads why.
    assert delivery_report(done)["opmerkingen"] == [
        {
            "veld": "",
            "code": "",
            "melding": "1 regel is niet verwerkt: een levering met een latere peildatum heeft deze "
            "achterstanden al bijgewerkt, afgemeld of niet meer bevat. Wat die nieuwere levering zei, "
            "blijft staan.",
        }
    ]


def test_the_unchanged_arrears_make_every_accepted_row_count_once(world):
    """A mutatie: accepted = nieuw + gewijzigd + ongewijzigd + afgemeld + ignored + not applied;
    a stand: accepted = nieuw + gewijzigd + ongewijzigd + not applied (afgemeld: arrears absent)."""

    def figures(delivery):
        report = report_context(delivery)
        arrears = report["achterstanden"]
        return (
            report["regels_geaccepteerd"],
            arrears["nieuw"],
            arrears["gewijzigd"],
            report["achterstanden_ongewijzigd"],
            arrears["afgemeld"],
            [note["melding"].split(" ", 1)[0] for note in report["opmerkingen"]],
        )

    assert figures(deliver(world, stand(range(1, 11)))) == (10, 10, 0, 0, 0, [])
    mutatie = csv_bytes(
        [
            row(2, status="gewijzigd", bedrag_achterstand="300,00"),
            row(3, status="gewijzigd"),  # as it was
            row(4, status="afgemeld"),
            row(20, status="afgemeld"),  # no open arrear: ignored
            row(11, status="nieuw"),
        ],
        [*HEADER, "status"],
    )
    later = deliver(world, mutatie, dt.date(2026, 11, 15), kind="mutatie")
    assert figures(later) == (5, 1, 1, 1, 1, ["1"])  # the note: 1 row ignored
    # A late stand: the mutatie settled K2, K3 and K4 (not applied); seven rows repeat.
    late = deliver(world, stand(range(1, 11)), dt.date(2026, 11, 8))
    assert figures(late) == (10, 0, 0, 7, 0, ["3"])  # the note: 3 rows not applied


def test_signals_after_a_late_delivery_are_evaluated_on_the_latest_peildatum(world):
    from vroegsignaal.signals.models import Signal

    late, latest = dt.date(2026, 11, 10), dt.date(2026, 11, 20)
    deliver(world, stand([1]), dt.date(2026, 10, 1))
    other = services.receive_delivery(
        world.other_creditor, stand([1], klantnummer="E-1", ontstaansdatum="2026-11-15"),
        filename="levering.csv", reference_date=latest, via=Via.CLI,
    )  # fmt: skip
    assert other.status == DeliveryStatus.VERWERKT, other.report
    mutatie = csv_bytes(
        [row(1, status="gewijzigd", bedrag_achterstand="200,00")], [*HEADER, "status"]
    )
    assert deliver(world, mutatie, latest, kind="mutatie").status == DeliveryStatus.VERWERKT
    signal = Signal.objects.get()
    assert (signal.kind, signal.creditor_count, signal.last_signalled_on) == (
        "meervoudig",
        2,
        latest,
    )

    # The creditor's stand of the 10th arrives late, with a second arrear of the household.
    deliver(world, csv_bytes([row(1), row(1, klantnummer="K-EXTRA", contractnummer="2")]), late)
    signal.refresh_from_db()
    # Evaluated on the 10th, Energie Noord's arrear (since the 15th) would not count yet.
    assert (signal.kind, signal.creditor_count, signal.dormant_since) == ("meervoudig", 2, None)
    assert signal.total_amount_cents == 20_000 + 15_000 + 15_000
