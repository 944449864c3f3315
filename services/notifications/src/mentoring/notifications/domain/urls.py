"""Where webhooks may go: https in production, and never to private, loopback or link-local
addresses (unless a deployment allows them), checked on every resolved address of the host.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from mentoring.kit.errors import InvalidInput

MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class EndpointUrl:
    url: str
    scheme: str
    host: str
    port: int


def parse_endpoint_url(url: str, *, require_https: bool) -> EndpointUrl:
    """The structural checks; the addresses are checked after the host is resolved."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput("the webhook URL is too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise InvalidInput("a webhook URL must use https")
    if require_https and scheme != "https":
        raise InvalidInput("a webhook URL must use https in production")
    if parts.username or parts.password:
        raise InvalidInput("a webhook URL must not carry credentials")
    if not parts.hostname:
        raise InvalidInput("a webhook URL needs a host")
    if parts.fragment:
        raise InvalidInput("a webhook URL must not have a fragment")
    return EndpointUrl(
        url=url,
        scheme=scheme,
        host=parts.hostname,
        port=port or (443 if scheme == "https" else 80),
    )


def forbidden_address(address: str) -> bool:
    """True for anything but a public unicast address (private, loopback, link-local,
    shared, reserved, multicast, unspecified; IPv4-mapped IPv6 is judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_multicast or not ip.is_global
