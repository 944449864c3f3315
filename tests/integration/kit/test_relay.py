"""The outbox relay (DESIGN.md §3): no event is lost when the broker dies mid-stream, and a
transaction that commits after a later one is still published (a naive relay loses it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.db import session_factory, tenant_transaction
from mentoring.kit.envelope import to_kafka_headers
from mentoring.kit.kafka import make_producer
from mentoring.kit.outbox import Outbox
from mentoring.kit.relay import OutboxRelay
from mentoring.kit.testing import eventually, infra, read_topic
from tests.integration.kit.conftest import provision


async def _tenants_on_topic(bootstrap: str, topic: str, expect: int = 0) -> set[UUID]:
    records = await read_topic(bootstrap, topic, expect=expect, timeout=20)
    return {UUID(json.loads(r.value)["tenant_id"]) for r in records}


async def _unsent(engine: AsyncEngine, tenants: list[UUID]) -> int:
    async with engine.begin() as conn:
        await conn.execute(text("select set_config('app.scope', 'system', true)"))
        return int(
            (
                await conn.execute(
                    text(
                        "select count(*) from outbox_message "
                        "where sent_at is null and tenant_id = any(:t)"
                    ),
                    {"t": tenants},
                )
            ).scalar_one()
        )


async def test_broker_killed_and_restarted_while_publishing_loses_nothing(
    engine: AsyncEngine,
    outbox: Outbox,
    make_relay: Callable[..., OutboxRelay],
    kafka_bootstrap: str,
    namespace: str,
) -> None:
    relay = make_relay(send_timeout=8.0)
    relay_task = asyncio.create_task(relay.run())
    tenants: list[UUID] = []

    async def produce(n: int) -> None:
        for _ in range(n):
            tenants.append(await provision(engine, outbox))
            await asyncio.sleep(0.005)

    try:
        await produce(100)
        await eventually(lambda: _unsent(engine, tenants), until=lambda n: n == 0, what="flush")
        writer = asyncio.create_task(produce(200))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(infra, "kafka-kill")
        await asyncio.sleep(2.0)
        await asyncio.to_thread(infra, "kafka-start")
        await writer
        await eventually(
            lambda: _unsent(engine, tenants),
            until=lambda n: n == 0,
            timeout=120,
            what="the backlog to drain after the broker restart",
        )
    finally:
        relay.stop()
        await relay_task
    published = await _tenants_on_topic(kafka_bootstrap, namespace + topics.MATCHING, 300)
    assert len(tenants) == 300
    assert set(tenants) <= published, f"lost: {len(set(tenants) - published)}"


async def _late_commit_scenario(
    engine: AsyncEngine, outbox: Outbox, run_relay: Callable[[], Any], bootstrap: str, topic: str
) -> set[UUID]:
    """T1 takes an outbox position, T2 takes a later one and commits; T1 commits 2 s later.
    Returns the tenants of T1/T2 that never reached the topic."""
    early, late = uuid4(), uuid4()
    sessions = session_factory(engine)
    stop = await run_relay()
    try:
        t1_ready = asyncio.Event()

        async def slow_transaction() -> None:
            async with tenant_transaction(sessions, early) as session:
                await outbox.append(
                    session, TenantProvisioned, tenant_id=early, name="Wcześniej", slug=f"e-{early}"
                )
                t1_ready.set()
                await asyncio.sleep(2.0)

        slow = asyncio.create_task(slow_transaction())
        await t1_ready.wait()
        await provision(engine, outbox, late)
        await slow
        await asyncio.sleep(3.0)  # ample time for any relay to pick up the late commit
    finally:
        await stop()
    return {early, late} - await _tenants_on_topic(bootstrap, topic)


class _NaiveRelay:
    """The negative control: publishes rows 'above the last position sent'."""

    def __init__(self, engine: AsyncEngine, bootstrap: str, tenants_prefix: str) -> None:
        self.engine = engine
        self.bootstrap = bootstrap
        self.prefix = tenants_prefix
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        producer = make_producer(self.bootstrap, client_id="naive")
        await producer.start()
        async with self.engine.begin() as conn:
            await conn.execute(text("select set_config('app.scope', 'system', true)"))
            last = (
                await conn.execute(text("select coalesce(max(position), 0) from outbox_message"))
            ).scalar_one()
        try:
            while not self.stopping.is_set():
                async with self.engine.begin() as conn:
                    await conn.execute(text("select set_config('app.scope', 'system', true)"))
                    rows = (
                        await conn.execute(
                            text(
                                "select position, topic, key, headers, payload::text as payload "
                                "from outbox_message where position > :last and topic like :ns "
                                "order by position"
                            ),
                            {"last": last, "ns": self.prefix + "%"},
                        )
                    ).all()
                for row in rows:
                    await (
                        await producer.send(
                            row.topic,
                            value=row.payload.encode(),
                            key=row.key.encode(),
                            headers=to_kafka_headers(row.headers),
                        )
                    )
                    last = row.position
                await asyncio.sleep(0.05)
        finally:
            await producer.stop()


async def test_late_commit_is_published(
    engine: AsyncEngine,
    outbox: Outbox,
    make_relay: Callable[..., OutboxRelay],
    kafka_bootstrap: str,
    namespace: str,
) -> None:
    async def run_relay() -> Callable[[], Any]:
        relay = make_relay()
        task = asyncio.create_task(relay.run())

        async def stop() -> None:
            relay.stop()
            await task

        return stop

    missing = await _late_commit_scenario(
        engine, outbox, run_relay, kafka_bootstrap, namespace + topics.MATCHING
    )
    assert missing == set()


async def test_negative_control_naive_relay_loses_the_late_commit(
    engine: AsyncEngine, kafka_bootstrap: str, kafka_namespace_2: str
) -> None:
    """The same scenario with 'position > last sent' loses the early transaction's event."""
    outbox = Outbox(namespace=kafka_namespace_2)

    async def run_relay() -> Callable[[], Any]:
        naive = _NaiveRelay(engine, kafka_bootstrap, kafka_namespace_2)
        task = asyncio.create_task(naive.run())
        await asyncio.sleep(0.2)

        async def stop() -> None:
            naive.stopping.set()
            await task

        return stop

    missing = await _late_commit_scenario(
        engine, outbox, run_relay, kafka_bootstrap, kafka_namespace_2 + topics.MATCHING
    )
    assert len(missing) == 1, "the naive relay should have skipped the late-committing row"
    # Clean up: mark the control's rows sent so no real relay publishes them later.
    async with engine.begin() as conn:
        await conn.execute(text("select set_config('app.scope', 'system', true)"))
        await conn.execute(
            text("update outbox_message set sent_at = now() where topic like :ns"),
            {"ns": kafka_namespace_2 + "%"},
        )


