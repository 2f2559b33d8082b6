"""The beheerder runs the platform in the admin by role: organisations, users, keys — no personal data."""

from __future__ import annotations

import pytest

from tests.factories import CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Covenant, Role, User

pytestmark = pytest.mark.django_db


def test_a_beheerder_made_by_create_user_manages_the_platform_in_the_admin(beheerder_client):
    index = beheerder_client.get("/beheer/")
    assert index.status_code == 200
    links = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"Municipality", "Creditor", "Covenant", "Team", "User", "ApiKey", "Delivery"} <= links
    # The audit log is the privacy officer's; households and persons are in no admin.
    assert "AuditEvent" not in links
    assert beheerder_client.get("/beheer/privacy/auditevent/").status_code == 403


def test_a_covenant_is_made_in_the_admin(beheerder_client):
    municipality, creditor = MunicipalityFactory(), CreditorFactory()
    response = beheerder_client.post(
        "/beheer/organisations/covenant/add/",
        {
            "creditor": creditor.pk,
            "municipality": municipality.pk,
            "valid_from": "2026-01-01",
            "collection_pause_days": 30,
        },
    )
    assert response.status_code == 302
    covenant = Covenant.objects.get()
    assert (covenant.creditor, covenant.municipality, covenant.bsn_allowed) == (
        creditor,
        municipality,
        False,
    )


def test_organisations_are_not_deleted_in_the_admin(beheerder_client):
    municipality = MunicipalityFactory()
    url = f"/beheer/organisations/municipality/{municipality.pk}/delete/"
    assert beheerder_client.get(url).status_code == 403


def test_a_user_made_in_the_admin_gets_a_one_time_password_shown_once(beheerder_client):
    municipality = MunicipalityFactory()
    response = beheerder_client.post(
        "/beheer/organisations/user/add/",
        {
            "username": "nieuwe.coordinator",
            "email": "",
            "role": Role.COORDINATOR,
            "municipality": municipality.pk,
        },
        follow=True,
    )
    user = User.objects.get(username="nieuwe.coordinator")
    assert (user.role, user.municipality, user.must_change_password) == (
        Role.COORDINATOR,
        municipality,
        True,
    )
    assert not user.is_superuser and not user.is_staff
    [text] = [str(m) for m in response.context["messages"] if "eenmalige wachtwoord" in str(m)]
    one_time = text.split(" is: ", 1)[1].split(" ", 1)[0]
    assert user.check_password(one_time)
    # Shown once: not on the user's page, and not kept in a cookie on the way.
    assert (
        one_time
        not in beheerder_client.get(
            f"/beheer/organisations/user/{user.pk}/change/"
        ).content.decode()
    )
    assert all(one_time not in morsel.value for morsel in response.cookies.values())


def test_a_user_whose_role_lacks_its_organisation_is_refused(beheerder_client):
    response = beheerder_client.post(
        "/beheer/organisations/user/add/", {"username": "zonder.gemeente", "role": Role.COORDINATOR}
    )
    assert response.status_code == 200
    assert "Een coördinator hoort bij een gemeente: kies de gemeente." in response.content.decode()
    assert not User.objects.filter(username="zonder.gemeente").exists()


def test_the_beheerder_cannot_make_a_superuser_or_grant_permissions(beheerder_client):
    other = UserFactory(username="ander")
    page = beheerder_client.get(f"/beheer/organisations/user/{other.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert 'name="groups"' not in page
    refused = beheerder_client.get(f"/beheer/organisations/user/{other.pk}/delete/")
    assert refused.status_code == 403
    # Not "ask the beheerder" to the beheerder: what to do instead, and the way back.
    body = refused.content.decode()
    assert "zet een gebruiker die niet meer mag inloggen op inactief" in body
    assert 'href="/beheer/"' in body and "contact op met de beheerder" not in body


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRIVACY_OFFICER])
def test_other_roles_have_no_admin(verified_client, role):
    user = UserFactory(role=role)
    response = verified_client(user).get("/beheer/")
    assert response.status_code == 302 and "/beheer/login/" in response["Location"]
    assert not user.has_perm("organisations.view_municipality")


