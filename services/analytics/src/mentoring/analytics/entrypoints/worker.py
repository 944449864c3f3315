"""The analytics worker: the tenant replica, one projection subscription per topic (a burst on
one topic does not hold up another) and the periodic inactivity and health scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters.projection import (
    PROJECTION_SUBSCRIPTIONS,
    STREAM_TOPICS,
    Stream,
)
from mentoring.analytics.adapters.tables import kit
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.service_layer.projection import project_batch
from mentoring.analytics.service_layer.scans import scan
from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.consumer import BatchHandler, Subscription
from mentoring.kit.envelope import Envelope
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.kit.tenants import tenant_replica_handler
from mentoring.kit.worker import PeriodicJob

SUBSCRIPTION_NAMES = ("tenants", *PROJECTION_SUBSCRIPTIONS.values())


def _projector(
    sessions: async_sessionmaker[AsyncSession], stream: Stream, namespace: str
) -> BatchHandler:
    async def handle(envelopes: list[Envelope]) -> None:
        await project_batch(sessions, stream, [e.data for e in envelopes], namespace=namespace)

    return handle


def subscriptions(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[Subscription]:
    assert kit.tenant_replica is not None
    return [
        Subscription(
            name="tenants",
            topics=[topics.MATCHING],
            handler=tenant_replica_handler(
                sessions, kit.tenant_replica, Inbox("analytics.tenants")
            ),
            accepts=lambda t: t == TenantProvisioned.event_type,
        ),
        *(
            Subscription(
                name=name,
                topics=[STREAM_TOPICS[stream]],
                batch_handler=_projector(sessions, stream, outbox.namespace),
            )
            for stream, name in PROJECTION_SUBSCRIPTIONS.items()
        ),
    ]


def jobs(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    settings: AnalyticsSettings,
    clock: Callable[[], datetime],
) -> list[PeriodicJob]:
    async def run() -> None:
        await scan(sessions, outbox, clock())

    return [PeriodicJob("inactivity-and-health", settings.scan_interval_seconds, run)]
