"""The reminder scheduler: due reminders become notifications in the same transaction that marks
them fired, so a reminder fires once however many workers run and whenever they restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.kit.envelope import utc_now
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.notifications.domain.model import Draft, Kind
from mentoring.notifications.domain.rules import Planner
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork


async def fire_due_reminders(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    limit: int = 500,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Fire up to `limit` due reminders (of every tenant: a platform-level job)."""
    async with NotificationsUnitOfWork(sessions, outbox, None) as uow:
        due = await uow.queue.due_reminders(limit)
        if not due:
            return 0
        drafts = [
            (
                r.tenant_id,
                Draft(
                    recipient_id=r.recipient_id,
                    kind=Kind(r.kind),
                    params=r.params,
                    cause_event_id=r.cause_event_id,
                    dedupe_key=f"reminder/{r.reminder_id}",
                ),
            )
            for r in due
        ]
        await uow.store.record_notifications(drafts, clock())
        await uow.queue.mark_fired([r.reminder_id for r in due])
        await uow.commit()
    return len(due)


async def resolve_parked(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    limit: int = 500,
    parked_within: timedelta | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Deliver parked intents whose pair or programme has arrived meanwhile. The event path
    resolves them itself when it records the awaited fact; this catches the race of two
    transactions at once, in one worker (two partitions, two lanes) or in two: one parks an
    intent while the other records what it waits for, and neither sees the other's rows.
    `parked_within` looks only at tenants that parked something that recently (the race's
    window), so the frequent sweep costs one query when nothing was parked."""
    async with NotificationsUnitOfWork(sessions, outbox, None) as uow:
        tenants = await uow.store.parked_tenants(parked_within)
    resumed = 0
    for tenant_id in tenants:
        async with NotificationsUnitOfWork(sessions, outbox, tenant_id) as uow:
            stored = await uow.store.resumable_parked(limit)
            if not stored:
                continue
            snapshot = await uow.store.read_models(
                {s.parked.awaiting_id for s in stored if s.parked.awaiting == "programme"},
                {s.parked.awaiting_id for s in stored if s.parked.awaiting == "pair"},
                set(),
            )
            now = clock()
            planner = Planner(snapshot, now, session_reminder_lead=timedelta(0))
            planner.resume(stored)
            await uow.store.write_plan(tenant_id, planner.plan)
            await uow.store.record_notifications([(tenant_id, d) for d in planner.plan.drafts], now)
            await uow.commit()
            resumed += len(planner.plan.unparked)
    return resumed


async def housekeeping(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, *, inbox_retention_days: float
) -> None:
    """Forget processed event ids after the retention, and stale parked intents and reminders."""
    async with NotificationsUnitOfWork(sessions, outbox, None) as uow:
        await Inbox.purge(uow.session, inbox_retention_days * 86400)
        await uow.store.purge_stale(days=max(30.0, inbox_retention_days))
        await uow.commit()
