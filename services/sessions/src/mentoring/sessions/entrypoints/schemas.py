"""Request and response bodies of the sessions API (pydantic; requests forbid unknown fields)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mentoring.sessions.domain.agreements import DEFAULT_CONFIDENTIALITY, Agreement
from mentoring.sessions.domain.feedback import Feedback
from mentoring.sessions.domain.goals import Goal
from mentoring.sessions.domain.instruments import Instrument
from mentoring.sessions.domain.pairs import Pair
from mentoring.sessions.domain.privacy import Figure
from mentoring.sessions.domain.sessions import MAX_DURATION_MINUTES, Mode, Session
from mentoring.sessions.domain.surveys import Survey

T = TypeVar("T")
TopicCode = str


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# -- pairs -------------------------------------------------------------------------------------


class PairOut(BaseModel):
    id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    status: str
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, p: Pair) -> PairOut:
        return cls(
            id=p.id,
            programme_id=p.programme_id,
            mentor_id=p.mentor_id,
            mentee_id=p.mentee_id,
            status=p.status.value,
            created_at=p.created_at,
            ended_at=p.ended_at,
        )


# -- sessions ----------------------------------------------------------------------------------


class ScheduleIn(_In):
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=1, le=MAX_DURATION_MINUTES, examples=[60])
    mode: Mode
    location: str | None = Field(
        default=None, max_length=500, description="A place, or a meeting link for online sessions."
    )


class RescheduleIn(_In):
    starts_at: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_DURATION_MINUTES)
    mode: Mode | None = None
    location: str | None = Field(default=None, max_length=500)


class LogPastIn(_In):
    held_at: AwareDatetime
    duration_minutes: int = Field(ge=1, le=MAX_DURATION_MINUTES, examples=[45])
    mode: Mode = Mode.IN_PERSON
    topics: list[TopicCode] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(
        default=None, max_length=20_000, description="Private: visible to the pair's members only."
    )


class LogScheduledIn(_In):
    held_at: AwareDatetime | None = Field(
        default=None, description="Defaults to the scheduled start."
    )
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_DURATION_MINUTES)
    topics: list[TopicCode] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=20_000)


class CancelIn(_In):
    pass


class SessionOut(BaseModel):
    id: UUID
    pair_id: UUID
    programme_id: UUID | None
    status: str
    mode: Mode
    location: str | None
    starts_at: datetime
    duration_minutes: int
    revision: int
    held_at: datetime | None
    topics: list[str]
    scheduled_by: UUID | None
    logged_by: UUID | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: Session) -> SessionOut:
        return cls(
            id=s.id,
            pair_id=s.pair_id,
            programme_id=s.programme_id,
            status=s.status.value,
            mode=s.mode,
            location=s.location,
            starts_at=s.starts_at,
            duration_minutes=s.duration_minutes,
            revision=s.revision,
            held_at=s.held_at,
            topics=list(s.topics),
            scheduled_by=s.scheduled_by,
            logged_by=s.logged_by,
            updated_at=s.updated_at,
        )


class NoteIn(_In):
    body: str = Field(max_length=20_000, description="An empty body deletes your note.")


class NoteOut(BaseModel):
    author_id: UUID
    body: str
    updated_at: datetime


# -- feedback ----------------------------------------------------------------------------------


class FeedbackIn(_In):
    rating: int = Field(ge=1, le=5)
    fit_check: bool | None = Field(
        default=None,
        description="Only with the feedback on the pair's first session: is this a good match?",
    )
    comment: str | None = Field(
        default=None, max_length=4000, description="Private: only you see it; never published."
    )


class FeedbackOut(BaseModel):
    session_id: UUID
    participant_id: UUID
    rating: int
    fit_check: bool | None
    comment: str | None = Field(description="Shown to its author only.")
    created_at: datetime

    @classmethod
    def of(cls, f: Feedback, *, show_comment: bool) -> FeedbackOut:
        return cls(
            session_id=f.session_id,
            participant_id=f.participant_id,
            rating=f.rating,
            fit_check=f.fit_check,
            comment=f.comment if show_comment else None,
            created_at=f.created_at,
        )


# -- agreements --------------------------------------------------------------------------------


class AgreementIn(_In):
    goals: str = Field(min_length=1, max_length=4000)
    meetings_per_month: int = Field(ge=0, le=31)
    session_minutes: int = Field(ge=15, le=MAX_DURATION_MINUTES)
    confidentiality: str = Field(default=DEFAULT_CONFIDENTIALITY, min_length=1, max_length=4000)


class SignIn(_In):
    revision: int = Field(ge=1, description="The revision of the terms you read and sign.")


class AgreementOut(BaseModel):
    id: UUID
    pair_id: UUID
    revision: int
    goals: str | None = Field(description="Texts are shown to the pair's members only.")
    confidentiality: str | None
    meetings_per_month: int
    session_minutes: int
    mentor_signed_at: datetime | None
    mentee_signed_at: datetime | None
    signed_at: datetime | None
    status: str

    @classmethod
    def of(cls, a: Agreement, *, member: bool) -> AgreementOut:
        return cls(
            id=a.id,
            pair_id=a.pair_id,
            revision=a.revision,
            goals=a.terms.goals if member else None,
            confidentiality=a.terms.confidentiality if member else None,
            meetings_per_month=a.terms.meetings_per_month,
            session_minutes=a.terms.session_minutes,
            mentor_signed_at=a.mentor_signed_at,
            mentee_signed_at=a.mentee_signed_at,
            signed_at=a.signed_at,
            status="signed" if a.signed else "draft",
        )


# -- goals -------------------------------------------------------------------------------------


class GoalIn(_In):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    target_date: date | None = None
    milestones: list[str] = Field(default_factory=list, max_length=20)


class GoalPatch(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    target_date: date | None = None
    progress: int | None = Field(default=None, ge=0, le=100)


class MilestoneIn(_In):
    title: str = Field(min_length=1, max_length=200)


class MilestoneOut(BaseModel):
    id: UUID
    title: str | None
    done_at: datetime | None


class GoalOut(BaseModel):
    id: UUID
    pair_id: UUID
    title: str | None = Field(description="Texts are shown to the pair's members only.")
    description: str | None
    target_date: date | None
    progress: int
    status: str
    milestones: list[MilestoneOut]
    created_at: datetime | None
    achieved_at: datetime | None

    @classmethod
    def of(cls, g: Goal, *, member: bool) -> GoalOut:
        return cls(
            id=g.id,
            pair_id=g.pair_id,
            title=g.title if member else None,
            description=g.description if member else None,
            target_date=g.target_date,
            progress=g.progress,
            status=g.status.value,
            milestones=[
                MilestoneOut(id=m.id, title=m.title if member else None, done_at=m.done_at)
                for m in g.milestones
            ],
            created_at=g.created_at,
            achieved_at=g.achieved_at,
        )


# -- topics ------------------------------------------------------------------------------------


class TopicIn(_In):
    code: str = Field(min_length=1, max_length=63, examples=["onboarding"])
    label_pl: str = Field(min_length=1, max_length=200, examples=["Wdrożenie do pracy"])
    label_en: str = Field(min_length=1, max_length=200, examples=["Onboarding"])


class TopicPatch(_In):
    label_pl: str | None = Field(default=None, min_length=1, max_length=200)
    label_en: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class TopicOut(BaseModel):
    code: str
    label_pl: str
    label_en: str
    active: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> TopicOut:
        return cls(
            code=row["code"],
            label_pl=row["label_pl"],
            label_en=row["label_en"],
            active=row["active"],
        )


# -- surveys -----------------------------------------------------------------------------------


class ItemOut(BaseModel):
    number: int
    pl: str
    en: str
    reverse_scored: bool


class InstrumentOut(BaseModel):
    id: str
    version: str
    title_pl: str
    title_en: str
    scale_min: int
    scale_max: int
    anchors_pl: tuple[str, str]
    anchors_en: tuple[str, str]
    items: list[ItemOut]
    scoring: str
    source: str

    @classmethod
    def of(cls, i: Instrument) -> InstrumentOut:
        return cls(
            id=i.id,
            version=i.version,
            title_pl=i.title_pl,
            title_en=i.title_en,
            scale_min=i.scale_min,
            scale_max=i.scale_max,
            anchors_pl=i.anchors_pl,
            anchors_en=i.anchors_en,
            items=[
                ItemOut(number=x.number, pl=x.pl, en=x.en, reverse_scored=x.reverse)
                for x in i.items
            ],
            scoring=(
                "mean of the items after reversing the reverse-scored ones "
                f"(reversed = {i.scale_min + i.scale_max} - answer)"
            ),
            source=i.source,
        )


class SurveyOut(BaseModel):
    id: UUID
    pair_id: UUID
    programme_id: UUID
    instrument: str
    instrument_version: str
    wave: str
    due_at: datetime
    submitted_at: datetime | None
    responses: list[int] | None
    score: float | None

    @classmethod
    def of(cls, s: Survey) -> SurveyOut:
        return cls(
            id=s.id,
            pair_id=s.pair_id,
            programme_id=s.programme_id,
            instrument=s.instrument.id,
            instrument_version=s.instrument.version,
            wave=s.wave,
            due_at=s.due_at,
            submitted_at=s.submitted_at,
            responses=list(s.responses) if s.responses is not None else None,
            score=s.score,
        )


class SurveyDetailOut(SurveyOut):
    form: InstrumentOut


class AnswersIn(_In):
    answers: list[int] = Field(min_length=1, max_length=50, description="One answer per item.")


class FigureOut(BaseModel):
    value: float | None = Field(description="None when fewer than 5 people stand behind it.")
    people: int
    suppressed: bool

    @classmethod
    def of(cls, f: Figure) -> FigureOut:
        return cls(value=f.value, people=f.people, suppressed=f.suppressed)


class SurveyFiguresOut(BaseModel):
    instrument: str
    instrument_version: str
    wave: str
    issued: FigureOut
    responses: FigureOut
    mean_score: FigureOut


class StatsOut(BaseModel):
    programme_id: UUID | None
    pairs_active: FigureOut
    pairs_ended: FigureOut
    sessions_logged: FigureOut
    minutes_logged: FigureOut
    feedback_responses: FigureOut
    mean_rating: FigureOut
    fit_checks_answered: FigureOut
    fit_checks_not_a_good_match: FigureOut
    surveys: list[SurveyFiguresOut]
