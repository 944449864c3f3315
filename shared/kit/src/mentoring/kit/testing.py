"""Helpers for tests against the real Postgres and the real Kafka broker (no mocks)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from mentoring.kit.worker import Worker

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[5]
INFRA_SCRIPT = REPO / "deploy" / "local" / "infra.sh"

NO_INFRASTRUCTURE = """
The integration tests need the real PostgreSQL and the real Kafka broker, and found neither
TEST_DATABASE_URL/TEST_KAFKA_BOOTSTRAP nor a Docker engine for testcontainers.
Start them with `make infra` (deploy/local/infra.sh start), or run the whole suite with
`make test`, which starts them. Integration tests are never skipped.
"""


@dataclass(frozen=True)
class Infrastructure:
    admin_database_url: str
    kafka_bootstrap: str
    how: str


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def find_infrastructure() -> Infrastructure | None:
    db = os.environ.get("TEST_DATABASE_URL")
    kafka = os.environ.get("TEST_KAFKA_BOOTSTRAP")
    if db and kafka:
        return Infrastructure(db, kafka, "environment")
    return None


def docker_engine_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run(
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        check=False,
        timeout=20,
    )
    return probe.returncode == 0


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll `probe` until `until(result)`; fail with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        last = await probe()
        if until(last):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)


@asynccontextmanager
async def running(worker: Worker, *, timeout: float = 60.0) -> AsyncIterator[Worker]:
    """Run a worker in this event loop; yield once every consumer has partitions assigned."""
    task = asyncio.create_task(worker.run(serve_health=False))
    try:
        deadline = time.monotonic() + timeout
        for runtime in worker.runtimes:
            remaining = max(0.1, deadline - time.monotonic())
            waiter = asyncio.create_task(runtime.assigned.wait())
            done, _ = await asyncio.wait(
                {waiter, task}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()  # re-raise the worker's failure
            if waiter not in done:
                waiter.cancel()
                raise AssertionError(f"consumer {runtime.sub.name} got no partitions in time")
        yield worker
    finally:
        worker.stop()
        try:
            await asyncio.wait_for(task, timeout=60)
        except TimeoutError:
            task.cancel()


async def read_topic(
    bootstrap: str, topic: str, *, expect: int | None = None, timeout: float = 30.0
) -> list[Any]:
    """Every record of a topic from the beginning (no group), waiting for `expect` records."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] = set()
        while not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
            if not partitions:
                if time.monotonic() > deadline:
                    return []
                await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        while True:
            ends = await consumer.end_offsets(tps)
            batch = await consumer.getmany(timeout_ms=300)
            for recs in batch.values():
                records.extend(recs)
            positions = {tp: await consumer.position(tp) for tp in tps}
            caught_up = all(positions[tp] >= ends[tp] for tp in tps)
            if caught_up and (expect is None or len(records) >= expect):
                return records
            if time.monotonic() > deadline:
                return records
    finally:
        await consumer.stop()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()


def infra(command: str, *, timeout: float = 180.0) -> None:
    """Run deploy/local/infra.sh: chaos hooks kafka-kill, kafka-start, pg-restart-immediate..."""
    subprocess.run(
        ["bash", str(INFRA_SCRIPT), command], check=True, timeout=timeout, capture_output=True
    )
