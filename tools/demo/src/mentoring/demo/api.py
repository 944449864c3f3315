"""The four services as the demo sees them: HTTP APIs (httpx), development tokens, retries.

Nothing here imports a service: the demo is an outside client of the public APIs, like any
integration a ministry would write.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import httpx

from mentoring.kit.auth import mint_token
from mentoring.kit.settings import KitSettings

T = TypeVar("T")

SERVICES = ("matching", "sessions", "notifications", "analytics")
API_PORTS = {"matching": 8001, "sessions": 8002, "notifications": 8003, "analytics": 8004}
WORKER_PORTS = {"matching": 8101, "sessions": 8102, "notifications": 8103, "analytics": 8104}
PLATFORM_TENANT = UUID("00000000-0000-0000-0000-000000000001")  # the platform admin's tenant claim


def default_url(service: str) -> str:
    """The API's address: MENTORING_DEMO_<SERVICE>_URL, else the local port of `make up`."""
    env = os.environ.get(f"MENTORING_DEMO_{service.upper()}_URL")
    return env or f"http://127.0.0.1:{API_PORTS[service]}"


class ApiError(RuntimeError):
    """An answer the demo did not expect, with the problem document the service gave."""

    def __init__(self, service: str, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{service}: {method} {path} answered {status}: {body[:600]}")
        self.service = service
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Tokens:
    """Development tokens (HS256 with MENTORING_JWT_SECRET), as `mentoring token` mints them."""

    secret: str
    issuer: str = "mentoring-dev"
    audience: str = "mentoring"

    @classmethod
    def from_settings(cls, settings: KitSettings | None = None) -> Tokens:
        s = settings or KitSettings()
        return cls(s.jwt_secret, s.jwt_issuer, s.jwt_audience)

    def mint(
        self, tenant: UUID | str, *roles: str, sub: UUID | str = "demo", hours: float = 2.0
    ) -> str:
        return mint_token(
            secret=self.secret,
            subject=str(sub),
            tenant_id=tenant,
            roles=roles,
            issuer=self.issuer,
            audience=self.audience,
            ttl_seconds=int(hours * 3600),
        )

    def platform_admin(self) -> str:
        return self.mint(PLATFORM_TENANT, "platform_admin", sub="demo-platform-admin")

    def person(self, tenant: UUID, person: UUID) -> str:
        """A participant acting for themselves: `sub` is their person id."""
        return self.mint(tenant, "mentor", "mentee", sub=person)


@dataclass
class Api:
    """One service's API: JSON calls with a bearer token; 429 and dropped connections retried."""

    name: str
    client: httpx.AsyncClient
    attempts: int = 8
    calls: int = 0
    observer: Callable[[str, str, str, int], None] | None = None  # service, method, path, status

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str,
        json: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Iterable[int] = (200, 201, 204),
    ) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        delay = 0.2
        for attempt in range(1, self.attempts + 1):
            self.calls += 1
            try:
                response = await self.client.request(
                    method, path, json=json, content=content, params=params, headers=all_headers
                )
            except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
                if attempt == self.attempts:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)
                continue
            if response.status_code in (429, 503) and attempt < self.attempts:
                retry_after = response.headers.get("retry-after", "")
                wait = float(retry_after) if retry_after.isdigit() else delay
                await asyncio.sleep(min(max(wait, 0.05), 5.0))
                delay = min(delay * 2, 3.0)
                continue
            if self.observer is not None:
                self.observer(self.name, method, path, response.status_code)
            if response.status_code not in set(expect):
                raise ApiError(self.name, method, path, response.status_code, response.text)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def get(self, path: str, *, token: str, **kwargs: Any) -> Any:
        return (await self.request("GET", path, token=token, **kwargs)).json()

    async def post(self, path: str, body: Any = None, *, token: str, **kwargs: Any) -> Any:
        response = await self.request("POST", path, token=token, json=body, **kwargs)
        return response.json() if response.content else None

    async def put(self, path: str, body: Any, *, token: str, **kwargs: Any) -> Any:
        return (await self.request("PUT", path, token=token, json=body, **kwargs)).json()

    async def all_pages(
        self, path: str, *, token: str, params: Mapping[str, Any] | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list (`items`, `total`, `limit`, `offset`)."""
        items: list[dict[str, Any]] = []
        while True:
            page = await self.get(
                path, token=token, params={**(params or {}), "limit": limit, "offset": len(items)}
            )
            items.extend(page["items"])
            if not page["items"] or len(items) >= page["total"]:
                return items


@dataclass
class Platform:
    """The four APIs, the token minter, and where the events are (for the journey's tap)."""

    matching: Api
    sessions: Api
    notifications: Api
    analytics: Api
    tokens: Tokens
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_namespace: str = ""
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def over_http(
        cls,
        urls: Mapping[str, str] | None = None,
        *,
        settings: KitSettings | None = None,
        timeout: float = 60.0,
        connections: int = 32,
    ) -> Platform:
        s = settings or KitSettings()
        addresses = {name: (urls or {}).get(name) or default_url(name) for name in SERVICES}
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

        def api(name: str) -> Api:
            client = httpx.AsyncClient(base_url=addresses[name], timeout=timeout, limits=limits)
            return Api(name, client)

        return cls(
            matching=api("matching"),
            sessions=api("sessions"),
            notifications=api("notifications"),
            analytics=api("analytics"),
            tokens=Tokens.from_settings(s),
            kafka_bootstrap=s.kafka_bootstrap,
            topic_namespace=s.topic_namespace,
            urls=addresses,
        )

    @property
    def apis(self) -> tuple[Api, ...]:
        return (self.matching, self.sessions, self.notifications, self.analytics)

    def observe(self, observer: Callable[[str, str, str, int], None] | None) -> None:
        """Call `observer(service, method, path, status)` after every answer (None: stop)."""
        for a in self.apis:
            a.observer = observer

    @property
    def calls(self) -> int:
        return sum(a.calls for a in self.apis)

    async def aclose(self) -> None:
        for a in self.apis:
            await a.client.aclose()

    async def reachable(self) -> list[str]:
        """The services whose API does not answer /health/live (empty when all do)."""
        down = []
        for a in self.apis:
            try:
                response = await a.client.get("/health/live", timeout=5.0)
                if response.status_code != 200:
                    down.append(a.name)
            except httpx.HTTPError:
                down.append(a.name)
        return down


async def bounded(
    jobs: Iterable[Callable[[], Awaitable[T]]],
    limit: int,
    on_done: Callable[[], None] | None = None,
) -> list[T]:
    """Run the jobs with at most `limit` at a time; results in the jobs' order."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            result = await job()
        if on_done is not None:
            on_done()
        return result

    return list(await asyncio.gather(*(one(j) for j in jobs)))


async def poll(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    timeout: float,
    interval: float = 0.5,
    what: str,
) -> T:
    """Ask until the answer is right; raise TimeoutError naming `what` and the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        last = await probe()
        if until(last):
            return last
        if loop.time() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}; last answer: {last!r:.300}")
        await asyncio.sleep(interval)
