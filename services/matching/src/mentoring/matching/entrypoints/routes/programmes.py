"""Programmes: coordinators open, change and close them; every member of the tenant reads them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from mentoring.kit.errors import NotFound
from mentoring.matching.domain.programmes import (
    CriteriaWeights,
    MatchingMode,
    Programme,
    ProgrammeKind,
    ProgrammeSettings,
    ProgrammeStatus,
)
from mentoring.matching.entrypoints.deps import (
    Coordinator,
    Limit,
    Member,
    Offset,
    Page,
    now,
    tenant_uow,
)
from mentoring.matching.service_layer import programmes as use_cases

router = APIRouter(prefix="/api/v1/programmes", tags=["programmes"])

Weight = Annotated[float, Field(ge=0, le=100)]


class WeightsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: Weight | None = None
    seniority: Weight | None = None
    languages: Weight | None = None
    location: Weight | None = None
    availability: Weight | None = None

    def given(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Mentoring dla nowych pracowników"])
    kind: ProgrammeKind = ProgrammeKind.ONE_TO_ONE
    mode: MatchingMode = MatchingMode.BEST_QUALITY
    starts_on: date
    ends_on: date
    max_mentees_per_mentor: int = Field(default=1, ge=1, le=50)
    weights: WeightsIn = Field(default_factory=WeightsIn)
    forbid_same_unit: bool = False
    min_score: float = Field(default=0.0, ge=0, le=1000)
    inactivity_days: int = Field(default=30, ge=1, le=365)
    request_expiry_days: int = Field(default=7, ge=1, le=90)
    coordinator_id: UUID | None = Field(
        default=None,
        description="The coordinator's person id (defaults to the caller when they are one).",
    )


class ProgrammePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    mode: MatchingMode | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    max_mentees_per_mentor: int | None = Field(default=None, ge=1, le=50)
    weights: WeightsIn | None = None
    forbid_same_unit: bool | None = None
    min_score: float | None = Field(default=None, ge=0, le=1000)
    inactivity_days: int | None = Field(default=None, ge=1, le=365)
    request_expiry_days: int | None = Field(default=None, ge=1, le=90)


class ProgrammeOut(BaseModel):
    id: UUID
    name: str
    kind: ProgrammeKind
    mode: MatchingMode
    status: ProgrammeStatus
    starts_on: date
    ends_on: date
    max_mentees_per_mentor: int
    weights: dict[str, float]
    forbid_same_unit: bool
    min_score: float
    inactivity_days: int
    request_expiry_days: int
    coordinator_id: UUID | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, p: Programme) -> ProgrammeOut:
        s = p.settings
        return cls(
            id=p.id,
            name=s.name,
            kind=s.kind,
            mode=s.mode,
            status=p.status,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            max_mentees_per_mentor=s.max_mentees_per_mentor,
            weights=s.weights.as_dict(),
            forbid_same_unit=s.forbid_same_unit,
            min_score=s.min_score,
            inactivity_days=s.inactivity_days,
            request_expiry_days=s.request_expiry_days,
            coordinator_id=p.coordinator_id,
            created_at=p.created_at,
            closed_at=p.closed_at,
        )


@router.post("", status_code=201, response_model=ProgrammeOut)
async def open_programme(body: ProgrammeIn, request: Request, p: Coordinator) -> ProgrammeOut:
    """Open a programme; publishes `matching.programme_opened.v1`."""
    settings = ProgrammeSettings(
        name=body.name,
        kind=body.kind,
        mode=body.mode,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        max_mentees_per_mentor=body.max_mentees_per_mentor,
        weights=CriteriaWeights.of(CriteriaWeights().as_dict() | body.weights.given()),
        forbid_same_unit=body.forbid_same_unit,
        min_score=body.min_score,
        inactivity_days=body.inactivity_days,
        request_expiry_days=body.request_expiry_days,
    )
    coordinator = body.coordinator_id
    if coordinator is None and "coordinator_id" not in body.model_fields_set:
        coordinator = await _caller_as_person(request, p)
    programme = await use_cases.open_programme(
        use_cases.OpenProgramme(settings, coordinator), tenant_uow(request, p), now()
    )
    return ProgrammeOut.of(programme)


async def _caller_as_person(request: Request, p: Coordinator) -> UUID | None:
    """A coordinator whose `sub` is a person id of this ministry coordinates by default."""
    if p.participant_id is None:
        return None
    async with tenant_uow(request, p) as u:
        person = await u.org.get_person(p.participant_id)
    return person.id if person is not None and not person.erased else None


@router.get("", response_model=Page[ProgrammeOut])
async def list_programmes(
    *,
    request: Request,
    p: Member,
    status: Annotated[ProgrammeStatus | None, Query()] = None,
    kind: Annotated[ProgrammeKind | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProgrammeOut]:
    async with tenant_uow(request, p) as u:
        items, total = await u.programmes.page(status=status, kind=kind, limit=limit, offset=offset)
    return Page(items=[ProgrammeOut.of(i) for i in items], total=total, limit=limit, offset=offset)


@router.get("/{programme_id}", response_model=ProgrammeOut)
async def get_programme(programme_id: UUID, request: Request, p: Member) -> ProgrammeOut:
    async with tenant_uow(request, p) as u:
        programme = await u.programmes.get(programme_id)
    if programme is None:
        raise NotFound("no such programme")
    return ProgrammeOut.of(programme)


@router.patch("/{programme_id}", response_model=ProgrammeOut)
async def change_programme(
    programme_id: UUID, body: ProgrammePatch, request: Request, p: Coordinator
) -> ProgrammeOut:
    """Change an open programme's settings (the kind stays); takes effect from the next round."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if body.weights is not None:
        changes["weights"] = body.weights.given()
    programme = await use_cases.change_programme(
        use_cases.ChangeProgramme(programme_id, changes), tenant_uow(request, p)
    )
    return ProgrammeOut.of(programme)


@router.post("/{programme_id}/close", response_model=ProgrammeOut)
async def close_programme(programme_id: UUID, request: Request, p: Coordinator) -> ProgrammeOut:
    """Close a programme (409 if it is closed already); publishes `matching.programme_closed.v1`."""
    programme = await use_cases.close_programme(programme_id, tenant_uow(request, p), now())
    return ProgrammeOut.of(programme)
