"""The local copy of the tenant directory that each consuming service keeps, fed by
`matching.tenant_provisioned.v1` (the walking skeleton of the event backbone)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.consumer import EventHandler
from mentoring.kit.db import tenant_transaction
from mentoring.kit.envelope import Envelope
from mentoring.kit.inbox import Inbox


async def apply_tenant_provisioned(
    session: AsyncSession, table: Table, event: TenantProvisioned
) -> None:
    await session.execute(
        insert(table)
        .values(
            tenant_id=event.tenant_id,
            name=event.name,
            slug=event.slug,
            default_locale=event.default_locale,
            provisioned_at=event.occurred_at,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )


def tenant_replica_handler(
    sessions: async_sessionmaker[AsyncSession], table: Table, inbox: Inbox
) -> EventHandler:
    async def handle(envelope: Envelope) -> None:
        assert isinstance(envelope.data, TenantProvisioned)
        async with tenant_transaction(sessions, envelope.tenant_id) as session:
            if await inbox.claim(session, envelope):
                await apply_tenant_provisioned(session, table, envelope.data)

    return handle
