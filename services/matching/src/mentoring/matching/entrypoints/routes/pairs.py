"""Pairs: both sides accept or decline; members end a pair as completed, coordinators for any
reason; a mentee takes an offered re-match; a mentee asks a mentor directly (self-service)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from mentoring.kit.auth import Role
from mentoring.kit.errors import InvalidInput
from mentoring.matching.domain.pairs import EndReason, Flag, Origin, Pair, PairStatus, Side
from mentoring.matching.entrypoints.deps import (
    Limit,
    Member,
    Offset,
    Page,
    actor,
    now,
    tenant_uow,
)
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer import pairs as use_cases

router = APIRouter(prefix="/api/v1", tags=["pairs"])


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentor_id: UUID


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: EndReason


class Contribution(BaseModel):
    criterion: str
    contribution: float


class PairOut(BaseModel):
    id: UUID
    programme_id: UUID
    round_id: UUID | None
    origin: Origin
    mentor_id: UUID
    mentee_id: UUID
    status: PairStatus
    score: float
    explanation: list[Contribution]
    proposed_at: datetime
    expires_at: datetime | None
    mentor_accepted_at: datetime | None
    mentee_accepted_at: datetime | None
    activated_at: datetime | None
    closed_at: datetime | None
    declined_by: Side | None
    end_reason: EndReason | None
    flags: dict[Flag, datetime]

    @classmethod
    def of(cls, p: Pair) -> PairOut:
        return cls(
            id=p.id,
            programme_id=p.programme_id,
            round_id=p.round_id,
            origin=p.origin,
            mentor_id=p.mentor_id,
            mentee_id=p.mentee_id,
            status=p.status,
            score=p.score,
            explanation=[Contribution(criterion=c, contribution=v) for c, v in p.explanation],
            proposed_at=p.proposed_at,
            expires_at=p.expires_at,
            mentor_accepted_at=p.mentor_accepted_at,
            mentee_accepted_at=p.mentee_accepted_at,
            activated_at=p.activated_at,
            closed_at=p.closed_at,
            declined_by=p.declined_by,
            end_reason=p.end_reason,
            flags=p.flags,
        )


@router.post("/programmes/{programme_id}/requests", status_code=201, response_model=PairOut)
async def request_mentor(
    programme_id: UUID, body: RequestIn, request: Request, p: Member
) -> PairOut:
    """A mentee asks a mentor (a proposed pair the mentee has already accepted). The mentor
    accepts within the programme's `request_expiry_days`, or the request expires
    (`matching.pair_declined.v1` without `declined_by`). 409 when a hard rule forbids it."""
    if p.participant_id is None:
        raise InvalidInput("your token's subject is not a person id")
    pair = await use_cases.request_mentor(
        use_cases.RequestMentor(programme_id, p.participant_id, body.mentor_id),
        tenant_uow(request, p),
        now(),
    )
    return PairOut.of(pair)


@router.get("/pairs", response_model=Page[PairOut])
async def list_pairs(
    *,
    request: Request,
    p: Member,
    programme_id: UUID | None = None,
    status: Annotated[PairStatus | None, Query()] = None,
    flag: Annotated[Flag | None, Query()] = None,
    mentor_id: UUID | None = None,
    mentee_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PairOut]:
    """Coordinators see every pair of the ministry; mentors and mentees their own."""
    own = None if p.has(Role.COORDINATOR) else p.participant_id
    if own is None and not p.has(Role.COORDINATOR):
        return Page(items=[], total=0, limit=limit, offset=offset)
    async with tenant_uow(request, p) as u:
        items, total = await u.pairs.page(
            programme_id=programme_id,
            status=status,
            flag=flag,
            person_id=own,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            limit=limit,
            offset=offset,
        )
    return Page(items=[PairOut.of(i) for i in items], total=total, limit=limit, offset=offset)


@router.get("/pairs/{pair_id}", response_model=PairOut)
async def get_pair(pair_id: UUID, request: Request, p: Member) -> PairOut:
    async with tenant_uow(request, p) as u:
        pair = await common.pair_for(u, pair_id, actor(p))
    return PairOut.of(pair)


@router.post("/pairs/{pair_id}/accept", response_model=PairOut)
async def accept(pair_id: UUID, request: Request, p: Member) -> PairOut:
    """The mentor or the mentee accepts; when both have, `matching.pair_created.v1`.
    409 unless the pair is proposed and this side has not accepted yet."""
    return PairOut.of(await use_cases.accept(pair_id, actor(p), tenant_uow(request, p), now()))


@router.post("/pairs/{pair_id}/decline", response_model=PairOut)
async def decline(pair_id: UUID, request: Request, p: Member) -> PairOut:
    """Either side declines a proposed pair (409 otherwise): `matching.pair_declined.v1`; the
    mentee returns to the pool and this pair is never proposed again."""
    return PairOut.of(await use_cases.decline(pair_id, actor(p), tenant_uow(request, p), now()))


@router.post("/pairs/{pair_id}/end", response_model=PairOut)
async def end(pair_id: UUID, body: EndIn, request: Request, p: Member) -> PairOut:
    """End an active pair (409 otherwise): members as `completed`; coordinators also as
    `inactive` or `withdrawn`. Publishes `matching.pair_ended.v1`."""
    pair = await use_cases.end(pair_id, body.reason, actor(p), tenant_uow(request, p), now())
    return PairOut.of(pair)


@router.post("/pairs/{pair_id}/rematch", response_model=PairOut)
async def rematch(pair_id: UUID, request: Request, p: Member) -> PairOut:
    """Take the re-match offered after a failed fit check (409 if none was offered): the pair
    ends with reason `rematch`; the mentee is in the next round's pool, never with this mentor."""
    pair = await use_cases.accept_rematch(pair_id, actor(p), tenant_uow(request, p), now())
    return PairOut.of(pair)
