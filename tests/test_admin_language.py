"""The admin speaks Dutch throughout: our models, Django's own screens and the third-party apps
the beheerder uses (django-axes, django-otp), whose Dutch is the project's catalog
(conf/locale, conf/thirdparty.py). English mode keeps their English."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from tests.english import in_english
from tests.factories import CovenantFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.services import create_user

pytestmark = pytest.mark.django_db

# English that leaked into the Dutch admin: Django's texts its Dutch catalog lacks, our foreign
# keys without a Dutch name, django-axes's and django-otp's names, labels and headings.
ENGLISH = [
    "After you",
    "Model name",
    "Add link",
    ">Municipality<",
    "Municipality:",
    "Creditor:",
    "Team:",
    "By municipality",
    "Op municipality",
    ">Axes<",
    "Access attempts",
    "Access logs",
    "Access failures",
    "Selecteer access attempt",
    "Geselecteerde access",
    "Attempt Time",
    "Attempt Remaining",
    "Failed Logins",
    "Locked Out",
    "User Agent",
    "IP Address",
    ">Path<",
    "Op Path",
    "Form Data",
    "Meta Data",
    "Clean up expired",
    "Otp_Static",
    "Otp_Totp",
    "Static devices",
    "Selecteer static device",
    "static device toevoegen",
    "TOTP devices",
    "TOTP device ",
    "Search by",
    "Created at",
    "Last used at",
    "Op confirmed",
    ">Confirmed<",
    "Identity",
    "Timestamps",
    "Throttling",
    "this device",
]


def _beheerder():
    user, _ = create_user("beheer", Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    user.must_change_password = False
    user.save()
    return user


def _superuser():
    return UserFactory(
        username="root", role="", municipality=None, is_staff=True, is_superuser=True
    )


@pytest.fixture
def something_of_each():
    """A row in every list the beheerder looks at, so that its columns and actions show."""
    CovenantFactory()
    TeamFactory()
    UserFactory(role=Role.HULPVERLENER, municipality=None, team=TeamFactory())
    common = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        username="iemand",
        path_info="/account/login/",
        failures_since_start=5,
        get_data="",
        post_data="",
        **common,
    )
    AccessAttempt.objects.create(
        username="ander", path_info="/account/login/", failures_since_start=1, **common
    )
    AccessLog.objects.create(username="iemand", path_info="/account/login/", **common)
    AccessFailureLog.objects.create(
        username="iemand", path_info="/account/login/", locked_out=True, **common
    )
    device = StaticDevice.objects.create(user=UserFactory(), name="backup")
    device.token_set.create(token="abcd1234")


def _admin_pages():
    """The index, and for every registered model its list, add page and a change page."""
    pages = ["/beheer/"]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{info}_change", args=[first.pk]))
    return pages


@pytest.mark.parametrize("make_user", [_beheerder, _superuser], ids=["beheerder", "superuser"])
def test_the_admin_shows_no_english_in_dutch(verified_client, something_of_each, make_user):
    client = verified_client(make_user())
    leaks, seen = [], 0
    for url in _admin_pages():
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code == 403:
            continue
        seen += 1
        page = response.content.decode()
        assert '<html lang="nl"' in page, url
        leaks += [(url, marker) for marker in ENGLISH if marker in page]
    assert seen > 10
    assert not leaks, leaks


def test_english_mode_keeps_the_apps_english(verified_client, something_of_each):
    client = in_english(verified_client(_superuser()))
    index = client.get("/beheer/").content.decode()
    assert '<html lang="en"' in index
    for english in ["Access attempts", "Static devices", "TOTP devices", "Otp_Totp", ">Axes<"]:
        assert english in index, english
    add_user = client.get("/beheer/organisations/user/add/").content.decode()
    assert "After you’ve created a user, you’ll be able to edit more user options." in add_user
    assert "Municipality:" in add_user and "Creditor:" in add_user
    attempts = client.get("/beheer/axes/accessattempt/").content.decode()
    assert "Attempt Time" in attempts and "Locked Out" in attempts
    totp = client.get("/beheer/otp_totp/totpdevice/").content.decode()
    assert "Created at" in totp and "Search by user" in totp
    totp_add = client.get("/beheer/otp_totp/totpdevice/add/").content.decode()
    assert "The time step in seconds." in totp_add and "Identity" in totp_add
