"""Helpers the use cases share: who acts, loading what must exist, the reorganisation check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mentoring.kit.errors import Forbidden, NotFound
from mentoring.matching.adapters.events import emit_pair_events
from mentoring.matching.domain.hierarchy import same_reporting_chain
from mentoring.matching.domain.org import Person
from mentoring.matching.domain.pairs import Flag, Pair, PairStatus
from mentoring.matching.domain.participants import Participant
from mentoring.matching.domain.programmes import Programme
from mentoring.matching.service_layer.uow import MatchingUnitOfWork


@dataclass(frozen=True)
class Actor:
    """The caller of a use case: a coordinator, or a person acting for themselves."""

    person_id: UUID | None
    coordinator: bool = False

    def require_self_or_coordinator(self, person_id: UUID) -> None:
        if not self.coordinator and self.person_id != person_id:
            raise NotFound("no such participant")

    def require_coordinator(self) -> None:
        if not self.coordinator:
            raise Forbidden("only a coordinator may do this")


async def tenant_exists(uow: MatchingUnitOfWork) -> str:
    """The tenant's default locale; 404 when the token's tenant was never provisioned."""
    assert uow.tenant_id is not None
    tenant = await uow.tenants.get(uow.tenant_id)
    if tenant is None:
        raise NotFound("this tenant is not provisioned")
    return tenant.default_locale


async def programme(
    uow: MatchingUnitOfWork, programme_id: UUID, *, for_update: bool = False
) -> Programme:
    found = await uow.programmes.get(programme_id, for_update=for_update)
    if found is None:
        raise NotFound("no such programme")
    return found


async def person(uow: MatchingUnitOfWork, person_id: UUID, *, for_update: bool = False) -> Person:
    found = await uow.org.get_person(person_id, for_update=for_update)
    if found is None:
        raise NotFound("no such person")
    return found


async def participant(
    uow: MatchingUnitOfWork, programme_id: UUID, person_id: UUID, *, for_update: bool = False
) -> Participant:
    found = await uow.participants.get(programme_id, person_id, for_update=for_update)
    if found is None:
        raise NotFound("no such participant")
    return found


async def pair_for(
    uow: MatchingUnitOfWork, pair_id: UUID, actor: Actor, *, for_update: bool = False
) -> Pair:
    """A pair the actor may see: coordinators see all, members only their own (else 404)."""
    found = await uow.pairs.get(pair_id, for_update=for_update)
    if found is None:
        raise NotFound("no such pair")
    member = actor.person_id is not None and found.side_of(actor.person_id) is not None
    if not (actor.coordinator or member):
        raise NotFound("no such pair")
    return found


async def flag_reporting_conflicts(
    uow: MatchingUnitOfWork, manager_of: Mapping[UUID, UUID | None], at: datetime
) -> int:
    """After a reorganisation: flag every open pair now inside one reporting chain."""
    conflicting = [
        p.id
        for p in await uow.pairs.list_open_unlocked()
        if Flag.REPORTING_LINE not in p.flags
        and same_reporting_chain(p.mentor_id, p.mentee_id, manager_of)
    ]
    flagged = 0
    for pair_id in sorted(conflicting):
        pair = await uow.pairs.get(pair_id, for_update=True)
        if pair is None or pair.status not in (PairStatus.PROPOSED, PairStatus.ACTIVE):
            continue
        if pair.flag(Flag.REPORTING_LINE, at):
            await uow.pairs.save(pair)
            emit_pair_events(uow, pair)
            flagged += 1
    return flagged
