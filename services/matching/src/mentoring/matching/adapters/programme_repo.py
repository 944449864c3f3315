"""Programmes in SQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.matching.adapters.tables import programme
from mentoring.matching.domain.programmes import (
    CriteriaWeights,
    MatchingMode,
    Programme,
    ProgrammeKind,
    ProgrammeSettings,
    ProgrammeStatus,
)


def _values(p: Programme) -> dict[str, Any]:
    s = p.settings
    return {
        "name": s.name,
        "kind": s.kind.value,
        "mode": s.mode.value,
        "status": p.status.value,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "max_mentees_per_mentor": s.max_mentees_per_mentor,
        "forbid_same_unit": s.forbid_same_unit,
        "min_score": s.min_score,
        "inactivity_days": s.inactivity_days,
        "request_expiry_days": s.request_expiry_days,
        "weights": s.weights.as_dict(),
        "coordinator_id": p.coordinator_id,
        "closed_at": p.closed_at,
    }


def _programme(row: Any) -> Programme:
    m = row._mapping
    return Programme(
        id=m["programme_id"],
        tenant_id=m["tenant_id"],
        settings=ProgrammeSettings(
            name=m["name"],
            kind=ProgrammeKind(m["kind"]),
            mode=MatchingMode(m["mode"]),
            starts_on=m["starts_on"],
            ends_on=m["ends_on"],
            max_mentees_per_mentor=m["max_mentees_per_mentor"],
            weights=CriteriaWeights.of(m["weights"]),
            forbid_same_unit=m["forbid_same_unit"],
            min_score=m["min_score"],
            inactivity_days=m["inactivity_days"],
            request_expiry_days=m["request_expiry_days"],
        ),
        status=ProgrammeStatus(m["status"]),
        created_at=m["created_at"],
        coordinator_id=m["coordinator_id"],
        closed_at=m["closed_at"],
    )


class SqlProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Programme) -> None:
        await self.session.execute(
            programme.insert().values(
                programme_id=p.id, tenant_id=p.tenant_id, created_at=p.created_at, **_values(p)
            )
        )

    async def get(self, programme_id: UUID, *, for_update: bool = False) -> Programme | None:
        query = select(programme).where(programme.c.programme_id == programme_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _programme(row) if row else None

    async def save(self, p: Programme) -> None:
        await self.session.execute(
            update(programme).where(programme.c.programme_id == p.id).values(**_values(p))
        )

    async def page(
        self,
        *,
        status: ProgrammeStatus | None,
        kind: ProgrammeKind | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Programme], int]:
        where = []
        if status is not None:
            where.append(programme.c.status == status.value)
        if kind is not None:
            where.append(programme.c.kind == kind.value)
        rows = (
            await self.session.execute(
                select(programme)
                .where(*where)
                .order_by(programme.c.created_at.desc(), programme.c.programme_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(programme).where(*where))
        ).scalar_one()
        return [_programme(r) for r in rows], int(total)
