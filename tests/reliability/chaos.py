"""Chaos: sessions logged by concurrent clients while the broker, the relay, the analytics worker
and Postgres are broken one after another; then every effect is counted from outside.

The load: `clients` HTTP clients log `sessions` past sessions (POST /pairs/{id}/sessions/log with
an Idempotency-Key, retried with the same key on connection errors, 5xx and 429) over the pairs of
the ministries, paced so the faults land in the middle of it. The faults, each when the load has
reached its share: kafka-kill + kafka-start; SIGKILL of the sessions worker (its outbox relay)
while rows are unsent, restart; SIGKILL of the analytics worker while a projection transaction is
open, restart; pg-restart-immediate; kafka-pause, 5 s, kafka-resume.

Afterwards, from the topic, the databases and the webhook receiver: no session without its event,
no event without its session row, each session once in analytics and once at the subscriber, the
sequence numbers of each pair increasing on the topic, and the time from the end of the last fault
until every consumer group has no lag and every outbox is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import httpx

from mentoring.contracts import topics
from tests.reliability.harness import LagProbe, System, read_topic
from tests.reliability.population import Ministry, Pair

SESSION_LOGGED = "sessions.session_logged.v1"
ZERO_LAG_BOUND_SECONDS = 60.0  # the acceptance figure


@dataclass
class Fault:
    name: str
    at_progress: float
    started: float
    ended: float
    detail: str

    def row(self, t0: float) -> dict[str, Any]:
        return {
            "fault": self.name,
            "at load progress": f"{self.at_progress:.0%}",
            "started at s": round(self.started - t0, 1),
            "took s": round(self.ended - self.started, 1),
            "detail": self.detail,
        }


@dataclass
class Load:
    total: int
    done: int = 0
    attempts: int = 0
    retries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    sessions: dict[tuple[UUID, int], UUID] = field(default_factory=dict)  # (pair, n) -> id
    replayed: int = 0
    limit: float = 1.0  # the load waits here until the next fault has started

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 1.0


class Pacer:
    """Spreads the requests evenly over the planned duration (all clients share it)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next = time.monotonic()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            self.next = max(self.next + self.interval, now)
            delay = self.next - now
        if delay > 0:
            await asyncio.sleep(delay)


async def register_webhooks(system: System, ministries: list[Ministry], types: list[str]) -> None:
    for m in ministries:
        path = f"/hooks/{m.tenant}"
        created = await system.platform.notifications.post(
            "/api/v1/webhooks",
            {"url": system.receiver_url + path, "event_types": types},
            token=m.coordinator_token(system.platform),
        )
        system.receiver.secrets[path] = created["secret"]


async def _client(
    system: System,
    items: list[tuple[Pair, int]],
    load: Load,
    pacer: Pacer,
    run_id: str,
    now: datetime,
) -> None:
    url = system.api("sessions").url
    tokens: dict[UUID, str] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
        for pair, n in items:
            while load.done >= load.limit * load.total:  # noqa: ASYNC110 - see _inject
                await asyncio.sleep(0.05)
            await pacer.wait()
            token = tokens.get(pair.mentor)
            if token is None:
                token = tokens[pair.mentor] = system.tokens.mint(
                    pair.tenant, "mentor", sub=pair.mentor, hours=6
                )
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": str(uuid5(pair.id, f"{run_id}:{n}")),
            }
            body = {
                "held_at": (now - timedelta(minutes=10 * (n + 1))).isoformat(),
                "duration_minutes": 30 + (n % 4) * 15,
                "mode": ("in_person", "online", "phone")[n % 3],
            }
            delay = 0.1
            for _attempt in range(600):
                load.attempts += 1
                try:
                    r = await http.post(
                        f"/api/v1/pairs/{pair.id}/sessions/log", json=body, headers=headers
                    )
                except httpx.TransportError as exc:
                    load.statuses[type(exc).__name__] += 1
                    load.retries += 1
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                load.statuses[str(r.status_code)] += 1
                if r.status_code == 201:
                    load.sessions[(pair.id, n)] = UUID(r.json()["id"])
                    if r.headers.get("idempotent-replayed") == "true":
                        load.replayed += 1
                    break
                if r.status_code >= 500 or r.status_code == 429:
                    load.retries += 1
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                load.failures.append(f"{pair.id}#{n}: {r.status_code} {r.text[:300]}")
                break
            else:
                load.failures.append(f"{pair.id}#{n}: gave up after 600 attempts")
            load.done += 1


