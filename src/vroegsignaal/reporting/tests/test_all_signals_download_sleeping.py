""" "Alle signalen downloaden" (the same export as ``vroegsignaal export_signals``) holds what the
trays list: without the sleeping signals by default, or only those when asked ("Alleen
slapende"); the spec's columns cannot mark them, so the file never mixes the two.

Before, the download held sleeping signals among the awake ones, unmarked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.signals.exports import COLUMNS
from vroegsignaal.signals.models import Signal

pytestmark = pytest.mark.django_db


def _asleep(signal):
    Signal.objects.filter(pk=signal.pk).update(dormant_since=dt.date(2026, 6, 1))
    return signal


def _download(client, **query):
    return client.get(reverse("reporting:signals_export"), {"formaat": "csv", **query})


def _ids(response) -> list[int]:
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8")), delimiter=";"))
    return [int(r["signaal_id"]) for r in rows]


def test_the_download_of_all_signals_leaves_the_sleeping_ones_out_as_the_trays_do(
    town, client, verified_client
):
    awake = town.signal()
    _asleep(town.signal())
    verified_client(town.coordinator)
    assert _ids(_download(client, status="open")) == [awake.pk]
    assert _ids(_download(client)) == [awake.pk]


def test_the_download_of_the_sleeping_signals_holds_only_them_and_says_so_in_its_name(
    town, client, verified_client
):
    town.signal()
    asleep = _asleep(town.signal())
    verified_client(town.coordinator)
    response = _download(client, status="open", slapend="alleen")
    assert response.content.decode("utf-8").splitlines()[0] == ";".join(COLUMNS)
    assert _ids(response) == [asleep.pk]
    assert response["Content-Disposition"] == (
        f'attachment; filename="signalen-{town.municipality.code}-open-slapend-'
        f'{timezone.localdate().isoformat()}.csv"'
    )
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.details["slapend"], event.details["rijen"]) == ("alleen", 1)


def test_the_download_refuses_showing_sleeping_signals_among_the_others(
    town, client, verified_client
):
    verified_client(town.coordinator)
    assert _download(client, slapend="tonen").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_trays_page_offers_the_sleeping_signals_apart(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:trays")).content.decode()
    assert '<select class="utrecht-select" id="export-sleeping" name="slapend">' in body
    assert (
        '<option value="verbergen">Niet tonen</option><option value="alleen">Alleen slapende</option>'
        in body
    )
    assert "Slapende signalen staan er standaard niet in" in body
