"""Poison messages: schema-invalid and transiently failing events among valid ones on the
sessions topic, produced straight onto the topic as any producer could.

`invalid` events have valid CloudEvents headers and a body that breaks the schema of their type:
every consumer group of the topic must dead-letter exactly those, at once. `transient` events are
valid and carry `mentoring-fault-transient: 2` (the workers run with MENTORING_FAULT_INJECTION):
their first two attempts fail, then they are processed. Committed offsets of every partition are
sampled each second: a partition with lag whose committed offset does not move is stalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from aiokafka import TopicPartition

from mentoring.contracts import topics
from mentoring.contracts.events.sessions import SessionLogged
from mentoring.kit.consumer import FAULT_HEADER
from mentoring.kit.envelope import ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import make_producer
from tests.reliability.chaos import SESSION_LOGGED, register_webhooks
from tests.reliability.harness import LagProbe, System, read_topic
from tests.reliability.population import Ministry

STALL_BOUND_SECONDS = 10.0  # the acceptance figure
TRANSIENT_FAILURES = 2


def _events(
    tenant: UUID, programme: UUID, count: int, invalid: int, transient: int, pairs: int, seed: int
) -> tuple[list[tuple[bytes, bytes, list[tuple[str, bytes]]]], set[str], set[str], dict[UUID, int]]:
    """(key, value, headers) in production order, the invalid and transient event ids, and how
    many valid events each pair has."""
    rng = random.Random(seed)
    kinds = (
        ["invalid"] * invalid
        + ["transient"] * transient
        + ["valid"] * (count - invalid - transient)
    )
    rng.shuffle(kinds)
    pair_ids = [uuid4() for _ in range(pairs)]
    sequence: dict[UUID, int] = defaultdict(int)
    out = []
    invalid_ids: set[str] = set()
    transient_ids: set[str] = set()
    now = datetime.now(UTC)
    for i, kind in enumerate(kinds):
        pair = pair_ids[i % pairs]
        if kind != "invalid":
            sequence[pair] += 1
        event = SessionLogged(
            tenant_id=tenant,
            sequence=max(1, sequence[pair]),
            occurred_at=now,
            pair_id=pair,
            programme_id=programme,
            session_id=uuid4(),
            held_at=now - timedelta(hours=1 + i % 48),
            duration_minutes=45,
        )
        event_id = uuid4()
        headers = to_kafka_headers(ce_headers(event, event_id=event_id, time=now))
        value = encode_data(event)
        if kind == "invalid":
            body = json.loads(value)
            body["duration_minutes"] = "three quarters of an hour"
            del body["session_id"]
            value = json.dumps(body).encode()
            invalid_ids.add(str(event_id))
        elif kind == "transient":
            headers.append((FAULT_HEADER, str(TRANSIENT_FAILURES).encode()))
            transient_ids.add(str(event_id))
        out.append((str(pair).encode(), value, headers))
    return out, invalid_ids, transient_ids, dict(sequence)


class StallMeter:
    """Samples committed offsets each second; the longest time any partition with lag kept the
    same committed offset, per consumer group."""

    def __init__(self, probe: LagProbe, topic: str) -> None:
        self.probe = probe
        self.topic = topic
        self.since: dict[tuple[str, TopicPartition], tuple[int, float]] = {}
        self.longest: dict[str, float] = defaultdict(float)
        self.samples = 0
        self.errors = 0

    def observe(
        self, offsets: dict[str, dict[TopicPartition, tuple[int, int]]], now: float
    ) -> None:
        for group, parts in offsets.items():
            for tp, (committed, end) in parts.items():
                if tp.topic != self.topic:
                    continue
                key = (group, tp)
                prev = self.since.get(key)
                if prev is None or prev[0] != committed or committed >= end:
                    self.since[key] = (committed, now)
                    self.longest[group] = max(self.longest[group], 0.0)
                else:
                    self.longest[group] = max(self.longest[group], now - prev[1])

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                offsets = await self.probe.group_offsets()
            except Exception:
                self.errors += 1
            else:
                self.samples += 1
                self.observe(offsets, time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)


async def run_poison(
    system: System,
    ministry: Ministry,
    *,
    events: int,
    invalid: int,
    transient: int,
    pairs: int = 100,
    seed: int = 7,
) -> dict[str, Any]:
    topic = system.topic(topics.SESSIONS)
    await register_webhooks(system, [ministry], [SESSION_LOGGED])
    produced, invalid_ids, transient_ids, per_pair = _events(
        ministry.tenant, ministry.programme, events, invalid, transient, pairs, seed
    )
    valid_count = events - invalid
    retries_before = await _retries(system)
    probe = LagProbe(system.infra, system.namespace)
    meter = StallMeter(probe, topic)
    stop = asyncio.Event()
    sampler = asyncio.create_task(meter.run(stop))
    started = time.monotonic()
    producer = make_producer(system.bootstrap, client_id="reliability-poison")
    await producer.start()
    try:
        futures = [
            await producer.send(topic, key=key, value=value, headers=headers)
            for key, value, headers in produced
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    produced_in = time.monotonic() - started
    groups = [f"{system.namespace}{g}" for g in SESSIONS_TOPIC_GROUPS]

    async def caught_up() -> bool:
        offsets = await probe.group_offsets()
        for g in groups:
            parts = [v for tp, v in offsets.get(g, {}).items() if tp.topic == topic]
            if not parts or any(c < e for c, e in parts):
                return False
        return True

    drained = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and drained is None:
        with contextlib.suppress(Exception):  # the broker answers again at the next sample
            if await caught_up():
                drained = time.monotonic() - started
        await asyncio.sleep(0 if drained is not None else 1.0)
    stop.set()
    await sampler

    letters = await read_topic(system.bootstrap, topics.dead_letter_topic(topic))
    by_group: dict[str, set[str]] = defaultdict(set)
    letter_records: dict[str, int] = defaultdict(int)
    for r in letters:
        h = {k: (v.decode() if v is not None else "") for k, v in r.headers or ()}
        if h.get("ce_tenantid") != str(ministry.tenant):
            continue
        group = h.get("dlq_consumer_group", "?").removeprefix(system.namespace)
        by_group[group].add(h.get("ce_id", ""))
        letter_records[group] += 1

    analytics = await system.infra.sql("analytics")
    try:
        counted = await analytics.fetch(
            "select pair_id, sessions_logged from rm_pair where tenant_id = $1", ministry.tenant
        )
    finally:
        await analytics.close()
    counted_per_pair = {r["pair_id"]: r["sessions_logged"] for r in counted}
    analytics_total = sum(counted_per_pair.get(p, 0) for p in per_pair)
    analytics_mismatch = sum(1 for p, n in per_pair.items() if counted_per_pair.get(p, 0) != n)

    webhook_path = f"/hooks/{ministry.tenant}"
    valid_ids = {dict(h)["ce_id"].decode() for _k, _v, h in produced} - invalid_ids

    async def delivered() -> int:
        return len(
            {str(system.receiver.accepted[w]["id"]) for w in system.receiver.by_path[webhook_path]}
            & valid_ids
        )

    deliveries = await delivered()
    deadline = time.monotonic() + 300
    while deliveries < len(valid_ids) and time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        deliveries = await delivered()
    wrongly_delivered = len(
        {str(system.receiver.accepted[w]["id"]) for w in system.receiver.by_path[webhook_path]}
        & invalid_ids
    )
    retries_after = await _retries(system)

    figures: dict[str, Any] = {
        "events produced": events,
        "schema-invalid": invalid,
        "transient (fault header, 2 failures each)": transient,
        "pairs (keys)": pairs,
        "seconds to produce": round(produced_in, 1),
        "seconds until every group caught up": None if drained is None else round(drained, 1),
        "offset samples": meter.samples,
        "longest stall of a partition with lag, s (per group)": {
            g.removeprefix(system.namespace): round(v, 1)
            for g, v in meter.longest.items()
            if g in groups
        },
        "analytics: valid events applied": analytics_total,
        "analytics: pairs whose count differs": analytics_mismatch,
        "notifications: valid events delivered by webhook": deliveries,
        "notifications: invalid events delivered": wrongly_delivered,
        "handler retries during the run (per worker)": {
            s: retries_after.get(s, 0) - retries_before.get(s, 0) for s in retries_after
        },
    }
    for g in SESSIONS_TOPIC_GROUPS:
        ids = by_group.get(g, set())
        figures[f"dead letters of {g}"] = len(ids)
        figures[f"dead letters of {g}: exactly the invalid ones"] = ids == invalid_ids
        figures[f"dead letters of {g}: transient ones"] = len(ids & transient_ids)
        figures[f"dead-letter records of {g} (with repeats)"] = letter_records.get(g, 0)
    figures["valid events"] = valid_count
    return figures


# The consumer groups (without the namespace) that read mentoring.sessions.
SESSIONS_TOPIC_GROUPS = (
    "matching.feedback",
    "notifications.events",
    "analytics.projection-sessions",
)


async def _retries(system: System) -> dict[str, int]:
    out = {}
    for service in ("matching", "notifications", "analytics"):
        try:
            health = await system.worker(service).health()
            out[service] = sum(int(c["retries"]) for c in health["consumers"])
        except Exception:
            out[service] = 0
    return out
