"""The durable delivery queue and the reminder scheduler in Postgres.

A claim takes due rows with `FOR UPDATE SKIP LOCKED` and leases them (next_attempt_at moves to
the end of the lease, lease_token marks the holder) in one short transaction; the send happens
after that commit, and the result is recorded only by the lease holder. A worker that dies
mid-send leaves a row that becomes due again when its lease ends.

Fairness: each round first lists the tenants with due work (a loose index scan over the pending
index), then takes an equal share from each, so one tenant's backlog cannot starve another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_DUE_TENANTS = text(
    """
    WITH RECURSIVE t AS (
        (SELECT tenant_id FROM delivery
         WHERE status = 'pending' AND namespace = :ns AND channel = :channel
         ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT d.tenant_id FROM delivery d
                WHERE d.status = 'pending' AND d.namespace = :ns AND d.channel = :channel
                  AND d.tenant_id > t.tenant_id
                ORDER BY d.tenant_id LIMIT 1)
        FROM t WHERE t.tenant_id IS NOT NULL
    )
    SELECT t.tenant_id FROM t
    WHERE t.tenant_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM delivery d
        WHERE d.status = 'pending' AND d.namespace = :ns AND d.channel = :channel
          AND d.tenant_id = t.tenant_id AND d.next_attempt_at <= now())
    """
)
_CLAIM = text(
    """
    WITH picked AS (
        SELECT p.delivery_id
        FROM unnest(CAST(:tenants AS uuid[])) AS t(tenant_id)
        CROSS JOIN LATERAL (
            SELECT d.delivery_id FROM delivery d
            WHERE d.status = 'pending' AND d.namespace = :ns AND d.channel = :channel
              AND d.tenant_id = t.tenant_id AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            LIMIT :share
            FOR UPDATE SKIP LOCKED
        ) p
    )
    UPDATE delivery d
    SET next_attempt_at = now() + make_interval(secs => :lease), lease_token = :token
    FROM picked WHERE d.delivery_id = picked.delivery_id
    RETURNING d.*
    """
)
# A digest gathers all of a person's due digest items, even beyond the round's share.
_CLAIM_DIGEST_REST = text(
    """
    UPDATE delivery d
    SET next_attempt_at = now() + make_interval(secs => :lease), lease_token = :token
    WHERE d.delivery_id IN (
        SELECT delivery_id FROM delivery
        WHERE status = 'pending' AND namespace = :ns AND channel = 'email' AND digest
          AND recipient_id = ANY(CAST(:recipients AS uuid[])) AND next_attempt_at <= now()
        FOR UPDATE SKIP LOCKED)
    RETURNING d.*
    """
)
_FINISH = text(
    """
    UPDATE delivery SET status = :status, attempts = attempts + :attempted,
        first_attempt_at = coalesce(first_attempt_at, CASE WHEN :attempted > 0 THEN now() END),
        finished_at = now(), lease_token = NULL, last_error = :error
    WHERE delivery_id = :id AND lease_token = :token
    RETURNING attempts
    """
)
_RETRY = text(
    """
    UPDATE delivery SET attempts = attempts + :attempted,
        first_attempt_at = coalesce(first_attempt_at, CASE WHEN :attempted > 0 THEN now() END),
        next_attempt_at = :at, lease_token = NULL, last_error = :error,
        digest = coalesce(CAST(:digest AS boolean), digest)
    WHERE delivery_id = :id AND lease_token = :token
    RETURNING attempts
    """
)
_DUE_REMINDERS = text(
    """
    SELECT reminder_id, tenant_id, recipient_id, kind, params, cause_event_id
    FROM reminder
    WHERE status = 'pending' AND namespace = :ns AND due_at <= now()
    ORDER BY due_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)
_FIRED = text(
    "UPDATE reminder SET status = 'fired', fired_at = now() "
    "WHERE reminder_id = ANY(CAST(:ids AS uuid[]))"
)


