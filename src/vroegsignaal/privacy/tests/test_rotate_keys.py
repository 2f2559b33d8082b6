from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from vroegsignaal.privacy import keys
from vroegsignaal.privacy.models import AuditAction, AuditEvent

from .conftest import make_key

OLD = make_key("oud")
NEW = make_key("nieuw")


def stored_tokens(model) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, birth_date FROM privacy_tests_sample ORDER BY id")
        return [token for row in cursor.fetchall() for token in row if token]


@pytest.fixture
def rows_under_old_key(sample_model):
    with override_settings(ENCRYPTION_KEYS=OLD):
        sample_model.objects.bulk_create(
            [
                sample_model(
                    name=f"naam {i}", birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i)
                )
                for i in range(7)
            ]
            + [sample_model(name="", birth_date=None)]
        )
    return sample_model


@pytest.fixture
def only_sample_model(monkeypatch, sample_model):
    monkeypatch.setattr(keys, "installed_models", lambda: [sample_model])


def test_rotate_keys_reencrypts_old_tokens(rows_under_old_key):
    model = rows_under_old_key
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        report = keys.rotate_keys(batch_size=3, models_to_check=[model])
        assert report.counts == {"privacy_tests.sample": 14}
        assert all(token.startswith("v1:nieuw:") for token in stored_tokens(model))
        names = list(model.objects.order_by("pk").values_list("name", flat=True))
    with override_settings(ENCRYPTION_KEYS=NEW):  # the old key can go now
        assert list(model.objects.order_by("pk").values_list("name", flat=True)) == names
    assert names[:2] == ["naam 0", "naam 1"] and names[-1] == ""


def test_rotate_keys_is_idempotent(rows_under_old_key):
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        keys.rotate_keys(models_to_check=[rows_under_old_key])
        before = stored_tokens(rows_under_old_key)
        again = keys.rotate_keys(models_to_check=[rows_under_old_key])
    assert again.total == 0
    assert stored_tokens(rows_under_old_key) == before


def test_rotate_keys_dry_run_counts_without_changing(rows_under_old_key):
    before = stored_tokens(rows_under_old_key)
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        report = keys.rotate_keys(dry_run=True, models_to_check=[rows_under_old_key])
    assert report.total == 14
    assert stored_tokens(rows_under_old_key) == before


def test_rotate_keys_is_audited(rows_under_old_key):
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        keys.rotate_keys(models_to_check=[rows_under_old_key])
    event = AuditEvent.objects.get(action=AuditAction.KEY_ROTATION)
    assert event.details == {"key_id": "nieuw", "counts": {"privacy_tests.sample": 14}}


def test_rotate_keys_command_reports_counts_per_model_in_dutch(
    rows_under_old_key, only_sample_model
):
    out = StringIO()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("rotate_keys", "--batch-size", "5", stdout=out)
    text = out.getvalue()
    assert "Huidige sleutel: nieuw" in text
    assert "privacy_tests.sample: 14 waarden opnieuw versleuteld" in text


def test_rotate_keys_command_stops_clearly_when_old_key_is_missing(
    rows_under_old_key, only_sample_model
):
    with (
        override_settings(ENCRYPTION_KEYS=NEW),
        pytest.raises(CommandError, match="sleutel-id 'oud'"),
    ):
        call_command("rotate_keys", stdout=StringIO())


def test_rotate_keys_discovers_encrypted_fields_per_model(sample_model):
    assert [f.name for f in keys.encrypted_fields(sample_model)] == ["name", "birth_date"]
    assert keys.encrypted_fields(AuditEvent) == []


def test_rotate_keys_command_dry_run_says_nothing_changed(rows_under_old_key, only_sample_model):
    out = StringIO()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("rotate_keys", "--dry-run", stdout=out)
    assert "privacy_tests.sample: 14 waarden te versleutelen" in out.getvalue()
    assert "Proefdraai: er is niets gewijzigd." in out.getvalue()


def test_rotate_keys_reports_each_model_as_it_is_done(rows_under_old_key):
    seen = []
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        keys.rotate_keys(
            models_to_check=[rows_under_old_key], progress=lambda *done: seen.append(done)
        )
    assert seen == [("privacy_tests.sample", 14)]


def test_rotate_keys_says_how_far_a_model_is_after_each_batch(rows_under_old_key):
    """A million persons took 54 s with no output between "Huidige sleutel" and their line."""
    seen = []
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        report = keys.rotate_keys(
            batch_size=3,
            models_to_check=[rows_under_old_key],
            working=lambda *now: seen.append(now),
        )
    # 7 names and 7 birth dates (the empty row has none): batches of 3 per column.
    assert seen == [("privacy_tests.sample", done, 14) for done in (3, 6, 7, 10, 13, 14)]
    assert report.counts == {"privacy_tests.sample": 14}


def test_rotate_keys_command_prints_the_progress_of_a_long_model(
    rows_under_old_key, only_sample_model, monkeypatch
):
    from vroegsignaal.privacy.management.commands import rotate_keys as command

    monkeypatch.setattr(command, "WORKING_EVERY_SECONDS", 0)
    out = StringIO()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("rotate_keys", "--batch-size", "5", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1:5] == [
        "privacy_tests.sample: 5 van 14 waarden…",
        "privacy_tests.sample: 7 van 14 waarden…",
        "privacy_tests.sample: 12 van 14 waarden…",
        "privacy_tests.sample: 14 waarden opnieuw versleuteld",
    ]


def test_rotate_keys_command_points_to_check_keys_for_the_old_key(
    rows_under_old_key, only_sample_model
):
    out = StringIO()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("rotate_keys", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "Huidige sleutel: nieuw",
        "privacy_tests.sample: 14 waarden opnieuw versleuteld",
        "Totaal: 14 waarden opnieuw versleuteld.",
    ]
    assert lines[3].startswith(
        "Controleer met 'vroegsignaal check_keys' welke oude sleutels nog nodig zijn"
    )
