"""HTTP API of sessions: the routers of each area, and the caller's tenant as sessions knows it.

The app includes the area routers directly (`routers`): FastAPI matches nested routers level by
level, and one level less is measurably cheaper on the hot path (bench/sessions_log.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from mentoring.kit.errors import NotFound
from mentoring.kit.web import tenant_session
from mentoring.sessions.adapters.tables import kit
from mentoring.sessions.entrypoints import routes_records, routes_sessions, routes_surveys
from mentoring.sessions.entrypoints.http import Anyone

tenant_router = APIRouter(prefix="/api/v1")


class TenantOut(BaseModel):
    id: UUID
    name: str
    slug: str
    default_locale: str
    provisioned_at: datetime


@tenant_router.get("/tenant", response_model=TenantOut, tags=["tenant"])
async def my_tenant(request: Request, principal: Anyone) -> TenantOut:
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


routers = (routes_sessions.router, routes_records.router, routes_surveys.router, tenant_router)
