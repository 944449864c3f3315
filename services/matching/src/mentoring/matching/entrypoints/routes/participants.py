"""Participants of a programme: enrolment with consent, profile, capacity, withdrawal; the list
of mentors a mentee may ask (self-service)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mentoring.kit.errors import InvalidInput, NotFound
from mentoring.matching.domain.participants import (
    MatchingProfile,
    Participant,
    ParticipantRole,
    ParticipantStatus,
)
from mentoring.matching.entrypoints.deps import (
    Coordinator,
    Limit,
    Member,
    Offset,
    Page,
    actor,
    now,
    tenant_uow,
)
from mentoring.matching.service_layer import participants as use_cases

router = APIRouter(prefix="/api/v1/programmes/{programme_id}", tags=["participants"])

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Level = Annotated[int, Field(ge=1, le=5)]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: dict[Label, Level] = Field(
        default_factory=dict, max_length=30, description="Offered as a mentor: skill -> level."
    )
    goals: dict[Label, Level] = Field(
        default_factory=dict, max_length=30, description="Wanted as a mentee: goal -> level."
    )
    languages: list[Label] = Field(default_factory=lambda: ["pl"], max_length=10)
    location: str | None = Field(default=None, max_length=100)
    remote: bool = True
    hours_per_month: int = Field(default=2, ge=0, le=160)
    seniority: int = Field(default=0, ge=0, le=60, description="Years of experience.")
    about: str | None = Field(default=None, max_length=2000)

    def domain(self) -> MatchingProfile:
        return MatchingProfile(
            skills=dict(self.skills),
            goals=dict(self.goals),
            languages=frozenset(self.languages),
            location=self.location,
            remote=self.remote,
            hours_per_month=self.hours_per_month,
            seniority=self.seniority,
            about=self.about,
        )


class EnrolIn(ProfileIn):
    person_id: UUID | None = Field(
        default=None, description="A coordinator invites this person; omitted: yourself."
    )
    role: ParticipantRole
    capacity: int | None = Field(default=None, ge=1, le=50, description="Mentors: most mentees.")
    consent: bool = Field(
        default=False, description="Your explicit consent to matching (required for yourself)."
    )
    consent_version: str | None = Field(default=None, max_length=50)


class ParticipantPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: ProfileIn | None = None
    capacity: int | None = Field(default=None, ge=1, le=50)
    capacity_override: int | None = Field(default=None, ge=0, le=50)


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent: bool
    consent_version: str | None = Field(default=None, max_length=50)


class ParticipantOut(BaseModel):
    person_id: UUID
    programme_id: UUID
    role: ParticipantRole
    status: ParticipantStatus
    skills: dict[str, int]
    goals: dict[str, int]
    languages: list[str]
    location: str | None
    remote: bool
    hours_per_month: int
    seniority: int
    about: str | None
    capacity: int | None
    capacity_override: int | None
    consented_at: datetime | None
    consent_version: str | None
    enrolled_at: datetime
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, p: Participant) -> ParticipantOut:
        f = p.profile
        return cls(
            person_id=p.person_id,
            programme_id=p.programme_id,
            role=p.role,
            status=p.status,
            skills=f.skills,
            goals=f.goals,
            languages=sorted(f.languages),
            location=f.location,
            remote=f.remote,
            hours_per_month=f.hours_per_month,
            seniority=f.seniority,
            about=f.about,
            capacity=p.capacity,
            capacity_override=p.capacity_override,
            consented_at=p.consented_at,
            consent_version=p.consent_version,
            enrolled_at=p.enrolled_at,
            withdrawn_at=p.withdrawn_at,
        )


class MentorOut(BaseModel):
    person_id: UUID
    display_name: str | None
    skills: dict[str, int]
    languages: list[str]
    location: str | None
    remote: bool
    hours_per_month: int
    seniority: int
    about: str | None
    places_left: int


@router.post("/participants", status_code=201, response_model=ParticipantOut)
async def enrol(programme_id: UUID, body: EnrolIn, request: Request, p: Member) -> ParticipantOut:
    """Enrol yourself with explicit consent (publishes `matching.participant_enrolled.v1`), or,
    as a coordinator, invite a person, who then gives consent themselves."""
    person_id = body.person_id or p.participant_id
    if person_id is None:
        raise InvalidInput("person_id is required (your token's subject is not a person id)")
    participant = await use_cases.enrol(
        use_cases.Enrol(
            programme_id=programme_id,
            person_id=person_id,
            role=body.role,
            profile=body.domain(),
            capacity=body.capacity,
            consent=body.consent,
            consent_version=body.consent_version,
        ),
        actor(p),
        tenant_uow(request, p),
        now(),
    )
    return ParticipantOut.of(participant)


@router.get("/participants", response_model=Page[ParticipantOut])
async def list_participants(
    *,
    programme_id: UUID,
    request: Request,
    p: Coordinator,
    role: Annotated[ParticipantRole | None, Query()] = None,
    status: Annotated[ParticipantStatus | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ParticipantOut]:
    """`role=mentor` lists everyone who mentors (mentor or both); likewise `role=mentee`."""
    async with tenant_uow(request, p) as u:
        if await u.programmes.get(programme_id) is None:
            raise NotFound("no such programme")
        items, total = await u.participants.page(
            programme_id, role=role, status=status, limit=limit, offset=offset
        )
    return Page(
        items=[ParticipantOut.of(i) for i in items], total=total, limit=limit, offset=offset
    )


@router.get("/participants/{person_id}", response_model=ParticipantOut)
async def get_participant(
    programme_id: UUID, person_id: UUID, request: Request, p: Member
) -> ParticipantOut:
    actor(p).require_self_or_coordinator(person_id)
    async with tenant_uow(request, p) as u:
        participant = await u.participants.get(programme_id, person_id)
    if participant is None:
        raise NotFound("no such participant")
    return ParticipantOut.of(participant)


@router.patch("/participants/{person_id}", response_model=ParticipantOut)
async def change_participant(
    programme_id: UUID, person_id: UUID, body: ParticipantPatch, request: Request, p: Member
) -> ParticipantOut:
    """The participant changes their profile and capacity; a coordinator sets
    `capacity_override` (null removes it). Effective capacity: the override, else the own
    capacity, never above the programme's maximum."""
    given = body.model_fields_set
    participant = await use_cases.change_participant(
        use_cases.ChangeParticipant(
            programme_id=programme_id,
            person_id=person_id,
            profile=body.profile.domain() if body.profile else None,
            capacity=body.capacity,
            set_capacity="capacity" in given,
            capacity_override=body.capacity_override,
            set_override="capacity_override" in given,
        ),
        actor(p),
        tenant_uow(request, p),
        now(),
    )
    return ParticipantOut.of(participant)


