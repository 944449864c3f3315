"""The transactional outbox (DESIGN.md §3): an event is a row written in the state change's commit.

`append` takes the aggregate's next gap-free sequence and inserts the outbox row in one statement.
The sequence row is locked until commit, so two transactions on one aggregate commit, and take
outbox positions, in sequence order; the relay can then publish in position order per shard.

A hot path can go one step further and append its event inside the statement of its state
change (`prepare` + `append_sql`), so that the change and its event cost one round trip.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.contracts.base import EventData
from mentoring.kit.envelope import ce_headers, new_event_id, utc_now


def append_sql(source: str, *, name: str = "outbox", patch: Mapping[str, str] | None = None) -> str:
    """Two CTEs that append one event per row of `source` (a CTE of the same statement that
    yields one row or none): the aggregate's next sequence, then the outbox row. The event's
    values are the parameters `:<name>_<field>` of `PreparedEvent.params(name)`; the CTE
    `<name>` returns the sequence given. `patch` sets payload fields from SQL expressions over
    `source` - values that only the statement itself knows (say, a column of a row it read)."""
    sequence = f"{name}_seq.last_sequence"
    payload = f"jsonb_set(CAST(:{name}_payload AS jsonb), '{{sequence}}', to_jsonb({sequence}))"
    for field, expression in (patch or {}).items():
        if not field.isidentifier():
            raise ValueError(f"not a payload field: {field!r}")
        payload = f"jsonb_set({payload}, '{{{field}}}', to_jsonb({expression}))"
    return f"""{name}_seq AS (
        INSERT INTO outbox_sequence AS {name}_row (subject, last_sequence)
        SELECT :{name}_subject, 1 FROM {source}
        ON CONFLICT (subject) DO UPDATE SET last_sequence = {name}_row.last_sequence + 1
        RETURNING last_sequence
    ), {name} AS (
        INSERT INTO outbox_message
            (id, tenant_id, topic, key, shard, event_type, sequence, headers, payload)
        SELECT CAST(:{name}_id AS uuid), CAST(:{name}_tenant_id AS uuid), :{name}_topic,
               :{name}_key, CAST(:{name}_shard AS smallint), :{name}_event_type, {sequence},
               CAST(:{name}_headers AS jsonb), {payload}
        FROM {name}_seq, {source}
        RETURNING sequence
    )"""


_APPEND_EVENT = text(
    f"WITH one AS (SELECT), {append_sql('one', name='event')} SELECT sequence FROM event"
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


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """A validated event with its CloudEvents headers, ready for `append_sql`."""

    id: UUID
    tenant_id: UUID
    subject: str
    topic: str
    key: str
    shard: int
    event_type: str
    headers: str
    payload: str

    def params(self, name: str) -> dict[str, Any]:
        return {
            f"{name}_id": self.id,
            f"{name}_tenant_id": self.tenant_id,
            f"{name}_subject": self.subject,
            f"{name}_topic": self.topic,
            f"{name}_key": self.key,
            f"{name}_shard": self.shard,
            f"{name}_event_type": self.event_type,
            f"{name}_headers": self.headers,
            f"{name}_payload": self.payload,
        }


class Outbox:
    """Writes events into the current transaction. One per service (it knows the shard count)."""

    def __init__(self, shards: int = 1, namespace: str = "") -> None:
        self.shards = shards
        self.namespace = namespace

    def prepare(
        self,
        event_type: type[EventData],
        /,
        *,
        occurred_at: datetime | None = None,
        traceparent: str | None = None,
        **fields: Any,
    ) -> PreparedEvent:
        """Validate one event and render its headers and payload (the sequence is set in SQL)."""
        at = occurred_at or utc_now()
        event = event_type(sequence=1, occurred_at=at, **fields)
        event_id = new_event_id()
        headers = ce_headers(event, event_id=event_id, time=at, traceparent=traceparent)
        return PreparedEvent(
            id=event_id,
            tenant_id=event.tenant_id,
            subject=f"{event.topic}/{event.subject}",
            topic=self.namespace + event.topic,
            key=event.subject,
            shard=shard_of(event.subject, self.shards),
            event_type=event.event_type,
            headers=_json(headers),
            payload=event.model_dump_json(),
        )

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
        event = self.prepare(event_type, occurred_at=occurred_at, traceparent=traceparent, **fields)
        result = await session.execute(_APPEND_EVENT, event.params("event"))
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
