"""The tray's export: the current filter, the spec section 5 columns, audited, names and contacts by permission."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tests.factories import TeamFactory, UserFactory
from vroegsignaal.households.models import Person
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.signals.exports import COLUMNS, CONTACT_COLUMNS

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


def test_export_rows_follow_the_pages_sort_order(town, client, verified_client):
    """The page sorted by amount, the download by signal number."""
    small = town.signal(amount=10_000)
    large = town.signal(amount=90_000)
    middle = town.signal(amount=50_000)
    verified_client(town.coordinator)
    url = reverse("reporting:tray_export", args=[town.tray.pk])
    rows, _ = _sheet(client.get(url, {"sorteer": "bedrag"}))
    page = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"sorteer": "bedrag"})
    on_page = [s.pk for s in page.context["page"].object_list]
    assert on_page == [large.pk, middle.pk, small.pk]  # highest amount first
    assert [r["signaal_id"] for r in rows] == on_page


def test_export_is_audited_with_the_filter_and_row_count(town, client, verified_client):
    town.signal(crisis=True)
    verified_client(town.coordinator)
    client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"crisis": "1"})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.object_id, event.details["rijen"], event.details["filter"]) == (
        str(town.tray.pk),
        1,
        "crisis=1",
    )


def test_export_has_the_addresses_as_the_command_but_no_names_without_the_permission(
    town, client, verified_client
):
    signal = town.signal()
    verified_client(town.coordinator)
    rows, header = _sheet(client.get(reverse("reporting:tray_export", args=[town.tray.pk])))
    assert tuple(header) == COLUMNS
    assert (rows[0]["postcode"], rows[0]["straatnaam"], rows[0]["buurtcode"]) == (
        signal.household.address.postcode, "Dorpsweg", town.buurt.code,
    )  # fmt: skip
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).details["contactgegevens"] is False


def test_export_adds_names_and_contact_details_with_the_personal_data_permission(
    town, client, verified_client
):
    household = town.household(surname="Bakker")
    person = Person.objects.get(household=household)
    person.phone, person.email = "0612345678", "j.bakker@example.nl"
    person.save()
    town.signal(household)
    town.coordinator.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    verified_client(town.coordinator)
    rows, header = _sheet(client.get(reverse("reporting:tray_export", args=[town.tray.pk])))
    assert tuple(header) == COLUMNS + CONTACT_COLUMNS
    assert (rows[0]["namen"], rows[0]["telefoonnummers"], rows[0]["emailadressen"]) == (
        "J. Bakker", "0612345678", "j.bakker@example.nl",
    )  # fmt: skip
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).details["contactgegevens"] is True


def test_export_as_csv_has_the_same_rows(town, client, verified_client):
    signal = town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray_export", args=[town.tray.pk]), {"formaat": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    lines = response.content.decode("utf-8").splitlines()
    assert lines[0] == ";".join(COLUMNS)
    assert lines[1].split(";")[0] == str(signal.pk)


def test_export_of_another_municipalitys_tray_is_404(town, client, verified_client):
    from .conftest import Town

    other = Town(code="0888", name="Andere gemeente")
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:tray_export", args=[other.tray.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_all_signals_download_gives_the_municipalitys_signals_of_the_status_and_is_audited(
    town, client, verified_client
):
    open_signal = town.signal()
    town.signal(status="niet_opgepakt")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:signals_export"), {"status": "open", "formaat": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="signalen-{town.municipality.code}-open-{timezone.localdate().isoformat()}.csv"'
    )
    lines = response.content.decode("utf-8").splitlines()
    assert (lines[0], [line.split(";")[0] for line in lines[1:]]) == (
        ";".join(COLUMNS),
        [str(open_signal.pk)],
    )
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.details["status"], event.details["rijen"], event.details["contactgegevens"]) == (
        "open",
        1,
        False,
    )


def test_all_signals_download_refuses_an_unknown_status_or_format(town, client, verified_client):
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:signals_export"), {"status": "weg"}).status_code == 404
    assert client.get(reverse("reporting:signals_export"), {"formaat": "pdf"}).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_all_signals_download_is_for_coordinators(town, client, verified_client):
    team = TeamFactory(municipality=town.municipality)
    verified_client(
        UserFactory(
            username="wim", role=Role.HULPVERLENER, team=team, municipality=town.municipality
        )
    )
    assert client.get(reverse("reporting:signals_export")).status_code in (403, 404)


def test_viewing_a_tray_page_with_addresses_is_audited(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    assert (
        client.get(reverse("reporting:tray", args=[town.tray.pk]), {"crisis": "1"}).status_code
        == 200
    )
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="signals.tray")
    assert (event.object_id, event.details) == (
        str(town.tray.pk),
        {"pagina": 1, "signalen": 0, "filter": "crisis=1"},
    )
