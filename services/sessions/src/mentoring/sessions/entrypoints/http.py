"""What every sessions route shares: the caller, the unit of work, Idempotency-Key handling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel

from mentoring.kit.auth import Principal, Role
from mentoring.kit.idempotency import StoredResponse, request_hash
from mentoring.kit.web import kit, require
from mentoring.sessions.domain.pairs import Caller
from mentoring.sessions.service_layer.once import RequestKey, once
from mentoring.sessions.service_layer.uow import HotPath, SessionsUnitOfWork

T = TypeVar("T")


def caller_with(*roles: Role, bulk: bool = False) -> Callable[[Request], Awaitable[Principal]]:
    """The kit's `require` (an async dependency, so no worker-thread hop per request)."""
    return require(*roles, bulk=bulk)


Members = Annotated[Principal, Depends(caller_with(Role.MENTOR, Role.MENTEE))]
PairReaders = Annotated[Principal, Depends(caller_with(Role.COORDINATOR, Role.MENTOR, Role.MENTEE))]
Anyone = Annotated[Principal, Depends(caller_with())]
Coordinators = Annotated[Principal, Depends(caller_with(Role.COORDINATOR))]
Bulk = Annotated[Principal, Depends(caller_with(Role.COORDINATOR, bulk=True))]
Figures = Annotated[Principal, Depends(caller_with(Role.COORDINATOR, Role.ANALYST))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A retry with the same key and body returns the first result, writes nothing.",
    ),
]


def caller_of(principal: Principal) -> Caller:
    return Caller(
        participant_id=principal.participant_id,
        member_role=principal.has(Role.MENTOR, Role.MENTEE),
        coordinator=principal.has(Role.COORDINATOR),
    )


def new_uow(request: Request, principal: Principal) -> SessionsUnitOfWork:
    ctx = kit(request)
    return SessionsUnitOfWork(
        ctx.sessions,
        ctx.extras["outbox"],
        principal.tenant_id,
        traceparent=request.headers.get("traceparent"),
    )


def now() -> datetime:
    return datetime.now(UTC)


def hot_path(request: Request) -> HotPath:
    ctx = kit(request)
    return HotPath(ctx.engine, ctx.extras["outbox"])


async def request_key(request: Request, principal: Principal, key: str | None) -> RequestKey:
    fingerprint = request_hash(request.method, request.url.path, await request.body())
    return RequestKey(principal=principal.subject, key=key, fingerprint=fingerprint)


def rendering(
    render: Callable[[T], BaseModel | None], status_code: int
) -> Callable[[T], tuple[int, bytes]]:
    def rendered(result: T) -> tuple[int, bytes]:
        body = render(result)
        return (status_code, body.model_dump_json().encode() if body is not None else b"")

    return rendered


async def write_once(
    request: Request,
    principal: Principal,
    key: str | RequestKey | None,
    work: Callable[[SessionsUnitOfWork], Awaitable[T]],
    render: Callable[[T], BaseModel | None],
    *,
    status_code: int = 200,
) -> Response:
    """Run a POST's use case once per Idempotency-Key and answer with its (first) response."""
    stored = await once(
        new_uow(request, principal),
        key if isinstance(key, RequestKey) else await request_key(request, principal, key),
        work,
        rendering(render, status_code),
    )
    return answer(stored)


def answer(stored: StoredResponse) -> Response:
    headers = {"Idempotent-Replayed": "true"} if stored.replayed else None
    if not stored.body:
        return Response(status_code=stored.status_code, headers=headers)
    return Response(
        content=stored.body,
        status_code=stored.status_code,
        media_type="application/json",
        headers=headers,
    )
