"""Running a write exactly once per Idempotency-Key, in the transaction of its effects.

A use case runs inside `once`: the key is claimed, the effects and the rendered response are
written, and everything commits together. A retry with the same key and body gets the first
response back and writes nothing; a failed attempt leaves no trace, so its retry runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from mentoring.kit.idempotency import StoredResponse, run_idempotent
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class RequestKey:
    """Who sent the request, their Idempotency-Key (if any), and a hash of what they sent."""

    principal: str
    key: str | None
    fingerprint: str


async def once(
    uow: SessionsUnitOfWork,
    request: RequestKey,
    work: Callable[[SessionsUnitOfWork], Awaitable[T]],
    render: Callable[[T], tuple[int, bytes]],
) -> StoredResponse:
    async with uow:

        async def operation() -> tuple[int, bytes]:
            return render(await work(uow))

        stored = await run_idempotent(
            uow.session,
            tenant_id=uow.tenant,
            principal=request.principal,
            key=request.key,
            fingerprint=request.fingerprint,
            operation=operation,
        )
        await uow.commit()
    return stored
