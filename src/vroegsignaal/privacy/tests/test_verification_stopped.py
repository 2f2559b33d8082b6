"""An audit check whose worker stopped in the middle: shown broken off, never "Bezig" forever.

The check is the worker's (:func:`.officer.run_verification`). Stopped at once in its middle (a
second TERM: ``SystemExit``; Ctrl-C twice: ``KeyboardInterrupt``) or crashed, it notes that it
broke off; killed (``kill -9``, says nothing), it shows broken off once it made no progress for
``DELIVERY_STALLED_AFTER``. Either way the officer may start a new check: the page disabled
*Controle starten* while one ran, so a check left "Bezig" shut the officer out for good.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy import audit, officer
from vroegsignaal.privacy.models import AuditAction, AuditVerification

pytestmark = pytest.mark.django_db

RUNNING = "Er loopt één controle tegelijk: starten kan weer zodra de controle hierboven klaar is."
BROKEN_OFF = "Afgebroken"


@pytest.fixture
def privacy_officer():
    return UserFactory(
        username="fg", role=Role.PRIVACY_OFFICER, municipality=MunicipalityFactory(code="0101")
    )


@pytest.fixture
def requested(privacy_officer, django_capture_on_commit_callbacks):
    """A check asked for; the worker has not run it yet."""
    audit.record(privacy_officer, AuditAction.LOGIN)
    with django_capture_on_commit_callbacks(execute=False):
        return officer.start_verification(privacy_officer, "keten")


@pytest.mark.parametrize("stop", [SystemExit(1), KeyboardInterrupt(), RuntimeError("weg")])
def test_a_check_that_breaks_off_in_the_middle_shows_broken_off_and_a_new_one_can_be_started(
    requested, privacy_officer, verified_client, monkeypatch, stop
):
    def verify_chain(on_progress, **kwargs):
        on_progress(1)  # the middle of it
        raise stop

    monkeypatch.setattr(audit, "verify_chain", verify_chain)
    with pytest.raises(type(stop)):
        officer.run_verification(requested.pk)

    check = AuditVerification.objects.get(pk=requested.pk)
    assert check.finished_at is not None and check.ok is None
    assert (check.is_running, check.is_broken_off, check.checked, check.total) == (
        False,
        True,
        1,
        2,
    )
    page = verified_client(privacy_officer).get("/privacy/controle/").content.decode()
    assert BROKEN_OFF in page and "Bezig" not in page and RUNNING not in page
    assert 'http-equiv="refresh"' not in page
    assert "Intact" not in page and "Niet intact" not in page  # it found nothing either way


def test_a_check_whose_worker_was_killed_shows_broken_off_after_the_stalled_time(
    requested, privacy_officer, verified_client, monkeypatch, settings
):
    def killed(on_progress, **kwargs):  # kill -9 after some progress: nothing more is written
        on_progress(1)
        raise SystemExit(1)

    monkeypatch.setattr(audit, "verify_chain", killed)
    monkeypatch.setattr(officer, "_note_broken_off", lambda verification_id: None)
    before = timezone.now()
    with pytest.raises(SystemExit):
        officer.run_verification(requested.pk)
    check = AuditVerification.objects.get(pk=requested.pk)
    assert check.finished_at is None and before <= check.progress_at <= timezone.now()
    client = verified_client(privacy_officer)

    stalled = dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER)
    last = timezone.now() - stalled + dt.timedelta(seconds=30)
    AuditVerification.objects.update(progress_at=last)  # no progress for a little less
    check.refresh_from_db()
    assert check.is_running and not check.is_broken_off
    assert RUNNING in client.get("/privacy/controle/").content.decode()

    AuditVerification.objects.update(progress_at=last - dt.timedelta(seconds=30))
    check.refresh_from_db()
    assert not check.is_running and check.is_broken_off
    page = client.get("/privacy/controle/").content.decode()
    assert BROKEN_OFF in page and RUNNING not in page


def test_a_check_not_yet_taken_up_by_a_worker_stays_waiting(requested, settings):
    AuditVerification.objects.update(
        requested_at=timezone.now() - dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER * 10)
    )
    check = AuditVerification.objects.get(pk=requested.pk)
    assert check.progress_at is None
    assert check.is_running and not check.is_broken_off


def test_a_check_left_unfinished_before_the_upgrade_shows_broken_off_after_the_stalled_time(
    requested, settings
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("vroegsignaal.privacy.migrations.0005_auditverification_progress_at")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.DELIVERY_STALLED_AFTER + 1)
    AuditVerification.objects.update(requested_at=long_ago, progress_at=None)  # as it stood
    finished = AuditVerification.objects.create(
        scope_kind="keten", requested_at=long_ago, finished_at=long_ago, ok=True
    )

    migration.unfinished_checks_count_from_their_request(apps, None)

    check = AuditVerification.objects.get(pk=requested.pk)
    assert check.progress_at == long_ago
    assert check.is_broken_off and not check.is_running
    assert AuditVerification.objects.get(pk=finished.pk).progress_at is None