@dataclass(frozen=True)
class Claimed:
    delivery_id: UUID
    tenant_id: UUID
    channel: str
    kind: str
    notification_id: UUID | None
    recipient_id: UUID | None
    endpoint_id: UUID | None
    cause_event_id: UUID | None
    payload: dict[str, Any] | None
    digest: bool
    attempts: int
    created_at: datetime
    first_attempt_at: datetime | None
    lease_token: UUID


def _claimed(r: Any) -> Claimed:
    return Claimed(
        delivery_id=r.delivery_id,
        tenant_id=r.tenant_id,
        channel=r.channel,
        kind=r.kind,
        notification_id=r.notification_id,
        recipient_id=r.recipient_id,
        endpoint_id=r.endpoint_id,
        cause_event_id=r.cause_event_id,
        payload=r.payload,
        digest=r.digest,
        attempts=r.attempts,
        created_at=r.created_at,
        first_attempt_at=r.first_attempt_at,
        lease_token=r.lease_token,
    )


@dataclass(frozen=True)
class DueReminder:
    reminder_id: UUID
    tenant_id: UUID
    recipient_id: UUID
    kind: str
    params: dict[str, Any]
    cause_event_id: UUID | None


class SqlQueue:
    """Runs in a system-scope transaction for claims, a tenant one for results."""

    def __init__(self, session: AsyncSession, namespace: str = "") -> None:
        self.session = session
        self.namespace = namespace  # a worker works only on what its own deployment queued

    async def due_tenants(self, channel: str) -> list[UUID]:
        rows = await self.session.execute(_DUE_TENANTS, {"channel": channel, "ns": self.namespace})
        return list(rows.scalars())

    async def claim(
        self, channel: str, tenants: list[UUID], *, share: int, lease: float, token: UUID
    ) -> list[Claimed]:
        if not tenants:
            return []
        rows = await self.session.execute(
            _CLAIM,
            {
                "channel": channel,
                "tenants": tenants,
                "share": share,
                "lease": lease,
                "token": token,
                "ns": self.namespace,
            },
        )
        claimed = [_claimed(r) for r in rows]
        digest_people = sorted({c.recipient_id for c in claimed if c.digest and c.recipient_id})
        if digest_people:
            rest = await self.session.execute(
                _CLAIM_DIGEST_REST,
                {
                    "recipients": digest_people,
                    "lease": lease,
                    "token": token,
                    "ns": self.namespace,
                },
            )
            claimed += [_claimed(r) for r in rest]
        return claimed

    async def finish(
        self, item: Claimed, status: str, *, attempted: bool, error: str | None = None
    ) -> int | None:
        """Mark sent, failed or cancelled; None when the lease was lost (or the row erased)."""
        row = (
            await self.session.execute(
                _FINISH,
                {
                    "status": status,
                    "attempted": 1 if attempted else 0,
                    "error": error,
                    "id": item.delivery_id,
                    "token": item.lease_token,
                },
            )
        ).first()
        return int(row.attempts) if row else None

    async def retry(
        self,
        item: Claimed,
        at: datetime,
        *,
        attempted: bool,
        error: str | None = None,
        digest: bool | None = None,
    ) -> int | None:
        row = (
            await self.session.execute(
                _RETRY,
                {
                    "attempted": 1 if attempted else 0,
                    "at": at,
                    "error": error,
                    "digest": digest,
                    "id": item.delivery_id,
                    "token": item.lease_token,
                },
            )
        ).first()
        return int(row.attempts) if row else None

    async def due_reminders(self, limit: int) -> list[DueReminder]:
        rows = await self.session.execute(_DUE_REMINDERS, {"limit": limit, "ns": self.namespace})
        return [
            DueReminder(
                r.reminder_id, r.tenant_id, r.recipient_id, r.kind, r.params, r.cause_event_id
            )
            for r in rows
        ]

    async def mark_fired(self, ids: list[UUID]) -> None:
        if ids:
            await self.session.execute(_FIRED, {"ids": ids})
