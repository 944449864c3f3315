"""SQL repository of surveys and the scheduler's view of which pairs have surveys due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.sessions.adapters.tables import pair, survey
from mentoring.sessions.domain.instruments import instrument
from mentoring.sessions.domain.surveys import Survey

_DUE_PAIRS = text(
    """
    SELECT p.tenant_id, p.pair_id, p.programme_id, p.mentor_id, p.mentee_id, p.created_at,
           p.next_checkin_at, p.pulse_wave, p.pulse_due_on, pr.starts_on, pr.ends_on
    FROM pair p LEFT JOIN programme pr ON pr.programme_id = p.programme_id
    WHERE p.status = 'active' AND p.namespace = :namespace AND (
        p.next_checkin_at <= :now
        OR (p.pulse_wave IS NOT NULL AND pr.programme_id IS NOT NULL
            AND (p.pulse_due_on IS NULL OR p.pulse_due_on <= :today))
    )
    ORDER BY p.pair_id
    LIMIT :limit
    FOR UPDATE OF p SKIP LOCKED
    """
)


@dataclass(frozen=True)
class DuePair:
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    created_at: datetime
    next_checkin_at: datetime | None
    pulse_wave: str | None
    pulse_due_on: date | None
    starts_on: date | None
    ends_on: date | None


class SqlSurveyRepository:
    def __init__(self, db: AsyncSession, namespace: str = "") -> None:
        self.db = db
        self.namespace = namespace  # the scheduler announces surveys of its own pairs only

    async def get(self, survey_id: UUID, *, for_update: bool = False) -> Survey | None:
        stmt = select(survey).where(survey.c.survey_id == survey_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.db.execute(stmt)).first()
        return _survey(row._mapping) if row else None

    async def of_participant(
        self, participant_id: UUID, *, submitted: bool | None, limit: int, offset: int
    ) -> tuple[list[Survey], int]:
        conds: list[Any] = [survey.c.participant_id == participant_id]
        if submitted is not None:
            conds.append(
                survey.c.submitted_at.is_not(None) if submitted else survey.c.submitted_at.is_(None)
            )
        rows = await self.db.execute(
            select(survey)
            .where(*conds)
            .order_by(survey.c.due_at.desc(), survey.c.survey_id)
            .limit(limit)
            .offset(offset)
        )
        total = (
            await self.db.execute(select(func.count()).select_from(survey).where(*conds))
        ).scalar_one()
        return [_survey(r._mapping) for r in rows], int(total)

    async def save_submission(self, s: Survey) -> None:
        await self.db.execute(
            update(survey)
            .where(survey.c.survey_id == s.id)
            .values(
                submitted_at=s.submitted_at,
                responses=list(s.responses or ()),
                score=s.score,
            )
        )

    # -- the scheduler (system scope: it reads across tenants, in its own namespace) --------

    async def due_pairs(self, now: datetime, limit: int) -> list[DuePair]:
        """Active pairs of this deployment's namespace with a survey due, locked."""
        rows = await self.db.execute(
            _DUE_PAIRS,
            {"now": now, "today": now.date(), "limit": limit, "namespace": self.namespace},
        )
        return [DuePair(**dict(r._mapping)) for r in rows]

    async def issue(self, s: Survey, dedupe_key: str, now: datetime) -> bool:
        """Create a due survey once; False when it already exists (nothing to announce)."""
        inserted = (
            await self.db.execute(
                insert(survey)
                .values(
                    tenant_id=s.tenant_id,
                    survey_id=s.id,
                    pair_id=s.pair_id,
                    programme_id=s.programme_id,
                    participant_id=s.participant_id,
                    instrument=s.instrument.id,
                    instrument_version=s.instrument.version,
                    wave=s.wave,
                    dedupe_key=dedupe_key,
                    due_at=s.due_at,
                    created_at=now,
                )
                .on_conflict_do_nothing(constraint="uq_survey_once")
                .returning(survey.c.survey_id)
            )
        ).first()
        return inserted is not None

    async def advance(
        self,
        pair_id: UUID,
        *,
        next_checkin_at: datetime | None,
        pulse_wave: str | None,
        pulse_due_on: date | None,
    ) -> None:
        await self.db.execute(
            update(pair)
            .where(pair.c.pair_id == pair_id)
            .values(
                next_checkin_at=next_checkin_at, pulse_wave=pulse_wave, pulse_due_on=pulse_due_on
            )
        )


def _survey(m: Any) -> Survey:
    return Survey(
        id=m["survey_id"],
        tenant_id=m["tenant_id"],
        pair_id=m["pair_id"],
        programme_id=m["programme_id"],
        participant_id=m["participant_id"],
        instrument=instrument(m["instrument"], m["instrument_version"]),
        wave=m["wave"],
        due_at=m["due_at"],
        submitted_at=m["submitted_at"],
        responses=tuple(m["responses"]) if m["responses"] is not None else None,
        score=m["score"],
    )
