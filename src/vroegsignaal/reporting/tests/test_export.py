"""The tray's Excel export: the current filter, the spec section 5 columns, audited, addresses by permission."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.signals.exports import COLUMNS

pytestmark = pytest.mark.django_db


def _sheet(response):
    body = b"".join(response) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]], rows[0]


def test_export_contains_only_the_filtered_signals(town, client, verified_client):
    crisis = town.signal(crisis=True)
    town.signal(crisis=False)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"crisis": "1"})
    rows, header = _sheet(response)
    assert tuple(header) == COLUMNS
    assert [r["signaal_id"] for r in rows] == [crisis.pk]


def test_export_is_audited_with_the_filter_and_row_count(town, client, verified_client):
    town.signal(crisis=True)
    verified_client(town.coordinator)
    client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"crisis": "1"})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.object_id, event.details["rijen"], event.details["filter"]) == (str(town.tray.pk), 1, "crisis=1")


def test_export_leaves_addresses_out_without_the_personal_data_permission(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    rows, _ = _sheet(client.get(reverse("reporting:tray_export", args=[town.tray.pk])))
    assert (rows[0]["postcode"], rows[0]["straatnaam"], rows[0]["buurtcode"]) == (None, None, town.buurt.code)
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).details["persoonsgegevens"] is False


def test_export_includes_addresses_with_the_personal_data_permission(town, client, verified_client):
    signal = town.signal()
    town.coordinator.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    verified_client(town.coordinator)
    rows, _ = _sheet(client.get(reverse("reporting:tray_export", args=[town.tray.pk])))
    assert rows[0]["postcode"] == signal.household.address.postcode
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).details["persoonsgegevens"] is True


def test_export_of_another_municipalitys_tray_is_404(town, client, verified_client):
    from .conftest import Town

    other = Town(code="0888", name="Andere gemeente")
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:tray_export", args=[other.tray.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
