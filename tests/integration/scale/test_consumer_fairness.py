"""Fair sharing inside one worker: a ministry whose events are slow (here: blocked) takes at most
MENTORING_CONSUMER_MAX_PER_TENANT slots, and another ministry's events behind them on the same
partition are processed meanwhile, each pair's in order; the committed offset stays at the
lowest unfinished message until the slow ones finish."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from mentoring.contracts.events.sessions import SessionLogged
from mentoring.kit.consumer import ConsumerConfig, KafkaConsumerRuntime, Subscription
from mentoring.kit.envelope import Envelope, ce_headers, encode_data, to_kafka_headers
from mentoring.kit.kafka import ensure_topics, make_producer
from mentoring.kit.testing import eventually, unique

PER_TENANT = 2


@pytest.fixture
async def one_partition_topic(kafka_bootstrap: str, namespace: str) -> str:
    topic = f"{namespace}{unique('fair-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=1)
    return topic


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, client_id="scale-test-producer")
    await p.start()
    yield p
    await p.stop()


async def _send(
    producer: AIOKafkaProducer, topic: str, tenant: UUID, pair: UUID, sequence: int
) -> int:
    now = datetime.now(UTC)
    event = SessionLogged(
        tenant_id=tenant,
        sequence=sequence,
        occurred_at=now,
        pair_id=pair,
        programme_id=uuid4(),
        session_id=uuid4(),
        held_at=now,
        duration_minutes=60,
    )
    headers = to_kafka_headers(ce_headers(event, event_id=uuid4(), time=now))
    meta = await (
        await producer.send(topic, encode_data(event), key=str(pair).encode(), headers=headers)
    )
    return int(meta.offset)


async def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    meta = offsets.get(TopicPartition(topic, 0))
    return None if meta is None or meta.offset < 0 else int(meta.offset)


async def test_a_blocked_tenant_does_not_hold_up_another_tenant_on_the_same_partition(
    kafka_bootstrap: str, one_partition_topic: str, producer: AIOKafkaProducer
) -> None:
    topic = one_partition_topic
    slow, fast = uuid4(), uuid4()
    release = asyncio.Event()
    in_flight = {"now": 0, "most": 0}
    slow_started: list[UUID] = []
    slow_done: list[UUID] = []
    fast_done: dict[UUID, list[int]] = defaultdict(list)

    async def handle(envelope: Envelope) -> None:
        data = envelope.data
        assert isinstance(data, SessionLogged)
        if envelope.tenant_id == slow:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
            slow_started.append(data.pair_id)
            try:
                await release.wait()  # a ministry whose events cannot finish for now
            finally:
                in_flight["now"] -= 1
            slow_done.append(data.pair_id)
        else:
            fast_done[data.pair_id].append(data.sequence)

    group = unique("scale-fair-")
    runtime = KafkaConsumerRuntime(
        Subscription(name="fair", topics=[topic], handler=handle),
        ConsumerConfig(
            bootstrap=kafka_bootstrap,
            group_id=group,
            service="scale-test",
            max_concurrency=16,
            max_per_tenant=PER_TENANT,
            commit_interval_seconds=0.1,
        ),
        lambda: make_producer(kafka_bootstrap, client_id="scale-test-dlq"),
    )
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.assigned.wait(), 60)
        # The slow ministry's events first (one pair each), then the other ministry's behind
        # them on the same partition: five pairs, three sessions each.
        slow_pairs = [uuid4() for _ in range(6)]
        first_offset = None
        for pair in slow_pairs:
            offset = await _send(producer, topic, slow, pair, 1)
            first_offset = offset if first_offset is None else first_offset
        fast_pairs = [uuid4() for _ in range(5)]
        last_offset = 0
        for sequence in (1, 2, 3):
            for pair in fast_pairs:
                last_offset = await _send(producer, topic, fast, pair, sequence)

        await eventually(
            lambda: asyncio.sleep(0, sum(len(s) for s in fast_done.values())),
            until=lambda n: n == 3 * len(fast_pairs),
            timeout=30,
            what="the other ministry's events, while the slow one's are blocked",
        )
        assert dict(fast_done) == {p: [1, 2, 3] for p in fast_pairs}
        assert len(slow_started) == PER_TENANT
        assert in_flight["most"] == PER_TENANT
        assert slow_done == []
        # The offset committed stays at the slow ministry's first unfinished event.
        await asyncio.sleep(0.5)
        assert await _committed(kafka_bootstrap, group, topic) in (None, first_offset)

        release.set()
        await eventually(
            lambda: asyncio.sleep(0, len(slow_done)),
            until=lambda n: n == len(slow_pairs),
            timeout=30,
            what="the slow ministry's events once released",
        )
        assert sorted(slow_done) == sorted(slow_pairs)
        assert in_flight["most"] == PER_TENANT
        await eventually(
            lambda: _committed(kafka_bootstrap, group, topic),
            until=lambda offset: offset == last_offset + 1,
            timeout=30,
            what="the committed offset to reach the end",
        )
    finally:
        release.set()
        runtime.stop()
        await asyncio.wait_for(task, 60)
