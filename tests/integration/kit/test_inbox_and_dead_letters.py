"""The consumer side (DESIGN.md §3): a duplicate delivery has one effect; a schema-invalid message
goes to the dead-letter topic with its origin and error and the partition moves on; a handler that
fails transiently succeeds after retries; one that keeps failing is dead-lettered after them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.consumer import ConsumerConfig, KafkaConsumerRuntime, Subscription
from mentoring.kit.db import session_factory, tenant_transaction
from mentoring.kit.envelope import Envelope, ce_headers, encode_data, to_kafka_headers
from mentoring.kit.inbox import Inbox
from mentoring.kit.kafka import ensure_topics, make_producer
from mentoring.kit.testing import eventually, read_topic, unique

EFFECT_TABLE = "kit_test_effect"


@pytest.fixture
async def effects(admin_db: Callable[[str], Any]) -> asyncpg.Connection:
    """A test-only effect log in the matching database (no tenant data, so no RLS)."""
    db = await admin_db("matching")
    async with db.transaction():
        await db.execute("set local role matching_owner")
        await db.execute(
            f"create table if not exists {EFFECT_TABLE} "
            "(id bigserial primary key, consumer text not null, event_id uuid not null)"
        )
        await db.execute(f"grant select, insert on {EFFECT_TABLE} to matching")
        await db.execute(f"grant usage on sequence {EFFECT_TABLE}_id_seq to matching")
    return db


@pytest.fixture
async def fresh_topic(kafka_bootstrap: str, namespace: str) -> str:
    """A topic (and its dead-letter topic) of this test alone: a new group reads it from 0."""
    topic = f"{namespace}{unique('kit-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=3)
    return topic


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, client_id="kit-test-producer")
    await p.start()
    yield p
    await p.stop()


def _event(tenant: UUID | None = None) -> tuple[TenantProvisioned, list[tuple[str, bytes]]]:
    tenant = tenant or uuid4()
    event = TenantProvisioned(
        tenant_id=tenant,
        sequence=1,
        occurred_at=datetime.now(UTC),
        name="Ministerstwo Rolnictwa",
        slug=f"r-{tenant}",
    )
    return event, to_kafka_headers(ce_headers(event, event_id=uuid4(), time=event.occurred_at))


def _runtime(kafka_bootstrap: str, topic: str, **handlers: Any) -> KafkaConsumerRuntime:
    return KafkaConsumerRuntime(
        Subscription(name=unique("sub"), topics=[topic], **handlers),
        ConsumerConfig(
            bootstrap=kafka_bootstrap,
            group_id=unique("kit-test-group-"),
            service="kit-test",
            max_attempts=4,
            retry_base_seconds=0.05,
        ),
        lambda: make_producer(kafka_bootstrap, client_id="kit-test-dlq"),
    )


async def _run(runtime: KafkaConsumerRuntime, body: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.assigned.wait(), 60)
        await body()
    finally:
        runtime.stop()
        await asyncio.wait_for(task, 60)


def _recording_handler(engine: AsyncEngine, consumer: str, *, use_inbox: bool) -> Any:
    sessions = session_factory(engine)
    inbox = Inbox(consumer)

    async def handle(envelope: Envelope) -> None:
        async with tenant_transaction(sessions, envelope.tenant_id) as session:
            if use_inbox and not await inbox.claim(session, envelope):
                return
            await session.execute(
                text(f"insert into {EFFECT_TABLE} (consumer, event_id) values (:c, :e)"),
                {"c": consumer, "e": envelope.id},
            )

    return handle


async def _effects(db: asyncpg.Connection, consumer: str) -> int:
    return int(
        await db.fetchval(f"select count(*) from {EFFECT_TABLE} where consumer = $1", consumer)
    )


@pytest.mark.parametrize("use_inbox", [True, False], ids=["with-inbox", "negative-control"])
async def test_a_duplicate_delivery_has_one_effect(
    use_inbox: bool,
    engine: AsyncEngine,
    effects: asyncpg.Connection,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    fresh_topic: str,
) -> None:
    topic = fresh_topic
    consumer = unique("effects-")
    runtime = _runtime(
        kafka_bootstrap, topic, handler=_recording_handler(engine, consumer, use_inbox=use_inbox)
    )
    event, headers = _event()

    async def body() -> None:
        for _ in range(2):  # the same record, delivered twice
            await (
                await producer.send(
                    topic, encode_data(event), key=event.subject.encode(), headers=headers
                )
            )
        marker, marker_headers = _event()
        await (
            await producer.send(
                topic, encode_data(marker), key=event.subject.encode(), headers=marker_headers
            )
        )
        # Both copies and the marker behind them (same key, same partition) are handled in order.
        await eventually(
            lambda: _effects(effects, consumer), until=lambda n: n >= (2 if use_inbox else 3)
        )
        await asyncio.sleep(0.5)

    await _run(runtime, body)
    assert await _effects(effects, consumer) == (2 if use_inbox else 3)


async def test_schema_invalid_goes_to_dead_letters_and_the_partition_moves_on(
    engine: AsyncEngine,
    effects: asyncpg.Connection,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    fresh_topic: str,
) -> None:
    topic = fresh_topic
    consumer = unique("dlq-")
    runtime = _runtime(
        kafka_bootstrap, topic, handler=_recording_handler(engine, consumer, use_inbox=True)
    )
    good, good_headers = _event()
    bad_value = json.dumps({"tenant_id": str(good.tenant_id), "name": 7}).encode()
    key = b"same-key"

    async def body() -> None:
        meta = await (await producer.send(topic, bad_value, key=key, headers=good_headers))
        await (
            await producer.send(
                topic, encode_data(good), key=key, headers=_event(good.tenant_id)[1]
            )
        )
        await eventually(
            lambda: _effects(effects, consumer), until=lambda n: n == 1, what="the good event"
        )
        letters = await read_topic(kafka_bootstrap, topic + ".dlq", expect=1)
        mine = [
            r
            for r in letters
            if dict(r.headers).get("dlq_original_offset") == str(meta.offset).encode()
            and dict(r.headers).get("dlq_original_partition") == str(meta.partition).encode()
        ]
        assert len(mine) == 1
        h = {k: v.decode() for k, v in mine[0].headers}
        assert h["dlq_original_topic"] == topic
        assert "schema-invalid" in h["dlq_error"]
        assert h["dlq_attempts"] == "0"
        assert mine[0].value == bad_value

    await _run(runtime, body)


async def test_transient_failures_are_retried_permanent_ones_dead_lettered(
    producer: AIOKafkaProducer, kafka_bootstrap: str, fresh_topic: str
) -> None:
    topic = fresh_topic
    attempts: dict[UUID, int] = {}
    done: list[UUID] = []
    flaky, flaky_headers = _event()
    broken, broken_headers = _event()

    async def handle(envelope: Envelope) -> None:
        attempts[envelope.tenant_id] = attempts.get(envelope.tenant_id, 0) + 1
        if envelope.tenant_id == flaky.tenant_id and attempts[envelope.tenant_id] <= 2:
            raise ConnectionError("the downstream is briefly unavailable")
        if envelope.tenant_id == broken.tenant_id:
            raise ValueError("this event can never be processed")
        done.append(envelope.tenant_id)

    runtime = _runtime(kafka_bootstrap, topic, handler=handle)

    async def body() -> None:
        await (await producer.send(topic, encode_data(flaky), key=b"flaky", headers=flaky_headers))
        meta = await (
            await producer.send(topic, encode_data(broken), key=b"broken", headers=broken_headers)
        )
        await eventually(lambda: _ready(done, runtime), what="retries to finish")
        letters = await read_topic(kafka_bootstrap, topic + ".dlq")
        mine = [
            r
            for r in letters
            if dict(r.headers).get("dlq_original_offset") == str(meta.offset).encode()
            and dict(r.headers).get("dlq_original_partition") == str(meta.partition).encode()
        ]
        assert len(mine) == 1
        assert dict(mine[0].headers)["dlq_attempts"] == b"4"
        assert b"can never be processed" in dict(mine[0].headers)["dlq_error"]

    await _run(runtime, body)
    assert done == [flaky.tenant_id]
    assert attempts[flaky.tenant_id] == 3
    assert attempts[broken.tenant_id] == 4


async def _ready(done: list[UUID], runtime: KafkaConsumerRuntime) -> bool:
    return bool(done) and runtime.dead_lettered >= 1


@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "ignored-by-default"])
async def test_injected_transient_faults_are_retried(
    enabled: bool, producer: AIOKafkaProducer, kafka_bootstrap: str, fresh_topic: str
) -> None:
    """The chaos tests' seam: `mentoring-fault-transient: N` fails the first N attempts, only where
    the deployment enables fault injection."""
    calls: list[UUID] = []

    async def handle(envelope: Envelope) -> None:
        calls.append(envelope.id)

    runtime = _runtime(kafka_bootstrap, fresh_topic, handler=handle)
    runtime.cfg.fault_injection = enabled
    event, headers = _event()

    async def body() -> None:
        await (
            await producer.send(
                fresh_topic,
                encode_data(event),
                key=b"k",
                headers=[*headers, ("mentoring-fault-transient", b"2")],
            )
        )
        await eventually(lambda: _ready_calls(calls), what="the event to be handled")

    await _run(runtime, body)
    assert len(calls) == 1
    assert runtime.dead_lettered == 0
    assert runtime.retries == (2 if enabled else 0)


async def _ready_calls(calls: list[UUID]) -> bool:
    return bool(calls)
