from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from vroegsignaal.privacy import crypto


def raw_row(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, birth_date FROM privacy_tests_sample WHERE id = %s", [pk])
        return cursor.fetchone()


def test_encrypted_field_round_trips_and_stores_no_plaintext(sample_model):
    obj = sample_model.objects.create(name="Jan de Vries", birth_date=dt.date(1970, 5, 17))
    stored_name, stored_date = raw_row(obj.pk)
    assert "Vries" not in stored_name and "1970" not in stored_date
    assert stored_name.startswith("v1:demo1:") and stored_date.startswith("v1:demo1:")
    fresh = sample_model.objects.get(pk=obj.pk)
    assert (fresh.name, fresh.birth_date) == ("Jan de Vries", dt.date(1970, 5, 17))


def test_encrypted_field_keeps_none_and_empty_string(sample_model):
    a = sample_model.objects.create(name=None, birth_date=None)
    b = sample_model.objects.create(name="")
    assert raw_row(a.pk) == (None, None)
    assert raw_row(b.pk)[0] == ""
    assert sample_model.objects.get(pk=b.pk).name == ""


def test_encrypted_fields_work_with_bulk_create_and_values(sample_model):
    sample_model.objects.bulk_create(
        [
            sample_model(name=f"persoon {i}", birth_date=dt.date(2000, 1, 1 + i), note="bulk")
            for i in range(5)
        ]
    )
    rows = list(
        sample_model.objects.filter(note="bulk").order_by("pk").values("name", "birth_date")
    )
    assert rows == [
        {"name": f"persoon {i}", "birth_date": dt.date(2000, 1, 1 + i)} for i in range(5)
    ]
    assert (
        list(sample_model.objects.filter(note="bulk").values_list("name", flat=True))[0]
        == "persoon 0"
    )


def test_encrypted_fields_are_encrypted_by_queryset_update(sample_model):
    obj = sample_model.objects.create(name="oud")
    sample_model.objects.filter(pk=obj.pk).update(name="nieuw", birth_date=dt.date(1990, 2, 3))
    assert raw_row(obj.pk)[0].startswith("v1:")
    fresh = sample_model.objects.get(pk=obj.pk)
    assert (fresh.name, fresh.birth_date) == ("nieuw", dt.date(1990, 2, 3))


def test_encrypted_date_field_accepts_iso_string(sample_model):
    obj = sample_model.objects.create(birth_date="1985-12-31")
    assert sample_model.objects.get(pk=obj.pk).birth_date == dt.date(1985, 12, 31)


@pytest.mark.parametrize(
    "lookup", [{"name": "Jan"}, {"name__startswith": "J"}, {"birth_date__year": 1970}]
)
def test_filtering_on_encrypted_field_fails_loudly(sample_model, lookup):
    with pytest.raises(FieldError):
        list(sample_model.objects.filter(**lookup))


def test_isnull_on_encrypted_field_works(sample_model):
    sample_model.objects.create(name=None, note="leeg")
    sample_model.objects.create(name="x", note="gevuld")
    assert list(
        sample_model.objects.filter(name__isnull=True, note__in=["leeg", "gevuld"]).values_list(
            "note", flat=True
        )
    ) == ["leeg"]


def test_unreadable_token_in_database_raises_decryption_error(sample_model):
    obj = sample_model.objects.create(name="x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE privacy_tests_sample SET name = %s WHERE id = %s", ["v1:weg:AAAA", obj.pk]
        )
    with pytest.raises(crypto.DecryptionError):
        sample_model.objects.get(pk=obj.pk)
