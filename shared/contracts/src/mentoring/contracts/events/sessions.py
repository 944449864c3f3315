"""Events of the sessions service (topic `mentoring.sessions`); the key is the pair id."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from mentoring.contracts import topics
from mentoring.contracts.base import EventData


class _Sessions(EventData):
    topic: ClassVar[str] = topics.SESSIONS
    source: ClassVar[str] = "/mentoring/sessions"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID


class SessionMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    PHONE = "phone"


class AgreementSigned(_Sessions):
    event_type: ClassVar[str] = "sessions.agreement_signed.v1"

    agreement_id: UUID
    meetings_per_month: int = Field(ge=0)
    signed_at: datetime


class GoalSet(_Sessions):
    event_type: ClassVar[str] = "sessions.goal_set.v1"

    goal_id: UUID
    target_date: date | None = None


class GoalAchieved(_Sessions):
    event_type: ClassVar[str] = "sessions.goal_achieved.v1"

    goal_id: UUID


class SessionScheduled(_Sessions):
    event_type: ClassVar[str] = "sessions.session_scheduled.v1"

    session_id: UUID
    starts_at: datetime
    duration_minutes: int = Field(ge=1)
    mode: SessionMode
    location: str | None = Field(default=None, description="A place or a meeting link.")
    revision: int = Field(default=0, ge=0, description="0 when first scheduled, +1 per reschedule.")
    scheduled_by: UUID | None = Field(default=None, description="The pair member who scheduled.")


class SessionLogged(_Sessions):
    event_type: ClassVar[str] = "sessions.session_logged.v1"

    session_id: UUID
    held_at: datetime
    duration_minutes: int = Field(ge=1)
    topics: list[str] = Field(default_factory=list)
    mode: SessionMode | None = Field(
        default=None, description="In person, online or by phone (added within v1; optional)."
    )


class SessionCancelled(_Sessions):
    event_type: ClassVar[str] = "sessions.session_cancelled.v1"

    session_id: UUID
    revision: int = Field(default=0, ge=0)


class FeedbackSubmitted(_Sessions):
    event_type: ClassVar[str] = "sessions.feedback_submitted.v1"

    session_id: UUID
    participant_id: UUID
    rating: int = Field(ge=1, le=5)
    fit_check: bool | None = Field(
        default=None, description="After the first session: is this a good match?"
    )


class SurveyDue(_Sessions):
    """A check-in or pulse survey became due for one member of a pair."""

    event_type: ClassVar[str] = "sessions.survey_due.v1"

    survey_id: UUID
    participant_id: UUID
    instrument: str
    instrument_version: str
    wave: str
    due_at: datetime


class SurveySubmitted(_Sessions):
    event_type: ClassVar[str] = "sessions.survey_submitted.v1"

    survey_id: UUID
    participant_id: UUID
    instrument: str = Field(description="e.g. checkin, psych_safety_edmondson_7")
    instrument_version: str
    wave: str = Field(description="start, middle, end, or checkin-<n>")
    score: float
