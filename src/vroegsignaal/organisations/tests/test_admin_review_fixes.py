"""What a review of the admin found: a collection pause of any length, yes/no icons named "True"
and "False" to a screen reader, Django's Dutch help text of the user name with a comma for the
period, and a new role that took two failed saves, naming the user a creditor."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.english import in_english
from tests.factories import CovenantFactory, CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Covenant, Role, User

pytestmark = pytest.mark.django_db


def _covenant(client, pause):
    return client.post(
        "/beheer/organisations/covenant/add/",
        {
            "creditor": CreditorFactory().pk,
            "municipality": MunicipalityFactory().pk,
            "valid_from": "2026-01-01",
            "valid_until": "",
            "collection_pause_days": pause,
        },
    )


def test_a_collection_pause_longer_than_a_year_is_refused(beheerder_client):
    """100000 days was taken: creditors would have seen a pause ending around the year 2300."""
    response = _covenant(beheerder_client, 100000)
    assert response.status_code == 200
    assert "Geef een incasso-uitstel van ten hoogste 365 dagen." in response.content.decode()
    assert response.context["adminform"].form.errors.keys() == {"collection_pause_days"}
    assert not Covenant.objects.exists()


def test_a_collection_pause_of_a_year_is_taken(beheerder_client):
    assert _covenant(beheerder_client, 365).status_code == 302
    assert Covenant.objects.get().collection_pause_days == 365


def _alts(html: str) -> set[str]:
    return set(re.findall(r'<img src="[^"]*/admin/img/icon-(?:yes|no)\.svg" alt="([^"]*)"', html))


@pytest.mark.parametrize(
    "url",
    [
        "/beheer/organisations/user/",
        "/beheer/organisations/covenant/",
        "/beheer/otp_totp/totpdevice/",  # a third-party admin's list: the same icons
    ],
    ids=["gebruikers", "convenanten", "totp-apparaten"],
)
def test_yes_no_icons_in_the_admins_lists_are_named_in_its_language(beheerder_client, url):
    """alt="True" and alt="False" were read out in English in the Dutch admin."""
    CovenantFactory(bsn_allowed=True, valid_from=dt.date(2026, 1, 1))
    CovenantFactory(bsn_allowed=False)
    UserFactory(is_active=False)
    TOTPDevice.objects.create(user=UserFactory(), name="nieuw", confirmed=False)
    assert _alts(beheerder_client.get(url).content.decode()) == {"Ja", "Nee"}
    assert _alts(in_english(beheerder_client).get(url).content.decode()) == {"Yes", "No"}


def test_the_user_name_help_text_lists_the_period_not_a_comma(beheerder_client):
    """Django's Dutch catalog says "de tekens @/,/+/-/_": a comma for the period."""
    for url in (
        "/beheer/organisations/user/add/",
        f"/beheer/organisations/user/{UserFactory().pk}/change/",
    ):
        body = beheerder_client.get(url).content.decode()
        assert "Alleen letters, cijfers en de tekens @ . + - _ zijn toegestaan." in body
        assert "@/,/+/-/_" not in body


def test_a_new_role_names_every_field_to_fix_at_once(beheerder_client):
    """A coordinator made "Medewerker schuldeiser" took two failed saves: first "hoort bij een
    schuldeiser", then, with a creditor chosen, "Een schuldeiser hoort niet bij een gemeente"."""
    user = UserFactory(username="c.devries", role=Role.COORDINATOR)
    data = {
        "username": user.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": Role.SCHULDEISER,
        "municipality": user.municipality_id,
        "team": "",
        "creditor": "",
        "is_active": "on",
    }
    response = beheerder_client.post(f"/beheer/organisations/user/{user.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "creditor": [
            "Een medewerker van een schuldeiser hoort bij een schuldeiser: kies de schuldeiser."
        ],
        "municipality": [
            "Een medewerker van een schuldeiser hoort niet bij een gemeente: "
            "maak het veld Gemeente leeg."
        ],
    }
    user.refresh_from_db()
    assert user.role == Role.COORDINATOR

    fixed = {**data, "municipality": "", "creditor": CreditorFactory().pk}
    response = beheerder_client.post(f"/beheer/organisations/user/{user.pk}/change/", fixed)
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).role == Role.SCHULDEISER


def test_a_role_without_a_team_names_the_team_and_the_creditor_to_clear(beheerder_client):
    creditor_user = UserFactory(
        role=Role.SCHULDEISER, municipality=None, creditor=CreditorFactory()
    )
    response = beheerder_client.post(
        f"/beheer/organisations/user/{creditor_user.pk}/change/",
        {
            "username": creditor_user.username,
            "role": Role.HULPVERLENER,
            "municipality": "",
            "team": "",
            "creditor": creditor_user.creditor_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "team": ["Een hulpverlener hoort bij een wijkteam: kies het wijkteam."],
        "creditor": [
            "Alleen een medewerker van een schuldeiser hoort bij een schuldeiser: "
            "maak het veld Schuldeiser leeg."
        ],
    }
