"""Every error answer under /api/ is JSON in the API's error shape, and a path without its final
"/" is answered by its view (review 26, items 2 and 3).

Unknown paths (``/api/v1/foo/``, ``/api/v1/deliveries/-1/``) got the portal's HTML 404 page, a
crash its HTML 500 page; ``POST /api/v1/deliveries`` got a 301 that a client follows with a GET
(405).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient

from vroegsignaal.intake import errors
from vroegsignaal.intake.models import Delivery

from .support import stand
from .test_api import URL, api, post_file  # noqa: F401 - the fixture

NOT_FOUND = {
    "melding": "Niet gevonden: dit adres bestaat niet in de API. De adressen staan in het "
    "OpenAPI-document, /api/v1/schema/."
}
SERVER_ERROR = {
    "melding": "Er ging bij Vroegsignaal iets mis met dit verzoek. Probeer het later opnieuw; gaat "
    "het dan weer mis, neem dan contact op met de beheerder van Vroegsignaal."
}


def assert_json(response, status: int, body: dict) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/foo/",
        "/api/v1/deliveries/-1/",
        "/api/v1/deliveries/abc/fouten/",
        "/api/v1/foo",
        "/api/v2/deliveries/",
        "/api/",
    ],
)
def test_an_unknown_api_path_is_a_json_404_not_the_portals_page(world, api, path):  # noqa: F811
    with_key = api(world.creditor)
    for client in (with_key, APIClient()):
        assert_json(client.get(path), 404, NOT_FOUND)
        assert_json(client.post(path, {}, format="json"), 404, NOT_FOUND)


def test_a_crash_under_the_api_is_a_json_500_without_traceback_or_personal_data(
    world,
    api,  # noqa: F811
    monkeypatch,
):
    def crash(*args, **kwargs):
        raise RuntimeError("BSN 123456782 van J. Jansen, Dorpsstraat 1")

    monkeypatch.setattr("vroegsignaal.feedback.services.events_after", crash)
    client = api(world.creditor)
    client.raise_request_exception = False
    response = client.get("/api/v1/feedback/")
    assert_json(response, 500, SERVER_ERROR)
    text = response.content.decode()
    assert "123456782" not in text and "Jansen" not in text and "Traceback" not in text


def test_a_method_the_api_path_does_not_have_is_a_json_405(world, api):  # noqa: F811
    client = api(world.creditor)
    assert_json(
        client.delete("/api/v1/feedback/"),
        405,
        {"melding": "De methode DELETE kan hier niet; gebruik GET."},
    )
    assert_json(
        client.put("/api/v1/deliveries", {}, format="json"),
        405,
        {"melding": "De methode PUT kan hier niet; gebruik POST."},
    )


def test_a_bad_request_django_refuses_before_the_api_is_json_too(world, api):  # noqa: F811
    """A Host that is not allowed: Django's SuspiciousOperation, answered by ``handler400``."""
    response = api(world.creditor).get("/api/v1/feedback/", HTTP_HOST="niet-toegestaan.example")
    assert_json(response, 400, {"melding": "Het verzoek is onjuist en kan niet worden behandeld."})


def test_the_portal_keeps_its_html_error_pages():
    request = RequestFactory().get("/bestaat-niet/")
    assert errors.page_not_found(request, None)["Content-Type"].startswith("text/html")
    assert errors.server_error(request)["Content-Type"].startswith("text/html")
    api_request = RequestFactory().get("/api/v1/bestaat-niet/")
    assert errors.server_error(api_request).status_code == 500
    assert errors.server_error(api_request)["Content-Type"] == "application/json"


def test_a_delivery_posted_without_the_final_slash_is_accepted_not_redirected(
    world,
    households,
    api,  # noqa: F811
    settings,
):
    """No 301 (a client following it would send a GET and get 405): the same view answers.

    A file larger than the memory handler keeps goes to the sealed upload handler, which lets
    only the deliveries' view write to disk: the path without "/" must count as that view.
    """
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16
    client = api(world.creditor)
    content = stand(range(1, 4))
    response = client.post(
        URL.rstrip("/"),
        {
            "file": SimpleUploadedFile("levering.csv", content, content_type="text/csv"),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get()
    assert response["Location"] == f"http://testserver{URL}{delivery.pk}/"
    assert response.json()["status_url"] == f"http://testserver{URL}{delivery.pk}/"
    assert delivery.status == "verwerkt" and delivery.size_bytes == len(content)


def test_every_api_path_answers_without_its_final_slash(world, households, api):  # noqa: F811
    client = api(world.creditor)
    delivery_id = post_file(client, stand(range(1, 4))).json()["id"]
    assert client.get(f"{URL}{delivery_id}").json()["id"] == delivery_id
    assert client.get(f"{URL}{delivery_id}/fouten").json()["count"] == 0
    assert client.get("/api/v1/feedback").status_code == 200
    assert_json(
        client.post(f"{URL}{delivery_id}/bevestig"),
        409,
        client.post(f"{URL}{delivery_id}/bevestig/").json(),
    )
    # Without a key it is the same 401 as with the slash, not a redirect.
    anonymous = APIClient().post(URL.rstrip("/"), {}, format="multipart")
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"melding"}
