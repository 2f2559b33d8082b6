"""bulk.reserve_ids: fresh, consecutive ids, also when PostgreSQL takes them as one block."""

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
