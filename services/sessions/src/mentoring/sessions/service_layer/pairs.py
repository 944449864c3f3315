"""The pair read model (from `mentoring.matching`), erasure, and who may see or act on a pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from mentoring.kit.errors import NotFound
from mentoring.kit.idempotency import forget_responses
from mentoring.sessions.adapters.events import emit_session_events
from mentoring.sessions.adapters.sessions import erase_notes_by
from mentoring.sessions.domain.pairs import Caller, Pair, PairStatus
from mentoring.sessions.domain.surveys import checkin_due_at
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork


async def visible_pair(uow: SessionsUnitOfWork, pair_id: UUID, caller: Caller) -> Pair:
    pair = await uow.pairs.get(pair_id)
    if pair is None:
        raise NotFound("no such pair")
    pair.ensure_visible(caller)
    return pair


async def member_pair(uow: SessionsUnitOfWork, pair_id: UUID, caller: Caller) -> tuple[Pair, UUID]:
    """The pair and the caller's participant id, for a member of an active pair (404 / 409)."""
    pair = await uow.pairs.get(pair_id)
    if pair is None:
        raise NotFound("no such pair")
    participant_id = pair.ensure_member(caller)
    pair.ensure_active()
    return pair, participant_id


@dataclass(frozen=True)
class RecordPairCreated:
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    created_at: datetime


@dataclass(frozen=True)
class RecordPairEnded:
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    reason: str
    ended_at: datetime


@dataclass(frozen=True)
class RecordProgramme:
    tenant_id: UUID
    programme_id: UUID
    starts_on: date
    ends_on: date
    opened_at: datetime


async def record_pair_created(uow: SessionsUnitOfWork, cmd: RecordPairCreated) -> None:
    pair = Pair(
        id=cmd.pair_id,
        tenant_id=cmd.tenant_id,
        programme_id=cmd.programme_id,
        mentor_id=cmd.mentor_id,
        mentee_id=cmd.mentee_id,
        status=PairStatus.ACTIVE,
        created_at=cmd.created_at,
    )
    await uow.pairs.add_created(pair, checkin_due_at(cmd.created_at, 1))


async def record_pair_ended(uow: SessionsUnitOfWork, cmd: RecordPairEnded) -> None:
    """The pair becomes read-only; its sessions still ahead are cancelled (calendars follow)."""
    pair = Pair(
        id=cmd.pair_id,
        tenant_id=cmd.tenant_id,
        programme_id=cmd.programme_id,
        mentor_id=cmd.mentor_id,
        mentee_id=cmd.mentee_id,
        status=PairStatus.ENDED,
        created_at=cmd.ended_at,
        ended_at=cmd.ended_at,
    )
    await uow.pairs.mark_ended(pair, cmd.reason)
    for session in await uow.sessions.scheduled_of_pair(cmd.pair_id):
        if session.starts_at > cmd.ended_at:
            session.cancel(now=cmd.ended_at)
            await uow.sessions.save(session)
            emit_session_events(uow, session)


async def record_programme(uow: SessionsUnitOfWork, cmd: RecordProgramme) -> None:
    await uow.pairs.upsert_programme(
        cmd.tenant_id, cmd.programme_id, cmd.starts_on, cmd.ends_on, cmd.opened_at
    )


async def erase_participant(uow: SessionsUnitOfWork, participant_id: UUID) -> None:
    """Delete the participant's personal free text; pseudonymous rows stay for statistics.

    Their private notes go, their goal texts and feedback comments are blanked, and the
    agreement texts of their pairs (written by both about both) are blanked too, and the
    stored responses of Idempotency-Keys that could repeat any of it are deleted.
    """
    pair_ids = await uow.pairs.pair_ids_of(participant_id)
    await erase_notes_by(uow.session, participant_id)
    await uow.goals.erase_texts_by(participant_id)
    await uow.feedback.erase_comments_by(participant_id)
    await uow.agreements.erase_texts(pair_ids)
    # the stored responses of Idempotency-Keys repeat those texts (theirs and their partners')
    await forget_responses(
        uow.session, principals=[str(participant_id)], mentions=[str(p) for p in pair_ids]
    )
