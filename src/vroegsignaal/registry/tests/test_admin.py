"""The register in the admin: searchable lists, not editable."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.registry.services import import_addresses, import_neighbourhoods

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(verified_client, voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    import_addresses(
        write(
            "a.csv",
            "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
            "1234AB,1,Dorpsweg,Voorbeeldstad,0999\n"
            "5678CD,2,Kerkweg,Voorbeeldstad,0999\n",
        )
    )
    user = UserFactory(role=Role.BEHEERDER, municipality=None)  # the role grants the view
    return verified_client(user)


def test_address_list_finds_a_postcode_however_it_is_written(admin_client):
    response = admin_client.get("/beheer/registry/address/", {"q": "5678 cd"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset.values_list("postcode", flat=True)) == ["5678CD"]


def test_neighbourhood_list_searches_on_code(admin_client):
    response = admin_client.get("/beheer/registry/neighbourhood/", {"q": "WK099902"})
    assert response.status_code == 200
    assert [n.code for n in response.context["cl"].queryset] == ["WK099902"]


def test_register_rows_cannot_be_added_changed_or_deleted_in_the_admin(admin_client):
    address = Address.objects.first()
    buurt = Neighbourhood.objects.get(code="BU09990101")
    assert admin_client.get("/beheer/registry/address/add/").status_code == 403
    assert (
        admin_client.post(
            f"/beheer/registry/address/{address.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    detail = admin_client.get(f"/beheer/registry/neighbourhood/{buurt.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
