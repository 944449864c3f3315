"""Use cases of agreements, goals and feedback. Each runs inside an open unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from mentoring.kit.errors import Conflict, NotFound
from mentoring.sessions.adapters.events import (
    emit_agreement_events,
    emit_feedback,
    emit_goal_events,
)
from mentoring.sessions.domain.agreements import Agreement, Terms
from mentoring.sessions.domain.feedback import Feedback, give_feedback
from mentoring.sessions.domain.goals import Goal, Milestone
from mentoring.sessions.domain.pairs import Caller, Pair
from mentoring.sessions.service_layer.pairs import member_pair, visible_pair
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork

# -- agreements --------------------------------------------------------------------------------


async def put_agreement(
    uow: SessionsUnitOfWork, caller: Caller, pair_id: UUID, terms: Terms, now: datetime
) -> Agreement:
    pair, _me = await member_pair(uow, pair_id, caller)
    agreement = await uow.agreements.get(pair_id, for_update=True)
    if agreement is None:
        agreement = Agreement.draft(
            tenant_id=uow.tenant,
            pair_id=pair.id,
            programme_id=pair.programme_id,
            terms=terms,
            now=now,
        )
    elif not agreement.amend(terms, now):
        return agreement
    await uow.agreements.save(agreement)
    return agreement


async def sign_agreement(
    uow: SessionsUnitOfWork, caller: Caller, pair_id: UUID, revision: int, now: datetime
) -> Agreement:
    pair, me = await member_pair(uow, pair_id, caller)
    agreement = await uow.agreements.get(pair_id, for_update=True)
    if agreement is None:
        raise NotFound("the pair has no agreement yet")
    side = pair.side_of(me)
    assert side is not None
    agreement.sign(side, revision, now)
    await uow.agreements.save(agreement)
    emit_agreement_events(uow, agreement)
    return agreement


async def get_agreement(
    uow: SessionsUnitOfWork, caller: Caller, pair_id: UUID
) -> tuple[Agreement, Pair]:
    pair = await visible_pair(uow, pair_id, caller)
    agreement = await uow.agreements.get(pair_id)
    if agreement is None:
        raise NotFound("the pair has no agreement yet")
    return agreement, pair


# -- goals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetGoal:
    pair_id: UUID
    title: str
    description: str | None
    target_date: date | None
    milestones: tuple[str, ...]


@dataclass(frozen=True)
class UpdateGoal:
    goal_id: UUID
    title: str | None
    description: str | None
    target_date: date | None
    progress: int | None


async def set_goal(uow: SessionsUnitOfWork, caller: Caller, cmd: SetGoal, now: datetime) -> Goal:
    pair, me = await member_pair(uow, cmd.pair_id, caller)
    goal = Goal.set(
        tenant_id=uow.tenant,
        pair_id=pair.id,
        programme_id=pair.programme_id,
        author_id=me,
        title=cmd.title,
        description=cmd.description,
        target_date=cmd.target_date,
        milestones=list(cmd.milestones),
        now=now,
    )
    await uow.goals.save(goal)
    emit_goal_events(uow, goal)
    return goal


async def update_goal(uow: SessionsUnitOfWork, caller: Caller, cmd: UpdateGoal) -> Goal:
    goal = await _goal_for_member_write(uow, caller, cmd.goal_id)
    goal.update(
        title=cmd.title,
        description=cmd.description,
        target_date=cmd.target_date,
        progress=cmd.progress,
    )
    await uow.goals.save(goal)
    return goal


async def add_milestone(
    uow: SessionsUnitOfWork, caller: Caller, goal_id: UUID, title: str
) -> tuple[Goal, Milestone]:
    goal = await _goal_for_member_write(uow, caller, goal_id)
    milestone = goal.add_milestone(title)
    await uow.goals.save(goal)
    return goal, milestone


async def complete_milestone(
    uow: SessionsUnitOfWork, caller: Caller, goal_id: UUID, milestone_id: UUID, now: datetime
) -> Goal:
    goal = await _goal_for_member_write(uow, caller, goal_id)
    goal.complete_milestone(milestone_id, now)
    await uow.goals.save(goal)
    return goal


async def achieve_goal(
    uow: SessionsUnitOfWork, caller: Caller, goal_id: UUID, now: datetime
) -> Goal:
    goal = await _goal_for_member_write(uow, caller, goal_id)
    goal.achieve(now)
    await uow.goals.save(goal)
    emit_goal_events(uow, goal)
    return goal


async def goals_of_pair(
    uow: SessionsUnitOfWork, caller: Caller, pair_id: UUID
) -> tuple[list[Goal], Pair]:
    pair = await visible_pair(uow, pair_id, caller)
    return await uow.goals.of_pair(pair_id), pair


async def get_goal(uow: SessionsUnitOfWork, caller: Caller, goal_id: UUID) -> tuple[Goal, Pair]:
    goal = await uow.goals.get(goal_id)
    if goal is None:
        raise NotFound("no such goal")
    pair = await uow.pairs.get(goal.pair_id)
    if pair is None or not pair.can_see(caller):
        raise NotFound("no such goal")
    return goal, pair


async def _goal_for_member_write(uow: SessionsUnitOfWork, caller: Caller, goal_id: UUID) -> Goal:
    goal = await uow.goals.get(goal_id, for_update=True)
    if goal is None:
        raise NotFound("no such goal")
    try:
        await member_pair(uow, goal.pair_id, caller)
    except NotFound:
        raise NotFound("no such goal") from None
    return goal


# -- feedback ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiveFeedback:
    session_id: UUID
    rating: int
    fit_check: bool | None
    comment: str | None


async def submit_feedback(
    uow: SessionsUnitOfWork, caller: Caller, cmd: GiveFeedback, now: datetime
) -> Feedback:
    found = await uow.sessions.get(cmd.session_id)
    if found is None or not found[1].is_member(caller):
        raise NotFound("no such session")
    session, pair = found
    me = pair.ensure_member(caller)
    pair.ensure_active()
    first = await uow.sessions.first_logged_session(pair.id)
    feedback = give_feedback(
        session,
        participant_id=me,
        rating=cmd.rating,
        fit_check=cmd.fit_check,
        comment=cmd.comment,
        first_session=first == session.id,
        now=now,
    )
    if not await uow.feedback.add(feedback):
        raise Conflict("you have already given feedback on this session")
    emit_feedback(uow, feedback)
    return feedback


async def feedback_of_session(
    uow: SessionsUnitOfWork, caller: Caller, session_id: UUID
) -> list[Feedback]:
    found = await uow.sessions.get(session_id)
    if found is None or not found[1].can_see(caller):
        raise NotFound("no such session")
    return await uow.feedback.of_session(session_id)
