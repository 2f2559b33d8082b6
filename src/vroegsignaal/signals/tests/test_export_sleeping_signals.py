"""Sleeping signals in the export of spec section 5: left out, as the portal's trays list
them, or written alone (``--slapend alleen``), never mixed unmarked with the awake ones.

The spec's ``status`` has no value for a sleeping signal and section 5 allows no column but
the contact details more. Before, the export wrote sleeping signals among the others, and a
reader could not tell them apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import services
from vroegsignaal.signals.exports import export_signals
from vroegsignaal.signals.models import Signal

from .conftest import PEILDATUM, make_signal

ASLEEP_ON = dt.date(2026, 4, 1)


@pytest.fixture
def awake_and_asleep(world) -> tuple[Signal, Signal]:
    awake, asleep = make_signal(world), make_signal(world)
    Signal.objects.filter(pk=asleep.pk).update(dormant_since=ASLEEP_ON)
    return awake, asleep


def _ids(world, **kwargs) -> list[int]:
    stream = io.BytesIO()
    export_signals(stream, municipality=world.municipality, **kwargs)
    rows = csv.DictReader(io.StringIO(stream.getvalue().decode("utf-8")), delimiter=";")
    return [int(r["signaal_id"]) for r in rows]


@pytest.mark.parametrize("status", [None, "open", "nieuw"])
def test_the_export_leaves_sleeping_signals_out_as_the_trays_do(world, awake_and_asleep, status):
    awake, _ = awake_and_asleep
    assert _ids(world, status=status) == [awake.pk]


def test_the_export_of_sleeping_signals_alone_holds_only_them(world, awake_and_asleep):
    _, asleep = awake_and_asleep
    assert _ids(world, status="open", sleeping="alleen") == [asleep.pk]


def test_a_closed_signal_that_once_slept_is_exported_with_the_others(world, awake_and_asleep):
    awake, asleep = awake_and_asleep
    Signal.objects.filter(pk=asleep.pk).update(status="vervallen", closed_on=ASLEEP_ON)
    assert (_ids(world), _ids(world, sleeping="alleen")) == ([awake.pk, asleep.pk], [])


def test_an_unknown_choice_for_sleeping_signals_is_refused(world, awake_and_asleep):
    with pytest.raises(ValueError, match="slapende signalen"):
        _ids(world, sleeping="tonen")


def test_the_audit_event_says_which_signals_the_file_holds(world, awake_and_asleep):
    _ids(world, sleeping="alleen")
    event = AuditEvent.objects.get(action="export")
    assert (event.details["slapend"], event.details["rijen"]) == ("alleen", 1)


def test_the_command_says_how_many_sleeping_signals_it_left_out(world, awake_and_asleep, tmp_path):
    out = io.StringIO()
    path = tmp_path / "signalen.csv"
    call_command("export_signals", "--municipality", "0999", "--output", str(path), stdout=out)
    assert out.getvalue().splitlines()[1:] == [
        "1 slapend signaal niet meegenomen (open, maar er telt geen achterstand meer mee); "
        "--slapend alleen schrijft die."
    ]
    assert path.read_bytes().count(b"\r\n") == 2  # the header and the awake signal


def test_the_command_writes_the_sleeping_signals_alone(world, awake_and_asleep, tmp_path):
    _, asleep = awake_and_asleep
    out = io.StringIO()
    path = tmp_path / "slapend.csv"
    call_command(
        "export_signals", "--municipality", "0999", "--slapend", "alleen", "--output", str(path),
        stdout=out,
    )  # fmt: skip
    lines = path.read_text(encoding="utf-8").splitlines()
    assert ([line.split(";")[0] for line in lines[1:]], out.getvalue()) == (
        [str(asleep.pk)], f"1 signaal geschreven naar {path} (csv, modus 0600).\n",
    )  # fmt: skip


def test_a_signal_evaluated_asleep_is_left_out(world):
    """Through evaluation: a signal whose arrears aged past the window falls asleep."""
    household = world.household()
    for creditor in ("WOONBRUG", "ENERGIENOORD"):
        world.arrear(household, creditor, age=95)
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    later = PEILDATUM + dt.timedelta(days=30)
    services.evaluate(world.municipality, reference_date=later, received_on=later)
    signal = Signal.objects.get(household=household)
    assert (signal.status, signal.dormant_since) == ("nieuw", later)
    assert (_ids(world, status="open"), _ids(world, sleeping="alleen")) == ([], [signal.pk])