@router.post("/participants/{person_id}/consent", response_model=ParticipantOut)
async def give_consent(
    programme_id: UUID, person_id: UUID, body: ConsentIn, request: Request, p: Member
) -> ParticipantOut:
    """The invited person consents (timestamped); from now on they can be matched."""
    if not body.consent:
        raise InvalidInput("to withdraw consent, withdraw from the programme")
    participant = await use_cases.give_consent(
        programme_id=programme_id,
        person_id=person_id,
        version=body.consent_version,
        actor=actor(p),
        uow=tenant_uow(request, p),
        now=now(),
    )
    return ParticipantOut.of(participant)


@router.post("/participants/{person_id}/withdraw", response_model=ParticipantOut)
async def withdraw(
    programme_id: UUID, person_id: UUID, request: Request, p: Member
) -> ParticipantOut:
    """Leave the programme (the person or a coordinator): open proposals are declined, active
    pairs end with reason withdrawn; publishes `matching.participant_withdrawn.v1`."""
    participant = await use_cases.withdraw(
        programme_id, person_id, actor(p), tenant_uow(request, p), now()
    )
    return ParticipantOut.of(participant)


@router.get("/mentors", response_model=Page[MentorOut])
async def available_mentors(
    *,
    programme_id: UUID,
    request: Request,
    p: Member,
    skill: Annotated[str | None, Query(max_length=80)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[MentorOut]:
    """Mentors with places left, for a mentee choosing whom to ask (self-service)."""
    async with tenant_uow(request, p) as u:
        programme = await u.programmes.get(programme_id)
        if programme is None:
            raise NotFound("no such programme")
        cap = programme.settings.max_mentees_per_mentor
        load = await u.pairs.mentor_load(programme_id)
        wanted = skill.strip().lower() if skill else None
        mentors = [
            (m, m.effective_capacity(cap) - load.get(m.person_id, 0))
            for m, _unit in await u.participants.eligible(programme_id)
            if m.is_mentor and (wanted is None or wanted in m.profile.skills)
        ]
        mentors = [(m, left) for m, left in mentors if left > 0 and m.person_id != p.participant_id]
        window = mentors[offset : offset + limit]
        people = await u.org.people([m.person_id for m, _ in window])
    items = [
        MentorOut(
            person_id=m.person_id,
            display_name=people[m.person_id].display_name if m.person_id in people else None,
            skills=m.profile.skills,
            languages=sorted(m.profile.languages),
            location=m.profile.location,
            remote=m.profile.remote,
            hours_per_month=m.profile.hours_per_month,
            seniority=m.profile.seniority,
            about=m.profile.about,
            places_left=left,
        )
        for m, left in window
    ]
    return Page(items=items, total=len(mentors), limit=limit, offset=offset)
