"""The consumer runtime: at-least-once delivery, a keyed worker pool, retries and dead letters.

Messages of one key are handled in order; messages of different keys run concurrently, bounded in
total and per tenant, so one slow pair or one busy ministry does not hold up a partition. The
offset committed for a partition is the lowest offset not yet finished there, and it is committed
only after the handler's transaction committed. A message that is not a valid event goes straight
to `<topic>.dlq`; one whose handler keeps failing goes there after retries with backoff.

FastStream's subscribers commit a consumer's whole position, so this runtime drives aiokafka
directly (docs/decisions/0003-own-consumer-runtime.md).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import logging
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from mentoring.contracts.topics import dead_letter_topic
from mentoring.kit import metrics
from mentoring.kit.envelope import Envelope, InvalidEnvelope, decode
from mentoring.kit.errors import unavailable

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """Raised by a handler for input it can never process: dead-lettered without retries."""


class InjectedFault(Exception):
    """A transient failure requested by the `mentoring-fault-transient` header (chaos tests)."""


FAULT_HEADER = "mentoring-fault-transient"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Kafka record as the runtime received it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    @property
    def key_text(self) -> str:
        return self.key.decode("utf-8", errors="replace") if self.key else ""


EventHandler = Callable[[Envelope], Awaitable[None]]
RecordHandler = Callable[[Delivery], Awaitable[None]]
BatchHandler = Callable[[list[Envelope]], Awaitable[None]]


@dataclass
class Subscription:
    """What one consumer group of a service reads and how it handles it.

    Exactly one of `handler` (CloudEvents, keyed pool), `record_handler` (raw records such as the
    compacted profile topic, keyed pool) or `batch_handler` (CloudEvents, one call per fetched
    batch, for projections) is set. Event types outside `accepts` are acknowledged untouched.

    `batch_partitions` lets a batch handler work on that many partitions of one fetch at once
    (each partition's batches stay in order, one at a time): one partition's batch is decoded
    and prepared while another's statements run. Only for a handler whose concurrent calls do
    not contend, i.e. one that keys its writes by aggregate, as the partitions are keyed.
    """

    name: str
    topics: Sequence[str]
    handler: EventHandler | None = None
    record_handler: RecordHandler | None = None
    batch_handler: BatchHandler | None = None
    accepts: Callable[[str], bool] = field(default=lambda _t: True)
    max_batch: int = 500
    batch_partitions: int = 1


@dataclass
class ConsumerConfig:
    bootstrap: str
    group_id: str
    service: str
    max_in_flight_per_partition: int = 200
    max_concurrency: int = 64
    max_per_tenant: int = 16
    max_attempts: int = 5
    fault_injection: bool = False
    retry_base_seconds: float = 0.2
    stall_seconds: float = 60.0
    commit_interval_seconds: float = 0.5
    auto_offset_reset: str = "earliest"


class _PartitionTracker:
    """Offsets of one partition: fetched but unfinished ones, and the next to commit."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.done: set[int] = set()
        self.next_offset: int | None = None
        self.committed: int | None = None

    def add(self, offset: int) -> None:
        heapq.heappush(self.pending, offset)
        self.next_offset = offset + 1

    def finish(self, offset: int) -> None:
        self.done.add(offset)
        while self.pending and self.pending[0] in self.done:
            self.done.discard(heapq.heappop(self.pending))

    @property
    def in_flight(self) -> int:
        return len(self.pending)

    def committable(self) -> int | None:
        if self.pending:
            return self.pending[0]
        return self.next_offset


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runtime: KafkaConsumerRuntime) -> None:
        self._runtime = runtime

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runtime._on_revoked(list(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._runtime._on_assigned(list(assigned))


class KafkaConsumerRuntime:
    """Runs one Subscription until `stop()`; rebuilds its consumer when it stalls."""

    def __init__(
        self,
        subscription: Subscription,
        config: ConsumerConfig,
        producer_factory: Callable[[], AIOKafkaProducer],
    ) -> None:
        self.sub = subscription
        self.cfg = config
        self._producer_factory = producer_factory
        self._dlq_producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._trackers: dict[TopicPartition, _PartitionTracker] = {}
        self._lanes: dict[tuple[TopicPartition, bytes | None], deque[Delivery]] = {}
        self._lane_tasks: dict[tuple[TopicPartition, bytes | None], asyncio.Task[None]] = {}
        self._paused: set[TopicPartition] = set()
        self._global = asyncio.Semaphore(config.max_concurrency)
        self._tenants: dict[str, asyncio.Semaphore] = {}
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._last_commit = 0.0
        self.last_progress = time.time()
        self.last_fetch_with_records = time.time()
        self.processed = 0
        self.dead_lettered = 0
        self.retries = 0
        self.rebuilds = 0
        self.lag = 0
        self.assigned = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    await self._start_consumer()
                    await self._consume_loop()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("consumer failed; rebuilding", extra={"group": self.cfg.group_id})
                    await asyncio.sleep(1.0)
                finally:
                    await self._shutdown_consumer()
        finally:
            if self._dlq_producer is not None:
                await self._stop_quietly(self._dlq_producer.stop())

    async def _start_consumer(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.cfg.bootstrap,
            group_id=self.cfg.group_id,
            client_id=f"{self.cfg.group_id}-consumer",
            enable_auto_commit=False,
            auto_offset_reset=self.cfg.auto_offset_reset,
            max_poll_records=max(self.sub.max_batch, 100),
            session_timeout_ms=15000,
            heartbeat_interval_ms=3000,
            max_poll_interval_ms=300000,
            fetch_max_wait_ms=100,
        )
        consumer.subscribe(list(self.sub.topics), listener=_Listener(self))
        await asyncio.wait_for(consumer.start(), timeout=60)
        self._consumer = consumer
        self.last_fetch_with_records = time.time()

    async def _shutdown_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        await self._drain(list(self._trackers), timeout=10.0)
        for task in list(self._lane_tasks.values()):
            task.cancel()  # unfinished work is redelivered to the next consumer; the inbox dedupes
        if self._lane_tasks:
            await asyncio.wait(list(self._lane_tasks.values()), timeout=5)
        self._lanes.clear()
        self._lane_tasks.clear()
        try:
            await self._commit(consumer, force=True)
        except Exception:
            log.warning("final commit failed", exc_info=True)
        self._trackers.clear()
        self._paused.clear()
        await self._stop_quietly(consumer.stop())

    @staticmethod
    async def _stop_quietly(stopping: Awaitable[Any]) -> None:
        try:
            await asyncio.wait_for(stopping, timeout=10)
        except Exception:
            log.debug("stopping a Kafka client failed", exc_info=True)

    # -- the fetch loop --------------------------------------------------------------------

    async def _consume_loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        while not self._stopping.is_set():
            records = await consumer.getmany(timeout_ms=200, max_records=self.sub.max_batch)
            now = time.time()
            if records:
                self.last_fetch_with_records = now
            if self.sub.batch_handler is not None:
                await self._handle_batches(records)
            else:
                for tp, batch in records.items():
                    tracker = self._trackers.setdefault(tp, _PartitionTracker())
                    for record in batch:
                        tracker.add(record.offset)
                        self._enqueue(self._delivery(record))
                    if tracker.in_flight >= self.cfg.max_in_flight_per_partition:
                        consumer.pause(tp)
                        self._paused.add(tp)
            self._resume_drained(consumer)
            await self._commit(consumer)
            self._update_lag(consumer)
            if self._stalled(now):
                self.rebuilds += 1
                metrics.CONSUMER_REBUILDS.labels(self.cfg.service, self.sub.name).inc()
                log.warning("consumer made no progress with lag; rebuilding it")
                return

    async def _handle_batches(self, records: dict[TopicPartition, list[Any]]) -> None:
        """One batch per partition of the fetch, up to `batch_partitions` of them at once."""
        batches = [(tp, [self._delivery(r) for r in batch]) for tp, batch in records.items()]
        width = self.sub.batch_partitions
        if width <= 1 or len(batches) <= 1:
            for tp, deliveries in batches:
                await self._handle_batch(tp, deliveries)
            return
        gate = asyncio.Semaphore(width)

        async def one(tp: TopicPartition, deliveries: list[Delivery]) -> None:
            async with gate:
                await self._handle_batch(tp, deliveries)

        async with asyncio.TaskGroup() as group:
            for tp, deliveries in batches:
                group.create_task(one(tp, deliveries))

    @staticmethod
    def _delivery(record: Any) -> Delivery:
        return Delivery(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers or ()),
            timestamp_ms=record.timestamp,
        )

    def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            tracker = self._trackers.get(tp)
            position = tracker.committable() if tracker is not None else None
            if high is not None and position is not None:
                lag += max(0, high - position)
        self.lag = lag
        metrics.CONSUMER_LAG.labels(self.cfg.service, self.sub.name).set(lag)

    def _stalled(self, now: float) -> bool:
        if self.lag <= 0:
            return False
        busy = any(not t.done() for t in self._lane_tasks.values())
        quiet = now - max(self.last_fetch_with_records, self.last_progress)
        return not busy and not self._paused and quiet > self.cfg.stall_seconds

    def _resume_drained(self, consumer: AIOKafkaConsumer) -> None:
        for tp in list(self._paused):
            tracker = self._trackers.get(tp)
            if tracker is None or tracker.in_flight < self.cfg.max_in_flight_per_partition // 2:
                consumer.resume(tp)
                self._paused.discard(tp)

    async def _commit(self, consumer: AIOKafkaConsumer, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_commit < self.cfg.commit_interval_seconds:
            return
        self._last_commit = now
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        assigned = consumer.assignment()
        for tp, tracker in self._trackers.items():
            position = tracker.committable()
            if tp in assigned and position is not None and position != tracker.committed:
                offsets[tp] = OffsetAndMetadata(position, "")
        if offsets:
            await consumer.commit(offsets)
            for tp, om in offsets.items():
                self._trackers[tp].committed = om.offset

    # -- rebalancing -----------------------------------------------------------------------

    async def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._drain(revoked, timeout=20.0)
        consumer = self._consumer
        if consumer is not None:
            try:
                await self._commit(consumer, force=True)
            except Exception:
                log.warning("commit on revoke failed; the new owner will redeliver", exc_info=True)
        for tp in revoked:
            self._trackers.pop(tp, None)
            self._paused.discard(tp)

    def _on_assigned(self, assigned: list[TopicPartition]) -> None:
        for tp in assigned:
            self._trackers.setdefault(tp, _PartitionTracker())
        self.assigned.set()

    async def _drain(self, tps: list[TopicPartition], timeout: float) -> None:
        wanted = set(tps)
        tasks = [t for (tp, _k), t in self._lane_tasks.items() if tp in wanted and not t.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    # -- the keyed pool --------------------------------------------------------------------

    def _enqueue(self, delivery: Delivery) -> None:
        lane_key = (delivery.tp, delivery.key)
        lane = self._lanes.get(lane_key)
        if lane is None:
            lane = self._lanes[lane_key] = deque()
        lane.append(delivery)
        task = self._lane_tasks.get(lane_key)
        if task is None or task.done():
            self._lane_tasks[lane_key] = asyncio.create_task(self._run_lane(lane_key))

    async def _run_lane(self, lane_key: tuple[TopicPartition, bytes | None]) -> None:
        lane = self._lanes[lane_key]
        try:
            while lane:
                delivery = lane[0]
                await self._process(delivery)
                lane.popleft()
                tracker = self._trackers.get(delivery.tp)
                if tracker is not None:
                    tracker.finish(delivery.offset)
                self.last_progress = time.time()
        finally:
            if not lane:
                self._lanes.pop(lane_key, None)
                self._lane_tasks.pop(lane_key, None)

    def _tenant_semaphore(self, tenant: str) -> asyncio.Semaphore:
        sem = self._tenants.get(tenant)
        if sem is None:
            sem = self._tenants[tenant] = asyncio.Semaphore(self.cfg.max_per_tenant)
        return sem

    async def _process(self, delivery: Delivery) -> None:
        if self.sub.record_handler is not None:
            tenant = _header(delivery, "ce_tenantid") or "-"
            await self._with_retries(delivery, tenant, lambda: self._call_record(delivery))
            return
        try:
            envelope = decode(delivery.headers, delivery.value)
        except InvalidEnvelope as exc:
            await self._dead_letter(delivery, str(exc), attempts=0)
            return
        if not self.sub.accepts(envelope.type):
            self._count("skipped")
            return
        handler = self.sub.handler
        assert handler is not None
        await self._with_retries(delivery, str(envelope.tenant_id), lambda: handler(envelope))

    async def _call_record(self, delivery: Delivery) -> None:
        assert self.sub.record_handler is not None
        await self.sub.record_handler(delivery)

    async def _with_retries(
        self,
        delivery: Delivery,
        tenant: str,
        call: Callable[[], Awaitable[None]],
        *,
        attempts_made: int = 0,
    ) -> None:
        """`attempts_made`: attempts already spent on this message (its failed batch)."""
        attempt = 0
        outage = 0
        injected = max(0, self._injected_failures(delivery) - attempts_made)
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                async with self._tenant_semaphore(tenant), self._global:
                    if attempt <= injected:
                        raise InjectedFault(f"injected transient failure {attempt}/{injected}")
                    await call()
            except PermanentError as exc:
                await self._dead_letter(delivery, f"permanent: {exc}", attempts=attempt)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if unavailable(exc):
                    # The database (or another dependency) is down, the message is fine: wait
                    # for it without spending attempts, or a restart longer than the backoff
                    # would dead-letter healthy events (and a sequence cursor would then drop
                    # their replay). The partition waits; nothing behind it could succeed.
                    attempt -= 1
                    outage += 1
                    self.retries += 1
                    delay = min(self.cfg.retry_base_seconds * 2 ** min(outage, 10), 5.0)
                    log.warning("dependency unavailable; waiting", extra={"error": repr(exc)})
                    await asyncio.sleep(delay)
                    continue
                if attempt >= self.cfg.max_attempts:
                    await self._dead_letter(delivery, _describe(exc), attempts=attempt)
                    return
                self.retries += 1
                delay = self.cfg.retry_base_seconds * 2 ** (attempt - 1)
                log.warning(
                    "handler failed; retrying",
                    extra={"attempt": attempt, "delay": delay, "error": repr(exc)},
                )
                await asyncio.sleep(delay)
                continue
            metrics.EVENT_HANDLE_SECONDS.labels(self.cfg.service, self.sub.name).observe(
                time.perf_counter() - started
            )
            self._count("ok")
            return

    def _injected_failures(self, delivery: Delivery) -> int:
        """Only where the deployment enables fault injection (never in production)."""
        if not self.cfg.fault_injection:
            return 0
        raw = _header(delivery, FAULT_HEADER)
        try:
            return max(0, int(raw)) if raw else 0
        except ValueError:
            return 0

    def _count(self, outcome: str, n: int = 1) -> None:
        self.processed += n
        metrics.EVENTS_PROCESSED.labels(self.cfg.service, self.sub.name, outcome).inc(n)

    # -- batches (projections) -------------------------------------------------------------

    async def _handle_batch(self, tp: TopicPartition, deliveries: list[Delivery]) -> None:
        tracker = self._trackers.setdefault(tp, _PartitionTracker())
        for d in deliveries:
            tracker.add(d.offset)
        accepted: list[tuple[Delivery, Envelope]] = []
        for d in deliveries:
            try:
                env = decode(d.headers, d.value)
            except InvalidEnvelope as exc:
                await self._dead_letter(d, str(exc), attempts=0)
                tracker.finish(d.offset)
                continue
            if self.sub.accepts(env.type):
                accepted.append((d, env))
            else:
                tracker.finish(d.offset)
        await self._apply_batch(tracker, accepted, attempts_made=0)
        self.last_progress = time.time()

    async def _apply_batch(
        self,
        tracker: _PartitionTracker,
        part: list[tuple[Delivery, Envelope]],
        *,
        attempts_made: int,
    ) -> None:
        """One handler call (one transaction) for `part`. When it fails, each half is tried on
        its own, in order, down to single events, which get the retries and the dead-letter
        topic: one bad event costs about 2 log2(n) calls instead of n, and every part that
        succeeds is committed at once, so the partition keeps moving (per-key order holds)."""
        handler = self.sub.batch_handler
        assert handler is not None
        if not part:
            return
        if len(part) == 1 and attempts_made > 0:
            delivery, env = part[0]
            await self._with_retries(
                delivery,
                str(env.tenant_id),
                functools.partial(handler, [env]),
                attempts_made=attempts_made,
            )
            self._finished(tracker, [delivery])
            return
        try:
            injected = [d for d, _env in part if self._injected_failures(d) > attempts_made]
            if injected:  # each batch holding the message is one attempt at it
                raise InjectedFault(f"injected transient failure of {len(injected)} in a batch")
            await handler([env for _d, env in part])
        except asyncio.CancelledError:
            raise
        except Exception:
            if attempts_made == 0:
                log.warning("batch failed; handling it in halves", exc_info=True)
            self.retries += 1
            half = (len(part) + 1) // 2
            await self._apply_batch(tracker, part[:half], attempts_made=attempts_made + 1)
            await self._apply_batch(tracker, part[half:], attempts_made=attempts_made + 1)
            return
        self._count("ok", len(part))
        self._finished(tracker, [d for d, _env in part])
        if attempts_made > 0 and self._consumer is not None:
            try:  # inside a split batch: make the progress visible (commits are rate-limited)
                await self._commit(self._consumer)
            except Exception:
                log.warning("commit inside a split batch failed", exc_info=True)

    def _finished(self, tracker: _PartitionTracker, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            tracker.finish(d.offset)
        self.last_progress = time.time()

    # -- dead letters ----------------------------------------------------------------------

    async def _dead_letter(self, delivery: Delivery, error: str, *, attempts: int) -> None:
        headers = [
            *list(delivery.headers),
            ("dlq_original_topic", delivery.topic.encode()),
            ("dlq_original_partition", str(delivery.partition).encode()),
            ("dlq_original_offset", str(delivery.offset).encode()),
            ("dlq_consumer_group", self.cfg.group_id.encode()),
            ("dlq_error", error[:4000].encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        while True:
            try:
                if self._dlq_producer is None:
                    producer = self._producer_factory()
                    await asyncio.wait_for(producer.start(), timeout=30)
                    self._dlq_producer = producer
                await asyncio.wait_for(
                    await self._dlq_producer.send(
                        dead_letter_topic(delivery.topic),
                        value=delivery.value,
                        key=delivery.key,
                        headers=headers,
                    ),
                    timeout=30,
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("dead-letter publish failed; retrying", exc_info=True)
                if self._dlq_producer is not None:
                    await self._stop_quietly(self._dlq_producer.stop())
                    self._dlq_producer = None
                await asyncio.sleep(1.0)
        self.dead_lettered += 1
        metrics.DEAD_LETTERED.labels(self.cfg.service, delivery.topic).inc()
        self._count("dead_lettered")
        log.error(
            "message dead-lettered",
            extra={
                "topic": delivery.topic,
                "partition": delivery.partition,
                "offset": delivery.offset,
                "error": error[:500],
            },
        )

    def stats(self) -> dict[str, Any]:
        return {
            "subscription": self.sub.name,
            "group": self.cfg.group_id,
            "lag": self.lag,
            "processed": self.processed,
            "dead_lettered": self.dead_lettered,
            "retries": self.retries,
            "rebuilds": self.rebuilds,
            "last_progress_age_seconds": round(time.time() - self.last_progress, 3),
            "assigned_partitions": len(self._trackers),
        }


def _header(delivery: Delivery, name: str) -> str | None:
    for key, value in delivery.headers:
        if key == name and value is not None:
            return value.decode("utf-8", errors="replace")
    return None


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