async def test_a_relay_publishes_only_its_own_namespace_and_is_not_blocked_by_another(
    engine: AsyncEngine,
    outbox: Outbox,
    make_relay: Callable[..., OutboxRelay],
    kafka_bootstrap: str,
    topics_ready: str,
) -> None:
    """Rows of another namespace whose topic does not exist (a deleted staging copy) stay unsent
    and never hold up this namespace's rows in the same shard."""
    ghost = Outbox(namespace=f"ghost{uuid4().hex[:8]}.")
    stranded = await provision(engine, ghost)
    ours = await provision(engine, outbox)
    relay = make_relay(send_timeout=5.0)
    relay_task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _unsent(engine, [ours]), until=lambda n: n == 0, what="ours")
        assert ours in await _tenants_on_topic(
            kafka_bootstrap, topics_ready + topics.MATCHING, expect=1
        )
        assert relay.producer_rebuilds == 0, "never tried the other namespace's missing topic"
        assert await _unsent(engine, [stranded]) == 1, "the other namespace's row is left alone"
    finally:
        relay.stop()
        await relay_task
        async with engine.begin() as conn:
            await conn.execute(text("select set_config('app.scope', 'system', true)"))
            await conn.execute(
                text("delete from outbox_message where tenant_id = :t"), {"t": stranded}
            )
