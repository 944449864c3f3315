"""Async SQLAlchemy engine, sessions and the per-transaction tenant scope (DESIGN.md §4).

The tenant is set with `set_config(..., true)`: it lasts for the current transaction only, so a
pooled connection never carries one tenant's scope into another's request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

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


# -- the driver path: hot statements without SQLAlchemy's per-statement work --------------------


def scope_sql(tenant_id: UUID | None) -> str:
    """`BEGIN` and the transaction's scope as one simple-protocol message (one round trip).
    The value is a UUID rendered by `UUID` itself (hex digits and dashes), never caller text."""
    if tenant_id is None:
        return f"BEGIN; SELECT set_config('{SCOPE_SETTING}', '{SYSTEM_SCOPE}', true)"
    return f"BEGIN; SELECT set_config('{TENANT_SETTING}', '{UUID(str(tenant_id))}', true)"


@asynccontextmanager
async def driver_transaction(engine: AsyncEngine, tenant_id: UUID | None) -> AsyncIterator[Any]:
    """One transaction on a pooled connection's asyncpg driver, scoped to a tenant (None: the
    system scope) exactly as `tenant_transaction` is - `set_config(..., true)`, for this
    transaction only. Commits when the block ends, rolls back when it raises. A connection
    whose transaction could not be ended cleanly (say, a cancellation in mid-statement) is
    invalidated, so it never goes back to the pool holding a transaction or a tenant.

    For hot paths: a statement here costs the driver's work only; see `DriverStatement`."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is not None and driver.is_closed():  # the server closed it (a restart)
            await connection.invalidate()
            driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        ended = False
        try:
            if driver.is_in_transaction():  # never expected from the pool
                raise RuntimeError("a pooled connection was still in a transaction")
            await driver.execute(scope_sql(tenant_id))
            yield driver
            await driver.execute("COMMIT")
            ended = True
        except Exception:
            try:
                if driver.is_in_transaction() and not driver.is_closed():
                    await driver.execute("ROLLBACK")
                # a closed connection (the server restarted) must never go back to the pool
                ended = not driver.is_closed() and not driver.is_in_transaction()
            except Exception:
                log.warning("rollback failed; discarding the connection", exc_info=True)
            raise
        finally:
            if not ended or driver.is_closed() or driver.is_in_transaction():
                await connection.invalidate()


class DriverStatement:
    """A statement with named parameters (`:name`, the `text()` syntax), compiled once for the
    asyncpg driver, which receives them as `$1, $2...`: run it with a mapping of values on the
    connection of a `driver_transaction`. Write explicit casts (`CAST(:x AS uuid)`), as with
    `text()`; asyncpg prepares each statement once per connection and caches it."""

    def __init__(self, sql: str) -> None:
        compiled = text(sql).compile(dialect=_ASYNCPG)
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]

    async def fetch(self, driver: Any, params: Mapping[str, Any]) -> Sequence[Any]:
        rows: Sequence[Any] = await driver.fetch(self.sql, *self.args(params))
        return rows

    async def fetchrow(self, driver: Any, params: Mapping[str, Any]) -> Any:
        return await driver.fetchrow(self.sql, *self.args(params))

    async def fetchval(self, driver: Any, params: Mapping[str, Any]) -> Any:
        return await driver.fetchval(self.sql, *self.args(params))

    async def execute(self, driver: Any, params: Mapping[str, Any]) -> str:
        status: str = await driver.execute(self.sql, *self.args(params))
        return status


_ASYNCPG = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]
