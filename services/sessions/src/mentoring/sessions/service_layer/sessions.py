"""Use cases of sessions: schedule, reschedule, cancel, log; private notes; the calendar file.

Each runs inside an open unit of work (see `once`), which commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from mentoring.kit.calendar import SessionInvite, session_ics
from mentoring.kit.errors import Conflict, InvalidInput, NotFound
from mentoring.kit.idempotency import StoredResponse, claim_params, valid_key
from mentoring.sessions.adapters.events import emit_session_events, prepare_session_logged
from mentoring.sessions.adapters.sessions import ResponseClaim, log_past_once
from mentoring.sessions.domain.pairs import Caller, Pair
from mentoring.sessions.domain.sessions import Mode, Session, SessionStatus, unknown_topics
from mentoring.sessions.service_layer.once import RequestKey
from mentoring.sessions.service_layer.pairs import member_pair
from mentoring.sessions.service_layer.uow import HotPath, SessionsUnitOfWork

MAX_NOTE_CHARS = 20_000


@dataclass(frozen=True)
class ScheduleSession:
    pair_id: UUID
    starts_at: datetime
    duration_minutes: int
    mode: Mode
    location: str | None


@dataclass(frozen=True)
class RescheduleSession:
    session_id: UUID
    starts_at: datetime
    duration_minutes: int | None
    mode: Mode | None
    location: str | None


@dataclass(frozen=True)
class LogPastSession:
    pair_id: UUID
    held_at: datetime
    duration_minutes: int
    mode: Mode
    topics: tuple[str, ...]
    notes: str | None


@dataclass(frozen=True)
class LogScheduledSession:
    session_id: UUID
    held_at: datetime | None
    duration_minutes: int | None
    topics: tuple[str, ...]
    notes: str | None


async def log_past_session(
    uow: SessionsUnitOfWork, caller: Caller, cmd: LogPastSession, now: datetime
) -> Session:
    """The hot path: one conditional insert, one outbox row; reads only to explain a refusal."""
    if caller.participant_id is None:
        raise NotFound("no such pair")
    session = Session.log_past(
        tenant_id=uow.tenant,
        pair_id=cmd.pair_id,
        by=caller.participant_id,
        held_at=cmd.held_at,
        duration_minutes=cmd.duration_minutes,
        mode=cmd.mode,
        topics=cmd.topics,
        now=now,
    )
    notes = _note(cmd.notes)
    programme_id = await uow.sessions.insert_logged(session, caller.participant_id, notes)
    if programme_id is None:
        await _explain_refusal(uow, caller, cmd.pair_id, session.topics)
    session.programme_id = programme_id
    emit_session_events(uow, session)
    return session


# A programme id no pair has (random per process): the response and the event are rendered
# before the statement that reads the pair's programme, which it then fills in.
_PROGRAMME_SLOT = uuid4()


async def log_past_session_once(
    hot: HotPath,
    caller: Caller,
    cmd: LogPastSession,
    now: datetime,
    *,
    tenant_id: UUID,
    request: RequestKey,
    render: Callable[[Session], tuple[int, bytes]],
    traceparent: str | None = None,
) -> StoredResponse | None:
    """The hot path of `log_past_session` run once per Idempotency-Key: one statement checks
    the pair, claims the key with the response, inserts the session (and its note) and appends
    its event, in one transaction scoped to the tenant. None when it wrote nothing - the pair
    refused the session, or the key was used before: then the general path (`once` with
    `log_past_session`) answers, explaining the refusal or replaying the first response."""
    if caller.participant_id is None or (request.key is not None and not valid_key(request.key)):
        return None
    try:
        session = Session.log_past(
            tenant_id=tenant_id,
            pair_id=cmd.pair_id,
            by=caller.participant_id,
            held_at=cmd.held_at,
            duration_minutes=cmd.duration_minutes,
            mode=cmd.mode,
            topics=cmd.topics,
            now=now,
        )
        notes = _note(cmd.notes)
    except InvalidInput:
        return None  # the general path refuses it, after a replay check of the key
    session.programme_id = _PROGRAMME_SLOT
    status, body = render(session)
    head, slot, tail = body.partition(str(_PROGRAMME_SLOT).encode())
    if not slot or slot in tail:
        return None  # the response does not show the programme exactly once
    event = prepare_session_logged(hot.outbox, session, traceparent=traceparent)
    claim = None
    if request.key is not None:
        params = claim_params(
            "claim",
            tenant_id=tenant_id,
            principal=request.principal,
            key=request.key,
            fingerprint=request.fingerprint,
            status=status,
        )
        claim = ResponseClaim(params, head, tail)
    async with hot.transaction(tenant_id) as driver:
        programme_id = await log_past_once(
            driver, session, by=caller.participant_id, notes=notes, event=event, claim=claim
        )
    if programme_id is None:
        return None
    return StoredResponse(status, head + str(programme_id).encode() + tail, replayed=False)


async def schedule_session(
    uow: SessionsUnitOfWork, caller: Caller, cmd: ScheduleSession, now: datetime
) -> Session:
    pair, participant_id = await member_pair(uow, cmd.pair_id, caller)
    session = Session.schedule(
        tenant_id=uow.tenant,
        pair_id=pair.id,
        programme_id=pair.programme_id,
        by=participant_id,
        starts_at=cmd.starts_at,
        duration_minutes=cmd.duration_minutes,
        mode=cmd.mode,
        location=cmd.location,
        now=now,
    )
    await uow.sessions.add(session)
    emit_session_events(uow, session)
    return session


async def reschedule_session(
    uow: SessionsUnitOfWork, caller: Caller, cmd: RescheduleSession, now: datetime
) -> Session:
    session, _pair, _me = await _for_member_write(uow, caller, cmd.session_id)
    session.reschedule(
        starts_at=cmd.starts_at,
        duration_minutes=cmd.duration_minutes,
        mode=cmd.mode,
        location=cmd.location,
        now=now,
    )
    await uow.sessions.save(session)
    emit_session_events(uow, session)
    return session


async def cancel_session(
    uow: SessionsUnitOfWork, caller: Caller, session_id: UUID, now: datetime
) -> Session:
    session, _pair, _me = await _for_member_write(uow, caller, session_id)
    session.cancel(now=now)
    await uow.sessions.save(session)
    emit_session_events(uow, session)
    return session


async def log_scheduled_session(
    uow: SessionsUnitOfWork, caller: Caller, cmd: LogScheduledSession, now: datetime
) -> Session:
    session, _pair, me = await _for_member_write(uow, caller, cmd.session_id)
    session.log(
        by=me,
        held_at=cmd.held_at,
        duration_minutes=cmd.duration_minutes,
        topics=cmd.topics,
        now=now,
    )
    unknown = unknown_topics(session.topics, await uow.topics.known(session.topics))
    if unknown:
        raise InvalidInput(f"unknown topics: {', '.join(unknown)}", unknown_topics=unknown)
    await uow.sessions.save(session)
    notes = _note(cmd.notes)
    if notes is not None:
        await uow.sessions.put_note(uow.tenant, session.id, me, notes, now)
    emit_session_events(uow, session)
    return session


async def get_session(uow: SessionsUnitOfWork, caller: Caller, session_id: UUID) -> Session:
    found = await uow.sessions.get(session_id)
    if found is None or not found[1].can_see(caller):
        raise NotFound("no such session")
    return found[0]


# -- private notes: the pair's two members only; 404 for everyone else -------------------------


@dataclass(frozen=True)
class Note:
    author_id: UUID
    body: str
    updated_at: datetime


async def read_notes(uow: SessionsUnitOfWork, caller: Caller, session_id: UUID) -> list[Note]:
    found = await uow.sessions.get(session_id)
    if found is None or not found[1].is_member(caller):
        raise NotFound("no such notes")
    return [Note(a, b, u) for a, b, u in await uow.sessions.notes(session_id)]


async def write_note(
    uow: SessionsUnitOfWork, caller: Caller, session_id: UUID, body: str, now: datetime
) -> list[Note]:
    """Set (or, with an empty body, delete) the caller's own note on a session."""
    found = await uow.sessions.get(session_id, for_update=True)
    if found is None or not found[1].is_member(caller) or caller.participant_id is None:
        raise NotFound("no such notes")
    session, pair = found
    pair.ensure_active()
    if session.status is SessionStatus.CANCELLED:
        raise Conflict("the session was cancelled")
    note = _note(body)
    if note is None:
        await uow.sessions.delete_note(session_id, caller.participant_id)
    else:
        await uow.sessions.put_note(uow.tenant, session_id, caller.participant_id, note, now)
    return [Note(a, b, u) for a, b, u in await uow.sessions.notes(session_id)]


