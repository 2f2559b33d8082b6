"""A creditor's active API keys have names of their own: two "Incassosysteem productie" keys
differed in the list and on the revoke page by their prefix only."""

from __future__ import annotations

import pytest

from vroegsignaal.intake import services
from vroegsignaal.intake.apikeys import ApiKeyNameTaken
from vroegsignaal.intake.models import ApiKey

URL = "/leveringen/api-sleutels/"
TAKEN = (
    "Er is al een actieve sleutel met de naam ‘Incassosysteem productie’. Geef deze sleutel een "
    "andere naam, zodat u ze in de lijst uit elkaar houdt."
)


@pytest.fixture
def browser(world, verified_client):
    return verified_client(world.user)


@pytest.mark.parametrize("again", ["Incassosysteem productie", "  incassosysteem PRODUCTIE "])
def test_a_name_an_active_key_of_the_creditor_has_is_refused(world, browser, again):
    assert browser.post(URL, {"name": "Incassosysteem productie"}).status_code == 302
    response = browser.post(URL, {"name": again})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [TAKEN]}
    assert "De sleutel is niet aangemaakt." in response.content.decode()
    assert ApiKey.objects.filter(creditor=world.creditor).count() == 1


def test_a_revoked_keys_name_and_another_creditors_may_be_given(world, browser):
    old, _ = services.create_api_key(world.creditor, "Incassosysteem productie", world.user)
    services.revoke_api_key(old, world.user)
    services.create_api_key(world.other_creditor, "Incassosysteem test")
    assert browser.post(URL, {"name": "Incassosysteem productie"}).status_code == 302
    assert browser.post(URL, {"name": "Incassosysteem test"}).status_code == 302
    assert ApiKey.objects.active().filter(creditor=world.creditor).count() == 2


def test_a_key_of_the_name_made_meanwhile_is_refused_by_the_service(world, browser, monkeypatch):
    """Two requests at once (a double click) both pass the form; the service, with the creditor
    locked, refuses the second, and the page says so at the name."""
    key, _ = services.create_api_key(world.creditor, "Incassosysteem productie", world.user)
    with pytest.raises(ApiKeyNameTaken) as taken:
        services.create_api_key(world.creditor, "Incassosysteem productie", unique_name=True)
    assert taken.value.args[0] == key

    monkeypatch.setattr("vroegsignaal.intake.forms.active_key_named", lambda *args: None)
    response = browser.post(URL, {"name": "Incassosysteem productie"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [TAKEN]}
    assert ApiKey.objects.count() == 1
