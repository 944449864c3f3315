"""Per-tenant rate limits on the HTTP APIs (the matching API here): one ministry's burst is
answered 429 with Retry-After while another ministry's requests succeed, and bulk operations
(imports, matching rounds) have a lane of their own, so neither lane starves the other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx

from mentoring.matching.bootstrap import build_api
from tests.conftest import bearer

# Slow refill (one token per 10 s): nothing refills while a test runs, whatever the machine load.
BURST = 5
LIMITS: dict[str, float] = {
    "rate_limit_per_second": 0.1,
    "rate_limit_burst": BURST,
    "bulk_rate_limit_per_second": 0.1,
    "bulk_rate_limit_burst": 2,
}


async def _api(settings_for: Callable[..., Any], api_client: Callable[..., Any]) -> Any:
    return await api_client(build_api(settings_for("matching", **LIMITS)))


async def _default(api: httpx.AsyncClient, tok: str) -> httpx.Response:
    """A default-lane request: the tenant's programmes."""
    response: httpx.Response = await api.get("/api/v1/programmes", headers=bearer(tok))
    return response


async def _bulk(api: httpx.AsyncClient, tok: str) -> httpx.Response:
    """A bulk-lane request: a matching round of a programme that does not exist (404 once the
    lane admitted it, 429 when the lane is empty; nothing is written either way)."""
    response: httpx.Response = await api.post(
        f"/api/v1/programmes/{uuid4()}/rounds", json={}, headers=bearer(tok)
    )
    return response


def _assert_limited(response: httpx.Response, lane: str) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 429
    assert lane in body["detail"]


async def test_one_tenants_burst_is_limited_while_another_tenant_is_served(
    settings_for: Callable[..., Any], api_client: Callable[..., Any], token: Callable[..., str]
) -> None:
    api = await _api(settings_for, api_client)
    noisy = token(uuid4(), "coordinator")
    quiet = token(uuid4(), "coordinator")

    burst = [await _default(api, noisy) for _ in range(12)]
    served = [r for r in burst if r.status_code == 200]
    limited = [r for r in burst if r.status_code == 429]
    assert len(served) == BURST
    assert len(limited) == len(burst) - len(served)
    for response in limited:
        _assert_limited(response, "default")

    # The other ministry has its own bucket: all of its requests go through, interleaved with
    # the noisy one's, which stay limited.
    for _ in range(BURST):
        assert (await _default(api, quiet)).status_code == 200
        _assert_limited(await _default(api, noisy), "default")


async def test_the_bulk_lane_is_separate_from_the_default_lane(
    settings_for: Callable[..., Any], api_client: Callable[..., Any], token: Callable[..., str]
) -> None:
    api = await _api(settings_for, api_client)
    tenant = uuid4()
    coordinator = token(tenant, "coordinator")
    other = token(uuid4(), "coordinator")

    # The default lane exhausted: the same tenant's bulk operations are still admitted.
    while (await _default(api, coordinator)).status_code == 200:
        pass
    _assert_limited(await _default(api, coordinator), "default")
    bulk = [await _bulk(api, coordinator) for _ in range(4)]
    assert [r.status_code for r in bulk] == [404, 404, 429, 429]
    _assert_limited(bulk[-1], "bulk")

    # Both lanes of that tenant exhausted; another tenant's bulk and default requests go through.
    assert (await _bulk(api, other)).status_code == 404
    assert (await _default(api, other)).status_code == 200

    # A tenant whose bulk lane is empty keeps its ordinary requests.
    third = token(uuid4(), "coordinator")
    assert [(await _bulk(api, third)).status_code for _ in range(3)] == [404, 404, 429]
    for _ in range(BURST):
        assert (await _default(api, third)).status_code == 200
