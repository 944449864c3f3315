"""Feedback after a held session: a rating from 1 to 5 from each member, once; with the first
session's feedback also a fit check ("is this a good match?"). A failed fit check is what the
matching service listens for to offer a re-match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mentoring.kit.errors import Conflict, InvalidInput
from mentoring.sessions.domain.sessions import Session, SessionStatus


@dataclass(frozen=True)
class Feedback:
    tenant_id: UUID
    session_id: UUID
    pair_id: UUID
    programme_id: UUID
    participant_id: UUID
    rating: int
    fit_check: bool | None
    comment: str | None
    created_at: datetime


def give_feedback(
    session: Session,
    *,
    participant_id: UUID,
    rating: int,
    fit_check: bool | None,
    comment: str | None,
    first_session: bool,
    now: datetime,
) -> Feedback:
    """`first_session`: this is the pair's first logged session (the only one with a fit check)."""
    if session.status is not SessionStatus.LOGGED:
        raise Conflict("feedback is given after a held (logged) session")
    if not 1 <= rating <= 5:
        raise InvalidInput("rating is from 1 to 5")
    if fit_check is not None and not first_session:
        raise InvalidInput("the fit check is asked after the pair's first session only")
    assert session.programme_id is not None
    return Feedback(
        tenant_id=session.tenant_id,
        session_id=session.id,
        pair_id=session.pair_id,
        programme_id=session.programme_id,
        participant_id=participant_id,
        rating=rating,
        fit_check=fit_check,
        comment=(comment or "").strip() or None,
        created_at=now,
    )
