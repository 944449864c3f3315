"""Participants (a person in a programme) in SQL, and the bulk read of a round's pool."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.errors import Conflict
from mentoring.matching.adapters.sql import among
from mentoring.matching.adapters.tables import participant, person
from mentoring.matching.domain.participants import (
    MatchingProfile,
    Participant,
    ParticipantRole,
    ParticipantStatus,
)

MENTOR_ROLES = (ParticipantRole.MENTOR.value, ParticipantRole.BOTH.value)
MENTEE_ROLES = (ParticipantRole.MENTEE.value, ParticipantRole.BOTH.value)


def _values(p: Participant) -> dict[str, Any]:
    return {
        "role": p.role.value,
        "status": p.status.value,
        "skills": p.profile.skills,
        "goals": p.profile.goals,
        "languages": sorted(p.profile.languages),
        "location": p.profile.location,
        "remote": p.profile.remote,
        "hours_per_month": p.profile.hours_per_month,
        "seniority": p.profile.seniority,
        "about": p.profile.about,
        "capacity": p.capacity,
        "capacity_override": p.capacity_override,
        "consented_at": p.consented_at,
        "consent_version": p.consent_version,
        "enrolled_at": p.enrolled_at,
        "withdrawn_at": p.withdrawn_at,
        "updated_at": p.updated_at,
    }


def participant_of(row: Any) -> Participant:
    m = row._mapping
    return Participant(
        tenant_id=m["tenant_id"],
        programme_id=m["programme_id"],
        person_id=m["person_id"],
        role=ParticipantRole(m["role"]),
        profile=MatchingProfile(
            skills=dict(m["skills"]),
            goals=dict(m["goals"]),
            languages=frozenset(m["languages"]),
            location=m["location"],
            remote=m["remote"],
            hours_per_month=m["hours_per_month"],
            seniority=m["seniority"],
            about=m["about"],
        ),
        status=ParticipantStatus(m["status"]),
        enrolled_at=m["enrolled_at"],
        updated_at=m["updated_at"],
        capacity=m["capacity"],
        capacity_override=m["capacity_override"],
        consented_at=m["consented_at"],
        consent_version=m["consent_version"],
        withdrawn_at=m["withdrawn_at"],
    )


class SqlParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Participant) -> None:
        inserted = (
            await self.session.execute(
                insert(participant)
                .values(
                    programme_id=p.programme_id,
                    person_id=p.person_id,
                    tenant_id=p.tenant_id,
                    **_values(p),
                )
                .on_conflict_do_nothing()
                .returning(participant.c.person_id)
            )
        ).first()
        if inserted is None:
            raise Conflict("already enrolled in this programme")

    async def get(
        self, programme_id: UUID, person_id: UUID, *, for_update: bool = False
    ) -> Participant | None:
        query = select(participant).where(
            participant.c.programme_id == programme_id, participant.c.person_id == person_id
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return participant_of(row) if row else None

    async def lock(self, programme_id: UUID, person_ids: list[UUID]) -> None:
        """Row locks in a fixed order (no deadlocks) for capacity checks of several mentors."""
        if person_ids:
            await self.session.execute(
                select(participant.c.person_id)
                .where(
                    participant.c.programme_id == programme_id,
                    among(participant.c.person_id, person_ids),
                )
                .order_by(participant.c.person_id)
                .with_for_update()
            )

    async def save(self, p: Participant) -> None:
        await self.session.execute(
            update(participant)
            .where(
                participant.c.programme_id == p.programme_id,
                participant.c.person_id == p.person_id,
            )
            .values(**_values(p))
        )

    async def of_person(self, person_id: UUID) -> list[Participant]:
        rows = await self.session.execute(
            select(participant).where(participant.c.person_id == person_id).with_for_update()
        )
        return [participant_of(r) for r in rows]

    async def page(
        self,
        programme_id: UUID,
        *,
        role: ParticipantRole | None,
        status: ParticipantStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Participant], int]:
        where = [participant.c.programme_id == programme_id]
        if role is ParticipantRole.MENTOR or role is ParticipantRole.MENTEE:
            roles = MENTOR_ROLES if role is ParticipantRole.MENTOR else MENTEE_ROLES
            where.append(participant.c.role.in_(roles))
        elif role is ParticipantRole.BOTH:
            where.append(participant.c.role == role.value)
        if status is not None:
            where.append(participant.c.status == status.value)
        rows = (
            await self.session.execute(
                select(participant)
                .where(*where)
                .order_by(participant.c.enrolled_at, participant.c.person_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(participant).where(*where))
        ).scalar_one()
        return [participant_of(r) for r in rows], int(total)

    async def eligible(
        self,
        programme_id: UUID,
        person_ids: list[UUID] | None = None,
        *,
        with_profile: bool = True,
    ) -> list[tuple[Participant, UUID | None]]:
        """Enrolled, consenting participants (not erased) with their unit, for a whole pool.

        Two plain index scans rather than a join: right after a bulk import the planner has no
        statistics yet, and a badly planned join over thousands of rows is what starves others.
        Without the profile (a publication re-checks only standing and capacity) nothing of
        the JSON is read.
        """
        columns = (
            participant.c if with_profile else [c for c in participant.c if c.name in _STANDING]
        )
        query = (
            select(*columns)
            .where(
                participant.c.programme_id == programme_id,
                participant.c.status == ParticipantStatus.ENROLLED.value,
                participant.c.consented_at.is_not(None),
            )
            .order_by(participant.c.person_id)
        )
        people = select(person.c.person_id, person.c.unit_id).where(person.c.erased_at.is_(None))
        if person_ids is not None:
            query = query.where(among(participant.c.person_id, person_ids))
            people = people.where(among(person.c.person_id, person_ids))
        convert = participant_of if with_profile else _standing_of
        found = [convert(r) for r in await self.session.execute(query)]
        unit_of = {r.person_id: r.unit_id for r in await self.session.execute(people)}
        return [(p, unit_of[p.person_id]) for p in found if p.person_id in unit_of]


_STANDING = frozenset(
    {
        "programme_id",
        "person_id",
        "tenant_id",
        "role",
        "status",
        "capacity",
        "capacity_override",
        "consented_at",
        "consent_version",
        "enrolled_at",
        "updated_at",
        "withdrawn_at",
    }
)


def _standing_of(row: Any) -> Participant:
    """A participant without their matching profile (an empty one stands in)."""
    m = row._mapping
    return Participant(
        tenant_id=m["tenant_id"],
        programme_id=m["programme_id"],
        person_id=m["person_id"],
        role=ParticipantRole(m["role"]),
        profile=MatchingProfile(),
        status=ParticipantStatus(m["status"]),
        enrolled_at=m["enrolled_at"],
        updated_at=m["updated_at"],
        capacity=m["capacity"],
        capacity_override=m["capacity_override"],
        consented_at=m["consented_at"],
        consent_version=m["consent_version"],
        withdrawn_at=m["withdrawn_at"],
    )
