"""The one service behind every way in: receive, evaluate, hold, apply, refuse (spec 1.2, 1.6, 1.7)."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryRowIssue, DeliveryStatus, Via
from vroegsignaal.intake.report import report_lines
from vroegsignaal.privacy.models import AuditEvent

from .support import PEILDATUM, csv_bytes, row, stand

S = DeliveryStatus


def deliver(world, content: bytes, **kwargs) -> Delivery:
    kwargs.setdefault("filename", "levering.csv")
    kwargs.setdefault("reference_date", PEILDATUM)
    kwargs.setdefault("via", Via.CLI)
    return services.receive_delivery(world.creditor, content, **kwargs)


def test_valid_stand_is_applied_with_its_report(world, households):
    delivery = deliver(world, stand(range(1, 11)))
    assert delivery.status == S.VERWERKT
    assert (delivery.rows_received, delivery.rows_accepted, delivery.rows_rejected) == (10, 10, 0)
    assert delivery.arrears_new == 10
    assert delivery.report["gerouteerd_per_gemeente"] == [
        {"gemeentecode": "0999", "gemeente": "Voorbeeldstad", "regels": 10}
    ]
    assert len(households.snapshot()) == 10


def test_duplicate_content_is_refused_as_levering_dubbel_and_changes_nothing(world, households):
    first = deliver(world, stand(range(1, 11)))
    before = households.snapshot()
    again = deliver(world, stand(range(1, 11)))
    assert again.status == S.AFGEWEZEN
    assert again.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]
    assert f"levering {first.pk}" in again.report["weigering"]["melding"]
    assert households.snapshot() == before
    assert again.sha256 == first.sha256


def test_an_unchanged_stand_for_a_new_peildatum_is_a_new_delivery(world, households):
    deliver(world, stand(range(1, 11)))
    later = deliver(world, stand(range(1, 11)), reference_date=dt.date(2026, 11, 8))
    assert later.status == S.VERWERKT
    assert later.arrears_new == 0


def test_a_json_body_sent_twice_is_a_duplicate(world, households):
    import json

    body = json.dumps({"peildatum": "2026-11-01", "achterstanden": [row(n) for n in range(1, 4)]})
    deliver(world, body.encode(), filename="a.json", kind=None, reference_date=None)
    again = deliver(world, body.encode(), filename="a.json", kind=None, reference_date=None)
    assert again.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]


def test_same_content_from_another_creditor_is_not_a_duplicate(world, households):
    deliver(world, stand(range(1, 11)))
    other = services.receive_delivery(
        world.other_creditor,
        stand(range(1, 11)),
        filename="x.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    assert other.status == S.VERWERKT


def test_content_of_a_refused_delivery_may_be_sent_again(world, households):
    refused = deliver(world, stand(range(1, 11)), reference_date="2999-01-01")
    assert refused.report["weigering"]["codes"] == ["PEILDATUM_ONGELDIG"]
    assert deliver(world, stand(range(1, 11))).status == S.VERWERKT


@pytest.mark.parametrize("peildatum", [None, "", "1-11-2026", "2999-01-01"])
def test_missing_unreadable_or_future_peildatum_is_refused(world, households, peildatum):
    delivery = deliver(world, stand(range(1, 4)), reference_date=peildatum)
    assert delivery.status == S.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["PEILDATUM_ONGELDIG"]
    assert households.snapshot() == []


def test_file_beyond_the_size_limit_is_refused_and_not_kept(world, households, settings):
    settings.MAX_DELIVERY_BYTES = 100
    delivery = deliver(world, stand(range(1, 11)))
    assert delivery.status == S.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["BESTAND_TE_GROOT"]
    assert list(services.incoming_dir().iterdir()) == []


def test_unreadable_file_is_refused_with_its_code(world, households):
    delivery = deliver(world, b"klantnummer;achternaam\nK-1;Jansen\n")
    assert delivery.status == S.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["KOLOM_ONTBREEKT"]
    assert households.snapshot() == []


def test_too_many_errors_refuse_the_whole_delivery_and_change_nothing(world, households):
    deliver(world, stand(range(1, 5)))
    before = households.snapshot()
    rows = [row(n) for n in range(10, 14)] + [
        row(n, geboortedatum="31-02-1980") for n in range(14, 19)
    ]
    delivery = deliver(world, csv_bytes(rows))
    assert delivery.status == S.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["TE_VEEL_FOUTEN"]
    assert (delivery.rows_accepted, delivery.rows_rejected) == (4, 5)
    assert delivery.report["afgewezen_per_code"] == {"DATUM_ONGELDIG": 5}
    assert households.snapshot() == before
    # The creditor can still see which rows were wrong.
    assert DeliveryRowIssue.objects.filter(delivery=delivery, is_warning=False).count() == 5


def test_exactly_half_rejected_is_not_too_many(world, households):
    rows = [row(n) for n in range(1, 5)] + [row(n, bedrag_achterstand="0") for n in range(5, 9)]
    delivery = deliver(world, csv_bytes(rows))
    assert delivery.status == S.VERWERKT
    assert delivery.report["afgewezen_per_code"] == {"BEDRAG_ONGELDIG": 4}


def test_rows_outside_the_covenant_are_counted_not_stored(world, households):
    rows = [row(n) for n in range(1, 6)]
    rows += [
        row(n, klantnummer=f"BUITEN-{n}", postcode="9999ZZ", telefoonnummer="x")
        for n in range(1, 5)
    ]
    delivery = deliver(world, csv_bytes(rows))
    assert delivery.status == S.VERWERKT
    assert delivery.rows_outside_covenant == 4
    assert (delivery.rows_received, delivery.rows_accepted, delivery.rows_rejected) == (9, 5, 0)
    assert delivery.report["buiten_convenant_per_gemeente"] == [
        {"gemeentecode": "0998", "gemeente": "Proefdorp", "regels": 4}
    ]
    assert not DeliveryRowIssue.objects.filter(klantnummer__startswith="BUITEN").exists()
    assert not [r for r in households.snapshot() if r[1].startswith("BUITEN")]
    assert "BUITEN" not in str(delivery.report)
    assert not any("BUITEN" in str(e.details) for e in AuditEvent.objects.all())


def test_a_row_that_fails_a_check_is_rejected_also_outside_the_covenant(world, households):
    rows = [row(n) for n in range(1, 6)]
    rows += [row(4, klantnummer="ELDERS", postcode="9999ZZ", geboortedatum="?")]
    delivery = deliver(world, csv_bytes(rows))
    assert (delivery.rows_accepted, delivery.rows_rejected, delivery.rows_outside_covenant) == (
        5,
        1,
        0,
    )
    assert DeliveryRowIssue.objects.get(delivery=delivery).klantnummer == "ELDERS"


def test_covenant_must_be_active_on_the_peildatum(world, households):
    content = stand(range(1, 4), ontstaansdatum="2025-10-01")
    delivery = deliver(world, content, reference_date=dt.date(2025, 12, 31))
    assert delivery.rows_outside_covenant == 3
    assert delivery.rows_accepted == 0


def test_unknown_address_is_rejected_and_near_address_is_a_warning(world, households):
    rows = [row(n) for n in range(1, 8)]
    rows += [row(8, postcode="1234AZ")]  # postcode not in the register
    rows += [row(9, postcode="1234AC", huisnummer="7C")]  # 7A and 7B exist
    rows += [row(10, postcode="1234AC", huisnummer="9", huisnummertoevoeging="")]  # only 9-2 exists
    delivery = deliver(world, csv_bytes(rows))
    assert delivery.status == S.VERWERKT
    assert delivery.report["afgewezen_per_code"] == {"ADRES_ONBEKEND": 1}
    assert delivery.report["waarschuwingen_per_code"] == {"ADRES_BIJ_BENADERING": 2}
    issue = DeliveryRowIssue.objects.get(delivery=delivery, code="ADRES_ONBEKEND")
    assert (issue.row, issue.klantnummer, issue.field) == (9, "K-00008", "postcode")


def test_row_whose_house_number_is_unknown_is_routed_by_postcode(world, households):
    delivery = deliver(
        world, csv_bytes([row(n) for n in range(1, 5)] + [row(999, klantnummer="K-PC")])
    )
    assert delivery.status == S.VERWERKT
    assert delivery.rows_accepted == 5
    assert delivery.report["gerouteerd_alleen_op_postcode"] == 1


def test_warnings_keep_the_row(world, households):
    delivery = deliver(world, csv_bytes([row(1, telefoonnummer="bel me"), row(2)]))
    assert delivery.rows_accepted == 2
    assert delivery.report["waarschuwingen_per_code"] == {"TELEFOON_ONGELDIG": 1}
    assert DeliveryRowIssue.objects.get(delivery=delivery).is_warning


def test_safety_check_holds_a_stand_that_clears_more_than_half(world, households):
    deliver(world, stand(range(1, 11)))
    before = households.snapshot()
    held = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    assert held.status == S.WACHT_OP_BEVESTIGING
    assert held.report["veiligheidscontrole"] == {"open_achterstanden": 10, "af_te_melden": 6}
    assert households.snapshot() == before
    # The file is gone; only the encrypted routed rows wait for the confirmation.
    assert not (services.incoming_dir() / held.staged_name).exists()
    rows_file = services.incoming_dir() / f"{held.staged_name}.rows"
    assert rows_file.read_bytes().startswith(b"v1:")
    assert b"Jansen" not in rows_file.read_bytes()


def test_a_stand_older_than_the_latest_applied_one_is_held_and_changes_nothing(world, households):
    deliver(
        world, stand(range(1, 11), bedrag_achterstand="100,00"), reference_date=dt.date(2026, 11, 8)
    )
    before = households.snapshot()
    held = deliver(
        world, stand(range(1, 11), bedrag_achterstand="50,00"), reference_date=dt.date(2026, 10, 8)
    )
    assert held.status == S.WACHT_OP_BEVESTIGING
    assert held.report["veiligheidscontrole"] == {
        "open_achterstanden": 10, "af_te_melden": 0, "latere_stand": "2026-11-08",
    }  # fmt: skip
    assert households.snapshot() == before
    assert "latere peildatum (2026-11-08)" in "\n".join(report_lines(held))


def test_a_stand_later_than_the_latest_applied_one_is_applied(world, households):
    deliver(world, stand(range(1, 11)), reference_date=dt.date(2026, 10, 8))
    later = deliver(
        world, stand(range(1, 11), bedrag_achterstand="75,00"), reference_date=dt.date(2026, 11, 8)
    )
    assert later.status == S.VERWERKT


def test_a_stand_that_clears_exactly_half_is_applied(world, households):
    deliver(world, stand(range(1, 11)))
    delivery = deliver(world, stand(range(1, 6)), reference_date=dt.date(2026, 11, 8))
    assert delivery.status == S.VERWERKT
    assert delivery.arrears_cleared == 5


def test_sending_a_held_stand_again_says_it_waits_for_confirmation(world, households):
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    again = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    assert again.report["weigering"] == {
        "codes": ["LEVERING_DUBBEL"],
        "melding": "Dit bestand is al eerder aangeleverd; er is niets gewijzigd. Zelfde inhoud als "
        f"levering {held.pk}. Die wacht op bevestiging: bevestig of weiger die levering.",
    }


def test_sending_again_a_delivery_that_was_not_processed_yet_says_so(
    world, households, monkeypatch
):
    monkeypatch.setattr(services, "_enqueue", lambda pk: None)  # no worker takes it up
    queued = deliver(world, stand(range(1, 11)), background=True)
    assert queued.status == S.ONTVANGEN
    again = deliver(world, stand(range(1, 11)))
    assert again.report["weigering"]["melding"].endswith(
        f"Zelfde inhoud als levering {queued.pk}. Die is nog niet verwerkt: wacht tot ze klaar "
        "is, of verwerk haar opnieuw als ze stilstaat."
    )


def test_confirming_a_held_stand_applies_it(world, households):
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    done = services.confirm_delivery(held, world.user)
    assert done.status == S.VERWERKT
    assert (done.arrears_new, done.arrears_changed, done.arrears_cleared) == (0, 0, 6)
    assert done.confirmed_by == world.user
    assert sum(1 for r in households.snapshot() if r[-1]) == 4
    assert list(services.incoming_dir().iterdir()) == []


def test_a_held_stand_is_not_applied_after_a_later_stand_was(world, households):
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    assert held.status == S.WACHT_OP_BEVESTIGING
    later = deliver(
        world, stand(range(1, 11), bedrag_achterstand="75,00"), reference_date=dt.date(2026, 11, 15)
    )
    assert later.status == S.VERWERKT
    before = households.snapshot()
    refused = services.confirm_delivery(held, world.user)
    assert refused.status == S.AFGEWEZEN
    assert refused.report["weigering"] == {
        "codes": [],
        "melding": f"Na deze stand is levering {later.pk}, een stand met een latere peildatum (2026-11-15), "
        "verwerkt; die vervangt deze oudere stand, die daarom niet is verwerkt.",
    }
    assert households.snapshot() == before
    assert list(services.incoming_dir().iterdir()) == []


def test_only_a_held_delivery_can_be_confirmed(world, households):
    delivery = deliver(world, stand(range(1, 11)))
    with pytest.raises(services.DeliveryError):
        services.confirm_delivery(delivery, world.user)


def test_declining_a_held_stand_applies_nothing(world, households):
    deliver(world, stand(range(1, 11)))
    before = households.snapshot()
    held = deliver(world, stand(range(1, 3)), reference_date=dt.date(2026, 11, 8))
    declined = services.decline_delivery(held, world.user)
    assert declined.status == S.AFGEWEZEN
    assert households.snapshot() == before
    assert list(services.incoming_dir().iterdir()) == []


def test_mutatie_applies_changes_only(world, households):
    deliver(world, stand(range(1, 11)))
    header = [
        "klantnummer",
        "contractnummer",
        "voorletters",
        "achternaam",
        "geboortedatum",
        "postcode",
        "huisnummer",
        "bedrag_achterstand",
        "ontstaansdatum",
        "status",
    ]
    rows = [
        row(1, status="afgemeld"),
        row(2, bedrag_achterstand="999,00", status="gewijzigd"),
        row(11, status="nieuw"),
    ]
    delivery = deliver(
        world, csv_bytes(rows, header), kind="mutatie", reference_date=dt.date(2026, 11, 8)
    )
    assert delivery.status == S.VERWERKT
    assert (delivery.arrears_new, delivery.arrears_changed, delivery.arrears_cleared) == (1, 1, 1)


def test_newer_delivery_with_the_same_peildatum_supersedes_the_earlier(world, households):
    first = deliver(world, stand(range(1, 11)))
    second = deliver(world, stand(range(1, 12)))
    first.refresh_from_db()
    assert second.status == S.VERWERKT
    assert first.superseded_by == second
    assert second.superseded_by is None
    assert second.arrears_new == 1


def test_other_peildatum_or_kind_does_not_supersede(world, households):
    first = deliver(world, stand(range(1, 11)))
    deliver(world, stand(range(1, 12)), reference_date=dt.date(2026, 11, 8))
    first.refresh_from_db()
    assert first.superseded_by is None


def test_a_held_stand_is_replaced_by_a_newer_one_with_its_peildatum(world, households):
    deliver(world, stand(range(1, 11)))
    held = deliver(world, stand(range(1, 3)), reference_date=dt.date(2026, 11, 8))
    newer = deliver(world, stand(range(1, 10)), reference_date=dt.date(2026, 11, 8))
    held.refresh_from_db()
    assert newer.status == S.VERWERKT
    assert held.status == S.AFGEWEZEN
    assert held.superseded_by == newer
    with pytest.raises(services.DeliveryError):
        services.confirm_delivery(held, world.user)


def test_json_body_carries_peildatum_and_soort(world, households):
    import json

    body = {
        "peildatum": "2026-11-01",
        "soort": "stand",
        "achterstanden": [row(n) for n in range(1, 4)],
    }
    delivery = deliver(
        world, json.dumps(body).encode(), filename="levering.json", kind=None, reference_date=None
    )
    assert delivery.status == S.VERWERKT
    assert (delivery.kind, delivery.reference_date, delivery.file_format) == (
        "stand",
        PEILDATUM,
        "json",
    )


def test_a_json_body_refused_for_missing_fields_keeps_its_peildatum_and_soort(world, households):
    """Refused while its fields were checked, the body's header was lost: the page and the API
    showed "—" for both."""
    import json

    body = {"peildatum": "2026-11-01", "soort": "mutatie", "achterstanden": [{"klantnummer": "K1"}]}
    delivery = deliver(
        world, json.dumps(body).encode(), filename="levering.json", kind=None, reference_date=None
    )
    assert delivery.status == S.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["KOLOM_ONTBREEKT"]
    assert (delivery.kind, delivery.reference_date) == ("mutatie", PEILDATUM)
    # A body has fields, not columns.
    melding = delivery.report["weigering"]["melding"]
    assert melding.startswith("Verplichte velden ontbreken: ")
    assert "kolommen" not in melding and "kolomnaam" not in melding and "de kolom" not in melding


def test_json_body_peildatum_must_match_the_one_given(world, households):
    import json

    body = {"peildatum": "2026-10-01", "achterstanden": [row(n) for n in range(1, 4)]}
    delivery = deliver(world, json.dumps(body).encode(), filename="levering.json")
    assert delivery.report["weigering"]["codes"] == ["PEILDATUM_ONGELDIG"]


def test_staged_files_are_private_and_deleted_after_processing(world, households, monkeypatch):
    seen = {}
    original = services.evaluate_delivery

    def spy(delivery, path):
        seen["mode"] = stat.S_IMODE(os.stat(path).st_mode)
        seen["dir"] = stat.S_IMODE(os.stat(path.parent).st_mode)
        return original(delivery, path)

    monkeypatch.setattr(services, "evaluate_delivery", spy)
    delivery = deliver(world, stand(range(1, 4)))
    assert seen == {"mode": 0o600, "dir": 0o700}
    assert delivery.staged_name == ""
    assert list(services.incoming_dir().iterdir()) == []
    assert delivery.sha256 and delivery.size_bytes > 0


def test_a_crash_while_applying_changes_nothing_and_processing_again_gives_the_same_result(
    world, households, monkeypatch
):
    deliver(world, stand(range(1, 11)))
    before = households.snapshot()
    real_apply = households.apply_rows

    def crash(*args, **kwargs):
        real_apply(*args, **kwargs)  # half the work is written …
        raise RuntimeError("de werker valt om")  # … then the process dies

    monkeypatch.setattr(households, "apply_rows", crash)
    with pytest.raises(RuntimeError):
        deliver(world, stand(range(3, 14)), reference_date=dt.date(2026, 11, 8))
    delivery = Delivery.objects.latest("pk")
    assert delivery.status == S.IN_BEHANDELING
    assert delivery.report["storing"]
    assert households.snapshot() == before
    assert not DeliveryRowIssue.objects.filter(delivery=delivery).exists()

    monkeypatch.setattr(households, "apply_rows", real_apply)
    again = services.process_delivery(delivery.pk)
    assert again.status == S.VERWERKT
    assert (again.arrears_new, again.arrears_cleared) == (3, 2)
    assert "storing" not in again.report


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_a_process_stopped_at_once_while_applying_notes_it_so_the_delivery_is_stalled_at_once(
    world, households, monkeypatch, stop
):
    """A worker's second TERM (SystemExit in the task) or Ctrl-C on ``deliver``: nothing is
    applied, and the delivery says so at once instead of when DELIVERY_STALLED_AFTER passed."""
    before = households.snapshot()

    def stopped(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(households, "apply_rows", stopped)
    with pytest.raises(stop):
        deliver(world, stand(range(1, 4)))
    delivery = Delivery.objects.get()
    assert delivery.status == S.IN_BEHANDELING
    assert delivery.report["storing"] == services.FAILURE_NOTE
    assert households.snapshot() == before


def test_processing_a_finished_delivery_again_changes_nothing(world, households):
    delivery = deliver(world, stand(range(1, 11)))
    before = households.snapshot()
    assert services.process_delivery(delivery.pk).status == S.VERWERKT
    assert households.snapshot() == before


def test_large_deliveries_go_to_the_background_worker(world, households, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 100)
    monkeypatch.setattr(services, "_enqueue", queued.append)
    delivery = deliver(world, stand(range(1, 11)))
    assert delivery.status == S.ONTVANGEN
    assert queued == [delivery.pk]
    assert services.process_delivery(delivery.pk).status == S.VERWERKT


def test_every_delivery_and_its_outcome_is_in_the_audit_log(world, households):
    delivery = deliver(world, stand(range(1, 4)), user=world.user)
    events = AuditEvent.objects.filter(
        object_type="intake.delivery", object_id=str(delivery.pk)
    ).order_by("seq")
    assert [e.action for e in events] == ["deliver", "update", "deliver"]
    assert events[0].actor_username == "schuldeiser"
    assert events[1].details["geaccepteerd"] == 3
    # and the part for Voorbeeldstad, where the three rows went
    assert (events[2].municipality_code, events[2].details["regels"]) == ("0999", 3)


def test_a_stand_does_not_clear_the_arrears_of_rows_it_rejected(world, households):
    deliver(world, stand(range(1, 11)))
    rows = [row(n) for n in range(1, 10)] + [row(10, geboortedatum="onleesbaar")]
    delivery = deliver(world, csv_bytes(rows), reference_date=dt.date(2026, 11, 8))
    assert delivery.status == S.VERWERKT
    assert delivery.arrears_cleared == 0


def test_rows_outside_the_covenant_count_in_the_whole_for_too_many_errors(world, households):
    rows = [row(1)] + [row(n, geboortedatum="?") for n in (2, 3)]
    rows += [row(n, klantnummer=f"B{n}", postcode="9999ZZ") for n in range(1, 6)]
    delivery = deliver(world, csv_bytes(rows))
    assert delivery.status == S.VERWERKT
    assert (delivery.rows_accepted, delivery.rows_rejected, delivery.rows_outside_covenant) == (
        1,
        2,
        5,
    )
