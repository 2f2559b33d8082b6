"""The operator's log says what became of every delivery, in one line, without personal data."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, Via

from .support import PEILDATUM, csv_bytes, row, stand

LOGGER = "vroegsignaal.intake.services"


@pytest.fixture
def outcome_lines(caplog, django_capture_on_commit_callbacks):
    """Deliver, run what waits for the commit, and return the outcome lines logged."""

    def deliver(world, content: bytes, action=None, **kwargs) -> tuple[Delivery, list[str]]:
        kwargs.setdefault("filename", "levering.csv")
        kwargs.setdefault("reference_date", PEILDATUM)
        kwargs.setdefault("via", Via.CLI)
        caplog.clear()
        with (
            caplog.at_level(logging.INFO, logger=LOGGER),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if action is None:
                delivery = services.receive_delivery(world.creditor, content, **kwargs)
            else:
                delivery = action()
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Levering ")]
        return delivery, lines

    return deliver


def test_an_applied_delivery_is_one_line_with_its_counts(world, households, outcome_lines):
    delivery, lines = outcome_lines(world, stand(range(1, 11)))
    assert len(lines) == 1
    head, _, tail = lines[0].partition(": ")
    assert head == f"Levering {delivery.pk} van WOONBRUG (stand, peildatum 2026-11-01, via cli)"
    assert tail.startswith(
        "verwerkt; 10 regels: 10 geaccepteerd, 0 afgewezen, 0 buiten convenant; "
        "achterstanden nieuw 10, gewijzigd 0, afgemeld 0; "
    )
    assert tail.endswith(" s na ontvangst")


def test_a_refused_delivery_is_logged_with_its_codes_and_no_value_from_the_file(
    world, households, outcome_lines
):
    rows = [row(n, postcode="0000XX", achternaam="Geheimnaam") for n in range(1, 11)]
    delivery, lines = outcome_lines(world, csv_bytes(rows))
    assert delivery.status == "afgewezen"
    assert lines == [
        f"Levering {delivery.pk} van WOONBRUG (stand, peildatum 2026-11-01, via cli): "
        f"afgewezen (TE_VEEL_FOUTEN); {lines[0].rsplit('; ', 1)[1]}"
    ]
    assert "Geheimnaam" not in lines[0] and "0000XX" not in lines[0] and "K-0" not in lines[0]


def test_a_delivery_refused_on_receipt_is_logged_too(world, households, outcome_lines):
    outcome_lines(world, stand(range(1, 11)))
    again, lines = outcome_lines(world, stand(range(1, 11)))
    assert again.status == "afgewezen"
    assert lines == [
        f"Levering {again.pk} van WOONBRUG (stand, peildatum 2026-11-01, via cli): "
        f"afgewezen (LEVERING_DUBBEL); {lines[0].rsplit('; ', 1)[1]}"
    ]


def test_a_held_stand_says_why_and_its_confirmation_and_decline_are_logged(
    world, households, outcome_lines
):
    outcome_lines(world, stand(range(1, 11)))
    held, lines = outcome_lines(world, stand(range(1, 5)), reference_date=dt.date(2026, 11, 8))
    assert len(lines) == 1
    assert lines[0].startswith(
        f"Levering {held.pk} van WOONBRUG (stand, peildatum 2026-11-08, via cli): wacht op "
        "bevestiging (6 van 10 open achterstanden zouden worden afgemeld); 4 regels: "
    )

    _, lines = outcome_lines(world, b"", action=lambda: services.confirm_delivery(held, world.user))
    assert len(lines) == 1 and ": verwerkt; 4 regels: " in lines[0]
    assert "afgemeld 6" in lines[0]

    other, _ = outcome_lines(world, stand([1]), reference_date=dt.date(2026, 11, 15))
    _, lines = outcome_lines(
        world, b"", action=lambda: services.decline_delivery(other, world.user)
    )
    assert lines == [
        f"Levering {other.pk} van WOONBRUG (stand, peildatum 2026-11-15, via cli): afgewezen "
        f"(Niet bevestigd door de schuldeiser; er is niets verwerkt.); {lines[0].rsplit('; ', 1)[1]}"
    ]


def test_nothing_is_logged_for_an_outcome_that_is_rolled_back(world, households, caplog):
    """The line is written when the outcome is committed: a test transaction that never
    commits (as a crashed apply) logs nothing."""
    with caplog.at_level(logging.INFO, logger=LOGGER):
        services.receive_delivery(
            world.creditor,
            stand(range(1, 4)),
            filename="a.csv",
            reference_date=PEILDATUM,
            via=Via.CLI,
        )
    assert not [r for r in caplog.records if r.getMessage().startswith("Levering ")]
