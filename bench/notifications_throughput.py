"""Benchmark: events per second from the topic to recorded in-app notifications, against raw
aiokafka consumption of the same events, in the same run on the same broker.

  raw     aiokafka: a fresh consumer group reads the backlog and decodes every record with the
          kit's CloudEvents decoder (headers, JSON, schema validation) - and does nothing else
  worker  the notifications worker (its consumer runtime, inbox claims, read models, the rules,
          one in-app notification per recipient with its `notification_sent` in the outbox and
          the queued e-mail, all committed) reading the same backlog

The events are `matching.pair_created.v1` for one tenant whose programme has a coordinator and
whose people have contacts, so each event records three notifications (mentor, mentee,
coordinator). E-mail sending is switched off for the measurement (the e-mails stay queued); the
outbox relay runs as it does in production. Prints both rates and their ratio (target >= 0.25).

Needs the local infrastructure: eval "$(bash deploy/local/infra.sh env)".
Usage: uv run python bench/notifications_throughput.py [--quick] [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching
from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.envelope import ce_headers, decode, encode_data, to_kafka_headers
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.migrate import upgrade
from mentoring.kit.testing import delete_topics, running
from mentoring.notifications.bootstrap import MIGRATIONS, build_worker
from mentoring.notifications.config import NotificationsSettings

PARTITIONS = 6


def _event(cls: type[EventData], tenant: uuid.UUID, **fields: Any) -> EventData:
    return cls(tenant_id=tenant, sequence=1, occurred_at=datetime.now(UTC), **fields)


async def _produce(
    producer: AIOKafkaProducer, topic: str, events: list[EventData]
) -> dict[int, EventData]:
    """Publish in order; returns the last event written to each partition."""
    futures = []
    for event in events:
        headers = ce_headers(event, event_id=uuid.uuid4(), time=event.occurred_at)
        futures.append(
            await producer.send(
                topic,
                value=encode_data(event),
                key=event.subject.encode(),
                headers=to_kafka_headers(headers),
            )
        )
    metadata = await asyncio.gather(*futures)
    last: dict[int, EventData] = {}
    for event, meta in zip(events, metadata, strict=True):
        last[meta.partition] = event
    return last


async def _produce_profiles(
    producer: AIOKafkaProducer, topic: str, tenant: uuid.UUID, people: list[uuid.UUID]
) -> None:
    futures = []
    for i, person in enumerate(people):
        value = json.dumps(
            {
                "participant_id": str(person),
                "tenant_id": str(tenant),
                "display_name": f"Uczestnik Łódzki {i}",
                "email": f"p{i}@example.gov.pl",
                "locale": "pl" if i % 3 else "en",
            }
        ).encode()
        futures.append(await producer.send(topic, value=value, key=str(person).encode()))
    await asyncio.gather(*futures)


async def raw_rate(bootstrap: str, topic: str, expected: int) -> tuple[float, float]:
    """Events per second of a bare aiokafka consumer that decodes each record."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    try:
        seen = 0
        started: float | None = None
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batch.values():
                if started is None:
                    started = time.perf_counter()
                for record in records:
                    env = decode(record.headers, record.value)
                    if env.type == matching.PairCreated.event_type:
                        seen += 1
        assert started is not None
        elapsed = time.perf_counter() - started
        return seen / elapsed, elapsed
    finally:
        await consumer.stop()


async def worker_rate(
    settings: NotificationsSettings, tenant: uuid.UUID, last_pairs: list[uuid.UUID], events: int
) -> tuple[float, float, int]:
    """Events per second from the topic to committed in-app notifications. A partition is done
    when its last event's pair is recorded (the pair and its notifications commit together), so
    the probe is a primary-key lookup, not a count that would compete with the worker."""
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)

    async def finished() -> int:
        async with tenant_transaction(sessions, tenant) as s:
            found = await s.execute(
                text("SELECT count(*) FROM pair WHERE pair_id = ANY(CAST(:ids AS uuid[]))"),
                {"ids": last_pairs},
            )
            return int(found.scalar_one())

    worker = build_worker(settings)
    [events_consumer] = [rt for rt in worker.runtimes if rt.sub.name == "events"]
    assigned_at: list[float] = []

    async def note_assignment() -> None:
        await events_consumer.assigned.wait()
        assigned_at.append(time.perf_counter())

    watcher = asyncio.create_task(note_assignment())
    try:
        async with running(worker):
            await watcher
            started = assigned_at[0]  # the clock starts when the consumer may fetch
            while await finished() < len(last_pairs):
                if time.perf_counter() - started > 600:
                    raise RuntimeError("the worker did not finish within 600 s")
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
        async with tenant_transaction(sessions, tenant) as s:
            recorded = int(
                (await s.execute(text("SELECT count(*) FROM notification"))).scalar_one()
            )
        return events / elapsed, elapsed, recorded
    finally:
        await engine.dispose()


