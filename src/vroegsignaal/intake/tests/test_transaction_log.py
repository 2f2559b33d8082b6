"""The operator's log says how long a delivery's apply held its transaction, on both databases.

On SQLite that transaction holds the write lock (37 s for a million rows on 2 cores), and every
request that writes meanwhile waits and, past the connection's 30 s, is answered 503
(``portal/busy.py``). Nothing in the log tied those 503s to a delivery: now one line per apply
says its id, its rows and its seconds, a warning when it was longer than SQLite's wait.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Via
from vroegsignaal.intake.processing import sqlite_busy_timeout, transaction_line

from .support import PEILDATUM, stand

LOGGER = "vroegsignaal.intake.services"


def transaction_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Schrijftransactie ")]


def deliver(world, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        delivery = services.receive_delivery(
            world.creditor,
            stand(range(1, 11)),
            filename="levering.csv",
            reference_date=PEILDATUM,
            via=Via.CLI,
        )
    assert delivery.status == "verwerkt"
    return delivery


def test_an_applied_delivery_logs_its_rows_and_the_seconds_of_its_transaction(
    world, households, caplog
):
    delivery = deliver(world, caplog)
    [record] = transaction_records(caplog)
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert re.fullmatch(
        rf"Schrijftransactie van levering {delivery.pk}: 10 regels toegepast in \d+,\d s", message
    ), message
    for personal in ("K-0", "Jansen", "1234AB", "1980"):
        assert personal not in message


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's wait for the write lock")
def test_a_transaction_longer_than_sqlites_wait_is_a_warning_about_503s(
    world, households, caplog, monkeypatch
):
    options = {**connection.settings_dict["OPTIONS"], "timeout": 0}  # every apply is longer
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    delivery = deliver(world, caplog)
    [record] = transaction_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(
        f"Schrijftransactie van levering {delivery.pk}: 10 regels toegepast in "
    )
    assert record.getMessage().endswith(
        " s, langer dan de wachttijd van 0 s van de SQLite-database; andere verzoeken kregen "
        "mogelijk 503"
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's wait for the write lock")
def test_sqlites_wait_is_the_settings_30_seconds():
    assert sqlite_busy_timeout() == 30


def test_the_line_is_a_warning_only_past_sqlites_wait():
    assert transaction_line(7, 1_000_000, 29.96, 30) == (
        logging.INFO,
        "Schrijftransactie van levering 7: 1000000 regels toegepast in 30,0 s",
    )
    assert transaction_line(7, 1_000_000, 37.24, 30) == (
        logging.WARNING,
        "Schrijftransactie van levering 7: 1000000 regels toegepast in 37,2 s, langer dan de "
        "wachttijd van 30 s van de SQLite-database; andere verzoeken kregen mogelijk 503",
    )


def test_on_postgresql_a_long_transaction_stays_info():
    """PostgreSQL's writers do not wait for the apply as a whole: no 503 to warn of."""
    assert transaction_line(7, 1_000_000, 95.0, None) == (
        logging.INFO,
        "Schrijftransactie van levering 7: 1000000 regels toegepast in 95,0 s",
    )
