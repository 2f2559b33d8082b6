"""bulk: reserve_ids hands out fresh, consecutive ids (also as one PostgreSQL block); rows written
and read back keep their values."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import transaction
from django.utils import timezone

from vroegsignaal.households import bulk
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import Municipality

pytestmark = pytest.mark.django_db(transaction=True)
TABLE = Household._meta.db_table


def _insert(ids: pl.Series, municipality_id: int, tag: str) -> None:
    bulk.insert_frame(
        TABLE,
        pl.DataFrame({"id": ids}).with_columns(
            pl.lit(None, pl.Int64).alias("address_id"),
            (pl.lit(f"9999{tag}|") + pl.col("id").cast(pl.String) + pl.lit("||")).alias(
                "unregistered_address"
            ),
            pl.lit(municipality_id, pl.Int64).alias("municipality_id"),
            pl.lit(bulk.db_datetime(timezone.now())).alias("created_at"),
        ),
    )


@pytest.mark.parametrize("block_from", [1, 10**9])  # as one block, and one nextval per id
def test_reserved_ids_are_fresh_and_never_handed_out_again(monkeypatch, block_from):
    monkeypatch.setattr(bulk, "BLOCK_FROM", block_from)
    municipality = Municipality.objects.create(code="0999", name="Voorbeeldstad")
    before = Household.objects.create(
        municipality=municipality, unregistered_address="1011AA|1||"
    ).pk
    with transaction.atomic():
        first = bulk.reserve_ids(TABLE, 25)
        _insert(first, municipality.pk, "AA")
        second = bulk.reserve_ids(TABLE, 5)
        _insert(second, municipality.pk, "AB")
    after = Household.objects.create(
        municipality=municipality, unregistered_address="1011AA|2||"
    ).pk
    assert first.to_list() == list(range(first[0], first[0] + 25))
    assert first[0] > before
    assert second[0] > first[-1]
    assert after > second[-1]
    assert Household.objects.count() == 32


def test_rows_written_and_read_back_keep_dates_booleans_and_nulls_also_as_date_text():
    from datetime import date

    from django.db import connection

    boolean = "boolean" if bulk.is_postgresql() else "bool"  # Django's own column types
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_days (id bigint, day date, done {boolean})")
    bulk.insert_frame(
        "bulk_days",
        pl.DataFrame(
            {
                "id": [1, 2, 3],
                "day": [date(2026, 3, 1), None, date(2026, 12, 31)],
                "done": [True, False, None],
            }
        ),
    )
    schema = {"id": pl.Int64(), "day": pl.Date(), "done": pl.Boolean()}
    plain = bulk.read_frame("SELECT id, day, done FROM bulk_days ORDER BY id", [], schema)
    as_text = bulk.read_frame(
        f"SELECT id, {bulk.date_text('day')}, done FROM bulk_days ORDER BY id",  # noqa: S608
        [],
        schema,
    )
    expected = [
        {"id": 1, "day": date(2026, 3, 1), "done": True},
        {"id": 2, "day": None, "done": False},
        {"id": 3, "day": date(2026, 12, 31), "done": None},
    ]
    assert plain.to_dicts() == expected
    assert as_text.to_dicts() == expected
    assert as_text.schema == plain.schema == schema
    only_nulls = bulk.read_frame(
        f"SELECT id, {bulk.date_text('day')}, done FROM bulk_days WHERE id = 2",  # noqa: S608
        [],
        schema,
    )
    assert only_nulls.to_dicts() == [expected[1]] and only_nulls.schema == schema
