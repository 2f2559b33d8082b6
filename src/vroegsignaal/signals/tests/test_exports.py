"""The signal export of spec section 5."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import signal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.factories import TeamFactory, UserFactory
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import exports, services
from vroegsignaal.signals.exports import COLUMNS, export_signals
from vroegsignaal.signals.models import Signal

from .conftest import PEILDATUM

SPEC_COLUMNS = (
    "signaal_id; gemeentecode; wijkcode; buurtcode; postcode; huisnummer; huisletter; "
    "huisnummertoevoeging; straatnaam; woonplaats; soort; crisis; herhaald; schuldverschuiving; "
    "aantal_schuldeisers; schuldeisers; totaal_bedrag; oudste_ontstaansdatum; werkbakje; status; signaaldatum"
)


@pytest.fixture
def signals(world):
    h = world.household()
    world.arrear(h, "WOONBRUG", amount=65_000, start=dt.date(2026, 1, 10), crisis=True)
    world.arrear(h, "ENERGIENOORD", amount=21_050, start=dt.date(2026, 2, 1))
    world.arrear(h, "ZORGZUID", amount=5_000, age=150)  # too old: not in the signal
    h2 = world.household()
    world.arrear(h2, "ZORGZUID", amount=12_345)
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    return Signal.objects.get(household=h), Signal.objects.get(household=h2)


def _csv(world, **kwargs) -> tuple[str, list[dict]]:
    stream = io.BytesIO()
    export_signals(stream, municipality=world.municipality, **kwargs)
    text = stream.getvalue().decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_columns_are_those_of_the_spec_in_order(world, signals):
    text, _ = _csv(world)
    assert (
        text.splitlines()[0].split(";")
        == [c.strip() for c in SPEC_COLUMNS.split(";")]
        == list(COLUMNS)
    )


def test_row_values_follow_the_spec(world, signals):
    first, _ = signals
    _, rows = _csv(world)
    row = rows[0]
    address = first.household.address
    assert row == {
        "signaal_id": str(first.pk), "gemeentecode": "0999", "wijkcode": "WK099901",
        "buurtcode": "BU09990101", "postcode": address.postcode, "huisnummer": str(address.huisnummer),
        "huisletter": "", "huisnummertoevoeging": "", "straatnaam": "Dorpsweg",
        "woonplaats": "Voorbeeldstad", "soort": "meervoudig", "crisis": "ja", "herhaald": "nee",
        "schuldverschuiving": "nee", "aantal_schuldeisers": "2", "schuldeisers": "ENERGIENOORD,WOONBRUG",
        "totaal_bedrag": "860.50", "oudste_ontstaansdatum": "2026-01-10", "werkbakje": "Crisis",
        "status": "nieuw", "signaaldatum": "2026-03-01",
    }  # fmt: skip


def test_status_open_selects_nieuw_and_opgepakt_only(world, signals):
    first, second = signals
    services.decline_signal(second)
    _, rows = _csv(world, status="open")
    assert [r["signaal_id"] for r in rows] == [str(first.pk)]


def test_text_cells_that_a_spreadsheet_would_evaluate_are_neutralised_in_csv(world, signals):
    first, _ = signals
    first.household.address.straatnaam = '=HYPERLINK("http://x")'
    first.household.address.woonplaats = "@SUM(1)"
    first.household.address.save()
    _, rows = _csv(world)
    assert (rows[0]["straatnaam"], rows[0]["woonplaats"]) == (
        '\'=HYPERLINK("http://x")',
        "'@SUM(1)",
    )


def test_xlsx_writes_text_as_strings_and_never_formulas(world, signals, tmp_path):
    first, _ = signals
    first.household.address.straatnaam = "=1+1"
    first.household.address.save()
    path = tmp_path / "signalen.xlsx"
    export_signals(path, municipality=world.municipality, fmt="xlsx")
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("straatnaam") + 1)
    amount = sheet.cell(row=2, column=header.index("totaal_bedrag") + 1)
    assert (header, cell.value, cell.data_type, amount.value) == (list(COLUMNS), "=1+1", "s", 860.5)


def test_xlsx_writes_dates_as_date_cells(world, signals, tmp_path):
    path = tmp_path / "signalen.xlsx"
    export_signals(path, municipality=world.municipality, fmt="xlsx")
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    oldest = sheet.cell(row=2, column=header.index("oudste_ontstaansdatum") + 1)
    raised = sheet.cell(row=2, column=header.index("signaaldatum") + 1)
    assert (oldest.value, oldest.number_format, raised.value) == (
        dt.datetime(2026, 1, 10), "yyyy-mm-dd", dt.datetime(2026, 3, 1),
    )  # fmt: skip


def test_address_outside_the_register_is_exported_from_its_parts(world, signals):
    _, second = signals
    household = Household.objects.get(pk=second.household_id)
    Household.objects.filter(pk=household.pk).update(
        address=None, unregistered_address="1234AB|12|A|2"
    )
    Signal.objects.filter(pk=second.pk).update(
        buurt=None
    )  # as evaluation writes it for such a household
    _, rows = _csv(world)
    row = rows[1]
    assert (row["postcode"], row["huisnummer"], row["huisletter"], row["huisnummertoevoeging"], row["wijkcode"]) == (
        "1234AB", "12", "A", "2", "",
    )  # fmt: skip


def test_export_is_recorded_in_the_audit_log(world, signals):
    _csv(world, status="open")
    event = AuditEvent.objects.get(action="export")
    assert (event.organisation, event.municipality_code, event.details) == (
        "systeem", "0999",
        {"rijen": 2, "formaat": "csv", "status": "open", "slapend": "verbergen", "contactgegevens": False},
    )  # fmt: skip


def test_export_by_a_user_is_audited_as_that_user(world, signals):
    user = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    _csv(world, user=user)
    assert AuditEvent.objects.get(action="export").actor_id == user.pk


def test_hulpverlener_exports_only_the_signals_of_their_team(world, signals):
    first, _ = signals
    team = TeamFactory(municipality=world.municipality)
    services.assign_team(first, team)
    user = UserFactory(role=Role.HULPVERLENER, team=team, municipality=world.municipality)
    _, rows = _csv(world, user=user)
    assert [r["signaal_id"] for r in rows] == [str(first.pk)]


def test_coordinator_of_another_municipality_exports_nothing(world, signals):
    from tests.factories import MunicipalityFactory

    user = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0777"))
    _, rows = _csv(world, user=user)
    assert rows == []


def test_unknown_status_is_refused(world, signals):
    with pytest.raises(ValueError):
        _csv(world, status="gesloten")


def test_command_writes_the_file(world, signals, tmp_path):
    path = tmp_path / "signalen.csv"
    out = io.StringIO()
    call_command(
        "export_signals",
        "--municipality",
        "0999",
        "--status",
        "open",
        "--output",
        str(path),
        stdout=out,
    )
    assert path.read_bytes().count(b"\r\n") == 3 and "2 signalen" in out.getvalue()


def test_command_writes_the_export_readable_by_this_user_only(world, signals, tmp_path):
    path = tmp_path / "signalen.csv"
    path.write_text("oud")
    path.chmod(0o644)
    out = io.StringIO()
    call_command(
        "export_signals", "--municipality", "0999", "--output", str(path), "--overschrijven",
        stdout=out,
    )  # fmt: skip
    assert path.stat().st_mode & 0o777 == 0o600  # it holds addresses
    assert out.getvalue() == f"2 signalen geschreven naar {path} (csv, modus 0600).\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signalen.csv"]  # no temporary file left


def test_command_replaces_a_planted_link_instead_of_writing_through_it(world, signals, tmp_path):
    elsewhere = tmp_path / "elders.txt"
    elsewhere.write_text("niet overschrijven")
    (tmp_path / "signalen.csv").symlink_to(elsewhere)
    link = tmp_path / "signalen.csv"
    with pytest.raises(
        CommandError, match="bestaat al; kies een andere naam of gebruik --overschrijven"
    ):
        call_command(
            "export_signals", "--municipality", "0999", "--output", str(link), stdout=io.StringIO()
        )
    assert link.is_symlink()
    call_command(
        "export_signals", "--municipality", "0999", "--output", str(link), "--overschrijven",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert elsewhere.read_text() == "niet overschrijven"
    assert not link.is_symlink()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda tmp: tmp / "geen-map" / "signalen.csv", "De map {tmp}/geen-map bestaat niet."),
        (lambda tmp: tmp, "{tmp} is een map; geef de naam van het bestand op."),
    ],
    ids=["map-ontbreekt", "een-map"],
)
def test_command_refuses_an_output_it_cannot_write_in_dutch(
    world, signals, tmp_path, where, message
):
    with pytest.raises(CommandError) as refused:
        call_command(
            "export_signals",
            "--municipality",
            "0999",
            "--output",
            str(where(tmp_path)),
            stdout=io.StringIO(),
        )
    assert str(refused.value) == message.format(tmp=tmp_path)
    assert not AuditEvent.objects.filter(purpose="export vroegsignalen").exists()


def test_command_chooses_xlsx_by_extension(world, signals, tmp_path):
    path = tmp_path / "signalen.xlsx"
    call_command(
        "export_signals", "--municipality", "0999", "--output", str(path), stdout=io.StringIO()
    )
    assert openpyxl.load_workbook(path).active.max_row == 3


@pytest.mark.django_db
def test_evaluate_command_says_so_when_there_is_no_municipality_yet():
    out = io.StringIO()
    call_command("evaluate", stdout=out)
    assert (
        out.getvalue()
        == "Er zijn nog geen gemeenten; laad eerst een configuratie met load_config.\n"
    )


def test_evaluate_command_reports_per_municipality(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    out = io.StringIO()
    call_command("evaluate", "--municipality", "0999", "--peildatum", "2026-03-01", stdout=out)
    assert (
        "Gemeente 0999, peildatum 2026-03-01" in out.getvalue()
        and "1 huishouden beoordeeld; 1 nieuw signaal," in out.getvalue()
    )


def test_an_anonymised_household_exports_without_any_address(world, signals):
    first, _ = signals
    anonymous = Household.objects.create(
        municipality=world.municipality, unregistered_address="anoniem:0999"
    )
    Signal.objects.filter(pk=first.pk).update(
        household=anonymous, buurt=None
    )  # as anonymise_cases does
    _, rows = _csv(world)
    row = next(r for r in rows if r["signaal_id"] == str(first.pk))
    assert [row[c] for c in ("wijkcode", "buurtcode", "postcode", "huisnummer", "straatnaam")] == [
        ""
    ] * 5
    assert row["soort"] == "meervoudig"


# ---------------------------------------------------------------------------
# Written whole or not at all: a temporary file beside the target, mode 0600, renamed when whole
# ---------------------------------------------------------------------------

EARLIER = "de export van vorige week"


def _half_a_csv(rows, stream, columns):
    """A writer that fails halfway: the header and part of a row are written, then it stops."""
    stream.write(b"signaal_id;gemeentecode\r\n1;09")
    stream.flush()
    raise RuntimeError("midden in de export")


def _target(tmp_path, earlier: bool):
    path = tmp_path / "signalen.csv"
    if earlier:
        path.write_text(EARLIER)
    return path


def _left_behind(tmp_path, path, earlier: bool):
    files = sorted(p.name for p in tmp_path.iterdir())
    return files, (path.read_text() if earlier else None)


@pytest.mark.parametrize("earlier", [False, True], ids=["nieuw", "bestaand"])
def test_export_to_a_path_failing_midway_leaves_no_file_and_the_earlier_one_unchanged(
    world, signals, tmp_path, monkeypatch, earlier
):
    path = _target(tmp_path, earlier)
    monkeypatch.setattr(exports, "write_csv", _half_a_csv)
    with pytest.raises(RuntimeError, match="midden in de export"):
        export_signals(path, municipality=world.municipality)
    assert _left_behind(tmp_path, path, earlier) == (
        (["signalen.csv"], EARLIER) if earlier else ([], None)
    )


def test_export_to_a_path_is_readable_by_this_user_only(world, signals, tmp_path):
    path = tmp_path / "signalen.csv"
    path.write_text(EARLIER)
    path.chmod(0o644)
    previous = os.umask(0o022)
    try:
        assert export_signals(path, municipality=world.municipality) == 2
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o600  # it holds addresses
    assert path.read_bytes().startswith(b"signaal_id;")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signalen.csv"]


def test_export_to_a_path_is_not_written_when_the_audit_log_refuses_it(
    world, signals, tmp_path, monkeypatch
):
    def refuse(*args, **kwargs):
        raise RuntimeError("auditlog niet bereikbaar")

    monkeypatch.setattr(exports, "record", refuse)
    path = tmp_path / "signalen.csv"
    with pytest.raises(RuntimeError, match="auditlog"):
        export_signals(path, municipality=world.municipality)
    assert list(tmp_path.iterdir()) == []  # no export of personal data without its audit event


@pytest.mark.parametrize("earlier", [False, True], ids=["nieuw", "bestaand"])
def test_command_failing_midway_leaves_no_file_and_the_earlier_one_unchanged(
    world, signals, tmp_path, monkeypatch, earlier
):
    path = _target(tmp_path, earlier)
    monkeypatch.setattr(exports, "write_csv", _half_a_csv)
    with pytest.raises(RuntimeError, match="midden in de export"):
        call_command(
            "export_signals", "--municipality", "0999", "--output", str(path),
            *(["--overschrijven"] if earlier else []), stdout=io.StringIO(),
        )  # fmt: skip
    assert _left_behind(tmp_path, path, earlier) == (
        (["signalen.csv"], EARLIER) if earlier else ([], None)
    )
    assert not AuditEvent.objects.filter(purpose="export vroegsignalen").exists()


def test_command_writes_no_export_when_the_disk_cannot_keep_it(
    world, signals, tmp_path, monkeypatch
):
    def lost(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", lost)
    path = _target(tmp_path, earlier=True)
    with pytest.raises(CommandError) as refused:
        call_command(
            "export_signals", "--municipality", "0999", "--output", str(path), "--overschrijven",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert str(refused.value) == f"Kan {path} niet schrijven: systeemfout EIO."
    assert _left_behind(tmp_path, path, earlier=True) == (["signalen.csv"], EARLIER)


def test_command_stopped_by_sigterm_midway_leaves_no_file(world, signals, tmp_path, monkeypatch):
    def stopped_halfway(rows, stream, columns):
        stream.write(b"signaal_id;gemeentecode\r\n1;09")
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
            # Sent now, it would end the process on the spot and leave the temporary file.
            pytest.fail("SIGTERM is not handled while the export writes")
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(exports, "write_csv", stopped_halfway)
    before = signal.getsignal(signal.SIGTERM)
    path = _target(tmp_path, earlier=True)
    with pytest.raises(SystemExit) as stopped:
        call_command(
            "export_signals", "--municipality", "0999", "--output", str(path), "--overschrijven",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert stopped.value.code == 128 + signal.SIGTERM
    assert _left_behind(tmp_path, path, earlier=True) == (["signalen.csv"], EARLIER)
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is the command's only meanwhile