async def _wait(probe: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _cleanup(settings: NotificationsSettings, tenant: uuid.UUID, namespace: str) -> None:
    engine = create_engine(settings.database_url, pool_size=1)
    sessions = session_factory(engine)
    try:
        async with tenant_transaction(sessions, tenant) as s:
            for table in (
                "delivery",
                "notification",
                "reminder",
                "parked_intent",
                "pair",
                "programme",
                "preference",
                "contact",
            ):
                await s.execute(text(f"DELETE FROM {table}"))  # this tenant's rows (RLS)
        async with tenant_transaction(sessions, None) as s:
            await s.execute(
                text("DELETE FROM outbox_message WHERE topic LIKE :ns"), {"ns": namespace + "%"}
            )
    finally:
        await engine.dispose()
    await delete_topics(settings.kafka_bootstrap, namespace)


async def main(events: int) -> None:
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    base = NotificationsSettings()
    settings = base.model_copy(
        update={
            "topic_namespace": namespace,
            "topic_partitions": PARTITIONS,
            "consumer_group": f"bench-notifications-{uuid.uuid4().hex[:8]}",
            "dispatch_enabled": False,
            "log_level": "WARNING",
        }
    )
    bootstrap = settings.kafka_bootstrap
    await ensure_topics(bootstrap, all_platform_topics(namespace), partitions=PARTITIONS)
    tenant, programme, coordinator = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    people = [uuid.uuid4() for _ in range(1000)]
    rng = random.Random(7)
    matching_topic = namespace + topics.MATCHING
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        # the tenant's people, its programme and coordinator: read once, before measuring
        await _produce_profiles(
            producer, namespace + topics.PROFILES, tenant, [coordinator, *people]
        )
        opened = _event(
            matching.ProgrammeOpened,
            tenant,
            programme_id=programme,
            name="Ścieżka liderów",
            kind="one_to_one",
            mode="best_quality",
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=180),
            max_mentees_per_mentor=3,
            coordinator_id=coordinator,
        )
        await _produce(producer, matching_topic, [opened])
        engine = create_engine(settings.database_url, pool_size=1)
        sessions = session_factory(engine)

        async def loaded() -> bool:
            async with tenant_transaction(sessions, tenant) as s:
                contacts = (await s.execute(text("SELECT count(*) FROM contact"))).scalar_one()
                progs = (await s.execute(text("SELECT count(*) FROM programme"))).scalar_one()
            return bool(contacts == len(people) + 1 and progs == 1)

        async with running(build_worker(settings)):
            await _wait(loaded, "contacts and the programme")
        await engine.dispose()

        # the backlog both sides read: N pair_created events
        backlog = [
            _event(
                matching.PairCreated,
                tenant,
                pair_id=uuid.uuid4(),
                programme_id=programme,
                mentor_id=mentor,
                mentee_id=mentee,
                proposed_at=datetime.now(UTC),
            )
            for mentor, mentee in (rng.sample(people, 2) for _ in range(events))
        ]
        last = await _produce(producer, matching_topic, backlog)
        last_pairs = [e.pair_id for e in last.values()]  # type: ignore[attr-defined]
    finally:
        await producer.stop()

    try:
        raw, raw_s = await raw_rate(bootstrap, matching_topic, events)
        ours, ours_s, recorded = await worker_rate(settings, tenant, last_pairs, events)
    finally:
        await _cleanup(settings, tenant, namespace)
    print(f"events              {events}")
    print(f"raw aiokafka        {raw:>10.0f} events/s   ({raw_s:.2f} s, consume + decode)")
    print(
        f"notifications       {ours:>10.0f} events/s   ({ours_s:.2f} s, "
        f"{recorded} in-app notifications recorded)"
    )
    if recorded != 3 * events:
        raise SystemExit(f"expected {3 * events} notifications, found {recorded}")
    ratio = ours / raw
    print(
        f"ratio               {ratio:>10.2f}   (target >= 0.25) {'OK' if ratio >= 0.25 else 'LOW'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2,000 events instead of 20,000")
    parser.add_argument("--events", type=int, default=None)
    args = parser.parse_args()
    defaults = NotificationsSettings()
    upgrade(MIGRATIONS, defaults.migration_database_url, defaults.database_url)
    asyncio.run(main(args.events or (2000 if args.quick else 20000)))
