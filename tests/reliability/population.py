"""Ministries with active pairs, set up through the public APIs only, as a ministry would: the
tenant (platform admin), its org structure (a CSV import), a programme, mentors and mentees
enrolling themselves with consent, a matching round published, both sides accepting.

The org is flat on purpose: everyone reports to one head who does not take part, so no mentor is
in a mentee's reporting line and the round (everyone-matched) pairs every mentee.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from mentoring.demo.api import Platform, bounded, poll


@dataclass
class Pair:
    id: UUID
    tenant: UUID
    programme: UUID
    mentor: UUID
    mentee: UUID


@dataclass
class Ministry:
    tenant: UUID
    slug: str
    programme: UUID
    coordinator: UUID
    people: dict[UUID, dict[str, str]]  # person id -> first_name, last_name, email
    pairs: list[Pair] = field(default_factory=list)

    def coordinator_token(self, platform: Platform) -> str:
        return platform.tokens.mint(self.tenant, "coordinator", sub=self.coordinator, hours=12)

    def analyst_token(self, platform: Platform) -> str:
        return platform.tokens.mint(self.tenant, "analyst", sub="reliability-analyst", hours=12)


def _csv(tag: str, mentors: int, mentees: int) -> str:
    lines = ["employee_id,first_name,last_name,email,unit_code,unit_name,manager_employee_id"]
    lines.append(f"H1,Halina,Kierownik{tag},h1.{tag}@example.gov.pl,U0,Departament {tag},")
    for i in range(mentors):
        lines.append(
            f"M{i},Marek{i},Mentor{tag},m{i}.{tag}@example.gov.pl,UM,Wydział mentorów {tag},H1"
        )
    for i in range(mentees):
        lines.append(
            f"E{i},Ewa{i},Podopieczna{tag},e{i}.{tag}@example.gov.pl,UE,Wydział nowych {tag},H1"
        )
    return "\n".join(lines) + "\n"


async def provision_ministry(platform: Platform, pairs: int, *, concurrency: int = 16) -> Ministry:
    """A tenant with exactly `pairs` active pairs, known to sessions."""
    tag = os.urandom(4).hex()
    admin = platform.tokens.platform_admin()
    tenant = await platform.matching.post(
        "/api/v1/tenants",
        {"name": f"Ministerstwo Próby {tag}", "slug": f"rel-{tag}", "default_locale": "pl"},
        token=admin,
    )
    tenant_id = UUID(tenant["id"])
    probe = platform.tokens.mint(tenant_id, "coordinator", sub="reliability-setup")
    for api in (platform.sessions, platform.notifications, platform.analytics):

        async def known(api: Any = api) -> int:
            r = await api.request("GET", "/api/v1/tenant", token=probe, expect=(200, 404))
            return int(r.status_code)

        await poll(known, lambda s: s == 200, timeout=90, what=f"the tenant in {api.name}")

    await platform.matching.post(
        "/api/v1/org/import",
        token=probe,
        content=_csv(tag, pairs, pairs).encode(),
        headers={"Content-Type": "text/csv"},
    )
    listed = await platform.matching.all_pages("/api/v1/org/people", token=probe, limit=500)
    by_employee = {p["employee_id"]: p for p in listed}
    people = {
        UUID(p["id"]): {
            "first_name": p["first_name"],
            "last_name": p["last_name"],
            "email": p["email"],
        }
        for p in listed
    }
    head = UUID(by_employee["H1"]["id"])
    coordinator = platform.tokens.mint(tenant_id, "coordinator", sub=head, hours=12)
    today = datetime.now(UTC).date()
    programme = await platform.matching.post(
        "/api/v1/programmes",
        {
            "name": f"Program {tag}",
            "kind": "one_to_one",
            "mode": "everyone_matched",
            "starts_on": (today - timedelta(days=60)).isoformat(),
            "ends_on": (today + timedelta(days=300)).isoformat(),
            "max_mentees_per_mentor": 1,
        },
        token=coordinator,
    )
    programme_id = UUID(programme["id"])
    path = f"/api/v1/programmes/{programme_id}/participants"

    def enrol(person: UUID, role: str) -> Any:
        body: dict[str, Any] = {"role": role, "consent": True, "languages": ["pl"]}
        if role == "mentor":
            body |= {"capacity": 1, "skills": {"prawo": 4}, "seniority": 12}
        else:
            body |= {"goals": {"prawo": 3}, "seniority": 1}
        token = platform.tokens.person(tenant_id, person)
        return lambda: platform.matching.post(path, body, token=token)

    jobs = [enrol(UUID(by_employee[f"M{i}"]["id"]), "mentor") for i in range(pairs)]
    jobs += [enrol(UUID(by_employee[f"E{i}"]["id"]), "mentee") for i in range(pairs)]
    await bounded(jobs, concurrency)

    draft = await platform.matching.post(
        f"/api/v1/programmes/{programme_id}/rounds", {}, token=coordinator
    )
    await platform.matching.post(f"/api/v1/rounds/{draft['id']}/publish", token=coordinator)
    proposals = await platform.matching.all_pages(
        f"/api/v1/rounds/{draft['id']}/proposals", token=coordinator, limit=500
    )
    proposals = [p for p in proposals if p["pair_id"] is not None and p["status"] != "dropped"]

    def accept(p: dict[str, Any]) -> Any:
        async def run() -> None:
            for who in (p["mentee_id"], p["mentor_id"]):
                await platform.matching.post(
                    f"/api/v1/pairs/{p['pair_id']}/accept",
                    token=platform.tokens.person(tenant_id, UUID(who)),
                )

        return run

    await bounded([accept(p) for p in proposals], concurrency)
    ministry = Ministry(
        tenant=tenant_id,
        slug=f"rel-{tag}",
        programme=programme_id,
        coordinator=head,
        people=people,
        pairs=[
            Pair(
                id=UUID(p["pair_id"]),
                tenant=tenant_id,
                programme=programme_id,
                mentor=UUID(p["mentor_id"]),
                mentee=UUID(p["mentee_id"]),
            )
            for p in proposals
        ],
    )
    if len(ministry.pairs) != pairs:
        raise AssertionError(f"the round paired {len(ministry.pairs)} of {pairs} mentees")

    async def active_in_sessions() -> int:
        page = await platform.sessions.get(
            "/api/v1/pairs",
            token=coordinator,
            params={"programme_id": str(programme_id), "status": "active", "limit": 1},
        )
        return int(page["total"])

    await poll(active_in_sessions, lambda n: n >= pairs, timeout=180, what="the pairs in sessions")
    return ministry


async def provision(platform: Platform, tenants: int, pairs: int) -> list[Ministry]:
    """`pairs` pairs spread over `tenants` ministries (set up one after another: a ministry's
    round and answers are bursts of their own)."""
    share = [pairs // tenants + (1 if i < pairs % tenants else 0) for i in range(tenants)]
    out = []
    for n in share:
        out.append(await provision_ministry(platform, n))
        await asyncio.sleep(0)
    return out
