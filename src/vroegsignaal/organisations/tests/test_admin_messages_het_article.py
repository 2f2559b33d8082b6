"""Django's Dutch admin messages say "De {name} ‘…’ is toegevoegd" of every model; a wijkteam, a
convenant and a second factor's device are "het": "Het wijkteam ‘…’ is met succes toegevoegd"."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Team

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_team_added_and_changed_is_het_wijkteam(beheerder_client):
    municipality = MunicipalityFactory()
    data = {"municipality": municipality.pk, "code": "NOORD", "name": "Wijkteam Noord"}
    added = beheerder_client.post("/beheer/organisations/team/add/", data)
    [message] = _messages(added)
    assert message.startswith("Het wijkteam ‘<a href=")
    assert message.endswith("Wijkteam Noord</a>’ is met succes toegevoegd.")
    team = Team.objects.get(code="NOORD")
    changed = beheerder_client.post(
        f"/beheer/organisations/team/{team.pk}/change/", {**data, "_continue": "1"}
    )
    message = _messages(changed)[-1]  # the first is still stored: no page showed it
    assert message.startswith("Het wijkteam ‘<a href=")
    assert message.endswith(
        "</a>’ is met succes gewijzigd. U kunt het hieronder nogmaals bewerken."
    )


def test_a_covenant_added_is_het_convenant(beheerder_client):
    data = {
        "creditor": CreditorFactory().pk,
        "municipality": MunicipalityFactory().pk,
        "valid_from": "2026-01-01",
        "collection_pause_days": "30",
    }
    [message] = _messages(beheerder_client.post("/beheer/organisations/covenant/add/", data))
    assert message.startswith("Het convenant ‘")


@pytest.mark.parametrize(
    ("model", "path", "name"),
    [
        (TOTPDevice, "otp_totp/totpdevice", "TOTP-apparaat (authenticator-app)"),
        (StaticDevice, "otp_static/staticdevice", "statisch apparaat (reservecodes)"),
    ],
)
def test_a_device_removed_is_het_apparaat(beheerder_client, model, path, name):
    device = model.objects.create(user=UserFactory(username="werker"), name="telefoon")
    response = beheerder_client.post(f"/beheer/{path}/{device.pk}/delete/", {"post": "yes"})
    assert _messages(response) == [f"Het {name} ‘telefoon (werker)’ is met succes verwijderd."]


def test_a_de_word_keeps_de(beheerder_client):
    data = {"code": "0777", "name": "Nieuwstad"}
    [message] = _messages(beheerder_client.post("/beheer/organisations/municipality/add/", data))
    assert message.startswith("De gemeente ‘")


def test_english_keeps_the(beheerder_client):
    from tests.english import in_english

    team = TeamFactory(name="Wijkteam Zuid")
    client = in_english(beheerder_client)
    data = {"municipality": team.municipality.pk, "code": team.code, "name": team.name}
    response = client.post(f"/beheer/organisations/team/{team.pk}/change/", data)
    [message] = _messages(response)
    assert message.startswith("The ")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("organisations/team/999999/change", "wijkteam"),
        ("organisations/covenant/999999/history", "convenant"),
        ("otp_totp/totpdevice/999999/delete", "TOTP-apparaat (authenticator-app)"),
    ],
)
def test_a_het_word_that_is_gone_is_dit(beheerder_client, path, name):
    """An old link or a bookmark to what was removed, or never was."""
    response = beheerder_client.get(f"/beheer/{path}/")
    assert _messages(response) == [
        f"{name} met ID ‘999999’ bestaat niet. Misschien is dit verwijderd?"
    ]


def test_a_de_word_that_is_gone_keeps_deze(beheerder_client):
    response = beheerder_client.get("/beheer/organisations/municipality/999999/change/")
    assert _messages(response) == [
        "gemeente met ID ‘999999’ bestaat niet. Misschien is deze verwijderd?"
    ]
