"""The event path. A batch of platform events becomes, in one transaction per tenant with the
inbox claim: read-model changes, in-app notifications (recorded and announced as
`notification_sent`), queued e-mails and webhook deliveries, and reminders. Nothing is sent here:
the delivery loop sends after this commit.

The profile topic feeds the contact directory; a tombstone erases the person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.contracts.profiles import ParticipantProfile
from mentoring.contracts.registry import REGISTRY
from mentoring.kit.consumer import Delivery, PermanentError
from mentoring.kit.envelope import Envelope, utc_now
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.kit.tenants import apply_tenant_provisioned
from mentoring.notifications.adapters.facts import cloudevent, to_fact
from mentoring.notifications.adapters.tables import kit
from mentoring.notifications.domain.model import Channel
from mentoring.notifications.domain.rules import Planner
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork

EVENTS_INBOX = Inbox("notifications.events")
TENANTS_INBOX = Inbox("notifications.tenants")

# What a webhook may subscribe to: every platform event except our own (a delivery's own
# notification_sent would feed back into more deliveries).
SUBSCRIBABLE_TYPES = tuple(
    sorted(t for t, m in REGISTRY.items() if m.topic != topics.NOTIFICATIONS)
)


@dataclass
class EventIngest:
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox
    session_reminder_lead: timedelta
    clock: Callable[[], datetime] = utc_now

    lanes: int = 2
    lane_min: int = 64

    async def handle_batch(self, envelopes: list[Envelope]) -> None:
        """One transaction per tenant and lane. A large batch is split by aggregate into lanes
        that run concurrently, so the database works on one while Python prepares another;
        an aggregate's events stay in one lane, in order."""
        groups: dict[tuple[UUID, int], list[Envelope]] = {}
        for envelope in envelopes:
            groups.setdefault((envelope.tenant_id, 0), []).append(envelope)
        split: dict[tuple[UUID, int], list[Envelope]] = {}
        for (tenant_id, _), group in groups.items():
            lanes = min(self.lanes, max(1, len(group) // self.lane_min))
            for envelope in group:
                lane = hash(envelope.subject) % lanes
                split.setdefault((tenant_id, lane), []).append(envelope)
        await asyncio.gather(*(self._handle_tenant(t, g) for (t, _l), g in split.items()))

    async def _handle_tenant(self, tenant_id: UUID, envelopes: list[Envelope]) -> None:
        now = self.clock()
        async with NotificationsUnitOfWork(
            self.sessions, self.outbox, tenant_id, traceparent=envelopes[0].traceparent
        ) as uow:
            for envelope in envelopes:  # the tenant replica, as every consumer keeps it
                provisioned = envelope.data
                if (
                    isinstance(provisioned, TenantProvisioned)
                    and kit.tenant_replica is not None
                    and await TENANTS_INBOX.claim(uow.session, envelope)
                ):
                    await apply_tenant_provisioned(uow.session, kit.tenant_replica, provisioned)
            claimed = await EVENTS_INBOX.claim_many(uow.session, envelopes)
            fresh = [e for e, new in zip(envelopes, claimed, strict=True) if new]
            if fresh:
                await self._apply(uow, tenant_id, fresh, now)
            await uow.commit()

    async def _apply(
        self, uow: NotificationsUnitOfWork, tenant_id: UUID, fresh: list[Envelope], now: datetime
    ) -> None:
        facts = [f for f in map(to_fact, fresh) if f is not None]
        if facts:
            planner = Planner(
                await uow.store.snapshot(facts),
                now,
                session_reminder_lead=self.session_reminder_lead,
            )
            for fact in facts:
                planner.apply(fact)
            plan = planner.plan
            await uow.store.write_plan(tenant_id, plan)
            await uow.store.record_notifications([(tenant_id, d) for d in plan.drafts], now)
        subscriptions = await uow.store.webhook_subscriptions()
        if subscriptions:
            deliveries: list[dict[str, Any]] = [
                {
                    "tenant": tenant_id,
                    "channel": Channel.WEBHOOK.value,
                    "kind": envelope.type,
                    "endpoint": endpoint_id,
                    "cause": envelope.id,
                    "payload": cloudevent(envelope),
                    "due": now,
                }
                for envelope in fresh
                for endpoint_id, types in subscriptions
                if envelope.type in types
            ]
            await uow.store.add_deliveries(deliveries)


@dataclass
class ContactFeed:
    """The contact directory, kept from the compacted profile topic (key: person id)."""

    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox

    async def handle_record(self, record: Delivery) -> None:
        try:
            person = UUID(record.key_text)
        except ValueError:
            raise PermanentError(
                f"a profile key that is not a person id: {record.key_text!r}"
            ) from None
        if record.value is None:
            # The tombstone names no tenant: find the person across tenants (system scope).
            async with NotificationsUnitOfWork(self.sessions, self.outbox, None) as uow:
                await uow.store.erase({person}, tenant_id=None)
                await uow.commit()
            return
        try:
            profile = ParticipantProfile.model_validate_json(record.value)
        except ValidationError as exc:
            raise PermanentError(f"an invalid profile: {exc}") from exc
        if profile.participant_id != person:
            raise PermanentError("the profile's participant id differs from its key")
        async with NotificationsUnitOfWork(self.sessions, self.outbox, profile.tenant_id) as uow:
            if not await uow.store.erased_among({person}):
                await uow.directory.upsert_contact(
                    person_id=person,
                    tenant_id=profile.tenant_id,
                    display_name=profile.display_name,
                    email=str(profile.email),
                    locale=profile.locale,
                )
            await uow.commit()
