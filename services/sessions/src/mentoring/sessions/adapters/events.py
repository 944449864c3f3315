"""Domain events of sessions -> wire events of the contract (mentoring.contracts).

Only ids, dates, numbers and codes go on the wire: never notes, comments, goal or agreement
texts, or survey answers (a survey event carries its score only).
"""

from __future__ import annotations

from typing import Any

from mentoring.contracts.events import sessions as wire
from mentoring.kit.outbox import Outbox, PreparedEvent
from mentoring.kit.uow import SqlUnitOfWork
from mentoring.sessions.domain import goals
from mentoring.sessions.domain import sessions as domain
from mentoring.sessions.domain.agreements import Agreement
from mentoring.sessions.domain.feedback import Feedback
from mentoring.sessions.domain.surveys import Survey


def emit_session_events(uow: SqlUnitOfWork, s: domain.Session) -> None:
    assert s.programme_id is not None
    common = {"tenant_id": s.tenant_id, "pair_id": s.pair_id, "programme_id": s.programme_id}
    for event in s.events:
        if isinstance(event, domain.Scheduled):
            uow.emit(
                wire.SessionScheduled,
                occurred_at=event.at,
                session_id=s.id,
                starts_at=s.starts_at,
                duration_minutes=s.duration_minutes,
                mode=wire.SessionMode(s.mode.value),
                location=s.location,
                revision=s.revision,
                scheduled_by=s.scheduled_by,
                **common,
            )
        elif isinstance(event, domain.Cancelled):
            uow.emit(
                wire.SessionCancelled,
                occurred_at=event.at,
                session_id=s.id,
                revision=s.revision,
                **common,
            )
        else:
            uow.emit(wire.SessionLogged, occurred_at=event.at, **session_logged(s))
    s.events.clear()


def prepare_session_logged(
    outbox: Outbox, s: domain.Session, *, traceparent: str | None
) -> PreparedEvent:
    """`sessions.session_logged.v1` of a session just logged, for a statement that appends it
    together with the session (`mentoring.kit.outbox.append_sql`)."""
    [event] = s.events
    assert isinstance(event, domain.Logged)
    s.events.clear()
    return outbox.prepare(
        wire.SessionLogged, occurred_at=event.at, traceparent=traceparent, **session_logged(s)
    )


def session_logged(s: domain.Session) -> dict[str, Any]:
    """The fields of `sessions.session_logged.v1` for a logged session."""
    assert s.held_at is not None
    assert s.programme_id is not None
    return {
        "tenant_id": s.tenant_id,
        "pair_id": s.pair_id,
        "programme_id": s.programme_id,
        "session_id": s.id,
        "held_at": s.held_at,
        "duration_minutes": s.duration_minutes,
        "topics": list(s.topics),
        "mode": wire.SessionMode(s.mode.value),
    }


def emit_agreement_events(uow: SqlUnitOfWork, a: Agreement) -> None:
    for event in a.events:
        uow.emit(
            wire.AgreementSigned,
            occurred_at=event.signed_at,
            tenant_id=a.tenant_id,
            pair_id=a.pair_id,
            programme_id=a.programme_id,
            agreement_id=a.id,
            meetings_per_month=a.terms.meetings_per_month,
            signed_at=event.signed_at,
        )
    a.events.clear()


def emit_goal_events(uow: SqlUnitOfWork, g: goals.Goal) -> None:
    common = {"tenant_id": g.tenant_id, "pair_id": g.pair_id, "programme_id": g.programme_id}
    for event in g.events:
        if isinstance(event, goals.GoalSet):
            uow.emit(
                wire.GoalSet,
                occurred_at=event.at,
                goal_id=g.id,
                target_date=g.target_date,
                **common,
            )
        else:
            uow.emit(wire.GoalAchieved, occurred_at=event.at, goal_id=g.id, **common)
    g.events.clear()


def emit_feedback(uow: SqlUnitOfWork, f: Feedback) -> None:
    uow.emit(
        wire.FeedbackSubmitted,
        occurred_at=f.created_at,
        tenant_id=f.tenant_id,
        pair_id=f.pair_id,
        programme_id=f.programme_id,
        session_id=f.session_id,
        participant_id=f.participant_id,
        rating=f.rating,
        fit_check=f.fit_check,
    )


def emit_survey_due(uow: SqlUnitOfWork, s: Survey) -> None:
    uow.emit(
        wire.SurveyDue,
        occurred_at=s.due_at,
        tenant_id=s.tenant_id,
        pair_id=s.pair_id,
        programme_id=s.programme_id,
        survey_id=s.id,
        participant_id=s.participant_id,
        instrument=s.instrument.id,
        instrument_version=s.instrument.version,
        wave=s.wave,
        due_at=s.due_at,
    )


def emit_survey_submitted(uow: SqlUnitOfWork, s: Survey) -> None:
    assert s.score is not None
    assert s.submitted_at is not None
    uow.emit(
        wire.SurveySubmitted,
        occurred_at=s.submitted_at,
        tenant_id=s.tenant_id,
        pair_id=s.pair_id,
        programme_id=s.programme_id,
        survey_id=s.id,
        participant_id=s.participant_id,
        instrument=s.instrument.id,
        instrument_version=s.instrument.version,
        wave=s.wave,
        score=s.score,
    )
