"""A ministry set up through the public APIs only, as an outside client would: provisioned,
its org imported from a synthetic HR export (the demo's generator, mentoring.demo.orgdata), a
programme, participants enrolling themselves, a matching round published and answered."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from mentoring.demo.api import Platform, bounded, poll
from mentoring.demo.orgdata import Employee, Ministry, generate
from mentoring.demo.seed import choose_coordinator, enrolment


def recent() -> str:
    """A moment an hour ago: when a logged session was held (a session held long ago would make
    the pair look inactive to analytics, and set off nudges)."""
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


def renumbered(ministry: Ministry, prefix: str) -> Ministry:
    """The same ministry with every employee id and unit code prefixed: a second HR export whose
    people and units are all new to the tenant (the root unit keeps its code)."""

    def unit(code: str | None) -> str | None:
        return None if code is None else (code if code == "MIN" else f"{prefix}{code}")

    def emp(employee_id: str | None) -> str | None:
        return None if employee_id is None else f"{prefix}{employee_id}"

    units = tuple(
        dataclasses.replace(u, code=unit(u.code) or u.code, parent_code=unit(u.parent_code))
        for u in ministry.units
    )
    employees = tuple(
        dataclasses.replace(
            e,
            employee_id=emp(e.employee_id) or e.employee_id,
            manager_employee_id=emp(e.manager_employee_id),
            unit_code=unit(e.unit_code) or e.unit_code,
            email=f"{prefix.lower()}{e.email}",
        )
        for e in ministry.employees
    )
    return Ministry(ministry.name, ministry.domain, units, employees)


@dataclass
class Timings:
    """Wall-clock seconds per step, summed over ministries, and how often each step ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, step: str, seconds: float, count: int = 1) -> None:
        self.seconds[step] = self.seconds.get(step, 0.0) + seconds
        self.counts[step] = self.counts.get(step, 0) + count


@dataclass
class Tenant:
    """One ministry as the benchmarks drive it."""

    platform: Platform
    tenant_id: UUID
    name: str
    ministry: Ministry | None = None
    people: dict[str, UUID] = field(default_factory=dict)  # employee id -> person id
    coordinator: str = ""  # a coordinator's token
    programme_id: UUID | None = None
    pairs: list[dict[str, Any]] = field(default_factory=list)  # accepted pairs
    timings: Timings = field(default_factory=Timings)
    _tokens: dict[UUID, str] = field(default_factory=dict)

    def person_token(self, person: UUID) -> str:
        if person not in self._tokens:
            self._tokens[person] = self.platform.tokens.person(self.tenant_id, person)
        return self._tokens[person]

    def admin_token(self) -> str:
        return self.platform.tokens.mint(self.tenant_id, "coordinator", sub="bench", hours=6)

    async def timed(self, step: str, work: Awaitable[Any], count: int = 1) -> Any:
        began = time.monotonic()
        result = await work
        self.timings.add(step, time.monotonic() - began, count)
        return result


async def provision(platform: Platform, name: str, slug: str) -> Tenant:
    body = {"name": name, "slug": slug, "default_locale": "pl"}
    began = time.monotonic()
    tenant = await platform.matching.post(
        "/api/v1/tenants", body, token=platform.tokens.platform_admin()
    )
    t = Tenant(platform, UUID(tenant["id"]), name)
    t.timings.add("provision", time.monotonic() - began)
    return t


async def wait_known(tenant: Tenant, services: Sequence[str], timeout: float = 120.0) -> None:
    """Until each service answers GET /api/v1/tenant for it (it consumed tenant_provisioned)."""
    token = tenant.admin_token()
    for name in services:
        api = getattr(tenant.platform, name)

        async def known(api: Any = api) -> int:
            response = await api.request("GET", "/api/v1/tenant", token=token, expect=(200, 404))
            return int(response.status_code)

        await poll(known, lambda s: s == 200, timeout=timeout, what=f"the tenant in {name}")


async def import_org(tenant: Tenant, ministry: Ministry, step: str = "import") -> dict[str, Any]:
    """POST /org/import of the ministry's HR export; then the people's ids."""
    token = tenant.admin_token()
    summary: dict[str, Any] = await tenant.timed(
        step,
        tenant.platform.matching.post(
            "/api/v1/org/import",
            token=token,
            content=ministry.to_csv().encode(),
            headers={"Content-Type": "text/csv"},
        ),
        len(ministry.employees),
    )
    return summary


async def load_people(tenant: Tenant) -> None:
    people = await tenant.platform.matching.all_pages(
        "/api/v1/org/people", token=tenant.admin_token(), limit=500
    )
    tenant.people = {p["employee_id"]: UUID(p["id"]) for p in people}


async def org(tenant: Tenant, employees: int, seed: int) -> None:
    ministry = generate(employees, seed=seed, name=tenant.name, domain=f"m{seed}.gov.pl")
    tenant.ministry = ministry
    await import_org(tenant, ministry)
    await load_people(tenant)
    coordinator = tenant.people[choose_coordinator(ministry).employee_id]
    tenant.coordinator = tenant.platform.tokens.mint(
        tenant.tenant_id, "coordinator", sub=coordinator, hours=6
    )


