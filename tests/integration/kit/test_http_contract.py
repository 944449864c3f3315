"""The HTTP contract of the kit, through the matching API: bearer-token auth (DESIGN.md §4) and
RFC 9457 problem responses for every error path."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import jwt
import pytest

from mentoring.matching.bootstrap import build_api
from tests.conftest import bearer


@pytest.fixture
async def api(settings_for: Callable[..., Any], api_client: Callable[..., Any]) -> Any:
    return await api_client(build_api(settings_for("matching")))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "admin",
        "tenant": str(uuid4()),
        "roles": ["platform_admin"],
        "iss": "mentoring-dev",
        "aud": "mentoring",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key="", algorithm="none")


FORGED = {
    "alg none": lambda secret: _unsigned(_claims()),
    "wrong key": lambda secret: jwt.encode(
        _claims(), "another-secret-of-enough-length-123", "HS256"
    ),
    "expired": lambda secret: jwt.encode(_claims(exp=int(time.time()) - 60), secret, "HS256"),
    "wrong audience": lambda secret: jwt.encode(_claims(aud="payroll"), secret, "HS256"),
    "wrong issuer": lambda secret: jwt.encode(_claims(iss="someone-else"), secret, "HS256"),
    "missing tenant": lambda secret: jwt.encode(_claims(tenant=None), secret, "HS256"),
    "tenant not an id": lambda secret: jwt.encode(_claims(tenant="ministry"), secret, "HS256"),
    "HS512 not accepted": lambda secret: jwt.encode(_claims(), secret * 2, "HS512"),
}


@pytest.mark.parametrize("case", sorted(FORGED))
async def test_forged_or_broken_tokens_get_401(case: str, api: Any, jwt_secret: str) -> None:
    response = await api.get("/api/v1/tenants", headers=bearer(FORGED[case](jwt_secret)))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert "Traceback" not in response.text


async def test_no_token_gets_401(api: Any) -> None:
    response = await api.get("/api/v1/tenants")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_missing_role_gets_403(api: Any, token: Callable[..., str]) -> None:
    response = await api.get("/api/v1/tenants", headers=bearer(token(uuid4(), "coordinator")))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:mentoring:problem:forbidden"


async def test_invalid_body_gets_422_problem_and_writes_nothing(
    api: Any, token: Callable[..., str], admin_db: Callable[[str], Any]
) -> None:
    slug = f"x{uuid4().hex[:8]}"
    response = await api.post(
        "/api/v1/tenants",
        json={"name": "", "slug": slug, "extra": 1},
        headers=bearer(token(uuid4(), "platform_admin")),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Invalid input"
    assert {tuple(e["location"][-1:]) for e in body["errors"]} >= {("name",), ("extra",)}
    db = await admin_db("matching")
    assert await db.fetchval("select count(*) from tenant where slug = $1", slug) == 0


async def test_conflict_and_not_found_are_problems(api: Any, token: Callable[..., str]) -> None:
    admin = bearer(token(uuid4(), "platform_admin"))
    slug = f"x{uuid4().hex[:8]}"
    first = await api.post("/api/v1/tenants", json={"name": "A", "slug": slug}, headers=admin)
    assert first.status_code == 201
    again = await api.post("/api/v1/tenants", json={"name": "B", "slug": slug}, headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    missing = await api.get(f"/api/v1/tenants/{uuid4()}", headers=admin)
    assert missing.status_code == 404
    nowhere = await api.get("/api/v1/nowhere", headers=admin)
    assert nowhere.status_code == 404
    assert nowhere.headers["content-type"] == "application/problem+json"


async def test_other_tenants_resource_is_404(api: Any, token: Callable[..., str]) -> None:
    admin = bearer(token(uuid4(), "platform_admin"))
    created = await api.post(
        "/api/v1/tenants", json={"name": "A", "slug": f"x{uuid4().hex[:8]}"}, headers=admin
    )
    tenant_id = created.json()["id"]
    own = await api.get(f"/api/v1/tenants/{tenant_id}", headers=bearer(token(tenant_id, "analyst")))
    assert own.status_code == 200
    other = await api.get(f"/api/v1/tenants/{tenant_id}", headers=bearer(token(uuid4(), "analyst")))
    assert other.status_code == 404


async def test_health_and_metrics(api: Any) -> None:
    assert (await api.get("/health/live")).json() == {"status": "alive"}
    ready = await api.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert {"database", "outbox", "kafka"} <= set(ready.json()["checks"])
    assert "backlog" in ready.json()["checks"]["outbox"]
    assert "mentoring_http_requests_total" in (await api.get("/metrics")).text
    spec = (await api.get("/asyncapi.json")).json()
    assert "matching.tenant_provisioned.v1" in spec["channels"]
