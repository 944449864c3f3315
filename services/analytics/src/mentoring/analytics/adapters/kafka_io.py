"""Kafka for the rebuild: offsets, reading topics from the beginning to fixed end offsets without
a consumer group, and setting a group's committed offsets while the group is idle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import DescribeGroupsRequest, DescribeGroupsRequest_v1
from aiokafka.structs import OffsetAndMetadata

IDLE_GROUP_STATES = frozenset({"Empty", "Dead"})


class _DescribeGroupsV1(DescribeGroupsRequest):  # type: ignore[misc]
    """DescribeGroups pinned to v1: aiokafka 0.14 decodes the v3 answer with the v2 schema,
    and Kafka 4 no longer serves v0."""

    def prepare(self, versions: dict[int, tuple[int, int]]) -> Any:
        return self.build(DescribeGroupsRequest_v1)


def reader(bootstrap: str, **overrides: Any) -> AIOKafkaConsumer:
    """A group-less consumer tuned for reading a topic through (the benchmark's reference too)."""
    settings: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_partition_fetch_bytes": 8 * 1024 * 1024,
        "fetch_max_bytes": 64 * 1024 * 1024,
        "fetch_max_wait_ms": 100,
        **overrides,
    }
    return AIOKafkaConsumer(**settings)


async def partitions(consumer: AIOKafkaConsumer, topic: str, timeout: float = 30.0) -> list[int]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = consumer.partitions_for_topic(topic)
        if found:
            return sorted(found)
        if asyncio.get_running_loop().time() > deadline:
            return []
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.2)


async def offsets(
    bootstrap: str, topics: Sequence[str]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """(first offsets, end offsets) of every partition of the topics, now."""
    consumer = reader(bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in await partitions(consumer, t)]
        if not tps:
            return {}, {}
        firsts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        return dict(firsts), dict(ends)
    finally:
        await consumer.stop()


class Reader:
    """One group-less consumer that reads partitions through, from their first offsets to
    fixed end offsets; each partition's records in offset order."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = reader(bootstrap)

    async def __aenter__(self) -> Reader:
        await self.consumer.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.consumer.stop()

    async def read_through(
        self, ends: dict[TopicPartition, int], firsts: dict[TopicPartition, int], max_records: int
    ) -> AsyncIterator[list[Any]]:
        consumer = self.consumer
        wanted = [tp for tp, end in ends.items() if end > firsts.get(tp, 0)]
        if not wanted:
            return
        consumer.assign(wanted)
        await consumer.seek_to_beginning(*wanted)
        remaining = set(wanted)
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=500, max_records=max_records)
            batch: list[Any] = []
            for tp, records in fetched.items():
                end = ends[tp]
                if records[-1].offset + 1 >= end:
                    remaining.discard(tp)
                    batch.extend(r for r in records if r.offset < end)
                else:
                    batch.extend(records)
            if not fetched:
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
            if batch:
                yield batch


async def busy_groups(bootstrap: str, groups: Sequence[str]) -> list[str]:
    """The groups that have members (a running worker) and so must not be moved."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        busy = []
        for group_id in groups:
            node = await admin.find_coordinator(group_id)
            response = await admin._client.send(node, _DescribeGroupsV1([group_id]))
            for group in response.groups:
                error_code, name, state, members = group[0], group[1], group[2], group[5]
                if error_code == 0 and (members or state not in IDLE_GROUP_STATES):
                    busy.append(str(name))
        return busy
    finally:
        await admin.close()


async def commit_group_offsets(
    bootstrap: str, group: str, positions: dict[TopicPartition, int]
) -> None:
    """Set an idle group's committed offsets (where its consumers will start)."""
    if not positions:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(positions))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in positions.items()})
    finally:
        await consumer.stop()


async def committed_offsets(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
        return {TopicPartition(tp.topic, tp.partition): om.offset for tp, om in found.items()}
    finally:
        await admin.close()
