"""The matching worker: reactions to sessions and analytics events, the request-expiry timer
(the outbox relay runs beside them).

- `sessions.feedback_submitted.v1` with `fit_check: false` -> the pair is flagged
  `rematch_offered` (the mentee may take a re-match: POST /pairs/{id}/rematch).
- `analytics.pair_inactive.v1` -> the pair is flagged `inactive` (a coordinator may end it).
Both run once per event (the inbox), in the event's tenant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.contracts.events.analytics import PairInactive
from mentoring.contracts.events.sessions import FeedbackSubmitted
from mentoring.kit.consumer import EventHandler, Subscription
from mentoring.kit.envelope import Envelope
from mentoring.kit.inbox import Inbox
from mentoring.kit.outbox import Outbox
from mentoring.kit.worker import PeriodicJob
from mentoring.matching.domain.pairs import Flag
from mentoring.matching.service_layer import pairs as pair_use_cases
from mentoring.matching.service_layer.uow import MatchingUnitOfWork

log = logging.getLogger(__name__)

CONSUMES = (FeedbackSubmitted, PairInactive)
SUBSCRIPTION_NAMES = ("feedback", "inactivity")


def _handler(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    name: str,
    flag_for: Callable[[Envelope], Flag | None],
) -> EventHandler:
    inbox = Inbox(f"matching.{name}")

    async def handle(envelope: Envelope) -> None:
        async with MatchingUnitOfWork(
            sessions, outbox, envelope.tenant_id, traceparent=envelope.traceparent
        ) as uow:
            if not await inbox.claim(uow.session, envelope):
                return
            flag = flag_for(envelope)
            pair_id = getattr(envelope.data, "pair_id", None)
            if flag is not None and isinstance(pair_id, UUID):
                flagged = await pair_use_cases.flag(uow, pair_id, flag, datetime.now(UTC))
                log.info("pair flag", extra={"pair_id": str(pair_id), "flag": flag, "new": flagged})
            await uow.commit()

    return handle


def _feedback_flag(envelope: Envelope) -> Flag | None:
    data = envelope.data
    assert isinstance(data, FeedbackSubmitted)
    return Flag.REMATCH_OFFERED if data.fit_check is False else None


def _inactive_flag(_envelope: Envelope) -> Flag | None:
    return Flag.INACTIVE


def subscriptions(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[Subscription]:
    return [
        Subscription(
            name="feedback",
            topics=[topics.SESSIONS],
            handler=_handler(sessions, outbox, "feedback", _feedback_flag),
            accepts=lambda t: t == FeedbackSubmitted.event_type,
        ),
        Subscription(
            name="inactivity",
            topics=[topics.ANALYTICS],
            handler=_handler(sessions, outbox, "inactivity", _inactive_flag),
            accepts=lambda t: t == PairInactive.event_type,
        ),
    ]


def jobs(
    interval_seconds: float,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[async_sessionmaker[AsyncSession], Outbox], list[PeriodicJob]]:
    """The request-expiry job. It expires only the requests created in its own deployment:
    each pair records the topic namespace it was created in (the outbox's)."""

    def build(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[PeriodicJob]:
        def make_uow(tenant_id: UUID | None) -> MatchingUnitOfWork:
            return MatchingUnitOfWork(sessions, outbox, tenant_id)

        async def expire_requests() -> None:
            expired = await pair_use_cases.expire_requests(make_uow, clock())
            if expired:
                log.info("requests expired", extra={"count": expired})

        return [PeriodicJob("expire-requests", interval_seconds, expire_requests)]

    return build
