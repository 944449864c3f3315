"""Tenants (ministries): provisioned by platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from mentoring.kit.auth import Principal, Role
from mentoring.kit.errors import NotFound
from mentoring.kit.web import require
from mentoring.matching.domain.tenants import Tenant
from mentoring.matching.entrypoints.deps import Anyone, Limit, Offset, Page, now, uow
from mentoring.matching.service_layer import tenants as tenant_use_cases

router = APIRouter(prefix="/api/v1", tags=["tenants"])
PlatformAdmin = Annotated[Principal, Depends(require(Role.PLATFORM_ADMIN))]


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Ministerstwo Cyfryzacji"])
    slug: str = Field(min_length=2, max_length=63, examples=["cyfryzacja"])
    default_locale: str = Field(default="pl", pattern="^(pl|en)$")


class TenantOut(BaseModel):
    id: UUID
    name: str
    slug: str
    default_locale: str
    created_at: datetime

    @classmethod
    def of(cls, t: Tenant) -> TenantOut:
        return cls(
            id=t.id,
            name=t.name,
            slug=t.slug,
            default_locale=t.default_locale,
            created_at=t.created_at,
        )


@router.post("/tenants", status_code=201, response_model=TenantOut)
async def provision_tenant(body: TenantIn, request: Request, _p: PlatformAdmin) -> TenantOut:
    """Provision a ministry; publishes `matching.tenant_provisioned.v1`."""
    tenant = await tenant_use_cases.provision_tenant(
        tenant_use_cases.ProvisionTenant(body.name, body.slug, body.default_locale),
        uow(request, None),
        now(),
    )
    return TenantOut.of(tenant)


@router.get("/tenants", response_model=Page[TenantOut])
async def list_tenants(
    request: Request, _p: PlatformAdmin, limit: Limit = 50, offset: Offset = 0
) -> Page[TenantOut]:
    async with uow(request, None) as u:
        items, total = await u.tenants.list(limit=limit, offset=offset)
    return Page(items=[TenantOut.of(t) for t in items], total=total, limit=limit, offset=offset)


@router.get("/tenants/{tenant_id}", response_model=TenantOut)
async def get_tenant(tenant_id: UUID, request: Request, principal: Anyone) -> TenantOut:
    """A platform admin sees every tenant; anyone else only their own."""
    if not principal.has(Role.PLATFORM_ADMIN) and principal.tenant_id != tenant_id:
        raise NotFound("no such tenant")
    scope = None if principal.has(Role.PLATFORM_ADMIN) else principal.tenant_id
    async with uow(request, scope) as u:
        tenant = await u.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return TenantOut.of(tenant)
