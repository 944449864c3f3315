"""The notifications worker: the contact directory (profile topic), the event path (every platform
topic, in batches, the tenant replica included), and the jobs that fire reminders and deliver
e-mails and webhooks from the durable queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.kit.consumer import Subscription
from mentoring.kit.outbox import Outbox
from mentoring.kit.worker import PeriodicJob
from mentoring.notifications.config import NotificationsSettings
from mentoring.notifications.service_layer.dispatch import Dispatcher
from mentoring.notifications.service_layer.ingest import ContactFeed, EventIngest
from mentoring.notifications.service_layer.reminders import (
    fire_due_reminders,
    housekeeping,
    resolve_parked,
)

# One consumer group reads the event topics, the tenant replica's events included (a second
# group on the matching topic would fetch and decode every event twice); one reads the profiles.
SUBSCRIPTIONS = ("profiles", "events")
EVENT_TOPICS = (topics.MATCHING, topics.SESSIONS, topics.ANALYTICS)
REMINDER_BATCH = 500
# Two transactions that race (one parks, one records what it waits for) commit within seconds.
RACE_WINDOW = timedelta(minutes=10)


def subscriptions(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    settings: NotificationsSettings,
) -> list[Subscription]:
    ingest = EventIngest(
        sessions,
        outbox,
        session_reminder_lead=timedelta(seconds=settings.session_reminder_lead_seconds),
    )
    contacts = ContactFeed(sessions, outbox)
    return [
        Subscription(
            name="profiles", topics=[topics.PROFILES], record_handler=contacts.handle_record
        ),
        Subscription(
            name="events",
            topics=list(EVENT_TOPICS),
            batch_handler=ingest.handle_batch,
            accepts=lambda t: not t.startswith("notifications."),
            # Up to 2,000 events a fetch; two partitions' batches at once, so that one is
            # decoded and planned while the other's statements run (bench/notifications_
            # throughput.py: the event path waits on Postgres about half of the time).
            max_batch=2000,
            batch_partitions=2,
        ),
    ]


def jobs(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    settings: NotificationsSettings,
    dispatcher: Dispatcher,
) -> list[PeriodicJob]:
    async def reminders() -> None:
        while await fire_due_reminders(sessions, outbox, limit=REMINDER_BATCH) == REMINDER_BATCH:
            pass

    async def parked() -> None:
        await resolve_parked(sessions, outbox, parked_within=RACE_WINDOW)

    async def upkeep() -> None:
        await resolve_parked(sessions, outbox)  # every tenant's parked intents
        await housekeeping(sessions, outbox, inbox_retention_days=settings.inbox_retention_days)

    out = [
        PeriodicJob("reminders", settings.reminder_poll_seconds, reminders),
        # Each second: the tenants that parked something in the last minutes (usually none).
        PeriodicJob("parked", settings.reminder_poll_seconds, parked),
        PeriodicJob("upkeep", 60.0, upkeep),
    ]
    if settings.dispatch_enabled:

        async def email() -> None:
            await dispatcher.run_email()

        async def webhooks() -> None:
            await dispatcher.run_webhooks()

        out += [
            PeriodicJob("deliver-email", settings.dispatch_poll_seconds, email),
            PeriodicJob("deliver-webhooks", settings.dispatch_poll_seconds, webhooks),
        ]
    return out
