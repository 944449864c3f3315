"""The transactional outbox (DESIGN.md §3): an event is a row written in the state change's commit.

`append` takes the aggregate's next gap-free sequence and inserts the outbox row in one statement.
The sequence row is locked until commit, so two transactions on one aggregate commit, and take
outbox positions, in sequence order; the relay can then publish in position order per shard.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.contracts.base import EventData
from mentoring.kit.envelope import ce_headers, new_event_id, utc_now

_APPEND_EVENT = text(
    """
    WITH seq AS (
        INSERT INTO outbox_sequence AS s (subject, last_sequence) VALUES (:subject, 1)
        ON CONFLICT (subject) DO UPDATE SET last_sequence = s.last_sequence + 1
        RETURNING last_sequence
    )
    INSERT INTO outbox_message
        (id, tenant_id, topic, key, shard, event_type, sequence, headers, payload)
    SELECT :id, :tenant_id, :topic, :key, :shard, :event_type, seq.last_sequence,
           CAST(:headers AS jsonb),
           jsonb_set(CAST(:payload AS jsonb), '{sequence}', to_jsonb(seq.last_sequence))
    FROM seq
    RETURNING sequence
    """
)

_APPEND_RECORD = text(
    """
    INSERT INTO outbox_message (id, tenant_id, topic, key, shard, headers, payload)
    VALUES (:id, :tenant_id, :topic, :key, :shard, CAST(:headers AS jsonb), CAST(:payload AS jsonb))
    """
)


def shard_of(key: str, shards: int) -> int:
    """A stable shard for a key: the same aggregate always goes through the same relay shard."""
    return zlib.crc32(key.encode()) % shards if shards > 1 else 0


class Outbox:
    """Writes events into the current transaction. One per service (it knows the shard count)."""

    def __init__(self, shards: int = 1, namespace: str = "") -> None:
        self.shards = shards
        self.namespace = namespace

    async def append(
        self,
        session: AsyncSession,
        event_type: type[EventData],
        /,
        *,
        occurred_at: datetime | None = None,
        traceparent: str | None = None,
        **fields: Any,
    ) -> int:
        """Validate and stage one event; returns the sequence it was given."""
        at = occurred_at or utc_now()
        event = event_type(sequence=1, occurred_at=at, **fields)  # validated; sequence set in SQL
        event_id = new_event_id()
        headers = ce_headers(event, event_id=event_id, time=at, traceparent=traceparent)
        result = await session.execute(
            _APPEND_EVENT,
            {
                "subject": f"{event.topic}/{event.subject}",
                "id": event_id,
                "tenant_id": event.tenant_id,
                "topic": self.namespace + event.topic,
                "key": event.subject,
                "shard": shard_of(event.subject, self.shards),
                "event_type": event.event_type,
                "headers": _json(headers),
                "payload": event.model_dump_json(),
            },
        )
        return int(result.scalar_one())

    async def append_record(
        self,
        session: AsyncSession,
        *,
        topic: str,
        key: str,
        tenant_id: UUID,
        payload_json: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """A plain keyed record (the compacted profile topic); None is a tombstone."""
        await session.execute(
            _APPEND_RECORD,
            {
                "id": new_event_id(),
                "tenant_id": tenant_id,
                "topic": self.namespace + topic,
                "key": key,
                "shard": shard_of(key, self.shards),
                "headers": _json(headers or {}),
                "payload": payload_json,
            },
        )


def _json(value: dict[str, str]) -> str:
    return json.dumps(value)
