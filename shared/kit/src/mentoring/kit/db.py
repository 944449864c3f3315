"""Async SQLAlchemy engine, sessions and the per-transaction tenant scope (DESIGN.md §4).

The tenant is set with `set_config(..., true)`: it lasts for the current transaction only, so a
pooled connection never carries one tenant's scope into another's request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

TENANT_SETTING = "app.tenant_id"
SCOPE_SETTING = "app.scope"
SYSTEM_SCOPE = "system"


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, pre_ping: bool = False
) -> AsyncEngine:
    """No pre-ping by default: it costs round trips on every checkout. After a database restart
    the first statement on a stale connection fails, SQLAlchemy then recycles every connection of
    the pool, and clients retry (with their Idempotency-Key)."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def set_tenant(session: AsyncSession, tenant_id: UUID) -> None:
    await session.execute(
        text("select set_config(:name, :value, true)"),
        {"name": TENANT_SETTING, "value": str(tenant_id)},
    )


async def set_system_scope(session: AsyncSession) -> None:
    """For platform-level work (the relay, schedulers, platform admins): see `system_access`."""
    await session.execute(
        text("select set_config(:name, :value, true)"),
        {"name": SCOPE_SETTING, "value": SYSTEM_SCOPE},
    )


@asynccontextmanager
async def tenant_transaction(
    sessions: async_sessionmaker[AsyncSession], tenant_id: UUID | None
) -> AsyncIterator[AsyncSession]:
    """A session in one transaction, scoped to a tenant (or to the system when None)."""
    async with sessions() as session, session.begin():
        if tenant_id is None:
            await set_system_scope(session)
        else:
            await set_tenant(session, tenant_id)
        yield session
