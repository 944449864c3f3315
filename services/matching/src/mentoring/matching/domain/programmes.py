"""A mentoring programme of one ministry: its kind, dates, capacity and matching settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict, InvalidInput


class ProgrammeKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    REVERSE = "reverse"  # the junior (digital natives, say) mentors the senior
    GROUP = "group"  # one mentor, several mentees meeting together
    FLASH = "flash"  # a single conversation, no long relationship


class MatchingMode(StrEnum):
    BEST_QUALITY = "best_quality"
    EVERYONE_MATCHED = "everyone_matched"


class ProgrammeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


MAX_WEIGHT = 100.0
MAX_MENTEES_PER_MENTOR = 50


@dataclass(frozen=True)
class CriteriaWeights:
    """Weights of the score's criteria (non-negative); the engine's defaults."""

    skills: float = 5.0
    seniority: float = 1.0
    languages: float = 2.0
    location: float = 1.0
    availability: float = 1.0

    def as_dict(self) -> dict[str, float]:
        return {
            "skills": self.skills,
            "seniority": self.seniority,
            "languages": self.languages,
            "location": self.location,
            "availability": self.availability,
        }

    @classmethod
    def of(cls, values: dict[str, Any]) -> CriteriaWeights:
        return cls(**{k: float(v) for k, v in values.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ProgrammeSettings:
    """What a coordinator chooses; validated as a whole."""

    name: str
    kind: ProgrammeKind
    starts_on: date
    ends_on: date
    mode: MatchingMode = MatchingMode.BEST_QUALITY
    max_mentees_per_mentor: int = 1
    weights: CriteriaWeights = field(default_factory=CriteriaWeights)
    forbid_same_unit: bool = False
    min_score: float = 0.0
    inactivity_days: int = 30
    request_expiry_days: int = 7

    def validated(self) -> ProgrammeSettings:
        name = self.name.strip()
        if not name:
            raise InvalidInput("a programme needs a name")
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on must not be before starts_on")
        if not 1 <= self.max_mentees_per_mentor <= MAX_MENTEES_PER_MENTOR:
            raise InvalidInput(f"max_mentees_per_mentor must be 1..{MAX_MENTEES_PER_MENTOR}")
        if self.kind is ProgrammeKind.GROUP and self.max_mentees_per_mentor < 2:
            raise InvalidInput("a group programme needs max_mentees_per_mentor of at least 2")
        for criterion, weight in self.weights.as_dict().items():
            if not 0.0 <= weight <= MAX_WEIGHT:
                raise InvalidInput(f"weight of {criterion} must be 0..{MAX_WEIGHT:g}")
        if not any(self.weights.as_dict().values()):
            raise InvalidInput("at least one criterion needs a positive weight")
        if not 1 <= self.inactivity_days <= 365:
            raise InvalidInput("inactivity_days must be 1..365")
        if not 1 <= self.request_expiry_days <= 90:
            raise InvalidInput("request_expiry_days must be 1..90")
        return replace(self, name=name)


@dataclass(frozen=True)
class ProgrammeOpened:
    programme: Programme


@dataclass(frozen=True)
class ProgrammeClosed:
    programme_id: UUID
    tenant_id: UUID
    at: datetime


ProgrammeEvent = ProgrammeOpened | ProgrammeClosed


@dataclass
class Programme:
    id: UUID
    tenant_id: UUID
    settings: ProgrammeSettings
    status: ProgrammeStatus
    created_at: datetime
    coordinator_id: UUID | None = None
    closed_at: datetime | None = None
    events: list[ProgrammeEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        tenant_id: UUID,
        settings: ProgrammeSettings,
        coordinator_id: UUID | None,
        at: datetime,
    ) -> Programme:
        programme = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            settings=settings.validated(),
            status=ProgrammeStatus.OPEN,
            created_at=at,
            coordinator_id=coordinator_id,
        )
        programme.events.append(ProgrammeOpened(programme))
        return programme

    @property
    def is_open(self) -> bool:
        return self.status is ProgrammeStatus.OPEN

    def require_open(self) -> None:
        if not self.is_open:
            raise Conflict("the programme is closed")

    def change(self, settings: ProgrammeSettings) -> None:
        self.require_open()
        if settings.kind is not self.settings.kind:
            raise Conflict("the kind of a programme cannot change once it is open")
        self.settings = settings.validated()

    def close(self, at: datetime) -> None:
        self.require_open()
        self.status = ProgrammeStatus.CLOSED
        self.closed_at = at
        self.events.append(ProgrammeClosed(self.id, self.tenant_id, at))
