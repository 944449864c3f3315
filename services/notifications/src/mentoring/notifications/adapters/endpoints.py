"""Webhook subscriptions of a tenant and the record of their deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: UUID
    url: str
    event_types: list[str]
    secret: str
    description: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    delivery_id: UUID
    event_type: str
    event_id: UUID | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def _endpoint(r: Any) -> Endpoint:
    return Endpoint(
        endpoint_id=r.endpoint_id,
        url=r.url,
        event_types=list(r.event_types),
        secret=r.secret,
        description=r.description,
        active=r.active,
        created_at=r.created_at,
    )


class SqlEndpoints:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        endpoint_id: UUID,
        tenant_id: UUID,
        url: str,
        event_types: list[str],
        secret: str,
        description: str | None,
        created_by: str,
    ) -> Endpoint:
        row = (
            await self.session.execute(
                text(
                    """
                    INSERT INTO webhook_endpoint (endpoint_id, tenant_id, url, event_types, secret,
                                                  description, created_by)
                    VALUES (:id, :tenant, :url, CAST(:types AS text[]), :secret, :description,
                            :created_by)
                    RETURNING *
                    """
                ),
                {
                    "id": endpoint_id,
                    "tenant": tenant_id,
                    "url": url,
                    "types": event_types,
                    "secret": secret,
                    "description": description,
                    "created_by": created_by,
                },
            )
        ).one()
        return _endpoint(row)

    async def get(self, endpoint_id: UUID) -> Endpoint | None:
        row = (
            await self.session.execute(
                text("SELECT * FROM webhook_endpoint WHERE endpoint_id = :id"), {"id": endpoint_id}
            )
        ).first()
        return _endpoint(row) if row else None

    async def page(self, *, limit: int, offset: int) -> tuple[list[Endpoint], int]:
        rows = await self.session.execute(
            text(
                "SELECT * FROM webhook_endpoint ORDER BY created_at, endpoint_id "
                "LIMIT :limit OFFSET :offset"
            ),
            {"limit": limit, "offset": offset},
        )
        total = (await self.session.execute(text("SELECT count(*) FROM webhook_endpoint"))).scalar()
        return [_endpoint(r) for r in rows], int(total or 0)

    async def update(
        self, endpoint_id: UUID, *, event_types: list[str] | None, active: bool | None
    ) -> Endpoint | None:
        row = (
            await self.session.execute(
                text(
                    """
                    UPDATE webhook_endpoint SET
                        event_types = coalesce(CAST(:types AS text[]), event_types),
                        active = coalesce(CAST(:active AS boolean), active)
                    WHERE endpoint_id = :id RETURNING *
                    """
                ),
                {"id": endpoint_id, "types": event_types, "active": active},
            )
        ).first()
        return _endpoint(row) if row else None

    async def rotate_secret(self, endpoint_id: UUID, secret: str) -> Endpoint | None:
        row = (
            await self.session.execute(
                text("UPDATE webhook_endpoint SET secret = :s WHERE endpoint_id = :id RETURNING *"),
                {"id": endpoint_id, "s": secret},
            )
        ).first()
        return _endpoint(row) if row else None

    async def delete(self, endpoint_id: UUID) -> bool:
        deleted = (
            await self.session.execute(
                text("DELETE FROM webhook_endpoint WHERE endpoint_id = :id RETURNING endpoint_id"),
                {"id": endpoint_id},
            )
        ).first()
        if deleted:
            await self.session.execute(
                text(
                    "UPDATE delivery SET status = 'cancelled', finished_at = now(), "
                    "lease_token = NULL WHERE endpoint_id = :id AND status = 'pending'"
                ),
                {"id": endpoint_id},
            )
        return deleted is not None

    async def deliveries(
        self, endpoint_id: UUID, *, status: str | None, limit: int, offset: int
    ) -> tuple[list[DeliveryRecord], int]:
        where = "endpoint_id = :id AND (CAST(:status AS text) IS NULL OR status = :status)"
        params = {"id": endpoint_id, "status": status, "limit": limit, "offset": offset}
        rows = await self.session.execute(
            text(
                f"SELECT * FROM delivery WHERE {where} "
                "ORDER BY created_at DESC, delivery_id LIMIT :limit OFFSET :offset"
            ),
            params,
        )
        total = (
            await self.session.execute(text(f"SELECT count(*) FROM delivery WHERE {where}"), params)
        ).scalar()
        return [
            DeliveryRecord(
                delivery_id=r.delivery_id,
                event_type=r.kind,
                event_id=r.cause_event_id,
                status=r.status,
                attempts=r.attempts,
                next_attempt_at=r.next_attempt_at if r.status == "pending" else None,
                last_error=r.last_error,
                created_at=r.created_at,
                finished_at=r.finished_at,
            )
            for r in rows
        ], int(total or 0)
