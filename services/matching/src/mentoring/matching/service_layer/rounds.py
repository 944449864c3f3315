"""Matching rounds: compute a draft, review it (swap, remove), publish it in chunks.

Running a round reads the pool in one short transaction, computes outside any transaction (the
engine runs in a worker thread, a few at a time per process, so other requests keep flowing),
and writes the draft in a second one. Publishing writes CHUNK proposals per transaction, each
checked again against the current state (someone may have withdrawn or been paired since).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mentoring.contracts.base import EventData
from mentoring.kit.errors import Conflict, InvalidInput, NotFound
from mentoring.matching.adapters.events import emit_round_events, pair_wire_events
from mentoring.matching.domain.engine import Mode, Rules, match
from mentoring.matching.domain.pairs import Pair
from mentoring.matching.domain.pool import build_pool, engine_weights, profile_of, score_one
from mentoring.matching.domain.programmes import MatchingMode, Programme
from mentoring.matching.domain.rounds import DraftProposal, Round, RoundStatus
from mentoring.matching.domain.rules import RuleContext, forbidden_pairs, violation
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

# Proposals per publication transaction. Each chunk's events reach notifications and analytics
# at once; 250 (not 1,000) spreads that over the paced publication, which was what cost other
# ministries most (bench/noisy_neighbour.py, ADR 0030).
CHUNK = 250
ENGINE_SLOTS = 2  # concurrent engine runs per process


@functools.cache
def _slots() -> asyncio.Semaphore:
    return asyncio.Semaphore(ENGINE_SLOTS)


async def rule_context(uow: MatchingUnitOfWork, programme: Programme) -> RuleContext:
    return RuleContext(
        manager_of=await uow.org.manager_of(),
        never_pairs=await uow.org.never_pairs(programme.id),
        history=await uow.pairs.history(programme.id),
        forbid_same_unit=programme.settings.forbid_same_unit,
    )


@dataclass(frozen=True)
class RunRound:
    programme_id: UUID
    mode: MatchingMode | None = None


async def run_round(cmd: RunRound, uow: MatchingUnitOfWork, now: datetime) -> Round:
    async with uow:
        programme = await common.programme(uow, cmd.programme_id)
        programme.require_open()
        if await uow.rounds.open_round(programme.id) is not None:
            raise Conflict("this programme has a draft round; publish or discard it first")
        pool = build_pool(
            programme,
            await uow.participants.eligible(programme.id),
            await uow.pairs.mentees_in_open_pairs(programme.id),
            await uow.pairs.mentor_load(programme.id),
        )
        context = await rule_context(uow, programme)
    mode = cmd.mode or programme.settings.mode
    rules = Rules(
        mode=Mode(mode.value),
        forbid_same_unit=programme.settings.forbid_same_unit,
        min_score=programme.settings.min_score,
    )

    def compute() -> tuple[list[DraftProposal], float]:
        forbidden = forbidden_pairs(
            context, (m.id for m in pool.mentors), (m.id for m in pool.mentees)
        )
        result = match(
            pool.mentees,
            pool.mentors,
            engine_weights(programme.settings.weights),
            Rules(rules.mode, rules.forbid_same_unit, forbidden, rules.min_score),
        )
        drafts = [
            DraftProposal(p.mentee_id, p.mentor_id, p.score, tuple(p.explanation))
            for p in result.proposals
        ]
        return drafts, result.total_score

    async with _slots():
        proposals, total = await asyncio.to_thread(compute)
    round_ = Round.draft(
        tenant_id=programme.tenant_id,
        programme_id=programme.id,
        mode=mode,
        mentees_in_pool=len(pool.mentees),
        mentors_in_pool=len(pool.mentors),
        proposals=len(proposals),
        total_score=total,
        at=now,
    )
    async with uow:
        await common.programme(uow, programme.id, for_update=True)  # one draft at a time
        if await uow.rounds.open_round(programme.id) is not None:
            raise Conflict("this programme has a draft round; publish or discard it first")
        await uow.rounds.add(round_, proposals)
        await uow.commit()
    return round_


async def _draft(uow: MatchingUnitOfWork, round_id: UUID) -> Round:
    round_ = await uow.rounds.get(round_id, for_update=True)
    if round_ is None:
        raise NotFound("no such round")
    round_.require_draft()
    return round_


async def _refresh_totals(uow: MatchingUnitOfWork, round_: Round) -> None:
    count, total = await uow.rounds.pending_total(round_.id)
    round_.edited(count, total)
    await uow.rounds.save(round_)


async def swap(round_id: UUID, mentee_a: UUID, mentee_b: UUID, uow: MatchingUnitOfWork) -> Round:
    """Exchange the mentors of two proposals; both new pairs must keep every hard rule."""
    if mentee_a == mentee_b:
        raise InvalidInput("swap needs two different mentees")
    async with uow:
        round_ = await _draft(uow, round_id)
        programme = await common.programme(uow, round_.programme_id)
        current = await uow.rounds.draft_proposals(round_id, [mentee_a, mentee_b])
        if len(current) != 2:
            raise NotFound("both mentees need a proposal in this draft")
        a, b = current[mentee_a], current[mentee_b]
        people = {
            p.person_id: (p, unit)
            for p, unit in await uow.participants.eligible(
                programme.id, [mentee_a, mentee_b, a.mentor_id, b.mentor_id]
            )
        }
        context = await rule_context(uow, programme)
        kind, weights = programme.settings.kind, programme.settings.weights
        for mentee, mentor in ((mentee_a, b.mentor_id), (mentee_b, a.mentor_id)):
            if mentee not in people or mentor not in people:
                raise Conflict("a participant of this swap is no longer enrolled")
            (mentee_p, mentee_unit), (mentor_p, mentor_unit) = people[mentee], people[mentor]
            broken = violation(
                context,
                mentor_id=mentor,
                mentee_id=mentee,
                mentor_unit=mentor_unit,
                mentee_unit=mentee_unit,
            )
            if broken is not None:
                raise Conflict(f"the swap breaks a hard rule: {broken}", rule=broken.value)
            scored = score_one(
                profile_of(mentee_p, mentee_unit, as_mentor=False, kind=kind),
                profile_of(mentor_p, mentor_unit, as_mentor=True, kind=kind),
                weights,
            )
            if scored is None:
                raise Conflict("the engine cannot score this pair")
            await uow.rounds.replace_proposal(
                round_id, DraftProposal(mentee, mentor, scored.score, tuple(scored.explanation))
            )
        await _refresh_totals(uow, round_)
        await uow.commit()
    return round_


async def remove(round_id: UUID, mentee_id: UUID, uow: MatchingUnitOfWork) -> Round:
    async with uow:
        round_ = await _draft(uow, round_id)
        if not await uow.rounds.draft_proposals(round_id, [mentee_id]):
            raise NotFound("this mentee has no proposal in this draft")
        await uow.rounds.remove_proposal(round_id, mentee_id)
        await _refresh_totals(uow, round_)
        await uow.commit()
    return round_


async def discard(round_id: UUID, uow: MatchingUnitOfWork, now: datetime) -> Round:
    async with uow:
        round_ = await _draft(uow, round_id)
        round_.discard(now)
        await uow.rounds.save(round_)
        await uow.commit()
    return round_


async def publish(round_id: UUID, uow: MatchingUnitOfWork, now: datetime) -> Round:
    """draft -> publishing -> published; `pair_proposed` per pair, `round_completed` at the end.

    Publishing again after an interruption continues with the proposals not yet written.
    """
    async with uow:
        round_ = await uow.rounds.get(round_id, for_update=True)
        if round_ is None:
            raise NotFound("no such round")
        programme = await common.programme(uow, round_.programme_id)
        if round_.status is RoundStatus.DRAFT:
            programme.require_open()  # a closed programme gets no new proposals
        round_.start_publishing()
        await uow.rounds.save(round_)
        # Read once per publication: a reorganisation meanwhile flags the published pairs.
        context = await rule_context(uow, programme)
        await uow.commit()
    while True:
        async with uow:
            round_ = await uow.rounds.get(round_id, for_update=True)
            assert round_ is not None
            if round_.status is not RoundStatus.PUBLISHING:
                return round_  # another request finished it
            chunk = await uow.rounds.pending_chunk(round_id, CHUNK)
            if not chunk:
                round_.finish_publishing(await uow.rounds.published_score(round_id), now)
                await uow.rounds.save(round_)
                emit_round_events(uow, round_)
                await uow.commit()
                return round_
            await _publish_chunk(
                uow, programme=programme, context=context, round_=round_, chunk=chunk, now=now
            )
            await uow.rounds.save(round_)
            await uow.commit()
        await uow.pace()  # between the chunks' transactions (bulk lane only)


async def _publish_chunk(
    uow: MatchingUnitOfWork,
    *,
    programme: Programme,
    context: RuleContext,
    round_: Round,
    chunk: Sequence[DraftProposal],
    now: datetime,
) -> None:
    mentors = sorted({p.mentor_id for p in chunk})
    await uow.participants.lock(programme.id, mentors)
    people = {
        p.person_id: (p, unit)
        for p, unit in await uow.participants.eligible(
            programme.id, [*mentors, *(p.mentee_id for p in chunk)], with_profile=False
        )
    }
    busy = await uow.pairs.mentees_in_open_pairs(programme.id, [p.mentee_id for p in chunk])
    load = await uow.pairs.mentor_load(programme.id, mentors)
    cap = programme.settings.max_mentees_per_mentor
    pairs: list[Pair] = []
    dropped: list[tuple[UUID, str]] = []
    for proposal in chunk:
        mentee = people.get(proposal.mentee_id)
        mentor = people.get(proposal.mentor_id)
        reason: str | None = None
        if mentee is None or not mentee[0].is_mentee:
            reason = "mentee_not_enrolled"
        elif mentor is None or not mentor[0].is_mentor:
            reason = "mentor_not_enrolled"
        elif proposal.mentee_id in busy:
            reason = "mentee_already_paired"
        elif load.get(proposal.mentor_id, 0) >= mentor[0].effective_capacity(cap):
            reason = "mentor_full"
        else:
            broken = violation(
                context,
                mentor_id=proposal.mentor_id,
                mentee_id=proposal.mentee_id,
                mentor_unit=mentor[1],
                mentee_unit=mentee[1],
            )
            reason = broken.value if broken else None
        if reason is not None or mentee is None or mentor is None:
            dropped.append((proposal.mentee_id, reason or "invalid"))
            continue
        load[proposal.mentor_id] = load.get(proposal.mentor_id, 0) + 1
        busy.add(proposal.mentee_id)
        pairs.append(
            Pair.propose(
                tenant_id=programme.tenant_id,
                programme_id=programme.id,
                round_id=round_.id,
                mentor_id=proposal.mentor_id,
                mentee_id=proposal.mentee_id,
                score=proposal.score,
                explanation=proposal.explanation,
                mentor_unit_id=mentor[1],
                mentee_unit_id=mentee[1],
                at=now,
            )
        )
    await uow.pairs.add_many(pairs)
    await uow.rounds.settle(round_.id, [(p.mentee_id, p.id) for p in pairs], dropped)
    staged: dict[type[EventData], list[dict[str, object]]] = {}
    for pair in pairs:
        for event_type, fields in pair_wire_events(pair):
            staged.setdefault(event_type, []).append(fields)
    for event_type, items in staged.items():
        await uow.outbox.append_many(uow.session, event_type, items)  # one statement per chunk
    round_.chunk_written(len(pairs), len(dropped))
