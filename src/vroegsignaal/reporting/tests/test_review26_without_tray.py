"""An open signal that fits no tray (after a tray's conditions changed, or a tray was deleted) is
in no tray's list: the trays page said nothing of it, so 173 households could drop out of every
work queue unseen. The page now says how many and where to put that right."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vroegsignaal.signals.models import Signal

pytestmark = pytest.mark.django_db


def test_the_trays_page_names_the_open_signals_in_no_tray(town, client, verified_client):
    town.signal()
    for signal in (town.signal(), town.signal()):
        Signal.objects.filter(pk=signal.pk).update(tray=None)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"))
    assert response.context["without_tray"] == 2
    body = response.content.decode()
    assert "2 open signalen staan in geen werkbakje" in body
    assert reverse("signals:trays_manage") in body


def test_without_such_signals_the_page_says_nothing_of_them(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:trays")).content.decode()
    assert "in geen werkbakje" not in body


def test_a_sleeping_signal_in_no_tray_is_only_in_the_download_of_the_sleeping_ones(
    town, client, verified_client
):
    """The page said every signal in no tray was in the download of all signals; a sleeping one is
    left out of it (stop 28), so the page says where it is."""
    sleeping = town.signal()
    Signal.objects.filter(pk=sleeping.pk).update(tray=None, dormant_since=sleeping.signal_date)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:trays")).content.decode()
    assert (
        "In de download van alle signalen staat het wel, met een lege kolom werkbakje; een slapend "
        "signaal alleen als u bij Slapende signalen „Alleen slapende” kiest."
    ) in body
    url = reverse("reporting:signals_export")
    assert rows(client.get(url, {"formaat": "csv"})) == 0
    assert rows(client.get(url, {"formaat": "csv", "slapend": "alleen"})) == 1


def rows(response) -> int:
    """The data rows of a CSV download (streamed or not), the header not counted."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.count(b"\n") - 1
