"""Projecting a fetched batch of one topic into the read model, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.analytics.adapters.projection import Stream, fold
from mentoring.analytics.adapters.sql_store import SqlProjectionStore
from mentoring.contracts.base import EventData
from mentoring.kit.db import tenant_transaction


async def project_batch(
    sessions: async_sessionmaker[AsyncSession],
    stream: Stream,
    events: Sequence[EventData],
    *,
    namespace: str = "",
) -> int:
    """Apply a batch (several tenants) once: duplicates by sequence are left out. Returns how
    many events had an effect. System scope: see docs/decisions/0011-analytics-projections.md.
    New pairs and programmes record `namespace`, the topic namespace of this deployment."""
    async with tenant_transaction(sessions, None) as session:
        store = SqlProjectionStore(session, namespace)
        changes = await fold(stream, events, store)
        if changes.applied:
            await store.write(changes)
    return changes.applied
