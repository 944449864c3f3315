"""SQL repositories of matching."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.errors import Conflict
from mentoring.matching.adapters.tables import tenant
from mentoring.matching.domain.tenants import Tenant


class SqlTenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, t: Tenant) -> None:
        inserted = (
            await self.session.execute(
                insert(tenant)
                .values(
                    tenant_id=t.id,
                    name=t.name,
                    slug=t.slug,
                    default_locale=t.default_locale,
                    created_at=t.created_at,
                )
                .on_conflict_do_nothing(index_elements=["slug"])
                .returning(tenant.c.tenant_id)
            )
        ).first()
        if inserted is None:
            raise Conflict(f"a tenant with slug {t.slug!r} already exists")

    async def get(self, tenant_id: UUID) -> Tenant | None:
        row = (
            await self.session.execute(select(tenant).where(tenant.c.tenant_id == tenant_id))
        ).first()
        return _tenant(row) if row else None

    async def list(self, *, limit: int, offset: int) -> tuple[list[Tenant], int]:
        rows = (
            await self.session.execute(
                select(tenant)
                .order_by(tenant.c.created_at, tenant.c.tenant_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (await self.session.execute(select(func.count()).select_from(tenant))).scalar_one()
        return [_tenant(r) for r in rows], int(total)


def _tenant(row: object) -> Tenant:
    m = row._mapping  # type: ignore[attr-defined]
    return Tenant(
        id=m["tenant_id"],
        name=m["name"],
        slug=m["slug"],
        default_locale=m["default_locale"],
        created_at=m["created_at"],
    )