async def _sessions_outbox_backlog(system: System) -> int:
    conn = await system.infra.sql("sessions")
    try:
        return int(
            await conn.fetchval(
                "select count(*) from outbox_message where sent_at is null and topic like $1",
                system.namespace + "%",
            )
        )
    finally:
        await conn.close()


async def _open_projection_transaction(system: System) -> str | None:
    conn = await system.infra.sql("analytics")
    try:
        row = await conn.fetchrow(
            "select left(query, 60) as q from pg_stat_activity "
            "where datname = 'analytics' and usename = 'analytics' and xact_start is not null "
            "and state <> 'idle' and query ilike '%rm\\_%' limit 1"
        )
        return None if row is None else str(row["q"])
    finally:
        await conn.close()


def _fault_plan(system: System) -> list[tuple[str, float, Callable[[], Awaitable[str]]]]:
    infra = system.infra

    async def broker_kill() -> str:
        killed = await infra.hook("kafka-kill")
        await asyncio.sleep(1.0)
        started = await infra.hook("kafka-start")
        return f"SIGKILL ({killed:.1f} s), down 1 s, start until ready ({started:.1f} s)"

    async def relay_kill() -> str:
        backlog = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            backlog = await _sessions_outbox_backlog(system)
            if backlog > 0:
                break
            await asyncio.sleep(0.02)
        worker = system.worker("sessions")
        worker.kill()
        await asyncio.sleep(1.0)
        worker.start()
        await worker.wait_live()
        return f"SIGKILL with {backlog} unsent outbox rows, restarted"

    async def analytics_kill() -> str:
        seen = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and seen is None:
            seen = await _open_projection_transaction(system)
            if seen is None:
                await asyncio.sleep(0.01)
        worker = system.worker("analytics")
        worker.kill()
        await asyncio.sleep(1.0)
        worker.start()
        await worker.wait_live()
        where = f"mid-batch (open transaction: {seen!r})" if seen else "no open batch seen in 20 s"
        return f"SIGKILL {where}, restarted"

    async def pg_restart() -> str:
        took = await infra.hook("pg-restart-immediate")
        return f"pg_ctl restart -m immediate until ready ({took:.1f} s)"

    async def broker_pause() -> str:
        await infra.hook("kafka-pause")
        await asyncio.sleep(5.0)
        resumed = await infra.hook("kafka-resume")
        return f"SIGSTOP 5 s, SIGCONT until ready ({resumed:.1f} s)"

    return [
        ("kafka-kill + kafka-start", 0.10, broker_kill),
        ("SIGKILL sessions worker (relay)", 0.25, relay_kill),
        ("SIGKILL analytics worker mid-batch", 0.40, analytics_kill),
        ("pg-restart-immediate", 0.55, pg_restart),
        ("kafka-pause 5 s + kafka-resume", 0.75, broker_pause),
    ]


async def _inject(system: System, load: Load, faults: list[Fault]) -> None:
    """Each fault when the load reaches its share; the load may not run more than 5 % past a
    fault that has not started (a slow broker start must not let the load finish first)."""
    plan = _fault_plan(system)
    load.limit = plan[0][1] + 0.05
    for i, (name, share, action) in enumerate(plan):
        while load.progress < share:  # noqa: ASYNC110 - the clients advance a plain counter
            await asyncio.sleep(0.05)
        load.limit = plan[i + 1][1] + 0.05 if i + 1 < len(plan) else 1.0
        at = load.progress
        started = time.monotonic()
        detail = await action()
        faults.append(Fault(name, at, started, time.monotonic(), detail))


async def _until_zero_lag(probe: LagProbe, timeout: float) -> tuple[float | None, dict[str, Any]]:
    """Seconds until one sample shows every group without lag and every outbox empty."""
    started = time.monotonic()
    last: dict[str, Any] = {}
    while time.monotonic() - started < timeout:
        try:
            lags = await probe.consumer_lag()
            backlog = await probe.outbox_backlog()
        except Exception as exc:  # the broker or Postgres still recovering: sample again
            last = {"error": repr(exc)}
        else:
            last = {"consumer_lag": lags, "outbox_backlog": backlog}
            if lags and not any(lags.values()) and not any(backlog.values()):
                return time.monotonic() - started, last
        await asyncio.sleep(0.5)
    return None, last


