"""The inbox (DESIGN.md §3): a consumer records each event id, and the last sequence per
aggregate, in the same transaction as the handler's effects. Redelivery is normal; a second
delivery finds its id (or an older sequence) recorded and has no effect.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.envelope import Envelope

_CLAIM = text(
    """
    WITH ins AS (
        INSERT INTO inbox_message (consumer, event_id, event_type)
        VALUES (:consumer, :event_id, :event_type)
        ON CONFLICT DO NOTHING
        RETURNING 1
    ), cur AS (
        INSERT INTO inbox_cursor AS c (consumer, source, subject, last_sequence)
        VALUES (:consumer, :source, :subject, :sequence)
        ON CONFLICT (consumer, source, subject) DO UPDATE
            SET last_sequence = EXCLUDED.last_sequence
            WHERE c.last_sequence < EXCLUDED.last_sequence
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins) AS new_id, (SELECT count(*) FROM cur) AS new_sequence
    """
)

_PURGE = text(
    "DELETE FROM inbox_message WHERE processed_at < now() - make_interval(secs => :seconds)"
)


class Inbox:
    """Deduplication for one named consumer of a service."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer

    async def claim(self, session: AsyncSession, envelope: Envelope) -> bool:
        """True when this event is new and its effects should be applied in this transaction."""
        row = (
            await session.execute(
                _CLAIM,
                {
                    "consumer": self.consumer,
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "source": envelope.source,
                    "subject": f"{envelope.data.topic}/{envelope.subject}",
                    "sequence": envelope.data.sequence,
                },
            )
        ).one()
        return bool(row.new_id) and bool(row.new_sequence)

    @staticmethod
    async def purge(session: AsyncSession, older_than_seconds: float) -> None:
        await session.execute(_PURGE, {"seconds": older_than_seconds})
