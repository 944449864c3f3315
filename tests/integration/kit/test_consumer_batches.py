"""Consumer fixes the reliability proof (tests/reliability) needed, against the real broker:
a failing batch (projections, the notifications event path) is split in halves instead of being
replayed event by event, keeps per-key order, and honours the fault-injection header; a database
outage longer than the retries does not dead-letter healthy events."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.consumer import (
    FAULT_HEADER,
    ConsumerConfig,
    KafkaConsumerRuntime,
    Subscription,
)
from mentoring.kit.envelope import Envelope, ce_headers, encode_data, to_kafka_headers
from mentoring.kit.errors import unavailable
from mentoring.kit.kafka import ensure_topics, make_producer
from mentoring.kit.testing import eventually, unique

pytestmark = pytest.mark.integration

EVENTS = 240
KEYS = 6


class Handler:
    """A batch handler that fails a call holding a 'bad' event the first `failures` times that
    event is seen; records what each successful call applied."""

    def __init__(self, bad: set[UUID], failures: int) -> None:
        self.bad = bad
        self.failures = failures
        self.seen: dict[UUID, int] = defaultdict(int)
        self.calls = 0
        self.applied: list[Envelope] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, batch: list[Envelope]) -> None:
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.02)  # a statement's round trip: lets another call start
            self._apply(batch)
        finally:
            self.in_flight -= 1

    def _apply(self, batch: list[Envelope]) -> None:
        failing = False
        for env in batch:
            if env.id in self.bad:
                self.seen[env.id] += 1
                failing |= self.seen[env.id] <= self.failures
        if failing:
            raise RuntimeError("a transient failure")
        self.applied.extend(batch)


async def _produce(bootstrap: str, topic: str, headers_for: Any) -> list[tuple[str, UUID]]:
    producer = make_producer(bootstrap, client_id="kit-batch-test")
    await producer.start()
    sent: list[tuple[str, UUID]] = []
    try:
        tenant = uuid4()
        for i in range(EVENTS):
            event = TenantProvisioned(
                tenant_id=tenant,
                sequence=i + 1,
                occurred_at=datetime.now(UTC),
                name="Ministerstwo",
                slug=f"s{i}",
            )
            event_id = uuid4()
            headers = to_kafka_headers(ce_headers(event, event_id=event_id, time=event.occurred_at))
            headers += headers_for(i)
            key = f"key-{i % KEYS}"
            await producer.send(topic, encode_data(event), key=key.encode(), headers=headers)
            sent.append((key, event_id))
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _consume(
    bootstrap: str, topic: str, handler: Handler, *, injection: bool, batch_partitions: int = 1
) -> Any:
    runtime = KafkaConsumerRuntime(
        Subscription(
            name=unique("batch"),
            topics=[topic],
            batch_handler=handler,
            max_batch=500,
            batch_partitions=batch_partitions,
        ),
        ConsumerConfig(
            bootstrap=bootstrap,
            group_id=unique("kit-batch-"),
            service="kit-test",
            retry_base_seconds=0.05,
            fault_injection=injection,
        ),
        lambda: make_producer(bootstrap, client_id="kit-batch-dlq"),
    )
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.assigned.wait(), 60)
        await eventually(
            lambda: asyncio.sleep(0, len({e.id for e in handler.applied})),
            until=lambda n: n >= EVENTS,
            timeout=60,
            what="every event applied",
        )
    finally:
        runtime.stop()
        await asyncio.wait_for(task, 60)
    return runtime


def _in_key_order(sent: list[tuple[str, UUID]], applied: list[Envelope]) -> bool:
    key_of = {event_id: key for key, event_id in sent}
    expected: dict[str, list[UUID]] = defaultdict(list)
    for key, event_id in sent:
        expected[key].append(event_id)
    got: dict[str, list[UUID]] = defaultdict(list)
    for env in applied:
        got[key_of[env.id]].append(env.id)
    return got == expected


async def test_a_failing_batch_is_split_in_halves_in_order(
    kafka_bootstrap: str, namespace: str
) -> None:
    topic = f"{namespace}{unique('batch-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=1)
    sent = await _produce(kafka_bootstrap, topic, lambda _i: [])
    bad = {sent[37][1], sent[191][1]}
    handler = Handler(bad, failures=2)
    await _consume(kafka_bootstrap, topic, handler, injection=False)

    assert len(handler.applied) == EVENTS  # each event applied once: no duplicates, no losses
    assert _in_key_order(sent, handler.applied)
    assert handler.most_in_flight == 1  # one partition: one batch at a time
    # one-by-one replay would take a call per event; halving takes about 2 log2(n) per bad one
    assert handler.calls <= 2 * len(bad) * (2 * math.ceil(math.log2(EVENTS)) + 2)


async def test_partitions_of_a_fetch_are_handled_side_by_side_each_in_order(
    kafka_bootstrap: str, namespace: str
) -> None:
    """`batch_partitions=2`: two partitions' batches at once (never more), every event applied
    once, each key in order - also when a failing batch is split in halves meanwhile."""
    topic = f"{namespace}{unique('batch-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=4)
    sent = await _produce(kafka_bootstrap, topic, lambda _i: [])
    handler = Handler({sent[77][1]}, failures=1)
    await _consume(kafka_bootstrap, topic, handler, injection=False, batch_partitions=2)

    assert len(handler.applied) == EVENTS
    assert len({e.id for e in handler.applied}) == EVENTS
    assert _in_key_order(sent, handler.applied)
    assert handler.most_in_flight == 2


async def test_the_fault_header_fails_the_batches_holding_it(
    kafka_bootstrap: str, namespace: str
) -> None:
    topic = f"{namespace}{unique('batch-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=1)
    marked = {11, 120, 200}
    sent = await _produce(
        kafka_bootstrap, topic, lambda i: [(FAULT_HEADER, b"2")] if i in marked else []
    )
    handler = Handler(set(), failures=0)
    runtime = await _consume(kafka_bootstrap, topic, handler, injection=True)

    assert len(handler.applied) == EVENTS
    assert _in_key_order(sent, handler.applied)
    assert runtime.retries >= 2  # the marked events' batches failed, then they were processed
    assert runtime.dead_lettered == 0


def test_unavailable_tells_an_outage_from_a_bad_message() -> None:
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    starting = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    wrapped = DBAPIError("select 1", {}, starting)
    wrapped.__cause__ = starting
    assert unavailable(wrapped)
    assert unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert not unavailable(ValueError("schema-invalid"))
    assert not unavailable(RuntimeError("a handler bug"))


async def test_an_outage_longer_than_the_retries_dead_letters_nothing(
    kafka_bootstrap: str, namespace: str
) -> None:
    topic = f"{namespace}{unique('outage-')}"
    await ensure_topics(kafka_bootstrap, [topic, topic + ".dlq"], partitions=1)
    sent = await _produce(kafka_bootstrap, topic, lambda _i: [])
    down = {"calls": 0}
    applied: list[UUID] = []

    async def handler(env: Envelope) -> None:
        down["calls"] += 1
        if down["calls"] <= 12:  # four times the attempts the runtime allows a bad message
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        applied.append(env.id)

    runtime = KafkaConsumerRuntime(
        Subscription(name=unique("outage"), topics=[topic], handler=handler),
        ConsumerConfig(
            bootstrap=kafka_bootstrap,
            group_id=unique("kit-outage-"),
            service="kit-test",
            max_attempts=3,
            retry_base_seconds=0.01,
        ),
        lambda: make_producer(kafka_bootstrap, client_id="kit-outage-dlq"),
    )
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.assigned.wait(), 60)
        await eventually(
            lambda: asyncio.sleep(0, len(set(applied))),
            until=lambda n: n >= EVENTS,
            timeout=60,
            what="every event applied after the outage",
        )
    finally:
        runtime.stop()
        await asyncio.wait_for(task, 60)
    assert runtime.dead_lettered == 0
    assert sorted(map(str, applied)) == sorted(str(e) for _k, e in sent)
