"""The matching worker's subscriptions (the relay runs beside them)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.kit.consumer import Subscription
from mentoring.kit.outbox import Outbox


def subscriptions(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[Subscription]:
    return []
