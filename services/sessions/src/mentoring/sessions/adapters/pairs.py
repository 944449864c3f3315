"""SQL repository of the pair and programme read models (fed by `mentoring.matching`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.sessions.adapters.tables import pair, programme
from mentoring.sessions.domain.pairs import Caller, Pair, PairStatus


class SqlPairRepository:
    def __init__(self, session: AsyncSession, namespace: str = "") -> None:
        self.session = session
        # the topic namespace of this deployment, recorded on the pairs it learns of (its
        # survey scheduler works on those only)
        self.namespace = namespace

    async def get(self, pair_id: UUID) -> Pair | None:
        row = (await self.session.execute(select(pair).where(pair.c.pair_id == pair_id))).first()
        return to_pair(row._mapping) if row else None

    async def list_visible(
        self,
        caller: Caller,
        *,
        status: PairStatus | None,
        programme_id: UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Pair], int]:
        where = []
        if not caller.coordinator:
            pid = caller.participant_id
            where.append(or_(pair.c.mentor_id == pid, pair.c.mentee_id == pid))
        if status is not None:
            where.append(pair.c.status == status.value)
        if programme_id is not None:
            where.append(pair.c.programme_id == programme_id)
        cond = and_(true(), *where)
        rows = (
            await self.session.execute(
                select(pair)
                .where(cond)
                .order_by(pair.c.created_at.desc(), pair.c.pair_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(pair).where(cond))
        ).scalar_one()
        return [to_pair(r._mapping) for r in rows], int(total)

    async def add_created(self, p: Pair, next_checkin_at: datetime) -> bool:
        """Insert an active pair; False when it is already known (a redelivered event)."""
        inserted = (
            await self.session.execute(
                insert(pair)
                .values(
                    tenant_id=p.tenant_id,
                    pair_id=p.id,
                    programme_id=p.programme_id,
                    mentor_id=p.mentor_id,
                    mentee_id=p.mentee_id,
                    status=PairStatus.ACTIVE.value,
                    created_at=p.created_at,
                    next_checkin_at=next_checkin_at,
                    namespace=self.namespace,
                )
                .on_conflict_do_nothing(index_elements=["pair_id"])
                .returning(pair.c.pair_id)
            )
        ).first()
        return inserted is not None

    async def mark_ended(self, p: Pair, reason: str) -> None:
        """End a pair (inserting it ended when its creation was never seen)."""
        stmt = insert(pair).values(
            tenant_id=p.tenant_id,
            pair_id=p.id,
            programme_id=p.programme_id,
            mentor_id=p.mentor_id,
            mentee_id=p.mentee_id,
            status=PairStatus.ENDED.value,
            created_at=p.ended_at,
            ended_at=p.ended_at,
            end_reason=reason,
            pulse_wave=None,
            namespace=self.namespace,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["pair_id"],
                set_={
                    "status": PairStatus.ENDED.value,
                    "ended_at": stmt.excluded.ended_at,
                    "end_reason": stmt.excluded.end_reason,
                },
            )
        )

    async def pair_ids_of(self, participant_id: UUID) -> list[UUID]:
        rows = await self.session.execute(
            select(pair.c.pair_id).where(
                or_(pair.c.mentor_id == participant_id, pair.c.mentee_id == participant_id)
            )
        )
        return [r.pair_id for r in rows]

    async def upsert_programme(
        self, tenant_id: UUID, programme_id: UUID, starts_on: date, ends_on: date, at: datetime
    ) -> None:
        stmt = insert(programme).values(
            tenant_id=tenant_id,
            programme_id=programme_id,
            starts_on=starts_on,
            ends_on=ends_on,
            opened_at=at,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["programme_id"],
                set_={"starts_on": stmt.excluded.starts_on, "ends_on": stmt.excluded.ends_on},
            )
        )
        # waves are recomputed from the new dates by the survey scheduler
        await self.session.execute(
            update(pair)
            .where(pair.c.programme_id == programme_id, pair.c.pulse_wave.is_not(None))
            .values(pulse_due_on=None)
        )


def to_pair(m: Any) -> Pair:
    return Pair(
        id=m["pair_id"],
        tenant_id=m["tenant_id"],
        programme_id=m["programme_id"],
        mentor_id=m["mentor_id"],
        mentee_id=m["mentee_id"],
        status=PairStatus(m["status"]),
        created_at=m["created_at"],
        ended_at=m["ended_at"],
    )
