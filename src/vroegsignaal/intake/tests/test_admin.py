"""The admin: beheerders create and revoke creditors' API keys; deliveries are read-only metadata."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from vroegsignaal.intake import services
from vroegsignaal.intake.models import ApiKey
from vroegsignaal.organisations.models import Role

from .support import stand


@pytest.fixture
def admin_client(world, verified_client):
    user = UserFactory(
        username="beheer", role=Role.BEHEERDER, municipality=None
    )  # no superuser: the role grants
    return verified_client(user)


def test_a_key_made_in_the_admin_is_shown_once_in_the_message(world, admin_client):
    response = admin_client.post(
        "/beheer/intake/apikey/add/",
        {"creditor": world.creditor.pk, "name": "Koppeling"},
        follow=True,
    )
    key = ApiKey.objects.get()
    text = next(str(m) for m in response.context["messages"] if key.prefix in str(m))
    secret = text.split(f"{key.prefix}.", 1)[1].split(" ", 1)[0]
    assert services.authenticate_api_key(f"{key.prefix}.{secret}") == key
    assert (
        secret not in admin_client.get(f"/beheer/intake/apikey/{key.pk}/change/").content.decode()
    )


def test_a_name_an_active_key_of_the_creditor_has_is_refused_in_the_admin_too(world, admin_client):
    first, _ = services.create_api_key(world.creditor, "Koppeling")
    refused = admin_client.post(
        "/beheer/intake/apikey/add/", {"creditor": world.creditor.pk, "name": " koppeling "}
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["name"] == [
        "Er is al een actieve sleutel met de naam ‘Koppeling’. Geef deze sleutel een andere naam, "
        "zodat u ze in de lijst uit elkaar houdt."
    ]
    assert list(ApiKey.objects.values_list("pk", flat=True)) == [first.pk]
    # Another name, a revoked key's name, and saving a key under its own name go through.
    other, _ = services.create_api_key(world.creditor, "Oud")
    services.revoke_api_key(other, None)
    for name in ("Oud", "Nieuw"):
        made = admin_client.post(
            "/beheer/intake/apikey/add/", {"creditor": world.creditor.pk, "name": name}
        )
        assert made.status_code == 302, name
    kept = admin_client.post(f"/beheer/intake/apikey/{first.pk}/change/", {"name": "Koppeling"})
    assert kept.status_code == 302


def test_keys_are_revoked_with_the_admin_action_after_confirmation(world, admin_client):
    key, _ = services.create_api_key(world.creditor, "Oud")
    asked = admin_client.post(
        "/beheer/intake/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]}
    )
    assert asked.status_code == 200 and "kan niet terug" in asked.content.decode()
    assert ApiKey.objects.get().revoked_at is None  # not before the beheerder confirms
    admin_client.post(
        "/beheer/intake/apikey/",
        {"action": "revoke_keys", "_selected_action": [key.pk], "bevestigd": "ja"},
        follow=True,
    )
    assert ApiKey.objects.get().revoked_at is not None


def test_deliveries_are_listed_read_only(world, households, admin_client):
    delivery = services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01", via="cli"
    )
    assert admin_client.get("/beheer/intake/delivery/").status_code == 200
    detail = admin_client.get(f"/beheer/intake/delivery/{delivery.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    # Titled with the creditor's code, not its database id.
    assert f"Levering {delivery.pk} (schuldeiser WOONBRUG," in detail.content.decode()
    assert admin_client.get("/beheer/intake/delivery/add/").status_code == 403


def test_a_delivery_report_reads_in_the_admin_as_the_command_prints_it(
    world, households, admin_client
):
    delivery = services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01", via="cli"
    )
    page = admin_client.get(f"/beheer/intake/delivery/{delivery.pk}/change/").content.decode()
    assert "Regels geaccepteerd:     2" in page
    assert "Achterstanden:           nieuw 2, gewijzigd 0, afgemeld 0" in page
    assert "afgewezen_per_code" not in page  # not the stored JSON


@pytest.mark.parametrize("ticked", ["", "abc", "²", "9" * 40, "9" * 5000])
def test_an_action_on_a_ticked_value_that_is_no_id_is_refused_with_a_message(
    world, admin_client, ticked
):
    """Django's own pk__in filter raised a ValueError on it: a 500."""
    key, _ = services.create_api_key(world.creditor, "Oud")
    for url, action in (
        ("/beheer/intake/apikey/", "revoke_keys"),
        ("/beheer/intake/delivery/", "reprocess_stalled"),
    ):
        response = admin_client.post(
            url,
            {
                "action": action,
                "_selected_action": [key.pk, ticked],
                "bevestigd": "ja",
                "index": "0",
            },
        )
        assert response.status_code == 302
        assert [str(m) for m in response.wsgi_request._messages][-1] == (
            "Vink de regels in de lijst aan en kies dan opnieuw de actie."
        )
    assert ApiKey.objects.get().revoked_at is None
