"""The client's address behind a reverse proxy (``TRUSTED_PROXIES``).

Behind nginx or a load balancer every request comes from the proxy's address,
so the audit log would name the proxy for every log-in, and the count of failed
API keys per address (``intake.throttling``) would be one count for all
creditors together: one system with a wrong key would get every creditor 429.

With ``TRUSTED_PROXIES`` set, a request whose ``REMOTE_ADDR`` is one of those
addresses or networks gets the client's address in ``REMOTE_ADDR`` instead:
``X-Forwarded-For`` read from the right, skipping the trusted proxies, the first
address that is not one of them. A client cannot choose its address by sending
the header itself: its own entries stand left of the one the proxy appends
(``$proxy_add_x_forwarded_for``), and only a trusted proxy's header is read.
Without the setting the middleware is left out and ``REMOTE_ADDR`` is the peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``TRUSTED_PROXIES``' items as networks (an address is a network of one); an error names the item."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: '{value}' is geen IP-adres of netwerk (zoals 127.0.0.1 of 10.0.0.0/24)."
            ) from None
    return networks


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(remote_addr: str, forwarded_for: str, proxies: list[Network]) -> str:
    """The client's address: ``remote_addr`` unless it is a trusted proxy that says who it forwards."""
    peer = _address(remote_addr)
    if peer is None or not any(peer in network for network in proxies):
        return remote_addr
    client = remote_addr
    for hop in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:  # not an address: stop at the last one we could trust
            break
        client = str(address)
        if not any(address in network for network in proxies):
            break
    return client


class ForwardedForMiddleware:
    """Put the client's address in ``REMOTE_ADDR`` for requests through a trusted proxy."""

    def __init__(self, get_response):
        self.proxies = parse_networks(getattr(settings, "TRUSTED_PROXIES", []))
        if not self.proxies:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = client_address(
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_X_FORWARDED_FOR", ""),
            self.proxies,
        )
        return self.get_response(request)
