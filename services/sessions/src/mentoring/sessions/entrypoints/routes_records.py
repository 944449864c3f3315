"""HTTP routes: the mentoring agreement, goals and milestones, and the ministry's topic list."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from mentoring.kit.errors import NotFound
from mentoring.sessions.domain.agreements import Terms
from mentoring.sessions.entrypoints.http import (
    Anyone,
    Coordinators,
    IdempotencyKey,
    Members,
    PairReaders,
    caller_of,
    new_uow,
    now,
    write_once,
)
from mentoring.sessions.entrypoints.schemas import (
    AgreementIn,
    AgreementOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    MilestoneIn,
    SignIn,
    TopicIn,
    TopicOut,
    TopicPatch,
)
from mentoring.sessions.service_layer import records, topics

router = APIRouter(prefix="/api/v1")


# -- agreement ---------------------------------------------------------------------------------


@router.get("/pairs/{pair_id}/agreement", response_model=AgreementOut, tags=["agreement"])
async def get_agreement(pair_id: UUID, request: Request, principal: PairReaders) -> AgreementOut:
    """Coordinators see its status and cadence; the texts are the pair's own."""
    caller = caller_of(principal)
    async with new_uow(request, principal) as uow:
        agreement, pair = await records.get_agreement(uow, caller, pair_id)
    return AgreementOut.of(agreement, member=pair.is_member(caller))


@router.put("/pairs/{pair_id}/agreement", response_model=AgreementOut, tags=["agreement"])
async def put_agreement(
    pair_id: UUID, body: AgreementIn, request: Request, principal: Members
) -> AgreementOut:
    """Write the terms (goals, cadence, confidentiality). Changed terms raise the revision and
    clear earlier signatures; a signed agreement no longer changes (409)."""
    terms = Terms(
        goals=body.goals.strip(),
        meetings_per_month=body.meetings_per_month,
        session_minutes=body.session_minutes,
        confidentiality=body.confidentiality.strip(),
    )
    async with new_uow(request, principal) as uow:
        agreement = await records.put_agreement(uow, caller_of(principal), pair_id, terms, now())
        await uow.commit()
    return AgreementOut.of(agreement, member=True)


@router.post("/pairs/{pair_id}/agreement/sign", response_model=AgreementOut, tags=["agreement"])
async def sign_agreement(
    pair_id: UUID, body: SignIn, request: Request, principal: Members, key: IdempotencyKey = None
) -> Response:
    """Sign a revision of the terms. When both have signed it, `sessions.agreement_signed.v1`
    is published (once)."""
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.sign_agreement(uow, caller, pair_id, body.revision, at),
        lambda a: AgreementOut.of(a, member=True),
    )


# -- goals -------------------------------------------------------------------------------------


@router.post("/pairs/{pair_id}/goals", status_code=201, response_model=GoalOut, tags=["goals"])
async def set_goal(
    pair_id: UUID, body: GoalIn, request: Request, principal: Members, key: IdempotencyKey = None
) -> Response:
    """Set a goal; publishes `sessions.goal_set.v1` (ids and dates only, never the text)."""
    cmd = records.SetGoal(
        pair_id, body.title, body.description, body.target_date, tuple(body.milestones)
    )
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.set_goal(uow, caller, cmd, at),
        lambda g: GoalOut.of(g, member=True),
        status_code=201,
    )


@router.get("/pairs/{pair_id}/goals", response_model=list[GoalOut], tags=["goals"])
async def list_goals(pair_id: UUID, request: Request, principal: PairReaders) -> list[GoalOut]:
    caller = caller_of(principal)
    async with new_uow(request, principal) as uow:
        goals, pair = await records.goals_of_pair(uow, caller, pair_id)
    member = pair.is_member(caller)
    return [GoalOut.of(g, member=member) for g in goals]


@router.get("/goals/{goal_id}", response_model=GoalOut, tags=["goals"])
async def get_goal(goal_id: UUID, request: Request, principal: PairReaders) -> GoalOut:
    caller = caller_of(principal)
    async with new_uow(request, principal) as uow:
        goal, pair = await records.get_goal(uow, caller, goal_id)
    return GoalOut.of(goal, member=pair.is_member(caller))


@router.patch("/goals/{goal_id}", response_model=GoalOut, tags=["goals"])
async def update_goal(
    goal_id: UUID, body: GoalPatch, request: Request, principal: Members
) -> GoalOut:
    """Edit the goal or record progress (0-100 %)."""
    cmd = records.UpdateGoal(goal_id, body.title, body.description, body.target_date, body.progress)
    async with new_uow(request, principal) as uow:
        goal = await records.update_goal(uow, caller_of(principal), cmd)
        await uow.commit()
    return GoalOut.of(goal, member=True)


@router.post("/goals/{goal_id}/milestones", status_code=201, response_model=GoalOut, tags=["goals"])
async def add_milestone(
    goal_id: UUID,
    body: MilestoneIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    caller = caller_of(principal)
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.add_milestone(uow, caller, goal_id, body.title),
        lambda result: GoalOut.of(result[0], member=True),
        status_code=201,
    )


@router.post(
    "/goals/{goal_id}/milestones/{milestone_id}/complete",
    response_model=GoalOut,
    tags=["goals"],
)
async def complete_milestone(
    goal_id: UUID,
    milestone_id: UUID,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.complete_milestone(uow, caller, goal_id, milestone_id, at),
        lambda g: GoalOut.of(g, member=True),
    )


@router.post("/goals/{goal_id}/achieve", response_model=GoalOut, tags=["goals"])
async def achieve_goal(
    goal_id: UUID, request: Request, principal: Members, key: IdempotencyKey = None
) -> Response:
    """Mark the goal achieved (final); publishes `sessions.goal_achieved.v1`."""
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.achieve_goal(uow, caller, goal_id, at),
        lambda g: GoalOut.of(g, member=True),
    )


# -- topics ------------------------------------------------------------------------------------


@router.get("/topics", response_model=list[TopicOut], tags=["topics"])
async def list_topics(
    request: Request, principal: Anyone, include_inactive: bool = False
) -> list[TopicOut]:
    async with new_uow(request, principal) as uow:
        rows = await uow.topics.listing(include_inactive=include_inactive)
    return [TopicOut.of(r) for r in rows]


@router.post("/topics", status_code=201, response_model=TopicOut, tags=["topics"])
async def add_topic(
    body: TopicIn, request: Request, principal: Coordinators, key: IdempotencyKey = None
) -> Response:
    at = now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: topics.add_topic(uow, body.code, body.label_pl, body.label_en, at),
        TopicOut.of,
        status_code=201,
    )


@router.patch("/topics/{code}", response_model=TopicOut, tags=["topics"])
async def change_topic(
    code: str, body: TopicPatch, request: Request, principal: Coordinators
) -> TopicOut:
    async with new_uow(request, principal) as uow:
        row = await topics.change_topic(
            uow, code, label_pl=body.label_pl, label_en=body.label_en, active=body.active
        )
        await uow.commit()
    return TopicOut.of(row)


@router.delete("/topics/{code}", status_code=204, tags=["topics"])
async def retire_topic(code: str, request: Request, principal: Coordinators) -> Response:
    """Retire a topic: it leaves the list; sessions that used it keep the code."""
    async with new_uow(request, principal) as uow:
        row = await uow.topics.update(code, {"active": False})
        if row is None:
            raise NotFound("no such topic")
        await uow.commit()
    return Response(status_code=204)
