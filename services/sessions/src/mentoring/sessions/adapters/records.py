"""SQL repositories of agreements, goals and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.sessions.adapters.tables import agreement, feedback, goal
from mentoring.sessions.domain.agreements import Agreement, Terms
from mentoring.sessions.domain.feedback import Feedback
from mentoring.sessions.domain.goals import Goal, GoalStatus, Milestone


class SqlAgreementRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, pair_id: UUID, *, for_update: bool = False) -> Agreement | None:
        stmt = select(agreement).where(agreement.c.pair_id == pair_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.db.execute(stmt)).first()
        return _agreement(row._mapping) if row else None

    async def save(self, a: Agreement) -> None:
        values = {
            "tenant_id": a.tenant_id,
            "agreement_id": a.id,
            "pair_id": a.pair_id,
            "programme_id": a.programme_id,
            "goals": a.terms.goals,
            "meetings_per_month": a.terms.meetings_per_month,
            "session_minutes": a.terms.session_minutes,
            "confidentiality": a.terms.confidentiality,
            "revision": a.revision,
            "mentor_signed_at": a.mentor_signed_at,
            "mentee_signed_at": a.mentee_signed_at,
            "signed_at": a.signed_at,
            "updated_at": a.updated_at,
        }
        stmt = insert(agreement).values(**values)
        changing = {k: stmt.excluded[k] for k in values if k not in ("agreement_id", "pair_id")}
        await self.db.execute(
            stmt.on_conflict_do_update(index_elements=["agreement_id"], set_=changing)
        )

    async def erase_texts(self, pair_ids: list[UUID]) -> None:
        if pair_ids:
            await self.db.execute(
                update(agreement)
                .where(agreement.c.pair_id.in_(pair_ids))
                .values(goals="", confidentiality="")
            )


class SqlGoalRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, goal_id: UUID, *, for_update: bool = False) -> Goal | None:
        stmt = select(goal).where(goal.c.goal_id == goal_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.db.execute(stmt)).first()
        return _goal(row._mapping) if row else None

    async def of_pair(self, pair_id: UUID) -> list[Goal]:
        rows = await self.db.execute(
            select(goal).where(goal.c.pair_id == pair_id).order_by(goal.c.created_at)
        )
        return [_goal(r._mapping) for r in rows]

    async def save(self, g: Goal) -> None:
        values = {
            "tenant_id": g.tenant_id,
            "goal_id": g.id,
            "pair_id": g.pair_id,
            "programme_id": g.programme_id,
            "author_id": g.author_id,
            "title": g.title,
            "description": g.description,
            "target_date": g.target_date,
            "progress": g.progress,
            "status": g.status.value,
            "milestones": [
                {
                    "id": str(m.id),
                    "title": m.title,
                    "done_at": m.done_at.isoformat() if m.done_at else None,
                }
                for m in g.milestones
            ],
            "created_at": g.created_at,
            "achieved_at": g.achieved_at,
        }
        stmt = insert(goal).values(**values)
        changing = {
            k: stmt.excluded[k]
            for k in (
                "title",
                "description",
                "target_date",
                "progress",
                "status",
                "milestones",
                "achieved_at",
            )
        }
        await self.db.execute(stmt.on_conflict_do_update(index_elements=["goal_id"], set_=changing))

    async def erase_texts_by(self, author_id: UUID) -> None:
        """Goal texts of an erased participant: the row stays (progress, dates) for statistics."""
        await self.db.execute(_ERASE_GOAL_TEXTS, {"author_id": author_id})


_ERASE_GOAL_TEXTS = text(
    """
    UPDATE goal SET title = '', description = NULL,
        milestones = COALESCE(
            (SELECT jsonb_agg(jsonb_set(e, '{title}', '""'::jsonb))
             FROM jsonb_array_elements(milestones) AS e),
            '[]'::jsonb)
    WHERE author_id = CAST(:author_id AS uuid)
    """
)


class SqlFeedbackRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add(self, f: Feedback) -> bool:
        """False when this participant already gave feedback on the session."""
        inserted = (
            await self.db.execute(
                insert(feedback)
                .values(
                    tenant_id=f.tenant_id,
                    session_id=f.session_id,
                    participant_id=f.participant_id,
                    pair_id=f.pair_id,
                    programme_id=f.programme_id,
                    rating=f.rating,
                    fit_check=f.fit_check,
                    comment=f.comment,
                    created_at=f.created_at,
                )
                .on_conflict_do_nothing()
                .returning(feedback.c.session_id)
            )
        ).first()
        return inserted is not None

    async def of_session(self, session_id: UUID) -> list[Feedback]:
        rows = await self.db.execute(
            select(feedback)
            .where(feedback.c.session_id == session_id)
            .order_by(feedback.c.created_at)
        )
        return [
            Feedback(
                tenant_id=r.tenant_id,
                session_id=r.session_id,
                pair_id=r.pair_id,
                programme_id=r.programme_id,
                participant_id=r.participant_id,
                rating=r.rating,
                fit_check=r.fit_check,
                comment=r.comment,
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def erase_comments_by(self, participant_id: UUID) -> None:
        await self.db.execute(
            update(feedback).where(feedback.c.participant_id == participant_id).values(comment=None)
        )


def _agreement(m: Any) -> Agreement:
    return Agreement(
        id=m["agreement_id"],
        tenant_id=m["tenant_id"],
        pair_id=m["pair_id"],
        programme_id=m["programme_id"],
        terms=Terms(
            goals=m["goals"],
            meetings_per_month=m["meetings_per_month"],
            session_minutes=m["session_minutes"],
            confidentiality=m["confidentiality"],
        ),
        revision=m["revision"],
        mentor_signed_at=m["mentor_signed_at"],
        mentee_signed_at=m["mentee_signed_at"],
        signed_at=m["signed_at"],
        updated_at=m["updated_at"],
    )


def _goal(m: Any) -> Goal:
    return Goal(
        id=m["goal_id"],
        tenant_id=m["tenant_id"],
        pair_id=m["pair_id"],
        programme_id=m["programme_id"],
        author_id=m["author_id"],
        title=m["title"],
        description=m["description"],
        target_date=m["target_date"],
        progress=m["progress"],
        status=GoalStatus(m["status"]),
        milestones=[
            Milestone(
                id=UUID(x["id"]),
                title=x["title"],
                done_at=datetime.fromisoformat(x["done_at"]) if x.get("done_at") else None,
            )
            for x in m["milestones"] or []
        ],
        created_at=m["created_at"],
        achieved_at=m["achieved_at"],
    )
