"""Webhook deliveries per the Standard Webhooks specification: `webhook-id` (stable for one
delivery, so a receiver can drop a repeat), `webhook-timestamp` and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the endpoint's `whsec_` secret).

Before every request the host is resolved and each address checked, so a name that later points
at an internal address is refused; redirects are not followed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from mentoring.kit.errors import InvalidInput
from mentoring.notifications.domain.urls import forbidden_address, parse_endpoint_url

USER_AGENT = "mentoring-notifications/1 (+https://www.standardwebhooks.com/)"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def body_of(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    at = at.astimezone(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class ForbiddenDestination(InvalidInput):
    """The URL breaks the deployment's policy (scheme, private address, unresolvable host)."""


@dataclass(frozen=True)
class UrlPolicy:
    require_https: bool
    allow_private: bool

    async def check(self, url: str) -> None:
        endpoint = parse_endpoint_url(url, require_https=self.require_https)
        if self.allow_private:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                endpoint.host, endpoint.port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            raise ForbiddenDestination(f"cannot resolve {endpoint.host}: {exc}") from None
        addresses = {str(info[4][0]) for info in infos}
        bad = sorted(a for a in addresses if forbidden_address(a))
        if not addresses or bad:
            raise ForbiddenDestination(
                f"{endpoint.host} resolves to a private, loopback or link-local address"
            )


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    status: int | None
    error: str | None = None


class WebhookSender:
    def __init__(self, policy: UrlPolicy, timeout: float) -> None:
        self.policy = policy
        self.timeout = timeout

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, headers={"user-agent": USER_AGENT}
        )

    async def send(
        self, client: httpx.AsyncClient, *, url: str, secret: str, msg_id: str, body: str
    ) -> WebhookResult:
        headers = signed_headers(secret, msg_id, body, datetime.now(UTC))
        try:
            response = await client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return WebhookResult(False, None, f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return WebhookResult(True, response.status_code)
        return WebhookResult(False, response.status_code, f"HTTP {response.status_code}")
