"""Enrolment with consent, profile and capacity changes, withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mentoring.kit.errors import Forbidden, InvalidInput
from mentoring.matching.adapters.events import emit_pair_events, emit_participant_events
from mentoring.matching.adapters.profiles import publish_profile
from mentoring.matching.domain.participants import (
    MatchingProfile,
    Participant,
    ParticipantRole,
)
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.common import Actor
from mentoring.matching.service_layer.uow import MatchingUnitOfWork


@dataclass(frozen=True)
class Enrol:
    programme_id: UUID
    person_id: UUID
    role: ParticipantRole
    profile: MatchingProfile
    capacity: int | None
    consent: bool
    consent_version: str | None


@dataclass(frozen=True)
class ChangeParticipant:
    programme_id: UUID
    person_id: UUID
    profile: MatchingProfile | None
    capacity: int | None
    set_capacity: bool
    capacity_override: int | None
    set_override: bool


async def enrol(cmd: Enrol, actor: Actor, uow: MatchingUnitOfWork, now: datetime) -> Participant:
    """A person enrols themselves with consent; a coordinator may only invite (no consent)."""
    actor.require_self_or_coordinator(cmd.person_id)
    acting_for_self = actor.person_id == cmd.person_id
    if acting_for_self and not cmd.consent:
        raise InvalidInput("enrolment needs your explicit consent (consent: true)")
    if not acting_for_self and cmd.consent:
        raise InvalidInput("only the person can give consent; a coordinator invites them")
    consented_at = now if cmd.consent else None
    async with uow:
        programme = await common.programme(uow, cmd.programme_id)
        programme.require_open()
        person = await common.person(uow, cmd.person_id, for_update=True)
        if person.erased:
            raise InvalidInput("this person was erased")
        existing = await uow.participants.get(cmd.programme_id, cmd.person_id, for_update=True)
        if existing is None:
            participant = Participant.enrol(
                tenant_id=programme.tenant_id,
                programme_id=programme.id,
                person_id=person.id,
                role=cmd.role,
                profile=cmd.profile,
                capacity=cmd.capacity,
                consented_at=consented_at,
                consent_version=cmd.consent_version,
                unit_id=person.unit_id,
                at=now,
            )
            await uow.participants.add(participant)
        else:
            participant = existing
            participant.re_enrol(
                role=cmd.role,
                profile=cmd.profile,
                capacity=cmd.capacity,
                consented_at=consented_at,
                consent_version=cmd.consent_version,
                unit_id=person.unit_id,
                at=now,
            )
            await uow.participants.save(participant)
        if participant.eligible and person.profile_published_at is None:
            await publish_profile(uow, person, now)
            await uow.org.save_person(person)
        emit_participant_events(uow, participant)
        await uow.commit()
    return participant


async def give_consent(
    *,
    programme_id: UUID,
    person_id: UUID,
    version: str | None,
    actor: Actor,
    uow: MatchingUnitOfWork,
    now: datetime,
) -> Participant:
    if actor.person_id != person_id:
        raise Forbidden("only the person themselves can give consent")
    async with uow:
        programme = await common.programme(uow, programme_id)
        programme.require_open()
        person = await common.person(uow, person_id, for_update=True)
        participant = await common.participant(uow, programme_id, person_id, for_update=True)
        participant.consent(now, version, unit_id=person.unit_id)
        await uow.participants.save(participant)
        if person.profile_published_at is None:
            await publish_profile(uow, person, now)
            await uow.org.save_person(person)
        emit_participant_events(uow, participant)
        await uow.commit()
    return participant


async def change_participant(
    cmd: ChangeParticipant, actor: Actor, uow: MatchingUnitOfWork, now: datetime
) -> Participant:
    """The person changes their profile and own capacity; a coordinator may override capacity."""
    actor.require_self_or_coordinator(cmd.person_id)
    acting_for_self = actor.person_id == cmd.person_id
    if cmd.set_override and not actor.coordinator:
        raise Forbidden("only a coordinator may override capacity")
    if (cmd.profile is not None or cmd.set_capacity) and not acting_for_self:
        raise Forbidden("only the participant may change their profile and own capacity")
    async with uow:
        participant = await common.participant(
            uow, cmd.programme_id, cmd.person_id, for_update=True
        )
        if cmd.profile is not None:
            participant.change_profile(cmd.profile, now)
        if cmd.set_capacity:
            participant.change_capacity(cmd.capacity, now)
        if cmd.set_override:
            participant.override_capacity(cmd.capacity_override, now)
        await uow.participants.save(participant)
        await uow.commit()
    return participant


async def withdraw(
    programme_id: UUID, person_id: UUID, actor: Actor, uow: MatchingUnitOfWork, now: datetime
) -> Participant:
    """Leave the programme: proposals are declined, active pairs end with reason withdrawn."""
    actor.require_self_or_coordinator(person_id)
    async with uow:
        participant = await common.participant(uow, programme_id, person_id, for_update=True)
        participant.withdraw(now)
        for pair in await uow.pairs.open_of_person(person_id, programme_id):
            side = pair.side_of(person_id)
            assert side is not None
            pair.withdraw(side, now)
            await uow.pairs.save(pair)
            emit_pair_events(uow, pair)
        await uow.participants.save(participant)
        emit_participant_events(uow, participant)
        await uow.commit()
    return participant
