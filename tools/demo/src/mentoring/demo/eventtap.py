"""Watching the platform's topics from outside, as any subscriber would: a plain aiokafka
consumer without a group, reading the binary CloudEvents (headers `ce_*`, JSON data)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from mentoring.contracts.topics import EVENT_TOPICS


@dataclass(frozen=True)
class Seen:
    """One event read from a topic."""

    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, str]
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return self.headers.get("ce_type", "?")


class EventTap:
    """Reads every event topic from the moment it starts; `wait_for` finds an event."""

    def __init__(self, bootstrap: str, namespace: str = "", topics: tuple[str, ...] = EVENT_TOPICS):
        self.bootstrap = bootstrap
        self.topics = [namespace + t for t in topics]
        self.namespace = namespace
        self.seen: list[Seen] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def start(self) -> EventTap:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        await consumer.start()
        try:
            partitions = []
            for topic in self.topics:
                for _ in range(50):
                    found = consumer.partitions_for_topic(topic)
                    if found:
                        break
                    await consumer._client.force_metadata_update()
                    await asyncio.sleep(0.1)
                partitions += [TopicPartition(topic, p) for p in sorted(found or ())]
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            for tp, offset in ends.items():
                consumer.seek(tp, offset)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    headers = {k: v.decode("utf-8", "replace") for k, v in r.headers or ()}
                    try:
                        data = json.loads(r.value) if r.value else {}
                    except ValueError:
                        data = {}
                    topic = r.topic.removeprefix(self.namespace)
                    key = r.key.decode() if r.key else ""
                    self.seen.append(Seen(topic, r.partition, r.offset, key, headers, data))
            if batch:
                self._arrived.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def find(self, event_type: str, where: Callable[[Seen], bool] = lambda _e: True) -> list[Seen]:
        return [e for e in self.seen if e.type == event_type and where(e)]

    async def wait_for(
        self,
        event_type: str,
        where: Callable[[Seen], bool] = lambda _e: True,
        *,
        count: int = 1,
        timeout: float = 60.0,
    ) -> list[Seen]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.find(event_type, where)
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {event_type} event within {timeout:.0f} s")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=min(remaining, 0.5))
