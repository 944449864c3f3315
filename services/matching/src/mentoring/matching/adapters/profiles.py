"""Contact profiles on the compacted topic `mentoring.participants.profiles` (key: person id).

A profile record is written when a person first needs one (enrolment, coordinating a programme)
and after every change of their contact data; erasure writes a tombstone and removes the earlier
records of that person from the outbox, so no copy of the contact data stays in this database.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete

from mentoring.contracts import topics
from mentoring.contracts.profiles import ParticipantProfile
from mentoring.kit.outbox import Outbox
from mentoring.kit.uow import SqlUnitOfWork
from mentoring.matching.adapters.tables import kit
from mentoring.matching.domain.org import Person


async def publish_profile(uow: SqlUnitOfWork, person: Person, at: datetime) -> None:
    """Write the person's current profile (and remember that they have one)."""
    if person.erased or person.email is None:
        return
    await publish_contact(
        uow,
        person_id=person.id,
        tenant_id=person.tenant_id,
        display_name=person.display_name or person.email,
        email=person.email,
        locale=person.locale,
    )
    person.profile_published_at = person.profile_published_at or at


async def publish_contact(
    uow: SqlUnitOfWork,
    *,
    person_id: UUID,
    tenant_id: UUID,
    display_name: str,
    email: str,
    locale: str,
) -> None:
    profile = ParticipantProfile(
        participant_id=person_id,
        tenant_id=tenant_id,
        display_name=display_name,
        email=email,
        locale=locale,
    )
    await _record(uow.outbox, uow, person_id, tenant_id, profile.model_dump_json())


async def publish_tombstone(uow: SqlUnitOfWork, person: Person) -> None:
    outbox_table = kit.outbox
    await uow.session.execute(
        delete(outbox_table).where(
            outbox_table.c.topic == uow.outbox.namespace + topics.PROFILES,
            outbox_table.c.key == str(person.id),
        )
    )
    await _record(uow.outbox, uow, person.id, person.tenant_id, None)


async def _record(
    outbox: Outbox, uow: SqlUnitOfWork, person_id: UUID, tenant_id: UUID, payload: str | None
) -> None:
    await outbox.append_record(
        uow.session,
        topic=topics.PROFILES,
        key=str(person_id),
        tenant_id=tenant_id,
        payload_json=payload,
        headers={"ce_tenantid": str(tenant_id)},
    )
