"""Units, people and never-pair lists in SQL, including the bulk upserts of an org import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.kit.errors import Conflict
from mentoring.kit.pacing import pace
from mentoring.matching.adapters.sql import among
from mentoring.matching.adapters.tables import never_pair, org_unit, person
from mentoring.matching.domain.org import NeverPair, Person, Unit
from mentoring.matching.domain.org_import import (
    KnownPerson,
    KnownUnit,
    OrgSnapshot,
    PersonWrite,
    UnitWrite,
)

CHUNK = 1000
Progress = Callable[[int], None]


def _unit(row: Any) -> Unit:
    m = row._mapping
    return Unit(
        id=m["unit_id"],
        tenant_id=m["tenant_id"],
        code=m["code"],
        name=m["name"],
        parent_id=m["parent_unit_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _person(row: Any) -> Person:
    m = row._mapping
    return Person(
        id=m["person_id"],
        tenant_id=m["tenant_id"],
        employee_id=m["employee_id"],
        first_name=m["first_name"],
        last_name=m["last_name"],
        email=m["email"],
        locale=m["locale"],
        position=m["position"],
        unit_id=m["unit_id"],
        manager_id=m["manager_person_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        profile_published_at=m["profile_published_at"],
        erased_at=m["erased_at"],
    )


def _person_values(p: Person) -> dict[str, Any]:
    return {
        "employee_id": p.employee_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "locale": p.locale,
        "position": p.position,
        "unit_id": p.unit_id,
        "manager_person_id": p.manager_id,
        "profile_published_at": p.profile_published_at,
        "erased_at": p.erased_at,
        "updated_at": p.updated_at,
    }


class SqlOrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- units -------------------------------------------------------------------------------

    async def add_unit(self, u: Unit) -> None:
        inserted = (
            await self.session.execute(
                insert(org_unit)
                .values(
                    unit_id=u.id,
                    tenant_id=u.tenant_id,
                    code=u.code,
                    name=u.name,
                    parent_unit_id=u.parent_id,
                    created_at=u.created_at,
                    updated_at=u.updated_at,
                )
                .on_conflict_do_nothing(constraint="uq_org_unit_code")
                .returning(org_unit.c.unit_id)
            )
        ).first()
        if inserted is None:
            raise Conflict(f"a unit with code {u.code!r} already exists")

    async def get_unit(self, unit_id: UUID) -> Unit | None:
        row = (
            await self.session.execute(select(org_unit).where(org_unit.c.unit_id == unit_id))
        ).first()
        return _unit(row) if row else None

    async def save_unit(self, u: Unit) -> None:
        await self.session.execute(
            update(org_unit)
            .where(org_unit.c.unit_id == u.id)
            .values(name=u.name, parent_unit_id=u.parent_id, updated_at=u.updated_at)
        )

    async def unit_parents(self) -> dict[UUID, UUID | None]:
        rows = await self.session.execute(select(org_unit.c.unit_id, org_unit.c.parent_unit_id))
        return {r.unit_id: r.parent_unit_id for r in rows}

    async def list_units(
        self, *, parent_id: UUID | None, q: str | None, limit: int, offset: int
    ) -> tuple[list[Unit], int]:
        where = []
        if parent_id is not None:
            where.append(org_unit.c.parent_unit_id == parent_id)
        if q:
            pattern = f"%{q}%"
            where.append(or_(org_unit.c.code.ilike(pattern), org_unit.c.name.ilike(pattern)))
        rows = (
            await self.session.execute(
                select(org_unit).where(*where).order_by(org_unit.c.code).limit(limit).offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(org_unit).where(*where))
        ).scalar_one()
        return [_unit(r) for r in rows], int(total)

    # -- people ------------------------------------------------------------------------------

    async def add_person(self, p: Person) -> None:
        inserted = (
            await self.session.execute(
                insert(person)
                .values(
                    person_id=p.id,
                    tenant_id=p.tenant_id,
                    created_at=p.created_at,
                    **_person_values(p),
                )
                .on_conflict_do_nothing(constraint="uq_person_employee")
                .returning(person.c.person_id)
            )
        ).first()
        if inserted is None:
            raise Conflict(f"an employee with id {p.employee_id!r} already exists")

    async def get_person(self, person_id: UUID, *, for_update: bool = False) -> Person | None:
        query = select(person).where(person.c.person_id == person_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _person(row) if row else None

    async def people(self, ids: Sequence[UUID]) -> dict[UUID, Person]:
        if not ids:
            return {}
        rows = await self.session.execute(select(person).where(among(person.c.person_id, ids)))
        return {p.id: p for p in map(_person, rows)}

    async def save_person(self, p: Person) -> None:
        await self.session.execute(
            update(person).where(person.c.person_id == p.id).values(**_person_values(p))
        )

    async def manager_of(self) -> dict[UUID, UUID | None]:
        """The whole reporting line of the tenant: person -> direct manager."""
        rows = await self.session.execute(select(person.c.person_id, person.c.manager_person_id))
        return {r.person_id: r.manager_person_id for r in rows}

    async def list_people(
        self,
        *,
        unit_id: UUID | None,
        manager_id: UUID | None,
        q: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Person], int]:
        where = []
        if unit_id is not None:
            where.append(person.c.unit_id == unit_id)
        if manager_id is not None:
            where.append(person.c.manager_person_id == manager_id)
        if q:
            pattern = f"%{q}%"
            where.append(
                or_(
                    person.c.employee_id.ilike(pattern),
                    person.c.first_name.ilike(pattern),
                    person.c.last_name.ilike(pattern),
                    person.c.email.ilike(pattern),
                )
            )
        rows = (
            await self.session.execute(
                select(person)
                .where(*where)
                .order_by(person.c.last_name, person.c.first_name, person.c.person_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(person).where(*where))
        ).scalar_one()
        return [_person(r) for r in rows], int(total)

    # -- an import ---------------------------------------------------------------------------

    async def snapshot(self, default_locale: str) -> OrgSnapshot:
        units = {
            r.code: KnownUnit(r.unit_id, r.code, r.name, r.parent_unit_id)
            for r in await self.session.execute(select(org_unit))
        }
        known: dict[str, KnownPerson] = {}
        manager_of: dict[UUID, UUID | None] = {}
        for r in await self.session.execute(select(person)):
            manager_of[r.person_id] = r.manager_person_id
            if r.employee_id is not None:
                known[r.employee_id] = KnownPerson(
                    id=r.person_id,
                    employee_id=r.employee_id,
                    first_name=r.first_name,
                    last_name=r.last_name,
                    email=r.email,
                    locale=r.locale,
                    position=r.position,
                    unit_id=r.unit_id,
                    manager_id=r.manager_person_id,
                    erased=r.erased_at is not None,
                    has_profile=r.profile_published_at is not None,
                )
        return OrgSnapshot(units, known, manager_of, default_locale)

    async def upsert_units(
        self, tenant_id: UUID, units: Sequence[UnitWrite], at: datetime, progress: Progress
    ) -> None:
        stmt = insert(org_unit)
        stmt = stmt.on_conflict_do_update(
            index_elements=[org_unit.c.unit_id],
            set_={
                "name": stmt.excluded.name,
                "parent_unit_id": stmt.excluded.parent_unit_id,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        for start in range(0, len(units), CHUNK):
            chunk = units[start : start + CHUNK]
            await self.session.execute(
                stmt,
                [
                    {
                        "unit_id": u.id,
                        "tenant_id": tenant_id,
                        "code": u.code,
                        "name": u.name,
                        "parent_unit_id": u.parent_id,
                        "created_at": at,
                        "updated_at": at,
                    }
                    for u in chunk
                ],
            )
            progress(len(chunk))
            await pace(self.session)

    async def upsert_people(
        self, tenant_id: UUID, people: Sequence[PersonWrite], at: datetime, progress: Progress
    ) -> None:
        stmt = insert(person)
        stmt = stmt.on_conflict_do_update(
            index_elements=[person.c.person_id],
            set_={
                c: getattr(stmt.excluded, c)
                for c in (
                    "first_name",
                    "last_name",
                    "email",
                    "locale",
                    "position",
                    "unit_id",
                    "manager_person_id",
                    "updated_at",
                )
            },
        )
        for start in range(0, len(people), CHUNK):
            chunk = people[start : start + CHUNK]
            await self.session.execute(
                stmt,
                [
                    {
                        "person_id": p.id,
                        "tenant_id": tenant_id,
                        "employee_id": p.employee_id,
                        "first_name": p.first_name,
                        "last_name": p.last_name,
                        "email": p.email,
                        "locale": p.locale,
                        "position": p.position,
                        "unit_id": p.unit_id,
                        "manager_person_id": p.manager_id,
                        "created_at": at,
                        "updated_at": at,
                    }
                    for p in chunk
                ],
            )
            progress(len(chunk))
            await pace(self.session)

    # -- never-pair lists --------------------------------------------------------------------

    async def add_never_pair(self, entry: NeverPair) -> None:
        inserted = (
            await self.session.execute(
                insert(never_pair)
                .values(
                    never_pair_id=entry.id,
                    tenant_id=entry.tenant_id,
                    person_a=entry.person_a,
                    person_b=entry.person_b,
                    programme_id=entry.programme_id,
                    reason=entry.reason,
                    created_at=entry.created_at,
                )
                .on_conflict_do_nothing()
                .returning(never_pair.c.never_pair_id)
            )
        ).first()
        if inserted is None:
            raise Conflict("these two people are already on the never-pair list")

    async def remove_never_pair(self, never_pair_id: UUID) -> bool:
        result = await self.session.execute(
            delete(never_pair).where(never_pair.c.never_pair_id == never_pair_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget_never_pair_reasons(self, person_id: UUID) -> None:
        """The reason is free text a coordinator typed; erasure removes it."""
        await self.session.execute(
            update(never_pair)
            .where(or_(never_pair.c.person_a == person_id, never_pair.c.person_b == person_id))
            .values(reason=None)
        )

    async def never_pairs(self, programme_id: UUID | None) -> frozenset[frozenset[UUID]]:
        """Tenant-wide entries and, with a programme, that programme's."""
        scope: ColumnElement[bool] = never_pair.c.programme_id.is_(None)
        if programme_id is not None:
            scope = or_(scope, never_pair.c.programme_id == programme_id)
        rows = await self.session.execute(
            select(never_pair.c.person_a, never_pair.c.person_b).where(scope)
        )
        return frozenset(frozenset((r.person_a, r.person_b)) for r in rows)

    async def list_never_pairs(
        self, *, person_id: UUID | None, programme_id: UUID | None, limit: int, offset: int
    ) -> tuple[list[NeverPair], int]:
        where = []
        if person_id is not None:
            where.append(
                or_(never_pair.c.person_a == person_id, never_pair.c.person_b == person_id)
            )
        if programme_id is not None:
            where.append(
                or_(never_pair.c.programme_id == programme_id, never_pair.c.programme_id.is_(None))
            )
        rows = (
            await self.session.execute(
                select(never_pair)
                .where(*where)
                .order_by(never_pair.c.created_at, never_pair.c.never_pair_id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = (
            await self.session.execute(select(func.count()).select_from(never_pair).where(*where))
        ).scalar_one()
        return [
            NeverPair(
                id=r.never_pair_id,
                tenant_id=r.tenant_id,
                person_a=r.person_a,
                person_b=r.person_b,
                programme_id=r.programme_id,
                reason=r.reason,
                created_at=r.created_at,
            )
            for r in rows
        ], int(total)
