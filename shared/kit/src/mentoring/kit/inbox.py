"""The inbox (DESIGN.md §3): a consumer records each event id, and the last sequence per
aggregate, in the same transaction as the handler's effects. Redelivery is normal; a second
delivery finds its id (or an older sequence) recorded and has no effect.
"""

from __future__ import annotations

from uuid import UUID

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

# The batch form of _CLAIM, for batch handlers, in one statement: the batch's new ids are
# recorded, the cursors of their aggregates locked (or created at the batch's highest sequence),
# and each event judged in batch order: new when its id is new (the caller sends each id once)
# and its sequence is above both the cursor and every earlier new event of its aggregate. An
# existing cursor is locked by a no-op update, which returns its latest committed value (even one
# a racing consumer committed after this statement began); `xmax = 0` tells a row this statement
# inserted. Only the positions of the claimed events and the cursors to raise come back.
_CLAIM_BATCH = text(
    """
    WITH u AS (
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:sources AS text[]),
            CAST(:subjects AS text[]), CAST(:seqs AS int[])
        ) WITH ORDINALITY AS u(id, type, so, su, seq, n)
    ), ins AS (
        INSERT INTO inbox_message (consumer, event_id, event_type)
        SELECT :consumer, id, type FROM u
        ON CONFLICT DO NOTHING
        RETURNING event_id
    ), fresh AS (
        SELECT u.n, u.so, u.su, u.seq FROM u WHERE u.id IN (SELECT event_id FROM ins)
    ), cur AS (
        INSERT INTO inbox_cursor AS c (consumer, source, subject, last_sequence)
        SELECT :consumer, so, su, max(seq) FROM fresh GROUP BY so, su ORDER BY so, su
        ON CONFLICT (consumer, source, subject) DO UPDATE SET last_sequence = c.last_sequence
        RETURNING source, subject, last_sequence, (xmax = 0) AS created
    ), judged AS (
        SELECT f.n, f.so, f.su, f.seq, cur.last_sequence AS stored,
               f.seq > GREATEST(
                   CASE WHEN cur.created THEN 0 ELSE cur.last_sequence END,
                   max(f.seq) OVER (
                       PARTITION BY f.so, f.su ORDER BY f.n
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   )
               ) AS new
        FROM fresh f JOIN cur ON cur.source = f.so AND cur.subject = f.su
    ), raised AS (
        SELECT so, su, max(seq) AS seq FROM judged WHERE new
        GROUP BY so, su HAVING max(seq) > min(stored)
    )
    SELECT
        (SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM judged WHERE new) AS claimed,
        (SELECT coalesce(array_agg(so ORDER BY so, su), '{}') FROM raised) AS sources,
        (SELECT coalesce(array_agg(su ORDER BY so, su), '{}') FROM raised) AS subjects,
        (SELECT coalesce(array_agg(seq ORDER BY so, su), '{}') FROM raised) AS seqs
    """
)
_RAISE_CURSORS = text(
    """
    UPDATE inbox_cursor AS c SET last_sequence = u.seq
    FROM unnest(CAST(:sources AS text[]), CAST(:subjects AS text[]), CAST(:seqs AS int[]))
        AS u(so, su, seq)
    WHERE c.consumer = :consumer AND c.source = u.so AND c.subject = u.su
      AND c.last_sequence < u.seq
    """
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

    async def claim_many(self, session: AsyncSession, envelopes: list[Envelope]) -> list[bool]:
        """`claim` for a batch, in order: one flag per envelope, in one statement (two when an
        existing aggregate's cursor moves)."""
        if not envelopes:
            return []
        # the same id twice in one batch counts once: only first occurrences are sent
        first: list[Envelope] = []
        seen: set[UUID] = set()
        for e in envelopes:
            if e.id not in seen:
                seen.add(e.id)
                first.append(e)
        row = (
            await session.execute(
                _CLAIM_BATCH,
                {
                    "consumer": self.consumer,
                    "ids": [e.id for e in first],
                    "types": [e.type for e in first],
                    "sources": [e.source for e in first],
                    "subjects": [f"{e.data.topic}/{e.subject}" for e in first],
                    "seqs": [e.data.sequence for e in first],
                },
            )
        ).one()
        if row.sources:
            await session.execute(
                _RAISE_CURSORS,
                {
                    "consumer": self.consumer,
                    "sources": row.sources,
                    "subjects": row.subjects,
                    "seqs": row.seqs,
                },
            )
        new = {first[n - 1].id for n in row.claimed}
        claimed = []
        for e in envelopes:
            claimed.append(e.id in new)
            new.discard(e.id)  # a repeat of a claimed id later in the batch: not new
        return claimed

    @staticmethod
    async def purge(session: AsyncSession, older_than_seconds: float) -> None:
        await session.execute(_PURGE, {"seconds": older_than_seconds})
