"""``vroegsignaal deliver``: the report on stdout, exit 0 when applied or held, non-zero when refused."""

from __future__ import annotations

import pytest
from django.utils import timezone

from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.intake.report import report_lines

from .support import csv_bytes, row, stand
from .support import run_deliver as run


@pytest.fixture
def csv_file(tmp_path):
    def write(content: bytes, name: str = "levering.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


def test_applied_delivery_exits_0_and_prints_the_report(world, households, csv_file):
    code, out, err = run(
        csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
    )
    assert code == 0, err
    assert "Status: verwerkt" in out
    assert "Regels geaccepteerd:     5" in out
    assert "0999 Voorbeeldstad: 5" in out
    assert "nieuw 5, gewijzigd 0, afgemeld 0" in out
    assert err == ""


def test_the_report_counts_the_rows_that_confirmed_an_open_arrear_unchanged(
    world, households, csv_file
):
    """Accepted rows that only confirmed an open arrear are in a figure of their own, so the
    arrears figures add up to the accepted rows (here: a stand delivered again)."""
    run(
        csv_file(stand(range(1, 6)), "a.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
    )
    code, out, err = run(
        csv_file(stand(range(1, 7)), "b.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"
    )
    assert code == 0, err
    assert "Regels geaccepteerd:     6" in out
    assert (
        "Achterstanden:           nieuw 1, gewijzigd 0, afgemeld 0, ongewijzigd (al bekend) 5\n"
        in out
    )


def test_a_report_stored_without_the_unchanged_figure_prints_none(world, households, csv_file):
    run(csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    delivery = Delivery.objects.get()
    delivery.report.pop("achterstanden_ongewijzigd", None)  # stored before the figure existed
    delivery.save(update_fields=["report"])
    assert "Achterstanden:           nieuw 5, gewijzigd 0, afgemeld 0" in report_lines(delivery)


def test_held_delivery_exits_0(world, households, csv_file):
    run(
        csv_file(stand(range(1, 11)), "a.csv"),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
    )
    code, out, _ = run(
        csv_file(stand(range(1, 3)), "b.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"
    )
    assert code == 0
    assert "wacht_op_bevestiging" in out


def test_held_delivery_says_how_to_confirm_it(world, households, csv_file):
    run(
        csv_file(stand(range(1, 11)), "a.csv"),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
    )
    _, out, _ = run(
        csv_file(stand(range(1, 3)), "b.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"
    )
    held = Delivery.objects.get(status=DeliveryStatus.WACHT_OP_BEVESTIGING)
    assert out.splitlines()[-1] == (
        f"Levering {held.pk} wacht op bevestiging; er is nog niets gewijzigd. Klopt de stand, bevestig haar "
        f"dan met: vroegsignaal deliver --bevestig {held.pk} (of weiger haar met --weiger {held.pk}; de "
        "schuldeiser kan beide ook in het portaal)."
    )


def test_confirming_from_the_command_line_applies_the_held_delivery(world, households, csv_file):
    run(
        csv_file(stand(range(1, 11)), "a.csv"),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
    )
    run(
        csv_file(stand(range(1, 3)), "b.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"
    )
    held = Delivery.objects.get(status=DeliveryStatus.WACHT_OP_BEVESTIGING)
    code, out, _ = run("--bevestig", str(held.pk))
    assert code == 0
    assert "Status: verwerkt" in out and "afgemeld 8" in out
    held.refresh_from_db()
    confirmed = timezone.localtime(held.confirmed_at)
    lines = out.splitlines()
    check = lines.index(
        "Veiligheidscontrole:     8 van 10 open achterstanden zouden worden afgemeld"
    )
    assert lines[check + 1].strip() == (
        f"bevestigd op {confirmed:%Y-%m-%d %H:%M} op de opdrachtregel"
    )


def test_duplicate_exits_1_with_the_code_and_a_dutch_message(world, households, csv_file):
    path = csv_file(stand(range(1, 6)))
    run(path, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    code, out, err = run(path, "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    assert code == 1
    assert "LEVERING_DUBBEL" in err and "al eerder aangeleverd" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (stand(range(1, 6)), ["--peildatum", "2999-01-01"], "PEILDATUM_ONGELDIG"),
        (stand(range(1, 6)), [], "PEILDATUM_ONGELDIG"),
        (b"", ["--peildatum", "2026-11-01"], "BESTAND_LEEG"),
        (b"\x00\x01\x02garbage", ["--peildatum", "2026-11-01"], "BESTAND_ONLEESBAAR"),
        (
            csv_bytes([row(n, geboortedatum="x") for n in range(1, 6)]),
            ["--peildatum", "2026-11-01"],
            "TE_VEEL_FOUTEN",
        ),
    ],
)
def test_refused_delivery_exits_1_with_its_code(
    world, households, csv_file, content, args, expected
):
    code, _, err = run(csv_file(content), "--creditor", "WOONBRUG", *args)
    assert code == 1
    assert expected in err
    assert "Traceback" not in err


def nothing_was_received(settings) -> bool:
    """No delivery, no audit event of one, and no file staged in the incoming folder."""
    from vroegsignaal.privacy.models import AuditEvent

    incoming = settings.DATA_DIR / "incoming"
    staged = list(incoming.iterdir()) if incoming.exists() else []
    return not Delivery.objects.exists() and not AuditEvent.objects.exists() and staged == []


@pytest.mark.parametrize(
    "typed", ["2026-13-01", "01-10-2026", "2026-02-30", "0000-01-01", "morgen"]
)
def test_a_peildatum_that_is_no_date_is_the_operator_s_typing_error_not_the_creditor_s_refusal(
    world, households, csv_file, settings, typed
):
    """It was recorded as the creditor's delivery, refused as PEILDATUM_ONGELDIG (exit 1), which
    the creditor then found among its deliveries."""
    code, out, err = run(
        csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", "--peildatum", typed
    )
    assert (code, out) == (2, "")
    assert err == (
        f"--peildatum '{typed}' is geen datum; schrijf hem als JJJJ-MM-DD (bijvoorbeeld "
        f"{timezone.localdate().isoformat()}). Er is niets aangeleverd.\n"
    )
    assert nothing_was_received(settings)


def test_an_empty_peildatum_is_refused_by_the_command_and_says_how_to_leave_it_out(
    world, households, csv_file, settings
):
    """``--peildatum "$DATUM"`` with the variable unset: not a delivery "without peildatum"."""
    code, _, err = run(csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", "--peildatum", " ")
    assert code == 2
    assert err.startswith("--peildatum is leeg; geef de datum waarop de achterstanden gelden")
    assert "laat --peildatum weg als het JSON-bestand zijn eigen peildatum noemt" in err
    assert nothing_was_received(settings)


def test_a_long_typed_peildatum_is_cut_in_the_message(world, households, csv_file, settings):
    code, _, err = run(csv_file(stand([1])), "--creditor", "WOONBRUG", "--peildatum", "9" * 10_000)
    assert code == 2
    assert err.startswith(f"--peildatum '{'9' * 40}…' is geen datum")
    assert len(err) < 200


@pytest.mark.parametrize(
    ("peildatum", "problem"),
    [
        ("2999-01-01", "ligt in de toekomst"),
        ("1999-12-31", "ligt vóór 2000-01-01"),
        (None, "ontbreekt"),
    ],
)
def test_a_peildatum_the_delivery_checks_refuse_is_the_delivery_s_refusal_as_the_spec_says(
    world, households, csv_file, peildatum, problem
):
    """Spec 1.6: a delivery is refused whole as PEILDATUM_ONGELDIG when it is missing or in the
    future (and here before 2000): recorded with its report on every way in, exit 1."""
    given = ["--peildatum", peildatum] if peildatum else []
    code, _, err = run(csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", *given)
    delivery = Delivery.objects.get()
    assert code == 1
    assert err.startswith("Geweigerd: PEILDATUM_ONGELDIG — De peildatum") and problem in err
    assert delivery.status == DeliveryStatus.AFGEWEZEN
    assert delivery.report["weigering"]["codes"] == ["PEILDATUM_ONGELDIG"]


def test_an_unknown_creditor_is_refused_naming_the_option_and_records_nothing(
    world, households, csv_file, settings
):
    code, out, err = run(
        csv_file(stand([1])), "--creditor", "woonbrug-x", "--peildatum", "2026-11-01"
    )
    assert (code, out) == (2, "")
    assert err.startswith("--creditor 'woonbrug-x': er is geen schuldeiser met die code")
    assert err.rstrip().endswith("Er is niets aangeleverd.")
    assert nothing_was_received(settings)


def test_a_soort_that_is_not_the_spec_s_is_refused_by_the_console_script_and_records_nothing(
    world, households, csv_file, settings
):
    from tests.test_hostile_commands import run_command

    outcome = run_command(
        "deliver", csv_file(stand([1])), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01",
        "--soort", "standen",
    )  # fmt: skip
    assert (outcome.status, outcome.crash, outcome.stdout) == (2, "", "")
    assert outcome.stderr == (
        "vroegsignaal deliver: --soort: 'standen' is geen van de keuzes; kies uit 'stand', "
        "'mutatie' (zie 'vroegsignaal deliver --help').\n"
    )
    assert nothing_was_received(settings)


def test_a_file_that_is_not_there_is_refused_naming_it_and_records_nothing(
    world, households, tmp_path, settings
):
    missing = tmp_path / "stand-november.csv"
    code, _, err = run(str(missing), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    assert code == 2
    assert err == f"Het bestand {missing} bestaat niet.\n"
    assert nothing_was_received(settings)


def test_wrong_invocation_exits_2(world, households, csv_file):
    assert run(csv_file(stand([1])), "--creditor", "ONBEKEND", "--peildatum", "2026-11-01")[0] == 2
    assert run("/bestaat/niet.csv", "--creditor", "WOONBRUG")[0] == 2
    assert run("--opnieuw", "999")[0] == 2


def test_a_crash_exits_3_without_traceback_and_can_be_processed_again(
    world, households, csv_file, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("stroomstoring")

    monkeypatch.setattr(households, "apply_rows", crash)
    code, out, err = run(
        csv_file(stand(range(1, 6))), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
    )
    delivery = Delivery.objects.get()
    assert code == 3
    assert "Traceback" not in out + err
    assert f"--opnieuw {delivery.pk}" in err
    assert delivery.status == DeliveryStatus.IN_BEHANDELING

    monkeypatch.undo()
    from . import fake_households

    fake_households.install(monkeypatch)
    code, out, _ = run("--opnieuw", str(delivery.pk))
    assert code == 0
    assert "Status: verwerkt" in out


def test_wacht_waits_for_the_background_worker(world, households, csv_file, monkeypatch):
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    code, out, _ = run(
        csv_file(stand(range(1, 4))),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
        "--wacht",
    )
    assert code == 0
    assert "Status: verwerkt" in out


def test_mutatie_needs_its_status_column(world, households, csv_file):
    code, _, err = run(
        csv_file(stand(range(1, 4))),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
        "--soort",
        "mutatie",
    )
    assert code == 1
    assert "KOLOM_ONTBREEKT" in err and "status" in err
    # What the column holds, and the other way out.
    assert "nieuw, gewijzigd of afgemeld" in err and "lever het dan aan als stand" in err


def test_niet_wachten_hands_a_large_delivery_over_and_prints_how_to_follow_it(
    world, households, csv_file, monkeypatch
):
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    monkeypatch.setattr(services, "_enqueue", lambda delivery_id: None)  # no worker runs it here
    code, out, err = run(
        csv_file(stand(range(1, 4))),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
        "--niet-wachten",
    )
    delivery = Delivery.objects.get()
    assert code == 0, err
    assert delivery.status == DeliveryStatus.ONTVANGEN
    assert f"Levering {delivery.pk} — schuldeiser WOONBRUG" in out and "Status: ontvangen" in out
    assert "Regels ontvangen" not in out and "Achterstanden:" not in out
    assert f"vroegsignaal deliver --opnieuw {delivery.pk} --wacht" in out


def test_a_large_delivery_is_followed_to_its_refusal_so_a_batch_job_sees_exit_1(
    world, households, csv_file, monkeypatch
):
    """Queued for the worker (beyond BACKGROUND_FROM_BYTES), the command once exited 0 at once,
    whatever became of the delivery."""
    from vroegsignaal.intake import services
    from vroegsignaal.intake.management.commands import deliver

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    # The "worker" takes the delivery up while the command waits.
    monkeypatch.setattr(
        deliver.time, "sleep", lambda seconds: [services.process_delivery(pk) for pk in queued]
    )
    bad = [row(i, postcode="12") for i in range(1, 4)]  # every row rejected: TE_VEEL_FOUTEN
    code, out, err = run(
        csv_file(csv_bytes(bad)), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
    )
    assert code == 1, out
    assert Delivery.objects.get().status == DeliveryStatus.AFGEWEZEN
    assert "TE_VEEL_FOUTEN" in err


def test_a_queued_delivery_no_worker_takes_up_stops_the_wait_with_exit_3(
    world, households, csv_file, monkeypatch, settings
):
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    monkeypatch.setattr(services, "_enqueue", lambda delivery_id: None)  # no worker runs it here
    settings.DELIVERY_STALLED_AFTER = 0
    code, _, err = run(
        csv_file(stand(range(1, 4))), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01"
    )
    delivery = Delivery.objects.get()
    assert code == 3
    assert delivery.status == DeliveryStatus.ONTVANGEN
    assert f"Geen worker heeft levering {delivery.pk} opgepakt sinds" in err
    assert f"vroegsignaal deliver --opnieuw {delivery.pk} --forceer" in err


def test_wacht_and_niet_wachten_together_is_a_wrong_invocation(world, households, csv_file):
    code, _, err = run(
        csv_file(stand(range(1, 4))),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
        "--wacht",
        "--niet-wachten",
    )
    assert code == 2
    assert "niet beide" in err
    assert not Delivery.objects.exists()


def test_opnieuw_of_a_queued_delivery_says_no_worker_took_it_and_what_to_do(
    world, households, csv_file, monkeypatch
):
    """It said "wordt niet verwerkt (status: ontvangen); opnieuw verwerken is niet nodig"."""
    from vroegsignaal.intake import services

    monkeypatch.setattr(services, "BACKGROUND_FROM_BYTES", 10)
    monkeypatch.setattr(services, "_enqueue", lambda pk: None)  # no worker
    run(
        csv_file(stand(range(1, 4))),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
        "--niet-wachten",
    )
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.ONTVANGEN
    code, _out, err = run("--opnieuw", str(delivery.pk))
    assert code == 2
    assert f"Levering {delivery.pk} staat in de wachtrij; geen worker heeft haar opgepakt." in err
    assert f"vroegsignaal deliver --opnieuw {delivery.pk} --forceer" in err
    assert "niet nodig" not in err


def test_opnieuw_of_a_processed_delivery_says_nothing_was_done_again(world, households, csv_file):
    """It reprinted the old report with exit 0 as if it had processed it again."""
    run(csv_file(stand(range(1, 4))), "--creditor", "WOONBRUG", "--peildatum", "2026-11-01")
    delivery = Delivery.objects.get()
    code, out, _err = run("--opnieuw", str(delivery.pk))
    assert code == 0
    assert out.startswith(
        f"Levering {delivery.pk} is al afgehandeld (verwerkt); er is niets opnieuw verwerkt. Het verslag:\n"
    )


def test_a_held_stand_can_be_declined_from_the_command_line(world, households, csv_file):
    """Only --bevestig existed: a wrong file held by the safety check waited 30 days for purge."""
    run(
        csv_file(stand(range(1, 11)), "a.csv"),
        "--creditor",
        "WOONBRUG",
        "--peildatum",
        "2026-11-01",
    )
    _, out, _ = run(
        csv_file(stand(range(1, 3)), "b.csv"), "--creditor", "WOONBRUG", "--peildatum", "2026-11-08"
    )
    held = Delivery.objects.get(status=DeliveryStatus.WACHT_OP_BEVESTIGING)
    assert f"--weiger {held.pk}" in out
    code, out, err = run("--weiger", str(held.pk))
    assert (code, err) == (0, "")
    assert out.rstrip().endswith(f"Levering {held.pk} is niet bevestigd; er is niets verwerkt.")
    held.refresh_from_db()
    assert held.status == DeliveryStatus.AFGEWEZEN
    assert run("--weiger", str(held.pk))[0] == 2  # not waiting any more: refused, nothing changes
    assert run("--weiger", str(held.pk), "--bevestig", str(held.pk))[0] == 2
