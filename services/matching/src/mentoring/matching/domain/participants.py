"""A person's participation in one programme: role, matching profile, capacity and consent.

Enrolment needs explicit, timestamped consent. A coordinator may invite a person (no consent
yet: never matched); the person consents themselves. Withdrawal ends the participation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mentoring.kit.errors import Conflict, InvalidInput

MAX_LEVEL = 5
MAX_ITEMS = 30
MAX_NAME = 80
MAX_HOURS = 160
MAX_SENIORITY = 60
MAX_CAPACITY = 50


class ParticipantRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class ParticipantStatus(StrEnum):
    INVITED = "invited"  # enrolled by a coordinator, waiting for the person's consent
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class MatchingProfile:
    """What a participant says about themselves; the engine scores pairs from it.

    skills: offered as a mentor (name -> level 1..5); goals: wanted as a mentee (same scale).
    seniority: years of professional experience.
    """

    skills: dict[str, int] = field(default_factory=dict)
    goals: dict[str, int] = field(default_factory=dict)
    languages: frozenset[str] = frozenset({"pl"})
    location: str | None = None
    remote: bool = True
    hours_per_month: int = 2
    seniority: int = 0
    about: str | None = None

    def validated(self) -> MatchingProfile:
        return replace(
            self,
            skills=_levels("skills", self.skills),
            goals=_levels("goals", self.goals),
            languages=frozenset(_name("languages", lang) for lang in self.languages),
            location=(self.location or "").strip().lower() or None,
            hours_per_month=_bounded("hours_per_month", self.hours_per_month, 0, MAX_HOURS),
            seniority=_bounded("seniority", self.seniority, 0, MAX_SENIORITY),
            about=(self.about or "").strip() or None,
        )


def _name(what: str, raw: str) -> str:
    name = " ".join(raw.split()).lower()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"{what}: names must be 1..{MAX_NAME} characters")
    return name


def _levels(what: str, values: dict[str, int]) -> dict[str, int]:
    if len(values) > MAX_ITEMS:
        raise InvalidInput(f"{what}: at most {MAX_ITEMS} entries")
    out: dict[str, int] = {}
    for raw, level in values.items():
        if not 1 <= level <= MAX_LEVEL:
            raise InvalidInput(f"{what}: level of {raw!r} must be 1..{MAX_LEVEL}")
        out[_name(what, raw)] = level
    return out


def _bounded(what: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be {low}..{high}")
    return value


@dataclass(frozen=True)
class ParticipantEnrolled:
    participant: Participant
    unit_id: UUID | None


@dataclass(frozen=True)
class ParticipantWithdrawn:
    person_id: UUID
    programme_id: UUID
    tenant_id: UUID
    at: datetime


ParticipantEvent = ParticipantEnrolled | ParticipantWithdrawn


@dataclass
class Participant:
    tenant_id: UUID
    programme_id: UUID
    person_id: UUID
    role: ParticipantRole
    profile: MatchingProfile
    status: ParticipantStatus
    enrolled_at: datetime
    updated_at: datetime
    capacity: int | None = None  # the mentor's own limit; None: the programme's maximum
    capacity_override: int | None = None  # set by a coordinator; wins over `capacity`
    consented_at: datetime | None = None
    consent_version: str | None = None
    withdrawn_at: datetime | None = None
    events: list[ParticipantEvent] = field(default_factory=list, repr=False)

    @classmethod
    def enrol(
        cls,
        *,
        tenant_id: UUID,
        programme_id: UUID,
        person_id: UUID,
        role: ParticipantRole,
        profile: MatchingProfile,
        capacity: int | None,
        consented_at: datetime | None,
        consent_version: str | None,
        unit_id: UUID | None,
        at: datetime,
    ) -> Participant:
        """Self-enrolment with consent, or an invitation by a coordinator (consent None)."""
        participant = cls(
            tenant_id=tenant_id,
            programme_id=programme_id,
            person_id=person_id,
            role=role,
            profile=profile.validated(),
            status=ParticipantStatus.INVITED,
            enrolled_at=at,
            updated_at=at,
            capacity=_capacity(capacity),
        )
        if consented_at is not None:
            participant.consent(consented_at, consent_version, unit_id=unit_id)
        return participant

    @property
    def is_mentor(self) -> bool:
        return self.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)

    @property
    def is_mentee(self) -> bool:
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)

    @property
    def eligible(self) -> bool:
        """Enrolled with consent: the only state in which a person is ever matched."""
        return self.status is ParticipantStatus.ENROLLED and self.consented_at is not None

    def effective_capacity(self, programme_max: int) -> int:
        """How many mentees in total: the override (else the own limit), capped by the programme."""
        chosen = self.capacity_override if self.capacity_override is not None else self.capacity
        return programme_max if chosen is None else min(chosen, programme_max)

    def consent(self, at: datetime, version: str | None, *, unit_id: UUID | None) -> None:
        if self.status is ParticipantStatus.ENROLLED:
            raise Conflict("consent was already given")
        if self.status is ParticipantStatus.WITHDRAWN:
            raise Conflict("the participant withdrew; enrol again instead")
        self.status = ParticipantStatus.ENROLLED
        self.consented_at, self.consent_version, self.updated_at = at, version, at
        self.events.append(ParticipantEnrolled(self, unit_id))

    def re_enrol(
        self,
        *,
        role: ParticipantRole,
        profile: MatchingProfile,
        capacity: int | None,
        consented_at: datetime | None,
        consent_version: str | None,
        unit_id: UUID | None,
        at: datetime,
    ) -> None:
        if self.status is not ParticipantStatus.WITHDRAWN:
            raise Conflict("already enrolled in this programme")
        self.role, self.profile, self.capacity = role, profile.validated(), _capacity(capacity)
        self.status, self.withdrawn_at, self.consented_at = ParticipantStatus.INVITED, None, None
        self.enrolled_at = self.updated_at = at
        if consented_at is not None:
            self.consent(consented_at, consent_version, unit_id=unit_id)

    def change_profile(self, profile: MatchingProfile, at: datetime) -> None:
        self._require_active()
        self.profile, self.updated_at = profile.validated(), at

    def change_capacity(self, capacity: int | None, at: datetime) -> None:
        self._require_active()
        self.capacity, self.updated_at = _capacity(capacity), at

    def override_capacity(self, capacity: int | None, at: datetime) -> None:
        self._require_active()
        self.capacity_override, self.updated_at = _capacity(capacity, low=0), at

    def withdraw(self, at: datetime) -> None:
        self._require_active()
        was_enrolled = self.status is ParticipantStatus.ENROLLED
        self.status, self.withdrawn_at, self.updated_at = ParticipantStatus.WITHDRAWN, at, at
        if was_enrolled:
            self.events.append(
                ParticipantWithdrawn(self.person_id, self.programme_id, self.tenant_id, at)
            )

    def forget_free_text(self, at: datetime) -> None:
        self.profile = replace(self.profile, about=None)
        self.updated_at = at

    def _require_active(self) -> None:
        if self.status is ParticipantStatus.WITHDRAWN:
            raise Conflict("the participant withdrew from this programme")


def _capacity(value: int | None, *, low: int = 1) -> int | None:
    if value is not None and not low <= value <= MAX_CAPACITY:
        raise InvalidInput(f"capacity must be {low}..{MAX_CAPACITY}")
    return value
