"""Pairs in SQL: single aggregates for the lifecycle, bulk reads and writes for rounds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.matching.adapters.sql import among as any_id
from mentoring.matching.adapters.tables import pair
from mentoring.matching.domain.pairs import (
    OPEN_STATUSES,
    EndReason,
    Flag,
    Origin,
    Pair,
    PairStatus,
    Side,
)

OPEN = [s.value for s in OPEN_STATUSES]
CLOSED_FOR_GOOD = [PairStatus.DECLINED.value, PairStatus.EXPIRED.value]


def _explanation(raw: Any) -> tuple[tuple[str, float], ...]:
    return tuple((str(c), float(v)) for c, v in raw)


def _values(p: Pair) -> dict[str, Any]:
    return {
        "status": p.status.value,
        "expires_at": p.expires_at,
        "mentor_accepted_at": p.mentor_accepted_at,
        "mentee_accepted_at": p.mentee_accepted_at,
        "activated_at": p.activated_at,
        "closed_at": p.closed_at,
        "declined_by": p.declined_by.value if p.declined_by else None,
        "end_reason": p.end_reason.value if p.end_reason else None,
        "flags": {f.value: at.isoformat() for f, at in p.flags.items()},
    }


def insert_values(p: Pair) -> dict[str, Any]:
    return {
        "pair_id": p.id,
        "tenant_id": p.tenant_id,
        "programme_id": p.programme_id,
        "round_id": p.round_id,
        "origin": p.origin.value,
        "mentor_id": p.mentor_id,
        "mentee_id": p.mentee_id,
        "mentor_unit_id": p.mentor_unit_id,
        "mentee_unit_id": p.mentee_unit_id,
        "score": p.score,
        "explanation": [list(e) for e in p.explanation],
        "proposed_at": p.proposed_at,
        **_values(p),
    }


def pair_of(row: Any) -> Pair:
    m = row._mapping
    return Pair(
        id=m["pair_id"],
        tenant_id=m["tenant_id"],
        programme_id=m["programme_id"],
        mentor_id=m["mentor_id"],
        mentee_id=m["mentee_id"],
        origin=Origin(m["origin"]),
        status=PairStatus(m["status"]),
        proposed_at=m["proposed_at"],
        score=m["score"],
        explanation=_explanation(m["explanation"]),
        round_id=m["round_id"],
        mentor_unit_id=m["mentor_unit_id"],
        mentee_unit_id=m["mentee_unit_id"],
        expires_at=m["expires_at"],
        mentor_accepted_at=m["mentor_accepted_at"],
        mentee_accepted_at=m["mentee_accepted_at"],
        activated_at=m["activated_at"],
        closed_at=m["closed_at"],
        declined_by=Side(m["declined_by"]) if m["declined_by"] else None,
        end_reason=EndReason(m["end_reason"]) if m["end_reason"] else None,
        flags={Flag(f): datetime.fromisoformat(at) for f, at in m["flags"].items()},
    )


class SqlPairRepository:
    def __init__(self, session: AsyncSession, namespace: str = "") -> None:
        self.session = session
        # the topic namespace of this deployment, recorded on the pairs it creates (its
        # request-expiry job works on those only)
        self.namespace = namespace

    async def add(self, p: Pair) -> None:
        await self.session.execute(
            pair.insert().values(**insert_values(p), namespace=self.namespace)
        )

    async def add_many(self, pairs: Sequence[Pair]) -> None:
        if pairs:
            await self.session.execute(
                pair.insert(),
                [{**insert_values(p), "namespace": self.namespace} for p in pairs],
            )

    async def get(self, pair_id: UUID, *, for_update: bool = False) -> Pair | None:
        query = select(pair).where(pair.c.pair_id == pair_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return pair_of(row) if row else None

    async def save(self, p: Pair) -> None:
        await self.session.execute(update(pair).where(pair.c.pair_id == p.id).values(**_values(p)))

    async def page(
        self,
        *,
        programme_id: UUID | None,
        status: PairStatus | None,
        flag: Flag | None,
        person_id: UUID | None,
        mentor_id: UUID | None,
        mentee_id: UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Pair], int]:
        where = []
        if programme_id is not None:
            where.append(pair.c.programme_id == programme_id)
        if status is not None:
            where.append(pair.c.status == status.value)
        if flag is not None:
            where.append(pair.c.flags.has_key(flag.value))
        if person_id is not None:
            where.append(or_(pair.c.mentor_id == person_id, pair.c.mentee_id == person_id))
        if mentor_id is not None:
            where.append(pair.c.mentor_id == mentor_id)
        if mentee_id is not None:
            where.append(pair.c.mentee_id == mentee_id)
        rows = (
            await self.session.execute(
                select(pair)
                .where(*where)
                .order_by(pair.c.proposed_at.desc(), pair.c.pair_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(pair).where(*where))
        ).scalar_one()
        return [pair_of(r) for r in rows], int(total)

    async def open_of_person(self, person_id: UUID, programme_id: UUID | None) -> list[Pair]:
        """Proposed and active pairs a person is in (locked): for withdrawal and erasure."""
        query = (
            select(pair)
            .where(
                pair.c.status.in_(OPEN),
                or_(pair.c.mentor_id == person_id, pair.c.mentee_id == person_id),
            )
            .order_by(pair.c.pair_id)
            .with_for_update()
        )
        if programme_id is not None:
            query = query.where(pair.c.programme_id == programme_id)
        return [pair_of(r) for r in await self.session.execute(query)]

    async def list_open_unlocked(self) -> list[Pair]:
        """Every proposed or active pair of the tenant, unlocked (a reorganisation re-checks
        them, then locks the few it flags)."""
        rows = await self.session.execute(select(pair).where(pair.c.status.in_(OPEN)))
        return [pair_of(r) for r in rows]

    async def mentees_in_open_pairs(
        self, programme_id: UUID, among: Sequence[UUID] | None = None
    ) -> set[UUID]:
        query = select(pair.c.mentee_id).where(
            pair.c.programme_id == programme_id, pair.c.status.in_(OPEN)
        )
        if among is not None:
            query = query.where(any_id(pair.c.mentee_id, among))
        return {r.mentee_id for r in await self.session.execute(query)}

    async def mentor_load(
        self, programme_id: UUID, among: Sequence[UUID] | None = None
    ) -> dict[UUID, int]:
        """Mentees each mentor has in proposed or active pairs."""
        query = (
            select(pair.c.mentor_id, func.count())
            .where(pair.c.programme_id == programme_id, pair.c.status.in_(OPEN))
            .group_by(pair.c.mentor_id)
        )
        if among is not None:
            query = query.where(any_id(pair.c.mentor_id, among))
        return {r[0]: int(r[1]) for r in await self.session.execute(query)}

    async def history(self, programme_id: UUID) -> frozenset[tuple[UUID, UUID]]:
        """(mentor, mentee) pairs never to be proposed again in this programme: declined,
        expired, or ended because the mentee took a re-match."""
        rows = await self.session.execute(
            select(pair.c.mentor_id, pair.c.mentee_id).where(
                pair.c.programme_id == programme_id,
                or_(
                    pair.c.status.in_(CLOSED_FOR_GOOD),
                    pair.c.end_reason == EndReason.REMATCH.value,
                ),
            )
        )
        return frozenset((r.mentor_id, r.mentee_id) for r in rows)

    async def due_to_expire(self, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
        """(tenant, pair) of this deployment's requests past their answer time; run in the
        system scope."""
        rows = await self.session.execute(
            select(pair.c.tenant_id, pair.c.pair_id)
            .where(
                pair.c.namespace == self.namespace,
                pair.c.status == PairStatus.PROPOSED.value,
                pair.c.expires_at.is_not(None),
                pair.c.expires_at <= now,
            )
            .order_by(pair.c.expires_at)
            .limit(limit)
        )
        return [(r.tenant_id, r.pair_id) for r in rows]
