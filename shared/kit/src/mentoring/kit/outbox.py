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

# The batch form of _APPEND_EVENT: each aggregate's sequence row is raised once by the number of
# its events in the batch (locked in subject order), and its events numbered in batch order.
_APPEND_EVENTS = text(
    """
    WITH input AS (
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:tenant_ids AS uuid[]), CAST(:subjects AS text[]),
            CAST(:keys AS text[]), CAST(:shards AS smallint[]), CAST(:headers AS text[]),
            CAST(:payloads AS text[])
        ) WITH ORDINALITY AS u(id, tenant_id, subject, key, shard, headers, payload, ord)
    ), counts AS (
        SELECT subject, count(*)::int AS n FROM input GROUP BY subject
    ), seq AS (
        INSERT INTO outbox_sequence AS s (subject, last_sequence)
        SELECT subject, n FROM counts ORDER BY subject
        ON CONFLICT (subject) DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
        RETURNING subject, last_sequence
    ), numbered AS (
        SELECT input.*, seq.last_sequence - counts.n
               + row_number() OVER (PARTITION BY input.subject ORDER BY input.ord) AS sequence
        FROM input JOIN counts USING (subject) JOIN seq USING (subject)
    )
    INSERT INTO outbox_message
        (id, tenant_id, topic, key, shard, event_type, sequence, headers, payload)
    SELECT id, tenant_id, :topic, key, shard, :event_type, sequence, CAST(headers AS jsonb),
           jsonb_set(CAST(payload AS jsonb), '{sequence}', to_jsonb(sequence))
    FROM numbered ORDER BY ord
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

    async def append_many(
        self,
        session: AsyncSession,
        event_type: type[EventData],
        items: list[dict[str, Any]],
        /,
        *,
        traceparent: str | None = None,
    ) -> None:
        """`append` for many events of one type in one statement (batch handlers, schedulers).

        Each item holds the event's fields (and optionally `occurred_at`); events of one
        aggregate get consecutive sequences in list order.
        """
        if not items:
            return
        columns: dict[str, list[Any]] = {
            k: [] for k in ("ids", "tenant_ids", "subjects", "keys", "shards", "headers")
        }
        payloads: list[str] = []
        for fields in items:
            at = fields.get("occurred_at") or utc_now()
            event = event_type(sequence=1, **{**fields, "occurred_at": at})
            event_id = new_event_id()
            headers = ce_headers(event, event_id=event_id, time=at, traceparent=traceparent)
            columns["ids"].append(event_id)
            columns["tenant_ids"].append(event.tenant_id)
            columns["subjects"].append(f"{event.topic}/{event.subject}")
            columns["keys"].append(event.subject)
            columns["shards"].append(shard_of(event.subject, self.shards))
            columns["headers"].append(_json(headers))
            payloads.append(event.model_dump_json())
        await session.execute(
            _APPEND_EVENTS,
            {
                **columns,
                "payloads": payloads,
                "topic": self.namespace + event_type.topic,
                "event_type": event_type.event_type,
            },
        )

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
