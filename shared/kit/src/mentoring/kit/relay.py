"""The outbox relay: publishes unsent outbox rows in position order, then marks them sent.

One active relay per shard, held by a Postgres advisory lock on a dedicated connection. Rows are
selected as "unsent, in position order", never "above the last position sent": a transaction that
took an earlier position but commits later is published when it becomes visible. A send that does
not complete in time means a wedged producer (aio-libs/aiokafka#1017): it is closed and rebuilt.

Relays share the shards: each running relay also holds a shared "presence" lock, so every relay
can count the others (pg_locks) and keeps at most its fair share, ceil(shards / relays). A relay
that holds more releases the extra shards between batches (everything it sent is marked sent by
then, so order per aggregate holds); one that holds fewer takes free ones. A relay that stops or
dies loses its connection and with it its locks; the others take its shards over.

A relay publishes only the rows of its own topic namespace (topics that start with
`namespace + "mentoring."`), and its advisory locks carry the namespace too: isolated namespaces
that share a database (tests, a staging copy) never publish or block each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mentoring.kit import metrics
from mentoring.kit.db import SCOPE_SETTING, SYSTEM_SCOPE
from mentoring.kit.envelope import to_kafka_headers

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x6F7574  # "out": the advisory-lock key is namespace * 1000 + shard
PRESENCE_SLOT = 999  # key namespace * 1000 + 999, held shared by every running relay (shards <= 64)

_SELECT_UNSENT = text(
    """
    SELECT position, topic, key, headers, payload::text AS payload
    FROM outbox_message
    WHERE sent_at IS NULL AND shard = :shard AND starts_with(topic, :prefix)
    ORDER BY position
    LIMIT :limit
    """
)
_MARK_SENT = text("UPDATE outbox_message SET sent_at = now() WHERE position = ANY(:positions)")
_PURGE = text(
    "DELETE FROM outbox_message WHERE sent_at IS NOT NULL "
    "AND sent_at < now() - make_interval(secs => :seconds)"
)
# A bigint advisory key shows in pg_locks as classid = high half, objid = low half, objsubid = 1.
_COUNT_RELAYS = text(
    """
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND classid = CAST(:hi AS oid) AND objid = CAST(:lo AS oid)
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """
)
_BACKLOG = text(
    "SELECT count(*) AS backlog, min(created_at) AS oldest "
    "FROM outbox_message WHERE sent_at IS NULL AND starts_with(topic, :prefix)"
)
TOPIC_ROOT = "mentoring."  # every platform topic starts with it (mentoring.contracts.topics)


@dataclass
class OutboxState:
    backlog: int
    oldest_unsent: datetime | None


def lock_key(slot: int, namespace: str = "") -> int:
    """The advisory-lock key of a shard (or of PRESENCE_SLOT) in a topic namespace. The empty
    namespace keeps the historical key, so relays of different versions never share a shard."""
    tag = zlib.crc32(namespace.encode()) & 0x3FFFFFFF if namespace else 0
    return (tag << 33) + LOCK_NAMESPACE * 1000 + slot


def topic_prefix(namespace: str = "") -> str:
    return namespace + TOPIC_ROOT


async def _system_scope(conn: AsyncConnection) -> None:
    await conn.execute(
        text("select set_config(:n, :v, true)"), {"n": SCOPE_SETTING, "v": SYSTEM_SCOPE}
    )


async def outbox_state(engine: AsyncEngine, namespace: str = "") -> OutboxState:
    async with engine.begin() as conn:
        await _system_scope(conn)
        row = (await conn.execute(_BACKLOG, {"prefix": topic_prefix(namespace)})).one()
    return OutboxState(backlog=int(row.backlog), oldest_unsent=row.oldest)


class OutboxRelay:
    """Runs until `stop()`; publishes the shards whose advisory lock it holds."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        service: str,
        namespace: str = "",
        shards: int = 1,
        batch_size: int = 500,
        poll_seconds: float = 0.05,
        send_timeout: float = 30.0,
        retention_seconds: float = 86400.0,
        balance_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._producer_factory = producer_factory
        self._service = service
        self._namespace = namespace
        self._prefix = topic_prefix(namespace)
        self._shards = shards
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._send_timeout = send_timeout
        self._retention = retention_seconds
        self._balance_seconds = balance_seconds
        self._last_balance = 0.0
        self._producer: AIOKafkaProducer | None = None
        self._lock_conn: AsyncConnection | None = None
        self._held: set[int] = set()
        self._stopping = asyncio.Event()
        self.last_progress = time.time()
        self.producer_rebuilds = 0
        self.published = 0

    @property
    def held_shards(self) -> frozenset[int]:
        return frozenset(self._held)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        last_purge = 0.0
        try:
            while not self._stopping.is_set():
                try:
                    await self._ensure_locks()
                    busy = False
                    for shard in sorted(self._held):
                        busy |= await self._publish_batch(shard)
                    if time.monotonic() - last_purge > 60:
                        await self._purge()
                        last_purge = time.monotonic()
                    if not busy:
                        await self._sleep(self._poll if self._held else 1.0)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox relay iteration failed; retrying")
                    await self._drop_lock_connection()
                    await self._sleep(1.0)
        finally:
            await self._close_producer()
            await self._drop_lock_connection()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _ensure_locks(self) -> None:
        if self._lock_conn is not None:
            try:
                await self._lock_conn.execute(text("select 1"))
            except Exception:
                log.warning("relay lock connection lost; re-acquiring")
                await self._drop_lock_connection()
        if self._lock_conn is None:
            conn = await self._engine.connect()
            # Session-level advisory locks live as long as this connection; autocommit keeps
            # it out of any transaction.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(
                text("select pg_try_advisory_lock_shared(:k)"), {"k": self._key(PRESENCE_SLOT)}
            )
            self._lock_conn = conn
            self._last_balance = 0.0
        now = time.monotonic()
        if now - self._last_balance < self._balance_seconds:
            return
        self._last_balance = now
        await self._balance(self._lock_conn)

    async def _balance(self, conn: AsyncConnection) -> None:
        """Keep the fair share of shards: release extras, take free ones up to it."""
        presence = self._key(PRESENCE_SLOT)
        relays = (
            await conn.execute(_COUNT_RELAYS, {"hi": presence >> 32, "lo": presence & 0xFFFFFFFF})
        ).scalar_one()
        fair = -(-self._shards // max(1, int(relays)))
        for shard in sorted(self._held, reverse=True)[: max(0, len(self._held) - fair)]:
            await conn.execute(text("select pg_advisory_unlock(:k)"), {"k": self._key(shard)})
            self._held.discard(shard)
            log.info("relay released shard", extra={"shard": shard, "service": self._service})
        for shard in range(self._shards):
            if len(self._held) >= fair:
                break
            if shard in self._held:
                continue
            got = (
                await conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": self._key(shard)})
            ).scalar_one()
            if got:
                self._held.add(shard)
                log.info("relay holds shard", extra={"shard": shard, "service": self._service})

    def _key(self, slot: int) -> int:
        return lock_key(slot, self._namespace)

    async def _drop_lock_connection(self) -> None:
        self._held.clear()
        if self._lock_conn is not None:
            conn, self._lock_conn = self._lock_conn, None
            try:
                await conn.invalidate()
                await conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            await asyncio.wait_for(producer.start(), timeout=self._send_timeout)
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception:
                log.debug("stopping a wedged producer failed", exc_info=True)

    async def _publish_batch(self, shard: int) -> bool:
        async with self._engine.connect() as conn, conn.begin():
            await _system_scope(conn)
            rows = list(
                (
                    await conn.execute(
                        _SELECT_UNSENT,
                        {"shard": shard, "limit": self._batch_size, "prefix": self._prefix},
                    )
                ).all()
            )
        if not rows:
            self.last_progress = time.time()
            return False
        try:
            producer = await self._get_producer()
            results = await asyncio.wait_for(
                self._send_all(producer, rows), timeout=self._send_timeout
            )
        except Exception as exc:  # includes TimeoutError: the producer is wedged or the broker gone
            log.warning("relay send failed; rebuilding the producer", extra={"error": repr(exc)})
            metrics.RELAY_PRODUCER_REBUILDS.labels(self._service).inc()
            self.producer_rebuilds += 1
            await self._close_producer()
            await self._sleep(0.5)
            return False
        acked: list[int] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                break  # keep order: everything after a failure is sent again
            acked.append(row.position)
        if acked:
            async with self._engine.begin() as conn:
                await _system_scope(conn)
                await conn.execute(_MARK_SENT, {"positions": acked})
            self.published += len(acked)
            metrics.RELAY_PUBLISHED.labels(self._service).inc(len(acked))
            self.last_progress = time.time()
        if len(acked) < len(rows):
            log.warning("relay batch partly failed; rebuilding the producer")
            await self._close_producer()
            return False
        return len(rows) == self._batch_size

    @staticmethod
    async def _send_all(producer: AIOKafkaProducer, rows: list[Any]) -> list[Any]:
        futures = []
        for row in rows:
            futures.append(
                await producer.send(
                    row.topic,
                    value=None if row.payload is None else row.payload.encode(),
                    key=row.key.encode(),
                    headers=to_kafka_headers(row.headers),
                )
            )
        return list(await asyncio.gather(*futures, return_exceptions=True))

    async def _purge(self) -> None:
        async with self._engine.begin() as conn:
            await _system_scope(conn)
            await conn.execute(_PURGE, {"seconds": self._retention})


def relay_stats(relay: OutboxRelay) -> dict[str, Any]:
    return {
        "held_shards": sorted(relay.held_shards),
        "published": relay.published,
        "producer_rebuilds": relay.producer_rebuilds,
        "last_progress_age_seconds": round(time.time() - relay.last_progress, 3),
    }
