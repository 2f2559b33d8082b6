"""Review 26's small things: the DDAS refusal says once that nothing was downloaded, the map legend's
classes share no bound, and the tray's download is named after the tray instead of its id."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from vroegsignaal.reporting import selectors
from vroegsignaal.signals.models import Tray

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.0]]]}


def test_a_ddas_period_without_signals_says_once_that_nothing_was_downloaded(
    town, client, verified_client
):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(
        reverse("reporting:ddas_export"), {"van": "2030-01-01", "tot": "2030-01-31"}, follow=True
    ).content.decode()
    alert = body.split('id="ddas-fout"', 1)[1].split("</div>", 1)[0]
    assert alert.lower().count("niet gedownload") == 1
    assert (
        "Er zijn geen signalen met een signaaldatum van 1 januari 2030 tot en met 31 januari 2030. "
        "Kies een andere periode." in alert
    )


def test_the_map_legend_puts_each_bound_in_one_class_only():
    with translation.override("nl"):
        classes = selectors.rate_classes([5.0, 10.9, 13.0, 20.0, 30.0, 40.0, None])
    assert classes == [
        {"upper": 10.9, "label": "tot en met 10,9"},
        {"upper": 13.0, "label": "meer dan 10,9, tot en met 13,0"},
        {"upper": 20.0, "label": "meer dan 13,0, tot en met 20,0"},
        {"upper": 30.0, "label": "meer dan 20,0, tot en met 30,0"},
        {"upper": None, "label": "meer dan 30,0"},
    ]


def test_the_map_legend_has_one_class_per_distinct_bound_and_none_without_figures():
    with translation.override("nl"):
        assert [c["label"] for c in selectors.rate_classes([2.5, 2.5, 2.5])] == [
            "tot en met 2,5",
            "meer dan 2,5",
        ]
        assert selectors.rate_classes([None]) == []


def test_the_maps_shapes_come_with_their_classes_in_the_pages_language(
    town, client, verified_client
):
    town.buurt.geometry = SQUARE
    town.buurt.households = 400
    town.buurt.save()
    town.signal(town.household(buurt=town.buurt))
    verified_client(town.coordinator)
    collection = client.get(reverse("reporting:map_geojson")).json()
    assert collection["klassen"] == [
        {"upper": 2.5, "label": "tot en met 2,5"},
        {"upper": None, "label": "meer dan 2,5"},
    ]


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("Jongeren (< 27)", "werkbakje-jongeren-27"),
        ("Één: schuld & zorg", "werkbakje-een-schuld-zorg"),
    ],
)
def test_the_tray_download_is_named_after_the_tray(town, client, verified_client, name, file_name):
    Tray.objects.filter(pk=town.tray.pk).update(name=name)
    town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"formaat": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="{file_name}-{timezone.localdate().isoformat()}.csv"'
    )


def test_a_tray_name_without_letters_or_digits_names_the_download_by_its_id(town):
    from vroegsignaal.reporting.services import tray_export_name

    town.tray.name = "€€€ !!!"
    assert (
        tray_export_name(town.tray, dt.date(2026, 3, 1)) == f"werkbakje-{town.tray.pk}-2026-03-01"
    )
