"""Matching rounds and their draft proposals in SQL (bulk inserts and chunked reads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.pacing import pace
from mentoring.matching.adapters.sql import among
from mentoring.matching.adapters.tables import matching_round, round_proposal
from mentoring.matching.domain.programmes import MatchingMode
from mentoring.matching.domain.rounds import DraftProposal, ProposalStatus, Round, RoundStatus

CHUNK = 1000


def _values(r: Round) -> dict[str, Any]:
    return {
        "status": r.status.value,
        "proposals": r.proposals,
        "total_score": r.total_score,
        "published": r.published,
        "dropped": r.dropped,
        "published_at": r.published_at,
        "discarded_at": r.discarded_at,
    }


def _round(row: Any) -> Round:
    m = row._mapping
    return Round(
        id=m["round_id"],
        tenant_id=m["tenant_id"],
        programme_id=m["programme_id"],
        mode=MatchingMode(m["mode"]),
        status=RoundStatus(m["status"]),
        created_at=m["created_at"],
        mentees_in_pool=m["mentees_in_pool"],
        mentors_in_pool=m["mentors_in_pool"],
        proposals=m["proposals"],
        total_score=m["total_score"],
        published=m["published"],
        dropped=m["dropped"],
        published_at=m["published_at"],
        discarded_at=m["discarded_at"],
    )


def _proposal(row: Any) -> DraftProposal:
    m = row._mapping
    return DraftProposal(
        mentee_id=m["mentee_id"],
        mentor_id=m["mentor_id"],
        score=m["score"],
        explanation=tuple((str(c), float(v)) for c, v in m["explanation"]),
    )


class SqlRoundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, r: Round, proposals: Sequence[DraftProposal]) -> None:
        await self.session.execute(
            matching_round.insert().values(
                round_id=r.id,
                tenant_id=r.tenant_id,
                programme_id=r.programme_id,
                mode=r.mode.value,
                mentees_in_pool=r.mentees_in_pool,
                mentors_in_pool=r.mentors_in_pool,
                created_at=r.created_at,
                **_values(r),
            )
        )
        for start in range(0, len(proposals), CHUNK):
            await self.session.execute(
                round_proposal.insert(),
                [
                    {
                        "round_id": r.id,
                        "mentee_id": p.mentee_id,
                        "tenant_id": r.tenant_id,
                        "mentor_id": p.mentor_id,
                        "score": p.score,
                        "explanation": [list(e) for e in p.explanation],
                        "status": ProposalStatus.PENDING.value,
                    }
                    for p in proposals[start : start + CHUNK]
                ],
            )
            await pace(self.session)

    async def get(self, round_id: UUID, *, for_update: bool = False) -> Round | None:
        query = select(matching_round).where(matching_round.c.round_id == round_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _round(row) if row else None

    async def open_round(self, programme_id: UUID) -> Round | None:
        """The programme's draft (or half-published) round, if any: at most one."""
        row = (
            await self.session.execute(
                select(matching_round).where(
                    matching_round.c.programme_id == programme_id,
                    matching_round.c.status.in_(
                        [RoundStatus.DRAFT.value, RoundStatus.PUBLISHING.value]
                    ),
                )
            )
        ).first()
        return _round(row) if row else None

    async def save(self, r: Round) -> None:
        await self.session.execute(
            update(matching_round).where(matching_round.c.round_id == r.id).values(**_values(r))
        )

    async def page(
        self, programme_id: UUID, *, status: RoundStatus | None, limit: int, offset: int
    ) -> tuple[list[Round], int]:
        where = [matching_round.c.programme_id == programme_id]
        if status is not None:
            where.append(matching_round.c.status == status.value)
        rows = (
            await self.session.execute(
                select(matching_round)
                .where(*where)
                .order_by(matching_round.c.created_at.desc(), matching_round.c.round_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(
                select(func.count()).select_from(matching_round).where(*where)
            )
        ).scalar_one()
        return [_round(r) for r in rows], int(total)

    # -- proposals ---------------------------------------------------------------------------

    async def proposals(
        self,
        round_id: UUID,
        *,
        status: ProposalStatus | None,
        mentor_id: UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        where = [round_proposal.c.round_id == round_id]
        if status is not None:
            where.append(round_proposal.c.status == status.value)
        if mentor_id is not None:
            where.append(round_proposal.c.mentor_id == mentor_id)
        rows = (
            await self.session.execute(
                select(round_proposal)
                .where(*where)
                .order_by(round_proposal.c.score.desc(), round_proposal.c.mentee_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(
                select(func.count()).select_from(round_proposal).where(*where)
            )
        ).scalar_one()
        return [dict(r._mapping) for r in rows], int(total)

    async def draft_proposals(
        self, round_id: UUID, mentee_ids: Sequence[UUID]
    ) -> dict[UUID, DraftProposal]:
        rows = await self.session.execute(
            select(round_proposal).where(
                round_proposal.c.round_id == round_id,
                among(round_proposal.c.mentee_id, mentee_ids),
                round_proposal.c.status == ProposalStatus.PENDING.value,
            )
        )
        return {p.mentee_id: p for p in map(_proposal, rows)}

    async def replace_proposal(self, round_id: UUID, p: DraftProposal) -> None:
        await self.session.execute(
            update(round_proposal)
            .where(round_proposal.c.round_id == round_id, round_proposal.c.mentee_id == p.mentee_id)
            .values(
                mentor_id=p.mentor_id,
                score=p.score,
                explanation=[list(e) for e in p.explanation],
            )
        )

    async def remove_proposal(self, round_id: UUID, mentee_id: UUID) -> None:
        await self.session.execute(
            delete(round_proposal).where(
                round_proposal.c.round_id == round_id, round_proposal.c.mentee_id == mentee_id
            )
        )

    async def pending_total(self, round_id: UUID) -> tuple[int, float]:
        row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(round_proposal.c.score), 0.0)).where(
                    round_proposal.c.round_id == round_id,
                    round_proposal.c.status == ProposalStatus.PENDING.value,
                )
            )
        ).one()
        return int(row[0]), float(row[1])

    async def published_score(self, round_id: UUID) -> float:
        value = (
            await self.session.execute(
                select(func.coalesce(func.sum(round_proposal.c.score), 0.0)).where(
                    round_proposal.c.round_id == round_id,
                    round_proposal.c.status == ProposalStatus.PUBLISHED.value,
                )
            )
        ).scalar_one()
        return float(value)

    async def pending_chunk(self, round_id: UUID, size: int) -> list[DraftProposal]:
        rows = await self.session.execute(
            select(round_proposal)
            .where(
                round_proposal.c.round_id == round_id,
                round_proposal.c.status == ProposalStatus.PENDING.value,
            )
            .order_by(round_proposal.c.mentee_id)
            .limit(size)
        )
        return [_proposal(r) for r in rows]

    async def settle(
        self,
        round_id: UUID,
        published: Sequence[tuple[UUID, UUID]],
        dropped: Sequence[tuple[UUID, str]],
    ) -> None:
        """Mark proposals published (mentee, pair id) or dropped (mentee, reason): executemany."""
        stmt = (
            update(round_proposal)
            .where(
                round_proposal.c.round_id == bindparam("b_round"),
                round_proposal.c.mentee_id == bindparam("b_mentee"),
            )
            .values(
                status=bindparam("b_status"),
                pair_id=bindparam("b_pair"),
                drop_reason=bindparam("b_reason"),
            )
        )
        rows = [
            {
                "b_round": round_id,
                "b_mentee": mentee,
                "b_status": ProposalStatus.PUBLISHED.value,
                "b_pair": pair_id,
                "b_reason": None,
            }
            for mentee, pair_id in published
        ] + [
            {
                "b_round": round_id,
                "b_mentee": mentee,
                "b_status": ProposalStatus.DROPPED.value,
                "b_pair": None,
                "b_reason": reason,
            }
            for mentee, reason in dropped
        ]
        if rows:
            await self.session.execute(stmt, rows)
