"""HTTP routes: pairs, sessions (schedule, reschedule, cancel, log), private notes, the
calendar file, feedback, and the coordinators' CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from mentoring.kit.web import Offset
from mentoring.sessions.domain.pairs import PairStatus
from mentoring.sessions.domain.sessions import SessionStatus
from mentoring.sessions.entrypoints.http import (
    Anyone,
    Bulk,
    IdempotencyKey,
    Members,
    PairReaders,
    answer,
    caller_of,
    hot_path,
    new_uow,
    now,
    rendering,
    request_key,
    write_once,
)
from mentoring.sessions.entrypoints.schemas import (
    CancelIn,
    FeedbackIn,
    FeedbackOut,
    LogPastIn,
    LogScheduledIn,
    NoteIn,
    NoteOut,
    Page,
    PairOut,
    RescheduleIn,
    ScheduleIn,
    SessionOut,
)
from mentoring.sessions.service_layer import records, sessions
from mentoring.sessions.service_layer.pairs import visible_pair

router = APIRouter(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=200)]


# -- pairs -------------------------------------------------------------------------------------


@router.get("/pairs", response_model=Page[PairOut], tags=["pairs"])
async def list_pairs(
    *,
    request: Request,
    principal: PairReaders,
    status: PairStatus | None = None,
    programme_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PairOut]:
    """Members see their own pairs; coordinators every pair of their ministry."""
    async with new_uow(request, principal) as uow:
        items, total = await uow.pairs.list_visible(
            caller_of(principal),
            status=status,
            programme_id=programme_id,
            limit=limit,
            offset=offset,
        )
    return Page(items=[PairOut.of(p) for p in items], total=total, limit=limit, offset=offset)


@router.get("/pairs/{pair_id}", response_model=PairOut, tags=["pairs"])
async def get_pair(pair_id: UUID, request: Request, principal: PairReaders) -> PairOut:
    async with new_uow(request, principal) as uow:
        return PairOut.of(await visible_pair(uow, pair_id, caller_of(principal)))


# -- sessions ----------------------------------------------------------------------------------


@router.post(
    "/pairs/{pair_id}/sessions", status_code=201, response_model=SessionOut, tags=["sessions"]
)
async def schedule_session(
    pair_id: UUID,
    body: ScheduleIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    """Schedule a session; publishes `sessions.session_scheduled.v1` (revision 0)."""
    cmd = sessions.ScheduleSession(
        pair_id, body.starts_at, body.duration_minutes, body.mode, body.location
    )
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: sessions.schedule_session(uow, caller, cmd, at),
        SessionOut.of,
        status_code=201,
    )


@router.post(
    "/pairs/{pair_id}/sessions/log", status_code=201, response_model=SessionOut, tags=["sessions"]
)
async def log_past_session(
    pair_id: UUID, body: LogPastIn, request: Request, principal: Members, key: IdempotencyKey = None
) -> Response:
    """Log a session held without being scheduled here; publishes `sessions.session_logged.v1`.
    Topics come from the ministry's list (unknown: 422); notes stay private to the pair."""
    cmd = sessions.LogPastSession(
        pair_id, body.held_at, body.duration_minutes, body.mode, tuple(body.topics), body.notes
    )
    caller, at = caller_of(principal), now()
    once_per_key = await request_key(request, principal, key)
    logged = await sessions.log_past_session_once(
        hot_path(request),
        caller,
        cmd,
        at,
        tenant_id=principal.tenant_id,
        request=once_per_key,
        render=rendering(SessionOut.of, 201),
        traceparent=request.headers.get("traceparent"),
    )
    if logged is not None:
        return answer(logged)
    return await write_once(  # a refusal to explain, or a replay
        request,
        principal,
        once_per_key,
        lambda uow: sessions.log_past_session(uow, caller, cmd, at),
        SessionOut.of,
        status_code=201,
    )


@router.post("/sessions/{session_id}/reschedule", response_model=SessionOut, tags=["sessions"])
async def reschedule_session(
    session_id: UUID,
    body: RescheduleIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    """Move a scheduled session (same session, revision + 1); the .ics follows."""
    cmd = sessions.RescheduleSession(
        session_id, body.starts_at, body.duration_minutes, body.mode, body.location
    )
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: sessions.reschedule_session(uow, caller, cmd, at),
        SessionOut.of,
    )


@router.post("/sessions/{session_id}/cancel", response_model=SessionOut, tags=["sessions"])
async def cancel_session(
    session_id: UUID,
    request: Request,
    principal: Members,
    body: CancelIn | None = None,
    key: IdempotencyKey = None,
) -> Response:
    """Cancel a scheduled session (final); the .ics becomes a cancellation."""
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: sessions.cancel_session(uow, caller, session_id, at),
        SessionOut.of,
    )


@router.post("/sessions/{session_id}/log", response_model=SessionOut, tags=["sessions"])
async def log_scheduled_session(
    session_id: UUID,
    body: LogScheduledIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    """Record that a scheduled session was held (final)."""
    cmd = sessions.LogScheduledSession(
        session_id, body.held_at, body.duration_minutes, tuple(body.topics), body.notes
    )
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: sessions.log_scheduled_session(uow, caller, cmd, at),
        SessionOut.of,
    )


