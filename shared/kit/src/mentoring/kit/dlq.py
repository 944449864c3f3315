"""Inspect and replay a dead-letter topic `<topic>.dlq` (DESIGN.md §3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from mentoring.kit.envelope import headers_dict
from mentoring.kit.kafka import make_producer

DLQ_HEADERS = (
    "dlq_original_topic",
    "dlq_original_partition",
    "dlq_original_offset",
    "dlq_consumer_group",
    "dlq_error",
    "dlq_attempts",
    "dlq_failed_at",
)


@dataclass
class DeadLetter:
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: bytes | None

    @property
    def origin(self) -> str:
        h = self.headers
        return (
            f"{h.get('dlq_original_topic')}[{h.get('dlq_original_partition')}]"
            f"@{h.get('dlq_original_offset')}"
        )


async def read_dead_letters(bootstrap: str, dlq_topic: str, limit: int = 1000) -> list[DeadLetter]:
    """Everything in the dead-letter topic from the start (no consumer group, nothing committed)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(dlq_topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(dlq_topic) or set()
        tps = [TopicPartition(dlq_topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[DeadLetter] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining and len(out) < limit:
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    out.append(
                        DeadLetter(
                            partition=r.partition,
                            offset=r.offset,
                            key=r.key.decode() if r.key else None,
                            headers=headers_dict(r.headers),
                            value=r.value,
                        )
                    )
                    if r.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
            if not batch:
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
        return out[:limit]
    finally:
        await consumer.stop()


async def replay(
    bootstrap: str,
    dlq_topic: str,
    *,
    only: Callable[[DeadLetter], bool] = lambda _d: True,
    group_id: str = "mentoring-dlq-replay",
) -> int:
    """Republish dead letters to their original topic, once per replay group (offsets committed
    after each republish is acknowledged). Consumers dedupe events they already processed."""
    consumer = AIOKafkaConsumer(
        dlq_topic,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = make_producer(bootstrap, client_id="mentoring-dlq-replay")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                idle += 1
                continue
            idle = 0
            for records in batch.values():
                for r in records:
                    letter = DeadLetter(
                        r.partition,
                        r.offset,
                        r.key.decode() if r.key else None,
                        headers_dict(r.headers),
                        r.value,
                    )
                    target = letter.headers.get("dlq_original_topic")
                    if not target or not only(letter):
                        continue
                    headers: list[tuple[str, Any]] = [
                        (k, v) for k, v in (r.headers or ()) if k not in DLQ_HEADERS
                    ]
                    headers.append(("dlq_replayed_from", f"{dlq_topic}@{r.offset}".encode()))
                    await (await producer.send(target, value=r.value, key=r.key, headers=headers))
                    replayed += 1
            await consumer.commit()
        return replayed
    finally:
        await asyncio.gather(consumer.stop(), producer.stop(), return_exceptions=True)
