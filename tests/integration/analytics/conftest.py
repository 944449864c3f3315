"""Fixtures of analytics' integration tests: a private read-model schema per module (so the
rebuild's swap touches nobody else's tables), settings pointing at it, and a publisher of events
onto the module's topics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from mentoring.analytics.adapters import schema as read_model_schema
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints.cli import asyncpg_dsn
from mentoring.contracts.base import EventData
from mentoring.kit.envelope import ce_headers, to_kafka_headers
from mentoring.kit.kafka import all_platform_topics, ensure_topics, make_producer
from mentoring.kit.settings import KitSettings
from mentoring.kit.testing import unique
from mentoring.kit.worker import Worker


@pytest.fixture(scope="module")
async def rm_schema(migrated: dict[str, KitSettings]) -> AsyncIterator[str]:
    settings = migrated["analytics"]
    name = f"rm_{uuid4().hex[:12]}"
    conn = await asyncpg.connect(asyncpg_dsn(settings.migration_database_url))
    try:
        app_role = make_url(settings.database_url).username or "analytics"
        await read_model_schema.create_read_model_schema(conn, name, app_role)
        yield name
    finally:
        await read_model_schema.drop_schema(conn, name)
        await read_model_schema.drop_schema(conn, read_model_schema.shadow_of(name))
        await conn.close()


@pytest.fixture(scope="module")
def analytics_settings(
    migrated: dict[str, KitSettings], kafka_bootstrap: str, namespace: str, rm_schema: str
) -> AnalyticsSettings:
    """This module's settings: its topics, its consumer groups, its read-model schema."""
    base = migrated["analytics"]
    assert isinstance(base, AnalyticsSettings)
    return base.model_copy(
        update={
            "kafka_bootstrap": kafka_bootstrap,
            "topic_namespace": namespace,
            "topic_partitions": 3,
            "consumer_group": unique("analytics-test-"),
            "consumer_stall_seconds": 20.0,
            "read_model_schema": rm_schema,
            "scan_interval_seconds": 3600.0,
        }
    )


async def publish(settings: KitSettings, events: Sequence[EventData]) -> None:
    """Put events on the module's topics as their producers' relays would (key = aggregate)."""
    await ensure_topics(
        settings.kafka_bootstrap,
        all_platform_topics(settings.topic_namespace),
        partitions=settings.topic_partitions,
    )
    producer = make_producer(settings.kafka_bootstrap, client_id="analytics-test")
    await producer.start()
    try:
        sent = []
        for event in events:
            headers = to_kafka_headers(ce_headers(event, event_id=uuid4(), time=event.occurred_at))
            sent.append(
                await producer.send(
                    settings.topic_namespace + event.topic,
                    value=event.model_dump_json().encode(),
                    key=event.subject.encode(),
                    headers=headers,
                )
            )
        for future in sent:
            await future
    finally:
        await producer.stop()


def projected(worker: Worker, expected: dict[str, int]) -> Callable[[], Any]:
    """A probe for `eventually`: each projection consumer has handled its topic's events."""

    async def probe() -> bool:
        for runtime in worker.runtimes:
            want = next((n for t, n in expected.items() if runtime.sub.topics[0].endswith(t)), 0)
            if runtime.sub.name.startswith("projection") and (
                runtime.processed < want or runtime.lag > 0
            ):
                return False
        return True

    return probe
