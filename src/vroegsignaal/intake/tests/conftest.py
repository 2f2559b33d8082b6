"""Fixtures of the intake's delivery tests (the front end's tests need none)."""

from __future__ import annotations

import pytest

from . import fake_households
from .support import build_world


@pytest.fixture
def households(monkeypatch):
    """The households service replaced by the stand-in of :mod:`.fake_households`."""
    return fake_households.install(monkeypatch)


@pytest.fixture
def world(db, settings, tmp_path):
    """Voorbeeldstad with a covenant, Proefdorp without, a creditor and its user; DATA_DIR in tmp."""
    settings.DATA_DIR = tmp_path / "data"
    return build_world()


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The enqueued ids; the worker does not run unless a test runs it (the delivery waits,
    staged, for the test to process it)."""
    from vroegsignaal.intake import services

    ids: list[int] = []
    monkeypatch.setattr(services, "_enqueue", ids.append)
    return ids