async def _wait_for(
    probe: Callable[[], Awaitable[int]], target: int, timeout: float
) -> tuple[int, float | None]:
    started = time.monotonic()
    value = -1
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):
            value = await probe()
            if value >= target:
                return value, time.monotonic() - started
        await asyncio.sleep(1.0)
    return value, None


async def run_chaos(
    system: System,
    ministries: list[Ministry],
    *,
    sessions: int,
    clients: int,
    load_seconds: float,
) -> dict[str, Any]:
    pairs = [p for m in ministries for p in m.pairs]
    tenants = [m.tenant for m in ministries]
    await register_webhooks(system, ministries, [SESSION_LOGGED])
    per_pair, extra = divmod(sessions, len(pairs))
    plan = [(p, n) for n in range(per_pair + 1) for p in pairs][:sessions]
    assert len(plan) == sessions, (len(plan), per_pair, extra)
    load = Load(total=sessions)
    pacer = Pacer(sessions / load_seconds)
    run_id = system.namespace
    now = datetime.now(UTC)
    faults: list[Fault] = []
    t0 = time.monotonic()
    injector = asyncio.create_task(_inject(system, load, faults))
    await asyncio.gather(
        *(_client(system, plan[c::clients], load, pacer, run_id, now) for c in range(clients))
    )
    load_end = time.monotonic()
    await injector
    last_fault_end = faults[-1].ended
    probe = LagProbe(system.infra, system.namespace)
    zero_after_load, lag_state = await _until_zero_lag(probe, timeout=300)
    zero_lag_at = time.monotonic() if zero_after_load is not None else None
    since_last_fault = None if zero_lag_at is None else zero_lag_at - last_fault_end
    # The load goes on after the last fault (it starts at 75 % of it), and lag cannot reach zero
    # while sessions are still being logged: this is the part of the figure after the load.
    since_load_end = None if zero_lag_at is None else zero_lag_at - load_end

    expected = len(load.sessions)
    # with no lag left, the effects are committed; the webhooks may still be on their way
    analytics_total, analytics_wait = await _wait_for(
        lambda: _analytics_total(system, tenants), expected, timeout=30
    )
    delivered_wait = await _wait_for(lambda: _delivered(system, tenants), expected, timeout=120)
    figures = await _verify(system, ministries, load)
    figures.update(
        {
            "tenants": len(ministries),
            "pairs": len(pairs),
            "clients": clients,
            "sessions requested": sessions,
            "load seconds": round(load_end - t0, 1),
            "http attempts": load.attempts,
            "http retries": load.retries,
            "idempotent replays": load.replayed,
            "http statuses": dict(load.statuses),
            "failed requests": len(load.failures),
            "failed request samples": load.failures[:5],
            "faults": [f.row(t0) for f in faults],
            "seconds from end of last fault to zero lag": None
            if since_last_fault is None
            else round(since_last_fault, 1),
            "seconds from end of load to zero lag": None
            if since_load_end is None
            else round(since_load_end, 1),
            "seconds of load after the last fault": round(load_end - last_fault_end, 1),
            "lag state at the end": lag_state,
            "analytics effects (API total)": analytics_total,
            "seconds until analytics complete": None
            if analytics_wait is None
            else round(analytics_wait, 1),
            "seconds until webhooks complete": None
            if delivered_wait[1] is None
            else round(delivered_wait[1], 1),
        }
    )
    return figures


async def _analytics_total(system: System, tenants: list[UUID]) -> int:
    total = 0
    for tenant in tenants:
        token = system.tokens.mint(tenant, "analyst", sub="reliability")
        figure = await system.platform.analytics.get("/api/v1/figures/sessions_logged", token=token)
        total += int(figure["value"]["value"] or 0)
    return total


async def _delivered(system: System, tenants: list[UUID]) -> int:
    wanted = {str(t) for t in tenants}
    return len(
        {
            str(e["id"])
            for e in system.receiver.accepted.values()
            if e.get("type") == SESSION_LOGGED and str(e.get("tenantid")) in wanted
        }
    )


