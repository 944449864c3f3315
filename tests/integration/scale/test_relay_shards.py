"""The outbox relay sharded by aggregate (MENTORING_RELAY_SHARDS): two relays split the shards by
advisory lock and together publish every event with each aggregate's order kept; when one stops,
the other takes its shards over and publishes the rest."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts import topics
from mentoring.kit.kafka import make_producer
from mentoring.kit.outbox import Outbox, shard_of
from mentoring.kit.relay import OutboxRelay, lock_key
from mentoring.kit.testing import eventually, read_topic
from tests.integration.scale.conftest import log_sessions

SHARDS = 2


class _Relays:
    """Relays of one database, each run as a task; stopped at the end of the test."""

    def __init__(self, engine: AsyncEngine, bootstrap: str, namespace: str) -> None:
        self.engine = engine
        self.namespace = namespace
        self.bootstrap = bootstrap
        self.tasks: dict[OutboxRelay, asyncio.Task[None]] = {}

    def start(self) -> OutboxRelay:
        relay = OutboxRelay(
            self.engine,
            lambda: make_producer(self.bootstrap, client_id="scale-test"),
            service="scale-test",
            namespace=self.namespace,
            shards=SHARDS,
            poll_seconds=0.05,
            balance_seconds=0.2,
        )
        self.tasks[relay] = asyncio.create_task(relay.run())
        return relay

    async def stop(self, relay: OutboxRelay) -> None:
        relay.stop()
        await asyncio.wait_for(self.tasks.pop(relay), 30)

    async def close(self) -> None:
        for relay in list(self.tasks):
            await self.stop(relay)


@pytest.fixture
async def relays(
    scratch_engine: AsyncEngine, kafka_bootstrap: str, topics_ready: str
) -> AsyncIterator[_Relays]:
    r = _Relays(scratch_engine, kafka_bootstrap, topics_ready)
    yield r
    await r.close()


async def _unsent(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        await conn.execute(text("select set_config('app.scope', 'system', true)"))
        return int(
            (
                await conn.execute(
                    text("select count(*) from outbox_message where sent_at is null")
                )
            ).scalar_one()
        )


async def _lock_holders(engine: AsyncEngine, namespace: str) -> dict[int, int]:
    """shard -> backend pid holding its advisory lock in this database (from pg_locks)."""
    holders: dict[int, int] = {}
    async with engine.connect() as conn:
        for shard in range(SHARDS):
            key = lock_key(shard, namespace)
            pid = (
                await conn.execute(
                    text(
                        "select pid from pg_locks where locktype = 'advisory' and granted "
                        "and mode = 'ExclusiveLock' and objsubid = 1 "
                        "and classid = cast(:hi as oid) and objid = cast(:lo as oid) "
                        "and database = (select oid from pg_database "
                        "                where datname = current_database())"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                )
            ).scalar_one_or_none()
            if pid is not None:
                holders[shard] = int(pid)
    return holders


async def _now(value: Callable[[], Any]) -> Any:
    return value()


def _split(a: OutboxRelay, b: OutboxRelay) -> bool:
    return (
        bool(a.held_shards and b.held_shards)
        and not (a.held_shards & b.held_shards)
        and (a.held_shards | b.held_shards) == set(range(SHARDS))
    )


def _order_per_pair(records: list[Any]) -> dict[str, list[int]]:
    """Each pair's sequences in the order its partition holds them (first copy of each)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        sequence = json.loads(record.value)["sequence"]
        seen = by_key[record.key.decode()]
        if sequence not in seen:
            seen.append(sequence)
    return by_key


async def test_two_relays_split_the_shards_and_one_takes_over_when_the_other_stops(
    scratch_engine: AsyncEngine, relays: _Relays, topics_ready: str, kafka_bootstrap: str
) -> None:
    namespace = topics_ready
    outbox = Outbox(shards=SHARDS, namespace=namespace)
    tenant = uuid4()
    pairs: list[UUID] = [uuid4() for _ in range(24)]
    assert {shard_of(str(p), SHARDS) for p in pairs} == set(range(SHARDS))

    first = relays.start()
    await eventually(
        lambda: _now(lambda: first.held_shards),
        until=lambda held: held == set(range(SHARDS)),
        what="a lone relay to hold every shard",
    )
    second = relays.start()
    await eventually(
        lambda: _now(lambda: _split(first, second)),
        until=bool,
        what="the two relays to split the shards",
    )
    holders = await _lock_holders(scratch_engine, namespace)
    assert set(holders) == set(range(SHARDS))
    assert len(set(holders.values())) == SHARDS, "each shard's lock on its own relay connection"

    written = await log_sessions(scratch_engine, outbox, tenant, pairs, rounds=4)
    await eventually(
        lambda: _unsent(scratch_engine), until=lambda n: n == 0, timeout=60, what="the backlog"
    )
    assert _split(first, second), "the split held while publishing"
    assert first.published > 0
    assert second.published > 0
    assert first.published + second.published >= written

    await relays.stop(first)
    await eventually(
        lambda: _now(lambda: second.held_shards),
        until=lambda held: held == set(range(SHARDS)),
        what="the second relay to take the first one's shards over",
    )
    before = second.published
    written += await log_sessions(scratch_engine, outbox, tenant, pairs, rounds=2)
    await eventually(
        lambda: _unsent(scratch_engine), until=lambda n: n == 0, timeout=60, what="the rest"
    )
    assert second.published - before == len(pairs) * 2

    records = await read_topic(
        kafka_bootstrap, namespace + topics.SESSIONS, expect=written, timeout=60
    )
    order = _order_per_pair(records)
    assert set(order) == {str(p) for p in pairs}
    for pair, sequences in order.items():
        assert sequences == [1, 2, 3, 4, 5, 6], f"pair {pair}: {sequences}"
