"""Events of the matching service (topic `mentoring.matching`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mentoring.contracts import topics
from mentoring.contracts.base import EventData


class _Matching(EventData):
    topic: ClassVar[str] = topics.MATCHING
    source: ClassVar[str] = "/mentoring/matching"


class ProgrammeKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    REVERSE = "reverse"
    GROUP = "group"
    FLASH = "flash"


class MatchingMode(StrEnum):
    BEST_QUALITY = "best_quality"
    EVERYONE_MATCHED = "everyone_matched"


class ParticipantRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class PairSide(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class PairEndReason(StrEnum):
    COMPLETED = "completed"
    REMATCH = "rematch"
    WITHDRAWN = "withdrawn"
    INACTIVE = "inactive"


class Contribution(BaseModel):
    """One criterion's share of a proposal's score: the explanation shown to people."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    criterion: str
    contribution: float


class TenantProvisioned(_Matching):
    event_type: ClassVar[str] = "matching.tenant_provisioned.v1"
    subject_field: ClassVar[str] = "tenant_id"

    name: str = Field(description="The ministry's name.")
    slug: str
    default_locale: str = "pl"


class ProgrammeOpened(_Matching):
    event_type: ClassVar[str] = "matching.programme_opened.v1"
    subject_field: ClassVar[str] = "programme_id"

    programme_id: UUID
    name: str
    kind: ProgrammeKind
    mode: MatchingMode
    starts_on: date
    ends_on: date
    max_mentees_per_mentor: int = Field(ge=1)
    inactivity_days: int = Field(default=30, ge=1)
    coordinator_id: UUID | None = Field(
        default=None,
        description="The coordinator's person id; their contact is on the profile topic.",
    )


class ProgrammeClosed(_Matching):
    event_type: ClassVar[str] = "matching.programme_closed.v1"
    subject_field: ClassVar[str] = "programme_id"

    programme_id: UUID


class ParticipantEnrolled(_Matching):
    event_type: ClassVar[str] = "matching.participant_enrolled.v1"
    subject_field: ClassVar[str] = "participant_id"

    participant_id: UUID
    programme_id: UUID
    role: ParticipantRole
    unit_id: UUID | None = None
    consented_at: datetime


class ParticipantWithdrawn(_Matching):
    event_type: ClassVar[str] = "matching.participant_withdrawn.v1"
    subject_field: ClassVar[str] = "participant_id"

    participant_id: UUID
    programme_id: UUID


class RoundCompleted(_Matching):
    event_type: ClassVar[str] = "matching.round_completed.v1"
    subject_field: ClassVar[str] = "round_id"

    round_id: UUID
    programme_id: UUID
    mode: MatchingMode
    proposals: int = Field(ge=0)
    mentees_in_pool: int = Field(ge=0)
    mentees_unmatched: int = Field(ge=0)
    total_score: float


class PairProposed(_Matching):
    event_type: ClassVar[str] = "matching.pair_proposed.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    round_id: UUID | None = Field(default=None, description="None for a mentee's own request.")
    mentor_id: UUID
    mentee_id: UUID
    mentor_unit_id: UUID | None = None
    mentee_unit_id: UUID | None = None
    score: float
    explanation: list[Contribution] = Field(default_factory=list)


class PairDeclined(_Matching):
    event_type: ClassVar[str] = "matching.pair_declined.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    declined_by: PairSide | None = Field(default=None, description="None when a request expired.")


class PairCreated(_Matching):
    event_type: ClassVar[str] = "matching.pair_created.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    mentor_unit_id: UUID | None = None
    mentee_unit_id: UUID | None = None
    proposed_at: datetime


class PairEnded(_Matching):
    event_type: ClassVar[str] = "matching.pair_ended.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    reason: PairEndReason


class ParticipantErased(_Matching):
    event_type: ClassVar[str] = "matching.participant_erased.v1"
    subject_field: ClassVar[str] = "participant_id"

    participant_id: UUID


class PairFlag(StrEnum):
    """Why a pair needs a coordinator's (or the mentee's) attention."""

    REPORTING_LINE = "reporting_line"
    REMATCH_OFFERED = "rematch_offered"
    INACTIVE = "inactive"


class PairFlagged(_Matching):
    """A proposed or active pair was flagged: a reorganisation put both people into one reporting
    chain, a fit check failed (the mentee is offered a re-match), or the pair became inactive."""

    event_type: ClassVar[str] = "matching.pair_flagged.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    flag: PairFlag
