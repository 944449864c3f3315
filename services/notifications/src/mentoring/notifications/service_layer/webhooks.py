"""Webhook subscriptions, managed by a tenant's coordinators: an https endpoint, the event types
it wants, and a `whsec_` secret (shown once) that signs every delivery."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from mentoring.kit.errors import InvalidInput, NotFound
from mentoring.notifications.adapters.endpoints import DeliveryRecord, Endpoint
from mentoring.notifications.adapters.webhooks import UrlPolicy, new_secret
from mentoring.notifications.service_layer.ingest import SUBSCRIBABLE_TYPES
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork


@dataclass(frozen=True)
class RegisterEndpoint:
    url: str
    event_types: list[str]
    description: str | None
    created_by: str


def _checked_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - set(SUBSCRIBABLE_TYPES))
    if unknown:
        raise InvalidInput(
            f"unknown or unsubscribable event types: {', '.join(unknown)}",
            allowed=list(SUBSCRIBABLE_TYPES),
        )
    if not types:
        raise InvalidInput("choose at least one event type")
    return sorted(set(types))


async def register_endpoint(
    cmd: RegisterEndpoint, uow: NotificationsUnitOfWork, policy: UrlPolicy
) -> Endpoint:
    types = _checked_types(cmd.event_types)
    await policy.check(cmd.url)
    assert uow.tenant_id is not None
    async with uow:
        endpoint = await uow.endpoints.add(
            endpoint_id=uuid4(),
            tenant_id=uow.tenant_id,
            url=cmd.url,
            event_types=types,
            secret=new_secret(),
            description=cmd.description,
            created_by=cmd.created_by,
        )
        await uow.commit()
    return endpoint


async def list_endpoints(
    uow: NotificationsUnitOfWork, *, limit: int, offset: int
) -> tuple[list[Endpoint], int]:
    async with uow:
        return await uow.endpoints.page(limit=limit, offset=offset)


async def get_endpoint(uow: NotificationsUnitOfWork, endpoint_id: UUID) -> Endpoint:
    async with uow:
        endpoint = await uow.endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def update_endpoint(
    uow: NotificationsUnitOfWork,
    endpoint_id: UUID,
    *,
    event_types: list[str] | None,
    active: bool | None,
) -> Endpoint:
    types = _checked_types(event_types) if event_types is not None else None
    async with uow:
        endpoint = await uow.endpoints.update(endpoint_id, event_types=types, active=active)
        if endpoint is None:
            raise NotFound("no such webhook endpoint")
        await uow.commit()
    return endpoint


async def rotate_secret(uow: NotificationsUnitOfWork, endpoint_id: UUID) -> Endpoint:
    async with uow:
        endpoint = await uow.endpoints.rotate_secret(endpoint_id, new_secret())
        if endpoint is None:
            raise NotFound("no such webhook endpoint")
        await uow.commit()
    return endpoint


async def delete_endpoint(uow: NotificationsUnitOfWork, endpoint_id: UUID) -> None:
    async with uow:
        if not await uow.endpoints.delete(endpoint_id):
            raise NotFound("no such webhook endpoint")
        await uow.commit()


async def list_deliveries(
    uow: NotificationsUnitOfWork,
    endpoint_id: UUID,
    *,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[DeliveryRecord], int]:
    async with uow:
        if await uow.endpoints.get(endpoint_id) is None:
            raise NotFound("no such webhook endpoint")
        return await uow.endpoints.deliveries(
            endpoint_id, status=status, limit=limit, offset=offset
        )