async def _verify(system: System, ministries: list[Ministry], load: Load) -> dict[str, Any]:
    tenants = [m.tenant for m in ministries]
    our_pairs = {p.id for m in ministries for p in m.pairs}
    sessions_db = await system.infra.sql("sessions")
    try:
        rows = await sessions_db.fetch(
            "select session_id, pair_id from session where tenant_id = any($1::uuid[]) "
            "and status = 'logged'",
            tenants,
        )
    finally:
        await sessions_db.close()
    session_rows = {r["session_id"]: r["pair_id"] for r in rows}

    records = await read_topic(system.bootstrap, system.topic(topics.SESSIONS))
    wanted_tenants = {str(t) for t in tenants}
    logged_records = 0
    event_ids_of_session: dict[UUID, set[str]] = defaultdict(set)
    copies: Counter[str] = Counter()
    # per pair, in partition order: (offset, ce_id, sequence)
    per_pair: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for r in records:
        h = {k: (v.decode() if v is not None else "") for k, v in r.headers or ()}
        if h.get("ce_tenantid") not in wanted_tenants:
            continue
        data = json.loads(r.value)
        per_pair[h.get("ce_subject", "")].append((r.offset, h["ce_id"], int(data["sequence"])))
        if h.get("ce_type") != SESSION_LOGGED:
            continue
        logged_records += 1
        copies[h["ce_id"]] += 1
        event_ids_of_session[UUID(data["session_id"])].add(h["ce_id"])
    reorderings = 0
    gaps = 0
    for events in per_pair.values():
        events.sort()
        seen: set[str] = set()
        last = 0
        for _offset, ce_id, sequence in events:
            if ce_id in seen:
                continue
            seen.add(ce_id)
            if sequence <= last:
                reorderings += 1
            elif sequence != last + 1:
                gaps += 1
            last = max(last, sequence)

    analytics_db = await system.infra.sql("analytics")
    try:
        rm = await analytics_db.fetch(
            "select pair_id, sessions_logged from rm_pair where tenant_id = any($1::uuid[])",
            tenants,
        )
        metric = await analytics_db.fetchval(
            "select coalesce(sum(amount), 0) from rm_metric_month "
            "where tenant_id = any($1::uuid[]) and metric = 'sessions_logged'",
            tenants,
        )
    finally:
        await analytics_db.close()
    rows_per_pair = Counter(session_rows.values())
    analytics_per_pair = {
        r["pair_id"]: r["sessions_logged"] for r in rm if r["pair_id"] in our_pairs
    }
    pair_mismatches = sum(
        1 for p in our_pairs if analytics_per_pair.get(p, 0) != rows_per_pair.get(p, 0)
    )

    logged_event_ids = {e for ids in event_ids_of_session.values() for e in ids}
    delivered = set(system.receiver.event_ids(SESSION_LOGGED)) & logged_event_ids
    notifications_db = await system.infra.sql("notifications")
    try:
        delivery_rows = await notifications_db.fetchval(
            "select count(distinct cause_event_id) from delivery where channel = 'webhook' "
            "and status = 'sent' and tenant_id = any($1::uuid[]) and kind = $2",
            tenants,
            SESSION_LOGGED,
        )
    finally:
        await notifications_db.close()

    client_ids = set(load.sessions.values())
    return {
        "sessions acknowledged (distinct ids)": len(client_ids),
        "session rows": len(session_rows),
        "acknowledged without a row": len(client_ids - session_rows.keys()),
        "session_logged records in the topic": logged_records,
        "distinct session_logged events": len(copies),
        "duplicate records in the topic": sum(n - 1 for n in copies.values()),
        "lost events (row without event)": sum(
            1 for s in session_rows if not event_ids_of_session.get(s)
        ),
        "events without their session row": sum(
            1 for s in event_ids_of_session if s not in session_rows
        ),
        "sessions with two event ids": sum(
            1 for ids in event_ids_of_session.values() if len(ids) > 1
        ),
        "reorderings within a pair": reorderings,
        "sequence gaps within a pair": gaps,
        "analytics effects (read model)": int(metric),
        "analytics pairs whose count differs": pair_mismatches,
        "webhook events accepted (distinct)": len(delivered),
        "webhook repeats (same webhook-id)": system.receiver.repeats,
        "webhook deliveries sent (rows)": int(delivery_rows),
    }
