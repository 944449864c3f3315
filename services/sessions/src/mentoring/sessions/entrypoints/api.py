"""HTTP API of sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from mentoring.kit.auth import Principal
from mentoring.kit.errors import NotFound
from mentoring.kit.web import require, tenant_session
from mentoring.sessions.adapters.tables import kit

router = APIRouter(prefix="/api/v1")


class TenantOut(BaseModel):
    id: UUID
    name: str
    slug: str
    default_locale: str
    provisioned_at: datetime


@router.get("/tenant", response_model=TenantOut, tags=["tenant"])
async def my_tenant(
    request: Request, principal: Annotated[Principal, Depends(require())]
) -> TenantOut:
    """The caller's ministry as this service knows it (from `matching.tenant_provisioned.v1`)."""
    table = kit.tenant_replica
    assert table is not None
    async with tenant_session(request, principal.tenant_id) as session:
        row = (await session.execute(select(table))).first()
    if row is None:
        raise NotFound("this service has not heard of your tenant yet")
    return TenantOut(
        id=row.tenant_id,
        name=row.name,
        slug=row.slug,
        default_locale=row.default_locale,
        provisioned_at=row.provisioned_at,
    )
