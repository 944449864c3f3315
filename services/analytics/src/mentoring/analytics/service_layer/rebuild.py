"""Rebuilding the read model from offset 0 (`mentoring analytics rebuild`).

1. Refuse while a projection consumer group has members: the worker must be stopped (scaled to
   zero), since its groups' offsets are moved at the end.
2. Take every topic's end offsets now; later events are left to the projection.
3. Read the matching, sessions and notifications topics in turn from their first offsets to those
   ends (no consumer group), fold them in memory with the projection's own fold, and COPY the
   rows into fresh tables in a shadow schema. With several workers, each process folds its
   share of every topic's partitions and the shares are merged (memory_store.merge).
4. Give the shadow tables the live ones' keys, indexes, row-level security and grants, and swap
   them in with one transaction: the dashboard reads the old figures until then.
5. Commit the end offsets of step 2 for the projection groups, so the worker continues from
   where the rebuild stopped. (Had it stopped between 4 and 5, the worker would replay from its
   old offsets; the cursors in the new tables drop what is already in them.)
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import TopicPartition

from mentoring.analytics.adapters import kafka_io, schema
from mentoring.analytics.adapters.fastdecode import decode_event
from mentoring.analytics.adapters.memory_store import CopyWriter, MemoryStore, merge
from mentoring.analytics.adapters.projection import (
    PROJECTION_SUBSCRIPTIONS,
    STREAM_TOPICS,
    Stream,
    fold,
)
from mentoring.contracts.base import EventData

STREAM_ORDER = (Stream.MATCHING, Stream.SESSIONS, Stream.NOTIFICATIONS)
STREAM_ROWS = 200_000


class RebuildRefused(Exception):
    """The projection is running: stop the analytics worker first."""


@dataclass(frozen=True)
class RebuildConfig:
    bootstrap: str
    namespace: str
    group_prefix: str
    schema: str
    owner_dsn: str
    app_role: str
    batch_size: int = 10000
    workers: int = 1


@dataclass
class RebuildReport:
    records: int = 0
    skipped: int = 0
    applied: int = 0
    seconds: float = 0.0
    ends: dict[TopicPartition, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    _mark: float = 0.0

    def phase(self, name: str, since: float | None = None) -> None:
        """Record the seconds since the previous phase ended (or since `since`)."""
        now = time.perf_counter()
        self.phases[name] = now - (since if since is not None else self._mark)
        self._mark = now

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def projection_groups(group_prefix: str) -> dict[Stream, str]:
    return {s: f"{group_prefix}.{name}" for s, name in PROJECTION_SUBSCRIPTIONS.items()}


async def rebuild(
    cfg: RebuildConfig,
    *,
    on_start: Callable[[int], None] = lambda _total: None,
    on_progress: Callable[[int], None] = lambda _n: None,
) -> RebuildReport:
    # The fold makes millions of small, acyclic objects: the cyclic collector would scan the
    # growing heap again and again (a third of the time). It is paused for the rebuild.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _rebuild(cfg, on_start, on_progress)
    finally:
        if collecting:
            gc.enable()


async def _rebuild(
    cfg: RebuildConfig,
    on_start: Callable[[int], None],
    on_progress: Callable[[int], None],
) -> RebuildReport:
    groups = projection_groups(cfg.group_prefix)
    busy = await kafka_io.busy_groups(cfg.bootstrap, list(groups.values()))
    if busy:
        raise RebuildRefused(
            "the projection is running (consumer groups with members: "
            + ", ".join(busy)
            + "); stop the analytics worker first"
        )
    started = time.perf_counter()
    topics = {s: cfg.namespace + STREAM_TOPICS[s] for s in STREAM_ORDER}
    firsts, ends = await kafka_io.offsets(cfg.bootstrap, list(topics.values()))
    on_start(sum(max(0, end - firsts.get(tp, 0)) for tp, end in ends.items()))
    report = RebuildReport(ends=ends)
    live, shadow = cfg.schema, schema.shadow_of(cfg.schema)
    conn = await asyncpg.connect(cfg.owner_dsn)
    try:
        await schema.create_empty_tables(conn, live, shadow)
        writer = CopyWriter(conn, shadow, cfg.namespace)
        report.phase("prepare", started)
        plans = [
            [
                (
                    stream,
                    {
                        tp: o
                        for tp, o in ends.items()
                        if tp.topic == topics[stream] and tp.partition % cfg.workers == share
                    },
                )
                for stream in STREAM_ORDER
            ]
            for share in range(cfg.workers)
        ]
        if cfg.workers == 1:
            store = await _fold_streaming(
                cfg, plans[0], firsts, writer=writer, report=report, on_progress=on_progress
            )
            report.phase("read and fold")
        else:
            shares = await _fold_in_processes(cfg, plans, firsts, on_progress)
            for share in shares:
                report.records += share.records
                report.skipped += share.skipped
                report.applied += share.applied
            report.phase("read and fold")
            store = merge([share.store for share in shares])
            report.phase("merge")
        await writer.finish(store)
        report.phase("copy")
        await schema.finish_tables(conn, live, shadow, cfg.app_role)
        await schema.swap(conn, live, shadow)
        report.phase("index and swap")
    finally:
        await conn.close()
    for stream, group in groups.items():
        topic = topics[stream]
        await kafka_io.commit_group_offsets(
            cfg.bootstrap, group, {tp: o for tp, o in ends.items() if tp.topic == topic}
        )
    report.phase("set offsets")
    report.seconds = time.perf_counter() - started
    return report


Plan = list[tuple[Stream, dict[TopicPartition, int]]]


async def _fold_streaming(
    cfg: RebuildConfig,
    plan: Plan,
    firsts: dict[TopicPartition, int],
    *,
    writer: CopyWriter,
    report: RebuildReport,
    on_progress: Callable[[int], None],
) -> MemoryStore:
    """One process: fold everything, streaming the growing people sets out as it goes."""
    store = MemoryStore()
    streaming: asyncio.Task[None] | None = None
    async with kafka_io.Reader(cfg.bootstrap) as source:
        for stream, ends in plan:
            async for records in source.read_through(ends, firsts, cfg.batch_size):
                applied, decoded = await _fold_records(stream, records, store)
                report.records += len(records)
                report.skipped += len(records) - decoded
                report.applied += applied
                on_progress(len(records))
                if len(store.new_members) + len(store.new_pair_months) >= STREAM_ROWS:
                    if streaming is not None:
                        await streaming
                    streaming = asyncio.create_task(writer.stream(*store.take_streamed()))
    if streaming is not None:
        await streaming
    return store


async def _fold_records(stream: Stream, records: list[Any], store: MemoryStore) -> tuple[int, int]:
    decoded = [decode_event(r.headers, r.value) for r in records]
    events: list[EventData] = [e for e in decoded if e is not None]
    changes = await fold(stream, events, store)
    store.apply(changes)
    return changes.applied, len(events)


@dataclass
class Share:
    """What one process of a parallel rebuild folded."""

    store: MemoryStore
    records: int = 0
    skipped: int = 0
    applied: int = 0


async def _fold_in_processes(
    cfg: RebuildConfig,
    plans: list[Plan],
    firsts: dict[TopicPartition, int],
    on_progress: Callable[[int], None],
) -> list[Share]:
    """Each process folds the partitions whose number modulo the processes is its own, of every
    topic (so a pair's lifecycle and its sessions usually meet in one process); `merge` makes
    one read model of their shares. The processes report progress through a queue."""
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with context.Manager() as manager, ProcessPoolExecutor(cfg.workers, mp_context=context) as pool:
        progress = manager.Queue()
        running = [
            loop.run_in_executor(
                pool, fold_share, cfg.bootstrap, plan, firsts, cfg.batch_size, progress
            )
            for plan in plans
        ]
        while True:
            done, _pending = await asyncio.wait(running, timeout=0.2)
            while not progress.empty():
                on_progress(progress.get())
            if len(done) == len(running):
                return [task.result() for task in running]


def fold_share(
    bootstrap: str,
    plan: Plan,
    firsts: dict[TopicPartition, int],
    batch_size: int,
    progress: Any,
) -> Share:
    """The body of a rebuild process (runs its own event loop)."""
    gc.disable()
    return asyncio.run(_fold_share(bootstrap, plan, firsts, batch_size, progress))


async def _fold_share(
    bootstrap: str, plan: Plan, firsts: dict[TopicPartition, int], batch_size: int, progress: Any
) -> Share:
    share = Share(MemoryStore(partial=True))
    async with kafka_io.Reader(bootstrap) as source:
        for stream, ends in plan:
            async for records in source.read_through(ends, firsts, batch_size):
                applied, decoded = await _fold_records(stream, records, share.store)
                share.records += len(records)
                share.skipped += len(records) - decoded
                share.applied += applied
                progress.put(len(records))
    return share
