"""The pair lifecycle: accept, decline, end, re-match; a mentee's own request; expiry; the
reactions to feedback (failed fit check) and to inactivity reported by analytics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from mentoring.kit.errors import Conflict, Forbidden, InvalidInput
from mentoring.matching.adapters.events import emit_pair_events
from mentoring.matching.domain.pairs import EndReason, Flag, Pair, PairStatus, Side
from mentoring.matching.domain.pool import profile_of, score_one
from mentoring.matching.domain.rules import violation
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.common import Actor
from mentoring.matching.service_layer.rounds import rule_context
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

MEMBER_END_REASONS = (EndReason.COMPLETED,)
COORDINATOR_END_REASONS = (EndReason.COMPLETED, EndReason.INACTIVE, EndReason.WITHDRAWN)


async def _change(
    pair_id: UUID,
    actor: Actor,
    uow: MatchingUnitOfWork,
    change: Callable[[Pair], None],
) -> Pair:
    async with uow:
        pair = await common.pair_for(uow, pair_id, actor, for_update=True)
        change(pair)
        await uow.pairs.save(pair)
        emit_pair_events(uow, pair)
        await uow.commit()
    return pair


def _side(pair: Pair, actor: Actor) -> Side:
    side = pair.side_of(actor.person_id) if actor.person_id else None
    if side is None:
        raise Forbidden("only the mentor or the mentee of this pair can answer it")
    return side


async def accept(pair_id: UUID, actor: Actor, uow: MatchingUnitOfWork, now: datetime) -> Pair:
    return await _change(pair_id, actor, uow, lambda p: p.accept(_side(p, actor), now))


async def decline(pair_id: UUID, actor: Actor, uow: MatchingUnitOfWork, now: datetime) -> Pair:
    """The mentee returns to the pool; this pair is never proposed again in the programme."""
    return await _change(pair_id, actor, uow, lambda p: p.decline(_side(p, actor), now))


async def end(
    pair_id: UUID, reason: EndReason, actor: Actor, uow: MatchingUnitOfWork, now: datetime
) -> Pair:
    allowed = COORDINATOR_END_REASONS if actor.coordinator else MEMBER_END_REASONS
    if reason is EndReason.REMATCH:
        raise InvalidInput("a re-match is taken with POST /pairs/{id}/rematch")
    if reason not in allowed:
        raise Forbidden(f"you may end a pair only as: {', '.join(allowed)}")
    return await _change(pair_id, actor, uow, lambda p: p.end(reason, now))


async def accept_rematch(
    pair_id: UUID, actor: Actor, uow: MatchingUnitOfWork, now: datetime
) -> Pair:
    """The mentee (or a coordinator for them) takes the re-match offered after a failed fit
    check: the pair ends with reason rematch and the mentee is in the next round's pool."""

    def take(pair: Pair) -> None:
        if not actor.coordinator and actor.person_id != pair.mentee_id:
            raise Forbidden("only the mentee (or a coordinator) can take the re-match")
        pair.accept_rematch(now)

    return await _change(pair_id, actor, uow, take)


@dataclass(frozen=True)
class RequestMentor:
    programme_id: UUID
    mentee_id: UUID
    mentor_id: UUID


async def request_mentor(cmd: RequestMentor, uow: MatchingUnitOfWork, now: datetime) -> Pair:
    """Self-service: the mentee asks a mentor, who accepts within the programme's
    `request_expiry_days` or the request expires. Every hard rule applies as in a round."""
    async with uow:
        programme = await common.programme(uow, cmd.programme_id)
        programme.require_open()
        await uow.participants.lock(programme.id, sorted({cmd.mentor_id, cmd.mentee_id}))
        people = {
            p.person_id: (p, unit)
            for p, unit in await uow.participants.eligible(
                programme.id, [cmd.mentee_id, cmd.mentor_id]
            )
        }
        mentee, mentor = people.get(cmd.mentee_id), people.get(cmd.mentor_id)
        if mentee is None or not mentee[0].is_mentee:
            raise Conflict("you are not an enrolled, consenting mentee of this programme")
        if mentor is None or not mentor[0].is_mentor:
            raise Conflict("this person is not an available mentor of this programme")
        if await uow.pairs.mentees_in_open_pairs(programme.id, [cmd.mentee_id]):
            raise Conflict("you already have a proposed or active pair in this programme")
        load = (await uow.pairs.mentor_load(programme.id, [cmd.mentor_id])).get(cmd.mentor_id, 0)
        if load >= mentor[0].effective_capacity(programme.settings.max_mentees_per_mentor):
            raise Conflict("this mentor has no capacity left")
        context = await rule_context(uow, programme)
        broken = violation(
            context,
            mentor_id=cmd.mentor_id,
            mentee_id=cmd.mentee_id,
            mentor_unit=mentor[1],
            mentee_unit=mentee[1],
        )
        if broken is not None:
            raise Conflict(f"this request breaks a hard rule: {broken}", rule=broken.value)
        kind = programme.settings.kind
        scored = score_one(
            profile_of(mentee[0], mentee[1], as_mentor=False, kind=kind),
            profile_of(mentor[0], mentor[1], as_mentor=True, kind=kind),
            programme.settings.weights,
        )
        pair = Pair.request(
            tenant_id=programme.tenant_id,
            programme_id=programme.id,
            mentor_id=cmd.mentor_id,
            mentee_id=cmd.mentee_id,
            score=scored.score if scored else 0.0,
            explanation=tuple(scored.explanation) if scored else (),
            mentor_unit_id=mentor[1],
            mentee_unit_id=mentee[1],
            answer_within=timedelta(days=programme.settings.request_expiry_days),
            at=now,
        )
        await uow.pairs.add(pair)
        emit_pair_events(uow, pair)
        await uow.commit()
    return pair


async def expire_requests(
    make_uow: Callable[[UUID | None], MatchingUnitOfWork], now: datetime, batch: int = 500
) -> int:
    """Decline (`declined_by` None) the requests nobody answered in time. The scan runs in the
    system scope, over the pairs of this deployment's topic namespace only (`make_uow`'s
    outbox); each tenant's pairs change in a transaction of that tenant."""
    async with make_uow(None) as scan:
        due = await scan.pairs.due_to_expire(now, batch)
    by_tenant: dict[UUID, list[UUID]] = defaultdict(list)
    for tenant_id, pair_id in due:
        by_tenant[tenant_id].append(pair_id)
    expired = 0
    for tenant_id, pair_ids in by_tenant.items():
        async with make_uow(tenant_id) as uow:
            for pair_id in sorted(pair_ids):
                pair = await uow.pairs.get(pair_id, for_update=True)
                if pair is None or pair.status is not PairStatus.PROPOSED:
                    continue
                if pair.expires_at is None or pair.expires_at > now:
                    continue
                pair.expire(now)
                await uow.pairs.save(pair)
                emit_pair_events(uow, pair)
                expired += 1
            await uow.commit()
    return expired


async def flag(uow: MatchingUnitOfWork, pair_id: UUID, flag_: Flag, now: datetime) -> bool:
    """Inside a consumer's transaction: flag an active pair (False when unknown or closed)."""
    pair = await uow.pairs.get(pair_id, for_update=True)
    if pair is None or not pair.flag(flag_, now):
        return False
    await uow.pairs.save(pair)
    emit_pair_events(uow, pair)
    return True
