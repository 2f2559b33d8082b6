"""A covenant made in the admin: a period that overlaps another of the same pair, or ends before it
starts, is refused with a Dutch message (load_config refuses the same; the admin accepted both,
the second with 'Beperking … is geschonden')."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CovenantFactory, CreditorFactory, MunicipalityFactory
from vroegsignaal.organisations.models import Covenant

pytestmark = pytest.mark.django_db


def _post(client, creditor, municipality, valid_from, valid_until="", url=None):
    return client.post(
        url or "/beheer/organisations/covenant/add/",
        {
            "creditor": creditor.pk,
            "municipality": municipality.pk,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "collection_pause_days": 30,
        },
    )


def test_a_second_open_covenant_of_the_same_pair_is_refused(beheerder_client):
    existing = CovenantFactory(valid_from=dt.date(2026, 1, 1))
    response = _post(beheerder_client, existing.creditor, existing.municipality, "2026-06-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "heeft al een convenant met deze gemeente in die periode" in body
    assert "vanaf 1 januari 2026, zonder einddatum" in body
    assert Covenant.objects.count() == 1


def test_an_earlier_covenant_that_runs_into_the_new_one_is_refused(beheerder_client):
    existing = CovenantFactory(valid_from=dt.date(2026, 3, 1), valid_until=dt.date(2026, 12, 31))
    response = _post(
        beheerder_client, existing.creditor, existing.municipality, "2026-01-01", "2026-03-01"
    )
    assert response.status_code == 200
    assert "vanaf 1 maart 2026, tot en met 31 december 2026" in response.content.decode()
    assert Covenant.objects.count() == 1


def test_a_covenant_that_follows_the_previous_one_is_made(beheerder_client):
    existing = CovenantFactory(valid_from=dt.date(2025, 1, 1), valid_until=dt.date(2025, 12, 31))
    response = _post(beheerder_client, existing.creditor, existing.municipality, "2026-01-01")
    assert response.status_code == 302
    assert Covenant.objects.count() == 2
    # Other pairs are not in the way.
    other = _post(beheerder_client, CreditorFactory(), existing.municipality, "2025-06-01")
    assert other.status_code == 302


def test_a_covenant_is_changed_without_overlapping_itself(beheerder_client):
    covenant = CovenantFactory(valid_from=dt.date(2026, 1, 1))
    response = _post(
        beheerder_client,
        covenant.creditor,
        covenant.municipality,
        "2026-01-01",
        "2026-12-31",
        url=f"/beheer/organisations/covenant/{covenant.pk}/change/",
    )
    assert response.status_code == 302
    covenant.refresh_from_db()
    assert covenant.valid_until == dt.date(2026, 12, 31)


def test_an_end_before_the_start_is_refused_in_dutch(beheerder_client):
    response = _post(
        beheerder_client, CreditorFactory(), MunicipalityFactory(), "2026-06-01", "2026-01-01"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "De einddatum ligt vóór de begindatum van het convenant." in body
    assert "geschonden" not in body
    assert not Covenant.objects.exists()
