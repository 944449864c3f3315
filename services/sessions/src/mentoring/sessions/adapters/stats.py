"""Aggregate queries for coordinators and analysts; each figure carries how many people it
counts, so the caller can suppress small groups."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_PAIRS = text(
    """
    SELECT status, count(DISTINCT pair_id) AS pairs, count(DISTINCT m) AS people
    FROM pair, LATERAL (VALUES (mentor_id), (mentee_id)) AS v(m)
    WHERE CAST(:programme_id AS uuid) IS NULL OR programme_id = CAST(:programme_id AS uuid)
    GROUP BY status
    """
)
_SESSIONS = text(
    """
    WITH s AS (
        SELECT pair_id, duration_minutes FROM session
        WHERE status = 'logged'
          AND (CAST(:programme_id AS uuid) IS NULL OR programme_id = CAST(:programme_id AS uuid))
    )
    SELECT (SELECT count(*) FROM s) AS sessions,
           (SELECT coalesce(sum(duration_minutes), 0) FROM s) AS minutes,
           (SELECT count(DISTINCT m)
            FROM pair p, LATERAL (VALUES (p.mentor_id), (p.mentee_id)) AS v(m)
            WHERE p.pair_id IN (SELECT pair_id FROM s)) AS people
    """
)
_FEEDBACK = text(
    """
    SELECT count(*) AS responses, avg(rating) AS mean_rating,
           count(DISTINCT participant_id) AS people,
           count(fit_check) AS fit_checks,
           count(*) FILTER (WHERE fit_check IS FALSE) AS not_a_good_match,
           count(DISTINCT participant_id) FILTER (WHERE fit_check IS NOT NULL) AS fit_people
    FROM feedback
    WHERE CAST(:programme_id AS uuid) IS NULL OR programme_id = CAST(:programme_id AS uuid)
    """
)
_SURVEYS = text(
    """
    SELECT instrument, instrument_version, wave,
           count(*) FILTER (WHERE submitted_at IS NOT NULL) AS responses,
           count(*) AS issued,
           count(DISTINCT participant_id) AS issued_people,
           count(DISTINCT participant_id) FILTER (WHERE submitted_at IS NOT NULL) AS people,
           avg(score) AS mean_score
    FROM survey
    WHERE CAST(:programme_id AS uuid) IS NULL OR programme_id = CAST(:programme_id AS uuid)
    GROUP BY instrument, instrument_version, wave
    ORDER BY instrument, instrument_version, wave
    """
)


async def programme_stats(db: AsyncSession, programme_id: UUID | None) -> dict[str, Any]:
    params = {"programme_id": programme_id}
    pairs = {r.status: r for r in await db.execute(_PAIRS, params)}
    sessions = (await db.execute(_SESSIONS, params)).one()
    feedback = (await db.execute(_FEEDBACK, params)).one()
    surveys = (await db.execute(_SURVEYS, params)).all()
    return {
        "pairs": {k: (int(v.pairs), int(v.people)) for k, v in pairs.items()},
        "sessions": (int(sessions.sessions), int(sessions.minutes), int(sessions.people)),
        "feedback": feedback._mapping,
        "surveys": [r._mapping for r in surveys],
    }
