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

# The batch form of _CLAIM, for batch handlers: new ids in one statement, then the cursors of the
# batch's aggregates locked (or created), compared in order, and raised where needed.
_CLAIM_IDS = text(
    """
    INSERT INTO inbox_message (consumer, event_id, event_type)
    SELECT :consumer, i, t FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[])) AS u(i, t)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)
# A new cursor is created at the batch's highest sequence; an existing one is locked by a no-op
# update, which returns its latest committed value (even one a racing consumer committed after
# this statement began). `xmax = 0` tells a row this statement inserted.
_LOCK_CURSORS = text(
    """
    INSERT INTO inbox_cursor AS c (consumer, source, subject, last_sequence)
    SELECT :consumer, so, su, seq
    FROM unnest(CAST(:sources AS text[]), CAST(:subjects AS text[]), CAST(:seqs AS int[]))
        AS u(so, su, seq)
    ORDER BY so, su
    ON CONFLICT (consumer, source, subject) DO UPDATE SET last_sequence = c.last_sequence
    RETURNING source, subject, last_sequence, (xmax = 0) AS created
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
        """`claim` for a batch, in order, in a few statements: one flag per envelope."""
        if not envelopes:
            return []
        fresh = set(
            (
                await session.execute(
                    _CLAIM_IDS,
                    {
                        "consumer": self.consumer,
                        "ids": [e.id for e in envelopes],
                        "types": [e.type for e in envelopes],
                    },
                )
            ).scalars()
        )
        highest: dict[tuple[str, str], int] = {}
        for e in envelopes:
            if e.id in fresh:
                key = _cursor_key(e)
                highest[key] = max(highest.get(key, 0), e.data.sequence)
        cursors: dict[tuple[str, str], int] = {}
        stored: dict[tuple[str, str], int] = {}
        if highest:
            keys = sorted(highest)
            rows = await session.execute(
                _LOCK_CURSORS,
                {
                    "consumer": self.consumer,
                    "sources": [k[0] for k in keys],
                    "subjects": [k[1] for k in keys],
                    "seqs": [highest[k] for k in keys],
                },
            )
            for r in rows:
                key = (r.source, r.subject)
                cursors[key] = 0 if r.created else r.last_sequence
                stored[key] = r.last_sequence
        claimed: list[bool] = []
        for envelope in envelopes:
            key = _cursor_key(envelope)
            new = envelope.id in fresh and envelope.data.sequence > cursors.get(key, 0)
            if new:
                fresh.discard(envelope.id)  # the same id twice in one batch counts once
                cursors[key] = envelope.data.sequence
            claimed.append(new)
        raised = [k for k, v in cursors.items() if v > stored.get(k, 0)]
        if raised:
            await session.execute(
                _RAISE_CURSORS,
                {
                    "consumer": self.consumer,
                    "sources": [k[0] for k in raised],
                    "subjects": [k[1] for k in raised],
                    "seqs": [cursors[k] for k in raised],
                },
            )
        return claimed

    @staticmethod
    async def purge(session: AsyncSession, older_than_seconds: float) -> None:
        await session.execute(_PURGE, {"seconds": older_than_seconds})


def _cursor_key(envelope: Envelope) -> tuple[str, str]:
    return envelope.source, f"{envelope.data.topic}/{envelope.subject}"
