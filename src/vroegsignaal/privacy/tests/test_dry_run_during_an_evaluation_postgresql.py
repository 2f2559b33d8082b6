"""A ``purge --dry-run`` while a municipality's signals are being evaluated (PostgreSQL).

The dry run deletes what a real run would, in a transaction it rolls back: it locks signal
rows as the evaluation updates them. A real run takes the municipality's lock first (its
monitor snapshot), as the evaluation does, so the two queue; the dry run took none, and the
two could lock signal rows in opposite orders. Skipped on SQLite, whose write lock lets one
writer in at a time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.concurrency import at_the_same_moment
from tests.factories import MunicipalityFactory
from vroegsignaal.privacy import retention
from vroegsignaal.signals import services as signals

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_a_dry_run_waits_for_the_evaluation_of_its_municipality():
    municipality = MunicipalityFactory()
    evaluation, dry_run = at_the_same_moment(
        lambda: signals.evaluate(municipality, reference_date=dt.date(2026, 3, 1)),
        lambda: retention.purge(
            dry_run=True, today=dt.date(2027, 1, 4), municipalities=[municipality], intake=False
        ),
    )
    assert not isinstance(evaluation, Exception), evaluation
    assert not isinstance(dry_run, Exception), dry_run
    assert dry_run.runs == []  # a dry run records nothing