# -- the calendar file -------------------------------------------------------------------------

SUMMARY = "Spotkanie mentoringowe / Mentoring session"


async def session_calendar(uow: SessionsUnitOfWork, caller: Caller, session_id: UUID) -> bytes:
    session = await get_session(uow, caller, session_id)
    return session_ics(
        SessionInvite(
            session_id=session.id,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            summary=SUMMARY,
            location=session.location,
            revision=session.revision,
            cancelled=session.status is SessionStatus.CANCELLED,
            stamp=session.updated_at,
        )
    )


async def _for_member_write(
    uow: SessionsUnitOfWork, caller: Caller, session_id: UUID
) -> tuple[Session, Pair, UUID]:
    found = await uow.sessions.get(session_id, for_update=True)
    if found is None:
        raise NotFound("no such session")
    session, pair = found
    if not pair.can_see(caller):
        raise NotFound("no such session")
    me = pair.ensure_member(caller)
    pair.ensure_active()
    return session, pair, me


async def _explain_refusal(
    uow: SessionsUnitOfWork, caller: Caller, pair_id: UUID, topics: tuple[str, ...]
) -> None:
    await member_pair(uow, pair_id, caller)  # 404 for strangers, 409 for an ended pair
    unknown = unknown_topics(topics, await uow.topics.known(topics))
    if unknown:
        raise InvalidInput(f"unknown topics: {', '.join(unknown)}", unknown_topics=unknown)
    raise Conflict("the pair changed while the session was logged; try again")


def _note(body: str | None) -> str | None:
    if body is None:
        return None
    body = body.strip()
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note has at most {MAX_NOTE_CHARS} characters")
    return body or None