def test_the_beheerder_removes_a_lost_second_factor_without_seeing_its_secret(beheerder_client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(username="telefoon.kwijt")
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    page = beheerder_client.get(f"/beheer/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert beheerder_client.get(f"/beheer/otp_totp/totpdevice/{device.pk}/config/").status_code in (
        403,
        404,
    )
    beheerder_client.post(f"/beheer/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("ticked", ["abc", "²", "9" * 40])
@pytest.mark.parametrize(
    "changelist", ["otp_totp/totpdevice", "otp_static/staticdevice", "axes/accessattempt"]
)
def test_deleting_in_a_third_party_list_with_a_ticked_value_that_is_no_id_is_refused_with_a_message(
    beheerder_client, changelist, ticked
):
    """Django's own pk__in filter raised a ValueError on it: a 500 (the admin is django-otp's or
    django-axes's; ``portal.adminbase.refuse_crafted_ticks`` gives it ours)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(
        user=UserFactory(username="telefoon.kwijt"), name="default", confirmed=True
    )
    response = beheerder_client.post(
        f"/beheer/{changelist}/",
        {"action": "delete_selected", "_selected_action": [device.pk, ticked], "post": "yes"},
    )
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages][-1] == (
        "Vink de regels in de lijst aan en kies dan opnieuw de actie."
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_lost_second_factor_is_still_deleted_from_the_list(beheerder_client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(
        user=UserFactory(username="telefoon.kwijt"), name="default", confirmed=True
    )
    response = beheerder_client.post(
        "/beheer/otp_totp/totpdevice/",
        {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_password_the_beheerder_sets_must_be_changed_at_the_next_log_in(beheerder_client):
    other = UserFactory(username="vergeten")
    password = "tijdelijk-wachtwoord-8472"
    beheerder_client.post(
        f"/beheer/organisations/user/{other.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    other.refresh_from_db()
    assert other.check_password(password) and other.must_change_password


def test_a_municipality_made_in_the_admin_gets_the_default_rules_and_trays(beheerder_client):
    from vroegsignaal.organisations.models import Municipality
    from vroegsignaal.signals.models import Tray
    from vroegsignaal.signals.services import current_rules

    response = beheerder_client.post(
        "/beheer/organisations/municipality/add/", {"code": "0777", "name": "Nieuwstad"}
    )
    assert response.status_code == 302
    municipality = Municipality.objects.get(code="0777")
    assert current_rules(municipality) is not None
    assert Tray.objects.filter(municipality=municipality).exists()


def test_a_team_with_neighbourhoods_of_another_municipality_is_refused(beheerder_client):
    from vroegsignaal.organisations.models import Team

    municipality = MunicipalityFactory(code="0777")
    data = {
        "municipality": municipality.pk,
        "code": "NIEUW",
        "name": "Wijkteam Nieuw",
        "neighbourhood_codes": '["WK077701", "BU036300"]',
    }
    response = beheerder_client.post("/beheer/organisations/team/add/", data)
    assert response.status_code == 200
    assert "BU036300 hoort niet bij deze gemeente." in response.content.decode()
    data["neighbourhood_codes"] = '["WK077701"]'
    assert beheerder_client.post("/beheer/organisations/team/add/", data).status_code == 302
    assert Team.objects.get(code="NIEUW").neighbourhood_codes == ["WK077701"]


@pytest.mark.parametrize(
    "codes", ["9" * 5000, "[" + "9" * 5000 + "]", "1e309", "NaN", '["WK077701"', "\x00"]
)
def test_neighbourhood_codes_that_are_no_list_of_codes_are_refused_not_a_crash(
    beheerder_client, codes
):
    """A number longer than int() reads made json.loads raise a ValueError Django's JSON field does
    not catch: a 500. Now it is refused as any other text that is no JSON."""
    from vroegsignaal.organisations.models import Team

    municipality = MunicipalityFactory(code="0777")
    data = {
        "municipality": municipality.pk,
        "code": "NIEUW",
        "name": "Wijkteam Nieuw",
        "neighbourhood_codes": codes,
    }
    response = beheerder_client.post("/beheer/organisations/team/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["neighbourhood_codes"]
    assert not Team.objects.exists()


def test_the_users_page_links_to_the_password_form_and_shows_the_hash_only_masked(beheerder_client):
    other = UserFactory(username="vergeten")
    page = beheerder_client.get(f"/beheer/organisations/user/{other.pk}/change/").content.decode()
    assert 'href="../password/"' in page
    assert other.password not in page
    assert other.password.split("$")[-1] not in page  # not even the hash's last part
