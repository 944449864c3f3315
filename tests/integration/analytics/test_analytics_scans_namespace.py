"""The inactivity and health scans of one deployment publish only about the pairs and programmes
its own deployment projected: two workers with different topic namespaces share the analytics
database and read-model schema, and each one's scan leaves the other's alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters.projection import Stream
from mentoring.analytics.bootstrap import build_worker, use_read_model_schema
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.service_layer.projection import project_batch
from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.testing import unique
from mentoring.kit.worker import Worker

CREATED = datetime(2026, 1, 5, 10, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 10, tzinfo=UTC)  # 55 days without a session: past the 30 allowed


@pytest.fixture
async def sessions(
    analytics_settings: AnalyticsSettings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(analytics_settings.database_url, pool_size=1)
    use_read_model_schema(engine, analytics_settings.read_model_schema)
    yield session_factory(engine)
    await engine.dispose()


async def _programme_with_pairs(
    sessions: async_sessionmaker[AsyncSession], namespace: str, pairs: int
) -> tuple[UUID, UUID, list[UUID]]:
    """A tenant's programme and its pairs (enough for a health reason to count), projected by
    the deployment of `namespace`."""
    tenant, programme, pair_ids = uuid4(), uuid4(), [uuid4() for _ in range(pairs)]
    events: list[EventData] = [
        m.ProgrammeOpened(
            tenant_id=tenant,
            sequence=1,
            occurred_at=CREATED,
            programme_id=programme,
            name="Namespaces",
            kind=m.ProgrammeKind.ONE_TO_ONE,
            mode=m.MatchingMode.BEST_QUALITY,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            max_mentees_per_mentor=1,
            inactivity_days=30,
        ),
        *(
            m.PairCreated(
                tenant_id=tenant,
                sequence=1,
                occurred_at=CREATED,
                pair_id=pair,
                programme_id=programme,
                mentor_id=uuid4(),
                mentee_id=uuid4(),
                proposed_at=CREATED,
            )
            for pair in pair_ids
        ),
    ]
    await project_batch(sessions, Stream.MATCHING, events, namespace=namespace)
    return tenant, programme, pair_ids


def _scan(worker: Worker) -> Any:
    return next(job for job in worker.jobs if job.name == "inactivity-and-health")


async def test_each_namespace_scans_only_its_own_pairs_and_programmes(
    analytics_settings: AnalyticsSettings,
    sessions: async_sessionmaker[AsyncSession],
    admin_db: Any,
) -> None:
    settings_a = analytics_settings
    settings_b = settings_a.model_copy(
        update={
            "topic_namespace": settings_a.topic_namespace + "b.",
            "consumer_group": unique("analytics-test-"),
        }
    )
    worker_a = build_worker(settings_a, clock=lambda: LATER)
    worker_b = build_worker(settings_b, clock=lambda: LATER)
    db = await admin_db("analytics")
    schema = settings_a.read_model_schema

    async def published(tenant: UUID) -> list[tuple[str, str]]:
        rows = await db.fetch(
            "select topic, event_type from outbox_message where tenant_id = $1 order by position",
            tenant,
        )
        return [(r["topic"], r["event_type"]) for r in rows]

    async def scan_state(tenant: UUID) -> tuple[int, int]:
        episodes = await db.fetchval(
            "select count(*) from pair_inactivity where tenant_id = $1", tenant
        )
        health = await db.fetchval(
            "select count(*) from programme_health where tenant_id = $1", tenant
        )
        return int(episodes), int(health)

    try:
        tenant_a, programme_a, pairs_a = await _programme_with_pairs(
            sessions, settings_a.topic_namespace, 6
        )
        tenant_b, _, pairs_b = await _programme_with_pairs(sessions, settings_b.topic_namespace, 5)
        recorded = await db.fetch(
            f'select pair_id, namespace from "{schema}".rm_pair where tenant_id = any($1::uuid[])',
            [tenant_a, tenant_b],
        )
        assert {r["pair_id"]: r["namespace"] for r in recorded} == {
            **dict.fromkeys(pairs_a, settings_a.topic_namespace),
            **dict.fromkeys(pairs_b, settings_b.topic_namespace),
        }
        assert (
            await db.fetchval(
                f'select namespace from "{schema}".rm_programme where programme_id = $1',
                programme_a,
            )
            == settings_a.topic_namespace
        )

        await _scan(worker_b).run()
        assert await published(tenant_a) == []  # B publishes nothing about A's pairs...
        assert await scan_state(tenant_a) == (0, 0)  # ...and records no episode or health
        on_b = settings_b.topic_namespace + topics.ANALYTICS
        assert sorted(await published(tenant_b)) == sorted(
            [(on_b, "analytics.pair_inactive.v1")] * 5
            + [(on_b, "analytics.programme_health_changed.v1")]
        )

        await _scan(worker_a).run()
        on_a = settings_a.topic_namespace + topics.ANALYTICS
        assert sorted(await published(tenant_a)) == sorted(
            [(on_a, "analytics.pair_inactive.v1")] * 6
            + [(on_a, "analytics.programme_health_changed.v1")]
        )
        assert await scan_state(tenant_a) == (6, 1)
        assert len(await published(tenant_b)) == 6  # A added nothing about B's
    finally:
        await worker_a.engine.dispose()
        await worker_b.engine.dispose()