async def programme(tenant: Tenant, *, max_mentees_per_mentor: int) -> None:
    body = {
        "name": "Program mentoringu",
        "kind": "one_to_one",
        "mode": "best_quality",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "max_mentees_per_mentor": max_mentees_per_mentor,
    }
    created = await tenant.timed(
        "programme",
        tenant.platform.matching.post("/api/v1/programmes", body, token=tenant.coordinator),
    )
    tenant.programme_id = UUID(created["id"])


def choose(
    ministry: Ministry, mentors: int, mentees: int, rng: random.Random, exclude: set[str]
) -> tuple[list[Employee], list[Employee]]:
    """The most senior people (not directors) mentor; the rest of a random sample are mentees."""
    pool = [e for e in ministry.employees if e.employee_id not in exclude]
    seniors = sorted((e for e in pool if "Dyrektor" not in e.position), key=lambda e: -e.seniority)[
        : mentors * 2
    ]
    chosen = rng.sample(seniors, min(mentors, len(seniors)))
    taken = {e.employee_id for e in chosen}
    rest = [e for e in pool if e.employee_id not in taken]
    return chosen, rng.sample(rest, min(mentees, len(rest)))


async def enrol(
    tenant: Tenant,
    mentors: int,
    mentees: int,
    *,
    capacity: int,
    seed: int,
    concurrency: int,
) -> None:
    assert tenant.ministry is not None
    assert tenant.programme_id is not None
    ministry = tenant.ministry
    rng = random.Random(seed)
    exclude = {choose_coordinator(ministry).employee_id}
    chosen_mentors, chosen_mentees = choose(ministry, mentors, mentees, rng, exclude)
    path = f"/api/v1/programmes/{tenant.programme_id}/participants"

    def job(e: Employee, role: str) -> Callable[[], Awaitable[Any]]:
        person = tenant.people[e.employee_id]
        body = enrolment(e, role, random.Random(f"{seed}:{e.employee_id}"), e.unit_code)
        if role == "mentor":
            body["capacity"] = capacity
        return lambda: tenant.platform.matching.post(path, body, token=tenant.person_token(person))

    jobs = [job(e, "mentor") for e in chosen_mentors] + [job(e, "mentee") for e in chosen_mentees]
    await tenant.timed("enrol", bounded(jobs, concurrency), len(jobs))


async def run_round(tenant: Tenant) -> dict[str, Any]:
    """Compute the round (timed as `round`) and publish it (`publish`); the draft's summary."""
    platform = tenant.platform
    draft: dict[str, Any] = await tenant.timed(
        "round",
        platform.matching.post(
            f"/api/v1/programmes/{tenant.programme_id}/rounds", {}, token=tenant.coordinator
        ),
    )
    if draft["proposals"] == 0:
        return draft
    published = await tenant.timed(
        "publish",
        platform.matching.post(f"/api/v1/rounds/{draft['id']}/publish", token=tenant.coordinator),
    )
    draft["published"] = published["published"]
    return draft


async def proposals(tenant: Tenant, round_id: str) -> list[dict[str, Any]]:
    items = await tenant.platform.matching.all_pages(
        f"/api/v1/rounds/{round_id}/proposals", token=tenant.coordinator, limit=200
    )
    return [p for p in items if p["pair_id"] is not None and p["status"] != "dropped"]


async def accept_all(tenant: Tenant, items: list[dict[str, Any]], concurrency: int) -> None:
    """Both sides accept every proposal (each pair becomes active)."""

    def job(p: dict[str, Any]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for who in (p["mentee_id"], p["mentor_id"]):
                await tenant.platform.matching.post(
                    f"/api/v1/pairs/{p['pair_id']}/accept", token=tenant.person_token(UUID(who))
                )

        return run

    await tenant.timed("accept", bounded([job(p) for p in items], concurrency), 2 * len(items))
    tenant.pairs = items


async def pairs_in_sessions(tenant: Tenant, expected: int, timeout: float = 600.0) -> None:
    """Until the sessions service knows every active pair (matching.pair_created.v1)."""

    async def known() -> int:
        page = await tenant.platform.sessions.get(
            "/api/v1/pairs",
            token=tenant.coordinator,
            params={"programme_id": str(tenant.programme_id), "status": "active", "limit": 1},
        )
        return int(page["total"])

    await poll(known, lambda n: n >= expected, timeout=timeout, what="the pairs in sessions")


async def gather_bounded(jobs: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    return await bounded(jobs, limit)


async def sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class CallLog:
    """Latency of every HTTP call the platform's clients make, by service, method and route
    (ids replaced by `{id}`), from httpx event hooks."""

    latencies: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def attach(self, platform: Platform) -> None:
        for api in platform.apis:
            api.client.event_hooks["request"].append(self._started)
            api.client.event_hooks["response"].append(self._make_finished(api.name))

    @staticmethod
    async def _started(request: httpx.Request) -> None:
        request.extensions["bench_started"] = time.monotonic()

    def _make_finished(self, service: str) -> Callable[[httpx.Response], Awaitable[None]]:
        async def finished(response: httpx.Response) -> None:
            began = response.request.extensions.get("bench_started")
            if began is None:
                return
            route = _ID.sub("{id}", response.request.url.path)
            key = (service, response.request.method, route)
            self.latencies.setdefault(key, []).append(time.monotonic() - began)
            self.statuses[response.status_code] += 1

        return finished
