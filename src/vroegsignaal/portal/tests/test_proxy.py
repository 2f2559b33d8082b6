"""Behind a reverse proxy (TRUSTED_PROXIES) the client's address, not the proxy's, is audited and limited."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from vroegsignaal.portal.proxy import client_address, parse_networks
from vroegsignaal.privacy.models import AuditAction, AuditEvent

PROXY = "10.0.0.5"
PROXIES = parse_networks(["10.0.0.5", "192.168.1.0/24"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),  # one proxy
        (PROXY, "203.0.113.7, 192.168.1.9", "203.0.113.7"),  # two proxies: skip the trusted one
        (PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client's own header stands left
        (
            "203.0.113.8",
            "198.51.100.1",
            "203.0.113.8",
        ),  # not through a proxy: the header is not read
        (PROXY, "", PROXY),  # a proxy that says nothing
        (PROXY, "unknown, 203.0.113.7", "203.0.113.7"),
        (PROXY, "203.0.113.7, geen-adres", PROXY),  # stop at what cannot be read
        (PROXY, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_address_is_the_first_untrusted_hop_from_the_right(remote, forwarded, client):
    assert client_address(remote, forwarded, PROXIES) == client


def guess(address_behind_proxy: str):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789ab.geraden")
    return api.get(
        "/api/v1/feedback/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address_behind_proxy
    )


@pytest.mark.django_db
def test_behind_a_proxy_wrong_api_keys_are_counted_per_client_not_for_all(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.API_KEY_FAILURES_PER_ADDRESS = 2
    assert [guess("203.0.113.7").status_code for _ in range(3)] == [401, 401, 429]
    # Another creditor behind the same proxy is not locked out by the first one's failures.
    assert guess("198.51.100.20").status_code == 401
    audited = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("seq")
    assert [event.ip_address for event in audited] == ["203.0.113.7", "198.51.100.20"]


@pytest.mark.django_db
def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    settings.API_KEY_FAILURES_PER_ADDRESS = 2
    assert [guess("203.0.113.7").status_code for _ in range(2)] == [401, 401]
    assert guess("198.51.100.20").status_code == 429  # one count: the proxy's
    assert list(AuditEvent.objects.values_list("ip_address", flat=True)) == [PROXY]


@pytest.mark.django_db
def test_a_client_cannot_pick_its_address_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().get("/health/", REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.wsgi_request.META["REMOTE_ADDR"] == "203.0.113.8"
