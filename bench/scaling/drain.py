"""How fast a consumer group works off a backlog: its committed offsets against the topics' end
offsets, read from Kafka (no group is joined, so nothing is rebalanced)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass
class Drain:
    group: str
    backlog: int  # events between the committed offsets and the end offsets at the start
    seconds: float  # from the first committed progress to the last backlog event committed
    started_after: float  # from the start of the measurement to the first progress

    @property
    def rate(self) -> float:
        return self.backlog / self.seconds if self.seconds > 0 else float("nan")


async def committed(admin: AIOKafkaAdminClient, group: str) -> dict[TopicPartition, int]:
    offsets = await admin.list_consumer_group_offsets(group)
    return {tp: int(meta.offset) for tp, meta in offsets.items() if meta.offset >= 0}


async def topic_ends(bootstrap: str, topics: set[str]) -> dict[TopicPartition, int]:
    """The end offset of every partition of the topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(topics)) if topics else []
    finally:
        await admin.close()
    tps = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        return {tp: int(o) for tp, o in ends.items()}
    finally:
        await consumer.stop()


@dataclass
class Snapshot:
    """Each group's committed offsets (every partition of its topics) and those topics' ends."""

    start: dict[str, dict[TopicPartition, int]]
    ends: dict[TopicPartition, int]

    def backlog(self, group: str) -> int:
        return sum(max(0, self.ends[tp] - o) for tp, o in self.start[group].items())


async def snapshot(bootstrap: str, groups: list[str]) -> Snapshot:
    """Take it while the groups' consumers are stopped (nothing moves)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        seen = {g: await committed(admin, g) for g in groups}
    finally:
        await admin.close()
    ends = await topic_ends(bootstrap, {tp.topic for o in seen.values() for tp in o})
    start = {  # every partition of the group's topics; never committed: from offset 0
        g: {tp: offsets.get(tp, 0) for tp in ends if tp.topic in {t.topic for t in offsets}}
        for g, offsets in seen.items()
    }
    return Snapshot(start, ends)


async def follow(
    bootstrap: str, taken: Snapshot, *, timeout: float = 900.0, every: float = 0.25
) -> list[Drain]:
    """Follow each group's commits (its consumers running again) until its backlog is done."""
    groups = list(taken.start)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        began = time.monotonic()
        first: dict[str, float] = {}
        done: dict[str, float] = {g: began for g in groups if taken.backlog(g) == 0}
        while len(done) < len(groups):
            if time.monotonic() - began > timeout:
                raise SystemExit(f"consumer groups not drained after {timeout:.0f} s")
            await asyncio.sleep(every)
            now = time.monotonic()
            for g in groups:
                if g in done:
                    continue
                current = await committed(admin, g)
                start = taken.start[g]
                if g not in first and any(current.get(tp, o) > o for tp, o in start.items()):
                    first[g] = now
                if all(current.get(tp, o) >= taken.ends[tp] for tp, o in start.items()):
                    done[g] = now
                    first.setdefault(g, now)
        return [
            Drain(
                g,
                taken.backlog(g),
                done[g] - first.get(g, done[g]),
                first.get(g, done[g]) - began,
            )
            for g in groups
        ]
    finally:
        await admin.close()