@router.get("/sessions", response_model=Page[SessionOut], tags=["sessions"])
async def list_sessions(
    *,
    request: Request,
    principal: PairReaders,
    pair_id: UUID | None = None,
    programme_id: UUID | None = None,
    status: SessionStatus | None = None,
    starts_from: datetime | None = Query(default=None, alias="from"),
    starts_to: datetime | None = Query(default=None, alias="to"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SessionOut]:
    """Members see their pairs' sessions; coordinators their ministry's. Never notes."""
    async with new_uow(request, principal) as uow:
        if pair_id is not None:
            await visible_pair(uow, pair_id, caller_of(principal))
        items, total = await uow.sessions.page(
            caller_of(principal),
            pair_id=pair_id,
            programme_id=programme_id,
            status=status,
            starts_from=starts_from,
            starts_to=starts_to,
            limit=limit,
            offset=offset,
        )
    return Page(items=[SessionOut.of(s) for s in items], total=total, limit=limit, offset=offset)


@router.get("/sessions/{session_id}", response_model=SessionOut, tags=["sessions"])
async def get_session(session_id: UUID, request: Request, principal: PairReaders) -> SessionOut:
    async with new_uow(request, principal) as uow:
        return SessionOut.of(await sessions.get_session(uow, caller_of(principal), session_id))


@router.get(
    "/sessions/{session_id}/calendar.ics",
    tags=["sessions"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def session_calendar(session_id: UUID, request: Request, principal: PairReaders) -> Response:
    """The session as an iCalendar (RFC 5545) file: SEQUENCE is the revision; a cancelled
    session is METHOD:CANCEL."""
    async with new_uow(request, principal) as uow:
        body = await sessions.session_calendar(uow, caller_of(principal), session_id)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.ics"'},
    )


# -- private notes -----------------------------------------------------------------------------


@router.get("/sessions/{session_id}/notes", response_model=list[NoteOut], tags=["notes"])
async def read_notes(session_id: UUID, request: Request, principal: Anyone) -> list[NoteOut]:
    """The pair's two members only; 404 for coordinators, analysts and everyone else."""
    async with new_uow(request, principal) as uow:
        notes = await sessions.read_notes(uow, caller_of(principal), session_id)
    return [NoteOut(author_id=n.author_id, body=n.body, updated_at=n.updated_at) for n in notes]


@router.put("/sessions/{session_id}/notes", response_model=list[NoteOut], tags=["notes"])
async def write_note(
    session_id: UUID, body: NoteIn, request: Request, principal: Anyone
) -> list[NoteOut]:
    """Set your own note on the session (an empty body deletes it)."""
    async with new_uow(request, principal) as uow:
        notes = await sessions.write_note(uow, caller_of(principal), session_id, body.body, now())
        await uow.commit()
    return [NoteOut(author_id=n.author_id, body=n.body, updated_at=n.updated_at) for n in notes]


# -- feedback ----------------------------------------------------------------------------------


@router.post(
    "/sessions/{session_id}/feedback",
    status_code=201,
    response_model=FeedbackOut,
    tags=["feedback"],
)
async def give_feedback(
    session_id: UUID,
    body: FeedbackIn,
    request: Request,
    principal: Members,
    key: IdempotencyKey = None,
) -> Response:
    """One rating per member per held session; the fit check with the first session only.
    Publishes `sessions.feedback_submitted.v1` (never the comment)."""
    cmd = records.GiveFeedback(session_id, body.rating, body.fit_check, body.comment)
    caller, at = caller_of(principal), now()
    return await write_once(
        request,
        principal,
        key,
        lambda uow: records.submit_feedback(uow, caller, cmd, at),
        lambda f: FeedbackOut.of(f, show_comment=True),
        status_code=201,
    )


@router.get("/sessions/{session_id}/feedback", response_model=list[FeedbackOut], tags=["feedback"])
async def list_feedback(
    session_id: UUID, request: Request, principal: PairReaders
) -> list[FeedbackOut]:
    caller = caller_of(principal)
    async with new_uow(request, principal) as uow:
        items = await records.feedback_of_session(uow, caller, session_id)
    return [
        FeedbackOut.of(f, show_comment=f.participant_id == caller.participant_id) for f in items
    ]


# -- export ------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "session_id",
    "pair_id",
    "programme_id",
    "status",
    "mode",
    "starts_at",
    "duration_minutes",
    "held_at",
    "revision",
    "topics",
)


@router.get(
    "/exports/sessions.csv",
    tags=["exports"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_sessions(
    request: Request, principal: Bulk, programme_id: UUID | None = None
) -> Response:
    """Session metadata of the ministry as CSV (coordinators). Never notes or comments."""
    async with new_uow(request, principal) as uow:
        rows = await uow.sessions.export_rows(programme_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for s in rows:
        writer.writerow(
            [
                s.id,
                s.pair_id,
                s.programme_id,
                s.status.value,
                s.mode.value,
                s.starts_at.isoformat(),
                s.duration_minutes,
                s.held_at.isoformat() if s.held_at else "",
                s.revision,
                " ".join(s.topics),
            ]
        )
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
