"""Matching rounds (coordinators): run a draft, review it (swap, remove), publish or discard."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from mentoring.kit.errors import NotFound
from mentoring.matching.domain.programmes import MatchingMode
from mentoring.matching.domain.rounds import ProposalStatus, Round, RoundStatus
from mentoring.matching.entrypoints.deps import (
    Coordinator,
    CoordinatorBulk,
    Limit,
    Offset,
    Page,
    bulk_uow,
    now,
    tenant_uow,
)
from mentoring.matching.service_layer import rounds as use_cases

router = APIRouter(prefix="/api/v1", tags=["rounds"])


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: MatchingMode | None = None  # the programme's mode when omitted


class SwapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentee_a: UUID
    mentee_b: UUID


class Contribution(BaseModel):
    criterion: str
    contribution: float


class RoundOut(BaseModel):
    id: UUID
    programme_id: UUID
    mode: MatchingMode
    status: RoundStatus
    mentees_in_pool: int
    mentors_in_pool: int
    proposals: int
    mentees_unmatched: int
    total_score: float
    published: int
    dropped: int
    created_at: datetime
    published_at: datetime | None
    discarded_at: datetime | None

    @classmethod
    def of(cls, r: Round) -> RoundOut:
        return cls(
            id=r.id,
            programme_id=r.programme_id,
            mode=r.mode,
            status=r.status,
            mentees_in_pool=r.mentees_in_pool,
            mentors_in_pool=r.mentors_in_pool,
            proposals=r.proposals,
            mentees_unmatched=r.unmatched,
            total_score=r.total_score,
            published=r.published,
            dropped=r.dropped,
            created_at=r.created_at,
            published_at=r.published_at,
            discarded_at=r.discarded_at,
        )


class ProposalOut(BaseModel):
    mentee_id: UUID
    mentor_id: UUID
    score: float
    explanation: list[Contribution]
    status: ProposalStatus
    drop_reason: str | None
    pair_id: UUID | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProposalOut:
        return cls(
            mentee_id=row["mentee_id"],
            mentor_id=row["mentor_id"],
            score=row["score"],
            explanation=[Contribution(criterion=c, contribution=v) for c, v in row["explanation"]],
            status=ProposalStatus(row["status"]),
            drop_reason=row["drop_reason"],
            pair_id=row["pair_id"],
        )


@router.post("/programmes/{programme_id}/rounds", status_code=201, response_model=RoundOut)
async def run_round(
    programme_id: UUID, request: Request, p: CoordinatorBulk, body: RoundIn | None = None
) -> RoundOut:
    """Compute the optimal draft for the pool: unpaired mentees, mentors with places left,
    every hard rule. 409 while another draft of the programme exists."""
    round_ = await use_cases.run_round(
        use_cases.RunRound(programme_id, body.mode if body else None),
        bulk_uow(request, p),
        now(),
    )
    return RoundOut.of(round_)


@router.get("/programmes/{programme_id}/rounds", response_model=Page[RoundOut])
async def list_rounds(
    *,
    programme_id: UUID,
    request: Request,
    p: Coordinator,
    status: Annotated[RoundStatus | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RoundOut]:
    async with tenant_uow(request, p) as u:
        if await u.programmes.get(programme_id) is None:
            raise NotFound("no such programme")
        items, total = await u.rounds.page(programme_id, status=status, limit=limit, offset=offset)
    return Page(items=[RoundOut.of(r) for r in items], total=total, limit=limit, offset=offset)


@router.get("/rounds/{round_id}", response_model=RoundOut)
async def get_round(round_id: UUID, request: Request, p: Coordinator) -> RoundOut:
    async with tenant_uow(request, p) as u:
        round_ = await u.rounds.get(round_id)
    if round_ is None:
        raise NotFound("no such round")
    return RoundOut.of(round_)


@router.get("/rounds/{round_id}/proposals", response_model=Page[ProposalOut])
async def list_proposals(
    *,
    round_id: UUID,
    request: Request,
    p: Coordinator,
    status: Annotated[ProposalStatus | None, Query()] = None,
    mentor_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ProposalOut]:
    """Proposals with their score and its explanation (criteria and contributions)."""
    async with tenant_uow(request, p) as u:
        if await u.rounds.get(round_id) is None:
            raise NotFound("no such round")
        rows, total = await u.rounds.proposals(
            round_id, status=status, mentor_id=mentor_id, limit=limit, offset=offset
        )
    return Page(items=[ProposalOut.of(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/rounds/{round_id}/swap", response_model=RoundOut)
async def swap(round_id: UUID, body: SwapIn, request: Request, p: Coordinator) -> RoundOut:
    """Exchange the mentors of two mentees in a draft; 409 if a new pair breaks a hard rule."""
    round_ = await use_cases.swap(round_id, body.mentee_a, body.mentee_b, tenant_uow(request, p))
    return RoundOut.of(round_)


@router.delete("/rounds/{round_id}/proposals/{mentee_id}", response_model=RoundOut)
async def remove_proposal(
    round_id: UUID, mentee_id: UUID, request: Request, p: Coordinator
) -> RoundOut:
    round_ = await use_cases.remove(round_id, mentee_id, tenant_uow(request, p))
    return RoundOut.of(round_)


@router.post("/rounds/{round_id}/publish", response_model=RoundOut)
async def publish(round_id: UUID, request: Request, p: CoordinatorBulk) -> RoundOut:
    """Publish a draft: one `matching.pair_proposed.v1` per pair, then
    `matching.round_completed.v1`. A proposal that is no longer valid is dropped (with its
    reason). Publishing again continues a publication that was interrupted."""
    round_ = await use_cases.publish(round_id, bulk_uow(request, p), now())
    return RoundOut.of(round_)


@router.post("/rounds/{round_id}/discard", response_model=RoundOut)
async def discard(round_id: UUID, request: Request, p: Coordinator) -> RoundOut:
    round_ = await use_cases.discard(round_id, tenant_uow(request, p), now())
    return RoundOut.of(round_)
