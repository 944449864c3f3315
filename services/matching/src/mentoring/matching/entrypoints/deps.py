"""What the routes share: the unit of work, the acting person, roles, pages, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from mentoring.kit import web
from mentoring.kit.auth import Principal, Role
from mentoring.kit.pacing import Pacer
from mentoring.kit.web import kit, require
from mentoring.matching.config import MatchingSettings
from mentoring.matching.service_layer.common import Actor
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

T = TypeVar("T")

MEMBER_ROLES = (Role.COORDINATOR, Role.MENTOR, Role.MENTEE)

Coordinator = Annotated[Principal, Depends(require(Role.COORDINATOR))]
CoordinatorBulk = Annotated[Principal, Depends(require(Role.COORDINATOR, bulk=True))]
Member = Annotated[Principal, Depends(require(*MEMBER_ROLES))]
Anyone = Annotated[Principal, Depends(require())]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = web.Offset


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def now() -> datetime:
    return datetime.now(UTC)


def uow(request: Request, tenant_id: UUID | None) -> MatchingUnitOfWork:
    ctx = kit(request)
    return MatchingUnitOfWork(
        ctx.sessions,
        ctx.extras["outbox"],
        tenant_id,
        traceparent=request.headers.get("traceparent"),
    )


def tenant_uow(request: Request, principal: Principal) -> MatchingUnitOfWork:
    """Every request runs in the tenant of its token (never one from a path or a body)."""
    return uow(request, principal.tenant_id)


def bulk_uow(request: Request, principal: Principal) -> MatchingUnitOfWork:
    """`tenant_uow` for bulk calls (import, round, publication): paced by `MENTORING_BULK_DUTY`
    (kit.pacing), so that they leave the shared database to other tenants between chunks."""
    unit = tenant_uow(request, principal)
    settings = kit_settings(request)
    if settings.bulk_duty < 1:
        unit.pacer = Pacer(settings.bulk_duty, service=settings.service_name)
    return unit


def kit_settings(request: Request) -> MatchingSettings:
    settings = kit(request).settings
    assert isinstance(settings, MatchingSettings)
    return settings


def actor(principal: Principal) -> Actor:
    return Actor(person_id=principal.participant_id, coordinator=principal.has(Role.COORDINATOR))


def locale_of(request: Request) -> str:
    """The language of user-facing messages: English when asked for, else Polish."""
    accept = request.headers.get("accept-language", "").strip().lower()
    return "en" if accept.startswith("en") else "pl"
