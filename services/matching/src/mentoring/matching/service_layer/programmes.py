"""Opening, changing and closing programmes (coordinators)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from mentoring.kit.errors import InvalidInput
from mentoring.matching.adapters.events import emit_programme_events
from mentoring.matching.adapters.profiles import publish_profile
from mentoring.matching.domain.programmes import CriteriaWeights, Programme, ProgrammeSettings
from mentoring.matching.service_layer import common
from mentoring.matching.service_layer.uow import MatchingUnitOfWork


@dataclass(frozen=True)
class OpenProgramme:
    settings: ProgrammeSettings
    coordinator_id: UUID | None


@dataclass(frozen=True)
class ChangeProgramme:
    programme_id: UUID
    changes: dict[str, Any]  # ProgrammeSettings fields; "weights" as a partial dict


async def open_programme(cmd: OpenProgramme, uow: MatchingUnitOfWork, now: datetime) -> Programme:
    async with uow:
        await common.tenant_exists(uow)
        assert uow.tenant_id is not None
        if cmd.coordinator_id is not None:
            coordinator = await uow.org.get_person(cmd.coordinator_id, for_update=True)
            if coordinator is None or coordinator.erased:
                raise InvalidInput("coordinator_id is not a person of this ministry")
            if coordinator.profile_published_at is None:
                await publish_profile(uow, coordinator, now)
                await uow.org.save_person(coordinator)
        programme = Programme.open(
            tenant_id=uow.tenant_id,
            settings=cmd.settings,
            coordinator_id=cmd.coordinator_id,
            at=now,
        )
        await uow.programmes.add(programme)
        emit_programme_events(uow, programme)
        await uow.commit()
    return programme


async def change_programme(cmd: ChangeProgramme, uow: MatchingUnitOfWork) -> Programme:
    async with uow:
        programme = await common.programme(uow, cmd.programme_id, for_update=True)
        changes = dict(cmd.changes)
        if "weights" in changes:
            merged = programme.settings.weights.as_dict() | dict(changes["weights"])
            changes["weights"] = CriteriaWeights.of(merged)
        programme.change(replace(programme.settings, **changes))
        await uow.programmes.save(programme)
        await uow.commit()
    return programme


async def close_programme(programme_id: UUID, uow: MatchingUnitOfWork, now: datetime) -> Programme:
    async with uow:
        programme = await common.programme(uow, programme_id, for_update=True)
        programme.close(now)
        await uow.programmes.save(programme)
        emit_programme_events(uow, programme)
        await uow.commit()
    return programme
