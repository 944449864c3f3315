"""Tenant isolation in the databases (DESIGN.md §4): row-level security is forced on every table
with tenant data in all four databases, the application roles cannot bypass it, and in tenant A's
context no query returns tenant B's rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import MetaData, text

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.tables import KitTables
from mentoring.kit.tenants import apply_tenant_provisioned

SERVICES = ("matching", "sessions", "notifications", "analytics")

TENANT_TABLES = """
select c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) as owner
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
  and exists (select 1 from pg_attribute a
              where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
order by c.relname
"""


@pytest.mark.parametrize("service", SERVICES)
async def test_every_tenant_table_forces_row_level_security(
    service: str, migrated: dict[str, Any], admin_db: Callable[[str], Any]
) -> None:
    db: asyncpg.Connection = await admin_db(service)
    tables = await db.fetch(TENANT_TABLES)
    assert tables, f"{service} has no tenant tables?"
    for t in tables:
        assert t["relrowsecurity"] and t["relforcerowsecurity"], f"{service}.{t['relname']}"
        assert t["owner"] == f"{service}_owner", f"{service}.{t['relname']} owned by {t['owner']}"
        policies = await db.fetchval(
            "select count(*) from pg_policies "
            "where tablename = $1 and policyname = 'tenant_isolation'",
            t["relname"],
        )
        assert policies == 1, f"{service}.{t['relname']} has no tenant_isolation policy"
    role = await db.fetchrow(
        "select rolsuper, rolbypassrls from pg_roles where rolname = $1", service
    )
    assert not role["rolsuper"] and not role["rolbypassrls"]


@pytest.mark.parametrize("service", SERVICES)
async def test_tenant_context_never_sees_another_tenant(
    service: str, migrated: dict[str, Any], admin_db: Callable[[str], Any]
) -> None:
    """Two tenants' rows exist; every tenant table read in A's context shows only A's rows,
    and with no tenant set a table shows nothing at all."""
    settings = migrated[service]
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    a, b = uuid4(), uuid4()
    replica = KitTables(MetaData(), tenant_replica=True).tenant_replica
    assert replica is not None
    try:
        if service != "matching":
            for tenant in (a, b):
                async with tenant_transaction(sessions, tenant) as session:
                    await apply_tenant_provisioned(
                        session,
                        replica,
                        TenantProvisioned(
                            tenant_id=tenant,
                            sequence=1,
                            occurred_at=datetime.now(UTC),
                            name="M",
                            slug=f"s-{tenant}",
                        ),
                    )
        db: asyncpg.Connection = await admin_db(service)
        tables = [r["relname"] for r in await db.fetch(TENANT_TABLES)]
        for table in tables:
            async with tenant_transaction(sessions, a) as session:
                others = (
                    await session.execute(
                        text(f"select count(*) from {table} where tenant_id <> :a"), {"a": a}
                    )
                ).scalar_one()
                assert others == 0, f"{service}.{table} leaked {others} rows into tenant A"
            async with sessions() as session, session.begin():
                unscoped = (
                    await session.execute(text(f"select count(*) from {table}"))
                ).scalar_one()
                assert unscoped == 0, f"{service}.{table} shows rows without a tenant"
        if service != "matching":
            async with tenant_transaction(sessions, a) as session:
                seen = (
                    (await session.execute(text("select tenant_id from tenant_replica")))
                    .scalars()
                    .all()
                )
            assert seen == [a]
            async with tenant_transaction(sessions, a) as session:
                with pytest.raises(Exception, match="row-level security"):
                    await session.execute(
                        text("insert into tenant_replica values (:t, 'x', :s, 'pl', now())"),
                        {"t": b, "s": f"x-{b}"},
                    )
    finally:
        await engine.dispose()
