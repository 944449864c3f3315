"""Editing the org structure through the API, never-pair lists, and erasing a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from mentoring.kit.errors import InvalidInput, NotFound
from mentoring.matching.adapters.events import (
    emit_pair_events,
    emit_participant_events,
    emit_person_events,
)
from mentoring.matching.adapters.profiles import publish_profile, publish_tombstone
from mentoring.matching.domain.org import (
    ContactChanged,
    NeverPair,
    Person,
    ReportingLineChanged,
    Unit,
    find_cycles,
)
from mentoring.matching.domain.participants import ParticipantStatus
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.uow import MatchingUnitOfWork


@dataclass(frozen=True)
class CreateUnit:
    code: str
    name: str
    parent_id: UUID | None


@dataclass(frozen=True)
class ChangeUnit:
    unit_id: UUID
    name: str | None
    parent_id: UUID | None
    set_parent: bool  # parent_id None means "top level" only when set explicitly


@dataclass(frozen=True)
class RegisterPerson:
    employee_id: str | None
    first_name: str
    last_name: str
    email: str
    locale: str | None
    position: str | None
    unit_id: UUID | None
    manager_id: UUID | None


@dataclass(frozen=True)
class ChangePerson:
    person_id: UUID
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    locale: str | None = None
    position: str | None = None
    unit_id: UUID | None = None
    manager_id: UUID | None = None
    set_unit: bool = False
    set_manager: bool = False


@dataclass(frozen=True)
class AddNeverPair:
    person_a: UUID
    person_b: UUID
    programme_id: UUID | None
    reason: str | None


async def _require_unit(uow: MatchingUnitOfWork, unit_id: UUID | None) -> None:
    if unit_id is not None and await uow.org.get_unit(unit_id) is None:
        raise InvalidInput("unit_id is not a unit of this ministry")


async def create_unit(cmd: CreateUnit, uow: MatchingUnitOfWork, now: datetime) -> Unit:
    async with uow:
        await common.tenant_exists(uow)
        assert uow.tenant_id is not None
        await _require_unit(uow, cmd.parent_id)
        code, name = cmd.code.strip(), cmd.name.strip()
        if not code or not name:
            raise InvalidInput("a unit needs a code and a name")
        unit = Unit(uuid4(), uow.tenant_id, code, name, cmd.parent_id, now, now)
        await uow.org.add_unit(unit)
        await uow.commit()
    return unit


async def change_unit(cmd: ChangeUnit, uow: MatchingUnitOfWork, now: datetime) -> Unit:
    async with uow:
        await uow.lock("org")
        unit = await uow.org.get_unit(cmd.unit_id)
        if unit is None:
            raise NotFound("no such unit")
        if cmd.name is not None:
            if not cmd.name.strip():
                raise InvalidInput("a unit needs a name")
            unit.name = cmd.name.strip()
        if cmd.set_parent:
            await _require_unit(uow, cmd.parent_id)
            parents = await uow.org.unit_parents()
            parents[unit.id] = cmd.parent_id
            if find_cycles(parents):
                raise InvalidInput("this parent would make the unit structure loop")
            unit.parent_id = cmd.parent_id
        unit.updated_at = now
        await uow.org.save_unit(unit)
        await uow.commit()
    return unit


async def register_person(cmd: RegisterPerson, uow: MatchingUnitOfWork, now: datetime) -> Person:
    async with uow:
        default_locale = await common.tenant_exists(uow)
        assert uow.tenant_id is not None
        await _require_unit(uow, cmd.unit_id)
        if cmd.manager_id is not None and await uow.org.get_person(cmd.manager_id) is None:
            raise InvalidInput("manager_id is not a person of this ministry")
        person = Person.register(
            tenant_id=uow.tenant_id,
            employee_id=cmd.employee_id,
            first_name=cmd.first_name,
            last_name=cmd.last_name,
            email=cmd.email,
            locale=cmd.locale or default_locale,
            position=cmd.position,
            unit_id=cmd.unit_id,
            manager_id=cmd.manager_id,
            at=now,
        )
        await uow.org.add_person(person)
        await uow.commit()
    return person


async def change_person(
    cmd: ChangePerson, uow: MatchingUnitOfWork, now: datetime
) -> tuple[Person, int]:
    """Contact data and reporting line; returns the person and how many pairs got flagged."""
    flagged = 0
    async with uow:
        await uow.lock("org")
        person = await common.person(uow, cmd.person_id, for_update=True)
        if any(v is not None for v in (cmd.first_name, cmd.last_name, cmd.email, cmd.locale)):
            person.change_contact(
                first_name=cmd.first_name,
                last_name=cmd.last_name,
                email=cmd.email,
                locale=cmd.locale,
                position=cmd.position,
                at=now,
            )
        elif cmd.position is not None:
            person.change_contact(position=cmd.position, at=now)
        if cmd.set_unit or cmd.set_manager:
            unit_id = cmd.unit_id if cmd.set_unit else person.unit_id
            manager_id = cmd.manager_id if cmd.set_manager else person.manager_id
            await _require_unit(uow, unit_id)
            if manager_id is not None and await uow.org.get_person(manager_id) is None:
                raise InvalidInput("manager_id is not a person of this ministry")
            person.move(unit_id=unit_id, manager_id=manager_id, at=now)
        events = list(person.events)
        person.events.clear()
        manager_of = None
        if any(isinstance(e, ReportingLineChanged) for e in events):
            manager_of = await uow.org.manager_of()
            manager_of[person.id] = person.manager_id
            if find_cycles(manager_of):
                raise InvalidInput("this manager would make the reporting line loop")
        if any(isinstance(e, ContactChanged) for e in events) and person.profile_published_at:
            await publish_profile(uow, person, now)
        await uow.org.save_person(person)
        if manager_of is not None:
            flagged = await common.flag_reporting_conflicts(uow, manager_of, now)
        await uow.commit()
    return person, flagged


async def erase_person(person_id: UUID, uow: MatchingUnitOfWork, now: datetime) -> None:
    """DESIGN.md §5: delete names, e-mail and free text; withdraw from every programme; end or
    decline open pairs; tombstone the profile; publish `matching.participant_erased.v1`."""
    async with uow:
        person = await common.person(uow, person_id, for_update=True)
        person.erase(now)
        for pair in await uow.pairs.open_of_person(person_id, None):
            side = pair.side_of(person_id)
            assert side is not None
            pair.withdraw(side, now)
            await uow.pairs.save(pair)
            emit_pair_events(uow, pair)
        for participation in await uow.participants.of_person(person_id):
            if participation.status is not ParticipantStatus.WITHDRAWN:
                participation.withdraw(now)
            participation.forget_free_text(now)
            await uow.participants.save(participation)
            emit_participant_events(uow, participation)
        await uow.org.forget_never_pair_reasons(person_id)
        await publish_tombstone(uow, person)
        await uow.org.save_person(person)
        emit_person_events(uow, person)
        await uow.commit()


async def add_never_pair(cmd: AddNeverPair, uow: MatchingUnitOfWork, now: datetime) -> NeverPair:
    async with uow:
        assert uow.tenant_id is not None
        entry = NeverPair.of(
            tenant_id=uow.tenant_id,
            a=cmd.person_a,
            b=cmd.person_b,
            programme_id=cmd.programme_id,
            reason=cmd.reason,
            at=now,
        )
        for person_id in (cmd.person_a, cmd.person_b):
            if await uow.org.get_person(person_id) is None:
                raise InvalidInput(f"{person_id} is not a person of this ministry")
        if cmd.programme_id is not None:
            await common.programme(uow, cmd.programme_id)
        await uow.org.add_never_pair(entry)
        await uow.commit()
    return entry


async def remove_never_pair(entry_id: UUID, uow: MatchingUnitOfWork) -> None:
    async with uow:
        if not await uow.org.remove_never_pair(entry_id):
            raise NotFound("no such never-pair entry")
        await uow.commit()
