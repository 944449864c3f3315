"""Tenant isolation and forged tokens, against the four APIs with small connection pools.

The APIs run in this process (their lifespans too) on the same databases as the system's
processes, with MENTORING_DB_POOL_SIZE=2 and no overflow, so consecutive transactions of different
ministries share the same two connections per service. Three checks:

- mixed traffic: many concurrent GET requests, each for a random ministry and a random GET
  operation of any service, its path ids taken from that ministry's own data; a response that
  contains any id owned by another ministry is a leak;
- cross-tenant probes: every operation (any method) that has an id in its path, called with one
  ministry's token and another ministry's ids (bodies the document allows); any 2xx answer is a
  successful cross-tenant call. The same GETs with the owner's token are the control;
- forged tokens on every operation: `alg: none`, a wrong key, expired, wrong audience, wrong
  issuer, a tenant claim that is no tenant id; anything but 401 is an accepted forgery.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import jwt
import schemathesis
from asgi_lifespan import LifespanManager

from mentoring.kit.service import discover
from tests.reliability.harness import SERVICES, System
from tests.reliability.openapi import UUID_RE, Operation, TenantIds, body_for, operations, render
from tests.reliability.population import Ministry

ALL_ROLES = ("coordinator", "analyst", "mentor", "mentee")


@contextlib.asynccontextmanager
async def small_pool_clients(system: System) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients: dict[str, httpx.AsyncClient] = {}
    async with contextlib.AsyncExitStack() as stack:
        for service in SERVICES:
            settings = system.service_settings(service, db_pool_size=2, db_max_overflow=0)
            app = discover()[service].build_api(settings)
            manager = await stack.enter_async_context(LifespanManager(app))
            clients[service] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app),
                    base_url=f"http://{service}",
                    timeout=60,
                )
            )
        yield clients


async def enrich(system: System, ministries: list[Ministry]) -> None:
    """Give each ministry an object of every kind that has an id in a path."""
    p = system.platform
    for m in ministries:
        coordinator = m.coordinator_token(p)
        pair = m.pairs[0]
        member = p.tokens.person(m.tenant, pair.mentor)
        code = f"rel-{str(m.tenant)[:8]}"
        await p.sessions.request(
            "POST",
            "/api/v1/topics",
            token=coordinator,
            json={"code": code, "label_pl": "Próba", "label_en": "Trial"},
            expect=(201, 409),
        )
        await p.sessions.put(
            f"/api/v1/pairs/{pair.id}/agreement",
            {"goals": "Cele", "meetings_per_month": 2, "session_minutes": 60},
            token=member,
        )
        await p.sessions.post(
            f"/api/v1/pairs/{pair.id}/goals",
            {"title": "Cel", "milestones": ["Pierwszy krok"]},
            token=member,
        )
        logged = await p.sessions.post(
            f"/api/v1/pairs/{pair.id}/sessions/log",
            {"held_at": "2026-01-15T10:00:00+00:00", "duration_minutes": 45},
            token=member,
            headers={"Idempotency-Key": f"isolation-{pair.id}"},
        )
        if logged:
            session = logged["id"]
            await p.sessions.put(
                f"/api/v1/sessions/{session}/notes", {"body": "Notatka"}, token=member
            )
            await p.sessions.request(
                "POST",
                f"/api/v1/sessions/{session}/feedback",
                token=member,
                json={"rating": 4},
                expect=(200, 201, 409, 422),
            )
        await p.notifications.post(
            "/api/v1/webhooks",
            {
                "url": f"{system.receiver_url}/probe/{m.tenant}",
                "event_types": ["sessions.goal_set.v1"],
            },
            token=coordinator,
        )
        if len(m.pairs) > 2:
            await p.matching.post(
                "/api/v1/never-pairs",
                {"person_a": str(m.pairs[1].mentor), "person_b": str(m.pairs[2].mentee)},
                token=coordinator,
            )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(system: System, tenant: UUID, sub: str) -> dict[str, str]:
    t = system.tokens
    now = int(time.time())
    claims = {
        "sub": sub,
        "tenant": str(tenant),
        "roles": list(ALL_ROLES),
        "iss": t.issuer,
        "aud": t.audience,
        "iat": now,
        "exp": now + 3600,
    }
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong key": jwt.encode(claims, "another-secret-of-sufficient-length-0123456789", "HS256"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, t.secret, "HS256"),
        "wrong audience": jwt.encode({**claims, "aud": "someone-else"}, t.secret, "HS256"),
        "wrong issuer": jwt.encode({**claims, "iss": "https://evil.example"}, t.secret, "HS256"),
        "tenant not an id": jwt.encode({**claims, "tenant": "*"}, t.secret, "HS256"),
    }


def _token(system: System, m: Ministry) -> str:
    """Every role a ministry user can hold, as the mentor of its first pair."""
    return system.tokens.mint(m.tenant, *ALL_ROLES, sub=m.pairs[0].mentor, hours=6)


async def _send(
    client: httpx.AsyncClient, op: Operation, path: str, token: str | None, body: Any = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return await client.request(op.method.upper(), path, **kwargs)


async def run_isolation(
    system: System, ministries: list[Ministry], *, requests: int, concurrency: int = 32
) -> dict[str, Any]:
    await enrich(system, ministries)
    tenants = [m.tenant for m in ministries]
    ids = await TenantIds.read(system.infra, tenants)
    documents = {}
    async with small_pool_clients(system) as clients:
        for service, client in clients.items():
            documents[service] = (await client.get("/openapi.json")).json()
        ops = operations(documents)
        schemas = {s: schemathesis.openapi.from_dict(d) for s, d in documents.items()}
        tokens = {m.tenant: _token(system, m) for m in ministries}
        foreign = {t: ids.foreign(t) for t in tenants}

        # -- mixed-tenant traffic ---------------------------------------------------------------
        gets = [op for op in ops if op.method == "get"]
        rng = random.Random(11)
        statuses: Counter[int] = Counter()
        leaks: list[str] = []
        leaked_ids: set[str] = set()
        unfilled: set[str] = set()
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            tenant = tenants[rng.randrange(len(tenants))]
            op = gets[rng.randrange(len(gets))]
            values = ids.fill(op, tenant, pick=i)
            if values is None:
                unfilled.add(op.label)
                return
            async with gate:
                r = await _send(clients[op.service], op, render(op.path, values), tokens[tenant])
            statuses[r.status_code] += 1
            found = set(UUID_RE.findall(r.text.lower())) & foreign[tenant]
            if found:
                leaked_ids.update(found)
                leaks.append(f"{op.label} as {tenant}: {sorted(found)[:3]}")

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(requests)))
        mixed_seconds = time.monotonic() - started

        # -- cross-tenant probes on every operation with an id in its path -------------------------
        probes: Counter[int] = Counter()
        breaches: list[str] = []
        controls: Counter[int] = Counter()
        probed_ops = [op for op in ops if op.id_params]
        not_probed: list[str] = []
        for op in probed_ops:
            body = body_for(schemas[op.service], op)
            done = False
            for owner in ministries:
                values = ids.fill(op, owner.tenant)
                if values is None:
                    continue
                path = render(op.path, values)
                for caller in ministries:
                    if caller.tenant == owner.tenant:
                        continue
                    r = await _send(clients[op.service], op, path, tokens[caller.tenant], body)
                    probes[r.status_code] += 1
                    done = True
                    if 200 <= r.status_code < 300:
                        breaches.append(f"{op.label} {path}: {r.status_code} {r.text[:200]}")
                if op.method == "get":
                    r = await _send(clients[op.service], op, path, tokens[owner.tenant])
                    controls[r.status_code] += 1
            if not done:
                not_probed.append(op.label)

        # -- forged tokens on every operation ------------------------------------------------------
        accepted: list[str] = []
        forged_statuses: Counter[str] = Counter()
        public: list[str] = []
        owner = ministries[0]
        forgeries = forged_tokens(system, owner.tenant, str(owner.pairs[0].mentor))
        for op in ops:
            values = ids.fill(op, owner.tenant) or dict.fromkeys(
                op.params, "00000000-0000-0000-0000-000000000000"
            )
            path = render(op.path, values)
            body = body_for(schemas[op.service], op)
            anonymous = await _send(clients[op.service], op, path, None, body)
            if anonymous.status_code != 401:
                public.append(f"{op.label}: {anonymous.status_code}")
                continue
            for kind, forged in forgeries.items():
                r = await _send(clients[op.service], op, path, forged, body)
                forged_statuses[f"{kind}: {r.status_code}"] += 1
                if r.status_code != 401:
                    accepted.append(f"{kind} on {op.label}: {r.status_code}")

    return {
        "ministries": len(ministries),
        "operations in the OpenAPI documents": len(ops),
        "mixed-tenant requests": sum(statuses.values()),
        "mixed-tenant GET operations": len(gets),
        "mixed-tenant GET operations without ids to fill": sorted(unfilled),
        "mixed-tenant statuses": {str(k): v for k, v in sorted(statuses.items())},
        "mixed-tenant seconds": round(mixed_seconds, 1),
        "db pool per service": "2 (no overflow)",
        "leaked rows (foreign ids in answers)": len(leaked_ids),
        "leak samples": leaks[:5],
        "operations with an id in the path": len(probed_ops),
        "operations probed": len(probed_ops) - len(not_probed),
        "operations not probed (no ids)": not_probed,
        "cross-tenant probes": sum(probes.values()),
        "cross-tenant probe statuses": {str(k): v for k, v in sorted(probes.items())},
        "successful cross-tenant calls": len(breaches),
        "breach samples": breaches[:5],
        "owner control GETs": {str(k): v for k, v in sorted(controls.items())},
        "forged-token requests": sum(forged_statuses.values()),
        "forged tokens accepted": len(accepted),
        "forged acceptance samples": accepted[:5],
        "operations answering without a token": public,
    }
