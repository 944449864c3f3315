"""Events of the analytics service (topic `mentoring.analytics`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from mentoring.contracts import topics
from mentoring.contracts.base import EventData


class _Analytics(EventData):
    topic: ClassVar[str] = topics.ANALYTICS
    source: ClassVar[str] = "/mentoring/analytics"


class ProgrammeHealth(StrEnum):
    ON_TRACK = "on_track"
    NEEDS_ATTENTION = "needs_attention"


class PairInactive(_Analytics):
    event_type: ClassVar[str] = "analytics.pair_inactive.v1"
    subject_field: ClassVar[str] = "pair_id"

    pair_id: UUID
    programme_id: UUID
    last_session_at: datetime | None = None
    inactive_days: int = Field(ge=0)
    threshold_days: int = Field(ge=1)


class ProgrammeHealthChanged(_Analytics):
    event_type: ClassVar[str] = "analytics.programme_health_changed.v1"
    subject_field: ClassVar[str] = "programme_id"

    programme_id: UUID
    health: ProgrammeHealth
    previous: ProgrammeHealth | None = None
    reasons: list[str] = Field(default_factory=list)
