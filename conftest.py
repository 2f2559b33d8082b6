"""Fixtures shared by the whole suite."""

from __future__ import annotations

import errno
import os

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings

# Property tests judge behaviour, not speed: Hypothesis's default deadline (200 ms per
# example) fails on a slow or busy CI machine for reasons that are not the code's.
# A failure prints the blob that reproduces it.
settings.register_profile("vroegsignaal", deadline=None, print_blob=True)
settings.load_profile("vroegsignaal")


def login_verified(client, user):
    """Log ``user`` in as if they passed password and TOTP."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def verified_client(client):
    """A factory: ``verified_client(user)`` returns the test client logged in with MFA."""

    def make(user):
        return login_verified(client, user)

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached figures are keyed by ids, and ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def without_audit_lock(monkeypatch):
    """For the PostgreSQL tests of two writers at once: in the test suite the audit log shares
    the caller's connection, and its chain-head row lock would order the writers by itself
    (production audits on a connection of its own). The events are built, not written."""
    from vroegsignaal.privacy import audit

    monkeypatch.setattr(audit, "_append", lambda alias, fields: None)


# -- a full disk ------------------------------------------------------------------------------------


class Filling:
    """A new file on a disk with ``room`` bytes left: a write beyond it fails with ``ENOSPC``, as
    ``write()`` does, naming no file."""

    def __init__(self, stream, room: int):
        self._stream, self._room = stream, room

    def write(self, data) -> int:
        size = memoryview(data).nbytes
        if size > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= size
        return self._stream.write(data)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stream.close()


@pytest.fixture
def full_disk(monkeypatch):
    """Files the commands write (``paths.atomic_output``'s ``os.fdopen``) fill up after 100 bytes."""
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        stream = real(fd, mode, *args, **kwargs)
        return Filling(stream, 100) if "w" in mode else stream

    monkeypatch.setattr(os, "fdopen", fdopen)
