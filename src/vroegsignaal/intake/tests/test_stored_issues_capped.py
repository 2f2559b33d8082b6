"""A small file of rows without values made one finding for every empty field of every row: a
3 MB file kept 1.6 million of them (213 MB for 92 days). A delivery keeps the first
``MAX_STORED_ISSUES`` findings, rejections before warnings; its counts per code still count every
row, and a report note says that the rejected rows' list is not all of them."""

from __future__ import annotations

from vroegsignaal.intake import evaluation, services
from vroegsignaal.intake.models import DeliveryRowIssue, Via
from vroegsignaal.intake.report import delivery_report

from .support import PEILDATUM

HEADER = "klantnummer;voorletters;achternaam;geboortedatum;postcode;huisnummer;bedrag_achterstand;ontstaansdatum;email\n"


def _deliver(world, rows: list[str]):
    return services.receive_delivery(
        world.creditor,
        (HEADER + "".join(rows)).encode(),
        filename="export.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )


def test_a_delivery_keeps_the_first_findings_and_counts_every_row(world, households, monkeypatch):
    monkeypatch.setattr(evaluation, "MAX_STORED_ISSUES", 5)
    empty = [f"K-{n};;;;;;;;\n" for n in range(1, 11)]  # 10 rows, each several empty fields
    delivery = _deliver(world, empty)
    delivery.refresh_from_db()
    assert delivery.rows_rejected == 10, (delivery.status, delivery.report)
    stored = list(DeliveryRowIssue.objects.filter(delivery=delivery).order_by("row", "id"))
    assert len(stored) == 5
    assert all(not i.is_warning for i in stored)
    assert [i.row for i in stored] == sorted(i.row for i in stored)
    assert stored[0].row == 2  # the first rows of the file, header is row 1
    report = delivery_report(delivery)
    assert report["afgewezen_per_code"]["VERPLICHT_VELD_LEEG"] == 10  # every row counted
    [note] = [n for n in report["opmerkingen"] if "bewaard" in n["melding"]]
    assert "de eerste 5 bewaard" in note["melding"], note
    assert "De aantallen per code hierboven tellen alle regels." in note["melding"]


def test_rejections_go_before_warnings_when_findings_are_left_out(world, households, monkeypatch):
    monkeypatch.setattr(evaluation, "MAX_STORED_ISSUES", 3)
    good = "K-{n};J.;Jansen;17-05-1980;1234AB;{n};150,00;01-09-2026;geen-adres\n"  # a warning
    rows = [good.format(n=n) for n in range(1, 9)] + ["K-99;;;;;;;;\n"]
    delivery = _deliver(world, rows)
    delivery.refresh_from_db()
    stored = DeliveryRowIssue.objects.filter(delivery=delivery)
    assert stored.count() == 3
    assert stored.filter(is_warning=False).count() >= 1  # the rejected row's findings are kept
    report = delivery_report(delivery)
    [note] = [n for n in report["opmerkingen"] if "bewaard" in n["melding"]]
    assert "waarschuwingen" in note["melding"]


def test_a_delivery_with_few_findings_has_no_such_note(world, households):
    rows = ["K-1;;;;;;;;\n"] + [
        f"K-{n};J.;Jansen;17-05-1980;1234AB;{n};150,00;01-09-2026;\n" for n in range(2, 5)
    ]
    delivery = _deliver(world, rows)
    delivery.refresh_from_db()
    report = delivery_report(delivery)
    assert not [n for n in report["opmerkingen"] if "bewaard" in n["melding"]]
    assert DeliveryRowIssue.objects.filter(delivery=delivery).count() >= 1


def test_a_second_column_for_a_field_is_named_with_the_one_that_was_read(world, households):
    """``Saldo`` and ``Bedrag`` are both bedrag_achterstand: the first is read, and the report
    says so instead of only listing ``Bedrag`` among the columns it does not know."""
    header = HEADER.replace("bedrag_achterstand", "Saldo;Bedrag")
    delivery = services.receive_delivery(
        world.creditor,
        (header + "K-1;J.;Jansen;17-05-1980;1234AB;1;150,00;999,99;01-09-2026;\n").encode(),
        filename="export.csv",
        reference_date=PEILDATUM,
        via=Via.CLI,
    )
    delivery.refresh_from_db()
    report = delivery_report(delivery)
    [note] = [n for n in report["opmerkingen"] if n["veld"] == "bedrag_achterstand"]
    assert note["melding"].startswith(
        "De kolommen 'Saldo' en 'Bedrag' zijn allebei het veld bedrag_achterstand; alleen 'Saldo' "
        "is gelezen."
    )
    assert delivery.rows_accepted == 1
