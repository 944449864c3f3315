"""The sessions worker: the tenant replica, the pair read model fed by `mentoring.matching`,
and the survey scheduler (the outbox relay runs beside them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching
from mentoring.kit.consumer import EventHandler, Subscription
from mentoring.kit.envelope import Envelope
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.kit.tenants import tenant_replica_handler
from mentoring.kit.worker import PeriodicJob
from mentoring.sessions.adapters.tables import kit
from mentoring.sessions.service_layer import pairs
from mentoring.sessions.service_layer.surveys import issue_due_surveys
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork

PAIR_EVENTS: tuple[type[EventData], ...] = (
    matching.ProgrammeOpened,
    matching.PairCreated,
    matching.PairEnded,
    matching.ParticipantErased,
)
_PAIR_TYPES = frozenset(m.event_type for m in PAIR_EVENTS)


def pair_events_handler(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, inbox: Inbox
) -> EventHandler:
    """Applies each matching event once (the inbox), in the event's tenant, in one commit."""

    async def handle(envelope: Envelope) -> None:
        uow = SessionsUnitOfWork(
            sessions, outbox, envelope.tenant_id, traceparent=envelope.traceparent
        )
        async with uow:
            if await inbox.claim(uow.session, envelope):
                await apply(uow, envelope.data)
            await uow.commit()

    return handle


async def apply(uow: SessionsUnitOfWork, event: EventData) -> None:
    if isinstance(event, matching.PairCreated):
        await pairs.record_pair_created(
            uow,
            pairs.RecordPairCreated(
                tenant_id=event.tenant_id,
                pair_id=event.pair_id,
                programme_id=event.programme_id,
                mentor_id=event.mentor_id,
                mentee_id=event.mentee_id,
                created_at=event.occurred_at,
            ),
        )
    elif isinstance(event, matching.PairEnded):
        await pairs.record_pair_ended(
            uow,
            pairs.RecordPairEnded(
                tenant_id=event.tenant_id,
                pair_id=event.pair_id,
                programme_id=event.programme_id,
                mentor_id=event.mentor_id,
                mentee_id=event.mentee_id,
                reason=event.reason.value,
                ended_at=event.occurred_at,
            ),
        )
    elif isinstance(event, matching.ProgrammeOpened):
        await pairs.record_programme(
            uow,
            pairs.RecordProgramme(
                tenant_id=event.tenant_id,
                programme_id=event.programme_id,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
                opened_at=event.occurred_at,
            ),
        )
    elif isinstance(event, matching.ParticipantErased):
        await pairs.erase_participant(uow, event.participant_id)


def subscriptions(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[Subscription]:
    assert kit.tenant_replica is not None
    return [
        Subscription(
            name="tenants",
            topics=[topics.MATCHING],
            handler=tenant_replica_handler(sessions, kit.tenant_replica, Inbox("sessions.tenants")),
            accepts=lambda t: t == matching.TenantProvisioned.event_type,
        ),
        Subscription(
            name="pairs",
            topics=[topics.MATCHING],
            handler=pair_events_handler(sessions, outbox, Inbox("sessions.pairs")),
            accepts=lambda t: t in _PAIR_TYPES,
        ),
    ]


def survey_job(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    interval_seconds: float,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PeriodicJob:
    """Announces due check-ins and pulse surveys (`sessions.survey_due.v1`), each once."""

    async def run() -> None:
        await issue_due_surveys(lambda: SessionsUnitOfWork(sessions, outbox, None), clock())

    return PeriodicJob(name="surveys_due", interval_seconds=interval_seconds, run=run)
