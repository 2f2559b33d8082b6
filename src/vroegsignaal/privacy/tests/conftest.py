from __future__ import annotations

import base64
import os

import pytest
from django.db import connection

from vroegsignaal.signals.tests.conftest import world  # noqa: F401 - the retention tests' world

from .sample_models import Sample


def make_key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture(scope="session")
def sample_table(django_db_setup, django_db_blocker):
    """Create the Sample table once, outside the per-test transactions."""
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Sample)
        yield Sample
        with connection.schema_editor() as editor:
            editor.delete_model(Sample)


@pytest.fixture
def sample_model(sample_table, db):
    return sample_table
