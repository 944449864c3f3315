"""The org structure (units, people, reporting lines), its CSV import, never-pair lists, erasure.

Coordinators manage it; a person may read and erase their own record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from mentoring.kit.errors import DomainError, InvalidInput, NotFound
from mentoring.matching.domain.org import NeverPair, Person, Unit
from mentoring.matching.entrypoints.deps import (
    Coordinator,
    CoordinatorBulk,
    Limit,
    Member,
    Offset,
    Page,
    actor,
    bulk_uow,
    kit_settings,
    locale_of,
    now,
    tenant_uow,
)
from mentoring.matching.service_layer import org as use_cases
from mentoring.matching.service_layer.org_import import ImportOrg, import_org

router = APIRouter(prefix="/api/v1", tags=["org"])

Code = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    code = "payload_too_large"


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: str = Field(min_length=1, max_length=200)
    parent_id: UUID | None = None


class UnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: UUID | None = None


class UnitOut(BaseModel):
    id: UUID
    code: str
    name: str
    parent_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, u: Unit) -> UnitOut:
        return cls(
            id=u.id,
            code=u.code,
            name=u.name,
            parent_id=u.parent_id,
            created_at=u.created_at,
            updated_at=u.updated_at,
        )


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: Code | None = None
    first_name: Name
    last_name: Name
    email: EmailStr
    locale: str | None = Field(default=None, pattern="^(pl|en)$")
    position: str | None = Field(default=None, max_length=200)
    unit_id: UUID | None = None
    manager_id: UUID | None = None


class PersonPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    locale: str | None = Field(default=None, pattern="^(pl|en)$")
    position: str | None = Field(default=None, max_length=200)
    unit_id: UUID | None = None
    manager_id: UUID | None = None


class PersonOut(BaseModel):
    id: UUID
    employee_id: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    email: str | None
    locale: str
    position: str | None
    unit_id: UUID | None
    manager_id: UUID | None
    erased_at: datetime | None
    pairs_flagged: int | None = None

    @classmethod
    def of(cls, p: Person, pairs_flagged: int | None = None) -> PersonOut:
        return cls(
            id=p.id,
            employee_id=p.employee_id,
            first_name=p.first_name,
            last_name=p.last_name,
            display_name=p.display_name,
            email=p.email,
            locale=p.locale,
            position=p.position,
            unit_id=p.unit_id,
            manager_id=p.manager_id,
            erased_at=p.erased_at,
            pairs_flagged=pairs_flagged,
        )


class ImportOut(BaseModel):
    rows: int
    units_created: int
    units_updated: int
    people_created: int
    people_updated: int
    reporting_lines_changed: int
    pairs_flagged: int


class NeverPairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_a: UUID
    person_b: UUID
    programme_id: UUID | None = Field(default=None, description="None: every programme.")
    reason: str | None = Field(default=None, max_length=500)


class NeverPairOut(BaseModel):
    id: UUID
    person_a: UUID
    person_b: UUID
    programme_id: UUID | None
    reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, e: NeverPair) -> NeverPairOut:
        return cls(
            id=e.id,
            person_a=e.person_a,
            person_b=e.person_b,
            programme_id=e.programme_id,
            reason=e.reason,
            created_at=e.created_at,
        )


# -- units -------------------------------------------------------------------------------------


@router.post("/org/units", status_code=201, response_model=UnitOut)
async def create_unit(body: UnitIn, request: Request, p: Coordinator) -> UnitOut:
    unit = await use_cases.create_unit(
        use_cases.CreateUnit(body.code, body.name, body.parent_id), tenant_uow(request, p), now()
    )
    return UnitOut.of(unit)


@router.get("/org/units", response_model=Page[UnitOut])
async def list_units(
    *,
    request: Request,
    p: Coordinator,
    parent_id: UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[UnitOut]:
    async with tenant_uow(request, p) as u:
        items, total = await u.org.list_units(parent_id=parent_id, q=q, limit=limit, offset=offset)
    return Page(items=[UnitOut.of(i) for i in items], total=total, limit=limit, offset=offset)


@router.get("/org/units/{unit_id}", response_model=UnitOut)
async def get_unit(unit_id: UUID, request: Request, p: Coordinator) -> UnitOut:
    async with tenant_uow(request, p) as u:
        unit = await u.org.get_unit(unit_id)
    if unit is None:
        raise NotFound("no such unit")
    return UnitOut.of(unit)


@router.patch("/org/units/{unit_id}", response_model=UnitOut)
async def change_unit(unit_id: UUID, body: UnitPatch, request: Request, p: Coordinator) -> UnitOut:
    unit = await use_cases.change_unit(
        use_cases.ChangeUnit(
            unit_id, body.name, body.parent_id, set_parent="parent_id" in body.model_fields_set
        ),
        tenant_uow(request, p),
        now(),
    )
    return UnitOut.of(unit)


# -- people ------------------------------------------------------------------------------------


@router.post("/org/people", status_code=201, response_model=PersonOut)
async def register_person(body: PersonIn, request: Request, p: Coordinator) -> PersonOut:
    person = await use_cases.register_person(
        use_cases.RegisterPerson(**body.model_dump()), tenant_uow(request, p), now()
    )
    return PersonOut.of(person)


@router.get("/org/people", response_model=Page[PersonOut])
async def list_people(
    *,
    request: Request,
    p: Coordinator,
    unit_id: UUID | None = None,
    manager_id: UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PersonOut]:
    async with tenant_uow(request, p) as u:
        items, total = await u.org.list_people(
            unit_id=unit_id, manager_id=manager_id, q=q, limit=limit, offset=offset
        )
    return Page(items=[PersonOut.of(i) for i in items], total=total, limit=limit, offset=offset)


@router.get("/org/people/{person_id}", response_model=PersonOut)
async def get_person(person_id: UUID, request: Request, p: Member) -> PersonOut:
    actor(p).require_self_or_coordinator(person_id)
    async with tenant_uow(request, p) as u:
        person = await u.org.get_person(person_id)
    if person is None:
        raise NotFound("no such person")
    return PersonOut.of(person)


@router.patch("/org/people/{person_id}", response_model=PersonOut)
async def change_person(
    person_id: UUID, body: PersonPatch, request: Request, p: Coordinator
) -> PersonOut:
    """Contact data or reporting line; a move that puts an open pair into one reporting chain
    flags that pair (`matching.pair_flagged.v1`, flag reporting_line)."""
    given = body.model_fields_set
    person, flagged = await use_cases.change_person(
        use_cases.ChangePerson(
            person_id=person_id,
            first_name=body.first_name,
            last_name=body.last_name,
            email=body.email,
            locale=body.locale,
            position=body.position,
            unit_id=body.unit_id,
            manager_id=body.manager_id,
            set_unit="unit_id" in given,
            set_manager="manager_id" in given,
        ),
        tenant_uow(request, p),
        now(),
    )
    return PersonOut.of(person, flagged)


@router.post("/org/people/{person_id}/erasure", status_code=204)
async def erase_person(person_id: UUID, request: Request, p: Member) -> Response:
    """Erase a person's personal data (DESIGN.md §5): names, e-mail and free text are deleted,
    the profile topic gets a tombstone, `matching.participant_erased.v1` is published; they
    leave every programme. Pseudonymous ids and statistics stay. The person or a coordinator."""
    actor(p).require_self_or_coordinator(person_id)
    await use_cases.erase_person(person_id, tenant_uow(request, p), now())
    return Response(status_code=204)


# -- the CSV import ----------------------------------------------------------------------------


async def _upload(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise PayloadTooLarge(f"the file may have at most {limit} bytes")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("send the CSV file in the form field 'file'")
        data = await upload.read()
    else:
        data = await request.body()
    if len(data) > limit:
        raise PayloadTooLarge(f"the file may have at most {limit} bytes")
    return data


@router.post(
    "/org/import",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def import_org_csv(request: Request, p: CoordinatorBulk) -> ImportOut:
    """Import (upsert) units, people and reporting lines from an HR export (docs/matching.md).

    All or nothing: a file with bad rows changes nothing and answers 422 with
    `errors: [{line, field, code, message}]` for every bad row (messages in Polish, or in
    English with `Accept-Language: en`).
    """
    data = await _upload(request, kit_settings(request).import_max_bytes)
    summary = await import_org(ImportOrg(data, locale_of(request)), bulk_uow(request, p), now())
    return ImportOut(**summary)


# -- never-pair lists --------------------------------------------------------------------------


@router.post("/never-pairs", status_code=201, response_model=NeverPairOut)
async def add_never_pair(body: NeverPairIn, request: Request, p: Coordinator) -> NeverPairOut:
    """Two people never to be paired (either way round), in one programme or in all of them."""
    entry = await use_cases.add_never_pair(
        use_cases.AddNeverPair(body.person_a, body.person_b, body.programme_id, body.reason),
        tenant_uow(request, p),
        now(),
    )
    return NeverPairOut.of(entry)


@router.get("/never-pairs", response_model=Page[NeverPairOut])
async def list_never_pairs(
    *,
    request: Request,
    p: Coordinator,
    person_id: UUID | None = None,
    programme_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[NeverPairOut]:
    async with tenant_uow(request, p) as u:
        rows, total = await u.org.list_never_pairs(
            person_id=person_id, programme_id=programme_id, limit=limit, offset=offset
        )
    return Page(items=[NeverPairOut.of(r) for r in rows], total=total, limit=limit, offset=offset)


@router.delete("/never-pairs/{entry_id}", status_code=204)
async def remove_never_pair(entry_id: UUID, request: Request, p: Coordinator) -> Response:
    await use_cases.remove_never_pair(entry_id, tenant_uow(request, p))
    return Response(status_code=204)
