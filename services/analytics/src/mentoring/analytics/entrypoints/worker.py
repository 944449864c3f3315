"""The analytics worker's subscriptions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters.tables import kit
from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.consumer import Subscription
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.kit.tenants import tenant_replica_handler


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
        )
    ]
