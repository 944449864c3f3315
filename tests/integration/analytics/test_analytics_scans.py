"""Inactive pairs are published once per inactivity episode (a new session ends it); programme
health is published only when it changes. Time comes from an injected clock; the events go out
through the outbox and the relay to the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters.projection import Stream
from mentoring.analytics.bootstrap import build_worker, use_read_model_schema
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.service_layer.projection import project_batch
from mentoring.analytics.service_layer.scans import evaluate_health, scan_inactive_pairs
from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.contracts.events import sessions as s
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.envelope import decode
from mentoring.kit.outbox import Outbox
from mentoring.kit.testing import read_topic, running


def day(month: int, d: int, hour: int = 10) -> datetime:
    return datetime(2026, month, d, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
async def sessions(
    analytics_settings: AnalyticsSettings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(analytics_settings.database_url, pool_size=2)
    use_read_model_schema(engine, analytics_settings.read_model_schema)
    yield session_factory(engine)
    await engine.dispose()


class Ministry:
    """One programme with eight pairs created on 5 January, projected through the use case by
    the deployment of topic namespace `namespace`."""

    def __init__(self, db: async_sessionmaker[AsyncSession], namespace: str) -> None:
        self.db = db
        self.namespace = namespace
        self.tenant = uuid4()
        self.programme = uuid4()
        self.pairs = [uuid4() for _ in range(8)]
        self.sequence: dict[UUID, int] = {}

    def _next(self, pair: UUID) -> int:
        self.sequence[pair] = self.sequence.get(pair, 0) + 1
        return self.sequence[pair]

    async def open(self) -> None:
        events: list[EventData] = [
            m.ProgrammeOpened(
                tenant_id=self.tenant,
                sequence=1,
                occurred_at=day(1, 1),
                programme_id=self.programme,
                name="Inactivity",
                kind=m.ProgrammeKind.ONE_TO_ONE,
                mode=m.MatchingMode.BEST_QUALITY,
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                max_mentees_per_mentor=1,
                inactivity_days=30,
            )
        ]
        events += [
            m.PairCreated(
                tenant_id=self.tenant,
                sequence=1,
                occurred_at=day(1, 5),
                pair_id=pair,
                programme_id=self.programme,
                mentor_id=uuid4(),
                mentee_id=uuid4(),
                proposed_at=day(1, 4),
            )
            for pair in self.pairs
        ]
        await project_batch(self.db, Stream.MATCHING, events, namespace=self.namespace)

    async def meet(self, pairs: list[UUID], when: datetime) -> None:
        events = [
            s.SessionLogged(
                tenant_id=self.tenant,
                sequence=self._next(pair),
                occurred_at=when,
                pair_id=pair,
                programme_id=self.programme,
                session_id=uuid4(),
                held_at=when,
                duration_minutes=60,
            )
            for pair in pairs
        ]
        await project_batch(self.db, Stream.SESSIONS, events, namespace=self.namespace)


async def test_inactivity_once_per_episode_and_health_only_on_change(
    analytics_settings: AnalyticsSettings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = Outbox(analytics_settings.relay_shards, analytics_settings.topic_namespace)
    ministry = Ministry(sessions, analytics_settings.topic_namespace)
    await ministry.open()
    p = ministry.pairs
    await ministry.meet(p[:5], day(1, 25))

    now = day(2, 15)  # pairs 6-8: 41 days since creation; pairs 1-5: 21 days since meeting
    assert await scan_inactive_pairs(sessions, outbox, now) == 3
    assert await scan_inactive_pairs(sessions, outbox, now + timedelta(hours=1)) == 0
    assert await evaluate_health(sessions, outbox, now) == 1  # 3 of 8 inactive
    assert await evaluate_health(sessions, outbox, now + timedelta(hours=1)) == 0

    await ministry.meet([p[5]], day(2, 16))
    assert await scan_inactive_pairs(sessions, outbox, day(2, 17)) == 0  # pair 6's episode ends
    assert await evaluate_health(sessions, outbox, day(2, 17)) == 0  # 2 of 8: still 25 %
    await ministry.meet(p[6:], day(2, 17, 12))
    assert await scan_inactive_pairs(sessions, outbox, day(2, 18)) == 0
    assert await evaluate_health(sessions, outbox, day(2, 18)) == 1  # back on track

    later = day(3, 20)  # everyone quiet again: 6, 7 and 8 start a second episode
    assert await scan_inactive_pairs(sessions, outbox, later) == 8
    assert await evaluate_health(sessions, outbox, later) == 1

    # Out through the relay (the worker's own scan runs at the same moment: nothing new).
    async with running(build_worker(analytics_settings, clock=lambda: later)):
        records = await read_topic(
            analytics_settings.kafka_bootstrap,
            analytics_settings.topic_namespace + topics.ANALYTICS,
            expect=14,  # 11 inactive pairs and 3 health changes
        )
    events = [decode(r.headers, r.value).data for r in records]
    mine = [e for e in events if e.tenant_id == ministry.tenant]
    assert len(mine) == 14
    inactive = [e for e in mine if e.event_type == "analytics.pair_inactive.v1"]
    per_pair = {pair: sum(1 for e in inactive if e.pair_id == pair) for pair in p}  # type: ignore[attr-defined]
    assert per_pair == {**dict.fromkeys(p[:5], 1), **dict.fromkeys(p[5:], 2)}
    first = next(e for e in inactive if e.pair_id == p[7])  # type: ignore[attr-defined]
    assert (first.inactive_days, first.threshold_days, first.last_session_at) == (41, 30, None)  # type: ignore[attr-defined]
    health = sorted(
        (e for e in mine if e.event_type == "analytics.programme_health_changed.v1"),
        key=lambda e: e.occurred_at,
    )
    assert [(e.previous, e.health) for e in health] == [  # type: ignore[attr-defined]
        ("on_track", "needs_attention"),
        ("needs_attention", "on_track"),
        ("on_track", "needs_attention"),
    ]
    assert health[0].reasons == ["inactive_pairs"]  # type: ignore[attr-defined]
