"""Erasure: a participant who mentored for a while, wrote notes, a goal, an agreement and feedback,
ended the pair and withdrew, is erased through the matching API. Afterwards no database (every
table of every schema of the four, as superuser, every row as text and every bytea column) and no
record of the profile topic after compaction holds their name or e-mail; the programme's figures
(analytics dashboard, sessions statistics) are what they were before."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from mentoring.contracts import topics
from mentoring.kit.kafka import make_producer
from tests.reliability.harness import DATABASES, System, read_topic
from tests.reliability.population import Ministry, provision_ministry

VOLATILE = ("generated_at", "as_of", "computed_at", "now")


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


async def _figures(system: System, m: Ministry) -> dict[str, Any]:
    p = system.platform
    coordinator = m.coordinator_token(p)
    params = {"programme_id": str(m.programme)}
    return {
        "analytics dashboard": _stable(
            await p.analytics.get("/api/v1/dashboard", token=coordinator, params=params)
        ),
        "sessions stats": _stable(
            await p.sessions.get("/api/v1/stats", token=coordinator, params=params)
        ),
    }


async def _copies(system: System, needles: list[str]) -> dict[str, int]:
    """Rows holding any needle, per database.table."""
    patterns = [f"%{n}%" for n in needles]
    found: dict[str, int] = {}
    for db in DATABASES:
        conn = await system.infra.sql(db)
        try:
            tables = await conn.fetch(
                "select table_schema s, table_name t from information_schema.tables "
                "where table_type = 'BASE TABLE' "
                "and table_schema not in ('pg_catalog', 'information_schema')"
            )
            for row in tables:
                name = f'"{row["s"]}"."{row["t"]}"'
                byteas = await conn.fetch(
                    "select column_name c from information_schema.columns "
                    "where table_schema = $1 and table_name = $2 and data_type = 'bytea'",
                    row["s"],
                    row["t"],
                )
                conditions = ["x::text ilike any($1::text[])"] + [
                    f"encode(x.\"{b['c']}\", 'escape') ilike any($1::text[])" for b in byteas
                ]
                count = await conn.fetchval(
                    f"select count(*) from {name} x where " + " or ".join(conditions), patterns
                )
                if count:
                    found[f"{db}.{row['s']}.{row['t']}"] = int(count)
        finally:
            await conn.close()
    return found


async def _profile_records(system: System, person: UUID, needles: list[str]) -> dict[str, int]:
    records = await read_topic(system.bootstrap, system.topic(topics.PROFILES))
    key = str(person).encode()
    lowered = [n.lower().encode() for n in needles]
    return {
        "records of the person": sum(1 for r in records if r.key == key),
        "with a value": sum(1 for r in records if r.key == key and r.value is not None),
        "records holding the name or e-mail": sum(
            1 for r in records if r.value is not None and any(n in r.value.lower() for n in lowered)
        ),
    }


async def _roll_profile_segment(system: System, person: UUID) -> None:
    """Append a record (a tombstone of nobody) to the person's partition, so the segment holding
    their tombstone is closed and the cleaner may compact it."""
    topic = system.topic(topics.PROFILES)
    records = await read_topic(system.bootstrap, topic)
    partitions = {r.partition for r in records if r.key == str(person).encode()}
    producer = make_producer(system.bootstrap, client_id="reliability-erasure")
    await producer.start()
    try:
        for partition in partitions or {0}:
            await (
                await producer.send(
                    topic, key=str(uuid4()).encode(), value=None, partition=partition
                )
            )
    finally:
        await producer.stop()


async def run_erasure(system: System, *, pairs: int = 6, timeout: float = 90.0) -> dict[str, Any]:
    p = system.platform
    m = await provision_ministry(p, pairs)
    coordinator = m.coordinator_token(p)
    tag = os.urandom(4).hex()
    erased = m.pairs[0].mentee
    first, last, email = "Zofia", f"Erasure{tag}", f"zofia.erasure.{tag}@example.gov.pl"
    old = m.people[erased]
    await p.matching.request(
        "PATCH",
        f"/api/v1/org/people/{erased}",
        token=coordinator,
        json={"first_name": first, "last_name": last, "email": email},
    )
    needles = [last, email, old["email"], f"{old['first_name']} {old['last_name']}"]

    now = time.time()

    def held(n: int) -> str:
        return (datetime.fromtimestamp(now, UTC) - timedelta(days=n + 1)).isoformat()

    for i, pair in enumerate(m.pairs):
        mentee = p.tokens.person(m.tenant, pair.mentee)
        mentor = p.tokens.person(m.tenant, pair.mentor)
        personal = pair.mentee == erased
        for n, who in enumerate((mentee, mentor, mentee)):
            logged = await p.sessions.post(
                f"/api/v1/pairs/{pair.id}/sessions/log",
                {
                    "held_at": held(n + 3 * i),
                    "duration_minutes": 60,
                    "notes": f"{first} {last} o sobie" if personal and who is mentee else "Notatka",
                },
                token=who,
                headers={"Idempotency-Key": f"erasure-{pair.id}-{n}"},
            )
            if who is mentee:
                await p.sessions.post(
                    f"/api/v1/sessions/{logged['id']}/feedback",
                    {
                        "rating": 4 + (n + i) % 2,
                        "comment": f"{first} {last}: dobrze" if personal else None,
                    },
                    token=who,
                )
        if personal:
            await p.sessions.post(
                f"/api/v1/pairs/{pair.id}/goals",
                {"title": f"Cel {first} {last}", "milestones": [f"Krok {last}"]},
                token=mentee,
                headers={"Idempotency-Key": f"erasure-goal-{pair.id}"},
            )
            await p.sessions.put(
                f"/api/v1/pairs/{pair.id}/agreement",
                {"goals": f"Cele {first} {last}", "meetings_per_month": 2, "session_minutes": 60},
                token=mentee,
            )
            await p.matching.post(
                f"/api/v1/pairs/{pair.id}/end", {"reason": "completed"}, token=mentee
            )
            await p.matching.post(
                f"/api/v1/programmes/{m.programme}/participants/{erased}/withdraw", token=mentee
            )

    # the figures settle: two reads agree and every session is counted; the reads are further
    # apart than the survey scan (15 s), which issues the new pairs' start-wave surveys
    logged_total = 3 * len(m.pairs)
    before: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first_read = await _figures(system, m)
        await asyncio.sleep(16.0)
        second_read = await _figures(system, m)
        sessions_logged = await p.analytics.get(
            "/api/v1/figures/sessions_logged",
            token=coordinator,
            params={"programme_id": str(m.programme)},
        )
        if first_read == second_read and sessions_logged["value"]["value"] == logged_total:
            before = second_read
            break
    copies_before = await _copies(system, needles)

    started = time.monotonic()
    await p.matching.post(
        f"/api/v1/org/people/{erased}/erasure",
        token=coordinator,
        headers={"Idempotency-Key": f"erasure-{erased}"},
    )
    copies: dict[str, int] = {}
    profile: dict[str, int] = {}
    last_roll = 0.0
    while time.monotonic() - started < timeout:
        copies = await _copies(system, needles)
        profile = await _profile_records(system, erased, needles)
        if not copies and not profile["records holding the name or e-mail"]:
            break
        # once the tombstone is out (2 s), close its segment; again every 20 s meanwhile
        if time.monotonic() - max(started + 2.0 - 20.0, last_roll) > 20.0:
            await _roll_profile_segment(system, erased)
            last_roll = time.monotonic()
        await asyncio.sleep(2.0)
    erased_in = time.monotonic() - started
    await asyncio.sleep(5.0)  # anything the erasure set off has landed
    after = await _figures(system, m)
    changed = sorted(
        f"{section}.{key}"
        for section in before
        for key in set(before[section]) | set(after.get(section, {}))
        if before[section].get(key) != after.get(section, {}).get(key)
    )
    return {
        "erased participant": str(erased),
        "pairs in the ministry": len(m.pairs),
        "rows with the name or e-mail before erasure": sum(copies_before.values()),
        "tables with them before": sorted(copies_before),
        "seconds until no copy was left": round(erased_in, 1),
        "copies left in the databases": sum(copies.values()),
        "tables still holding them": copies,
        "profile topic: records of the person after compaction": profile.get(
            "records of the person"
        ),
        "profile topic: records with a value": profile.get("with a value"),
        "profile topic: copies of the name or e-mail": profile.get(
            "records holding the name or e-mail"
        ),
        "figures compared": sorted(before),
        "figures settled before erasure": bool(before),
        "figures changed by the erasure": changed,
    }
