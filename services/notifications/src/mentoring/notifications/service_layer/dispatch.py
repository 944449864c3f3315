"""The delivery loop: e-mails and webhook calls leave the durable queue after the commit that
queued them. Each round claims a fair share of due rows per tenant, sends them concurrently
(bounded in total and per tenant), and records each result - `notification_sent` or
`notification_failed` through the outbox - in the transaction that updates the row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts.events.notifications import NotificationFailed, NotificationSent
from mentoring.kit.envelope import utc_now
from mentoring.kit.outbox import Outbox
from mentoring.notifications.adapters.email import (
    EmailError,
    SmtpSender,
    build_message,
    message_id,
    session_invite,
)
from mentoring.notifications.adapters.queue import Claimed
from mentoring.notifications.adapters.templates import Renderer
from mentoring.notifications.adapters.webhooks import ForbiddenDestination, WebhookSender, body_of
from mentoring.notifications.domain.model import INVITE_KINDS, Channel, Kind
from mentoring.notifications.domain.schedule import RetryPolicy, decide_email
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchConfig:
    concurrency: int
    per_tenant: int
    lease_seconds: float
    email_retry: RetryPolicy
    webhook_retry: RetryPolicy
    contact_wait_seconds: float
    message_id_domain: str
    sender: str
    round_budget_seconds: float = 5.0


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, failed, retry, cancelled, postponed
    attempted: bool
    error: str | None = None
    at: datetime | None = None
    digest: bool | None = None  # postponed into (or out of) the daily digest


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        config: DispatchConfig,
        *,
        renderer: Renderer,
        smtp: SmtpSender,
        webhooks: WebhookSender,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.config = config
        self.renderer = renderer
        self.smtp = smtp
        self.webhooks = webhooks
        self.clock = clock

    def _uow(self, tenant_id: UUID | None) -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(self.sessions, self.outbox, tenant_id)

    async def run_email(self) -> int:
        return await self._run(Channel.EMAIL)

    async def run_webhooks(self) -> int:
        return await self._run(Channel.WEBHOOK)

    async def _run(self, channel: Channel) -> int:
        """Rounds until nothing is due or the time budget is spent (the job then runs again)."""
        started = time.monotonic()
        total = 0
        while time.monotonic() - started < self.config.round_budget_seconds:
            sent = await self._round(channel)
            if sent == 0:
                break
            total += sent
        return total

    async def _round(self, channel: Channel) -> int:
        token = uuid4()
        async with self._uow(None) as uow:
            tenants = await uow.queue.due_tenants(channel.value)
            if not tenants:
                return 0
            share = max(1, -(-self.config.concurrency // len(tenants)))
            claimed = await uow.queue.claim(
                channel.value,
                tenants,
                share=share,
                lease=self.config.lease_seconds,
                token=token,
            )
            await uow.commit()
        if not claimed:
            return 0
        units = _units(claimed)
        total = asyncio.Semaphore(self.config.concurrency)
        per_tenant: dict[UUID, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.config.per_tenant)
        )

        async def bounded(unit: list[Claimed], client: httpx.AsyncClient | None) -> None:
            async with per_tenant[unit[0].tenant_id], total:
                try:
                    if client is not None:
                        await self._webhook(unit[0], client)
                    else:
                        await self._email(unit)
                except Exception:
                    # The lease runs out and the row is tried again; the id stays the same.
                    log.exception("delivery failed unexpectedly", extra={"channel": channel.value})

        if channel is Channel.WEBHOOK:
            async with self.webhooks.client() as client:
                await asyncio.gather(*(bounded(u, client) for u in units))
        else:
            await asyncio.gather(*(bounded(u, None) for u in units))
        return len(claimed)

    # -- e-mail ----------------------------------------------------------------------------

    async def _email(self, items: list[Claimed]) -> None:
        first = items[0]
        recipient = first.recipient_id
        assert recipient is not None
        now = self.clock()
        async with self._uow(first.tenant_id) as uow:
            stored = await uow.directory.notifications(
                i.notification_id for i in items if i.notification_id
            )
            directory = await uow.directory.for_messages(
                [recipient], [n.params for n in stored.values()]
            )
        live = [i for i in items if i.notification_id in stored]
        gone = [i for i in items if i.notification_id not in stored]
        if gone:
            await self._record(first.tenant_id, gone, Outcome("cancelled", attempted=False))
        if not live:
            return
        contact = directory.contacts.get(recipient)
        if contact is None:
            if (now - first.created_at).total_seconds() > self.config.contact_wait_seconds:
                outcome = Outcome("failed", attempted=False, error="no contact for the recipient")
            else:
                wait = min(30.0, self.config.contact_wait_seconds)
                outcome = Outcome("postponed", attempted=False, at=now + timedelta(seconds=wait))
            await self._record(first.tenant_id, live, outcome)
            return
        collected = first.digest
        decision = decide_email(
            directory.prefs(recipient), Kind(first.kind), now, collected=collected
        )
        if decision.action == "cancel":
            await self._record(first.tenant_id, live, Outcome("cancelled", attempted=False))
            return
        if decision.action == "wait":
            await self._record(
                first.tenant_id,
                live,
                Outcome("postponed", False, at=decision.at, digest=decision.digest),
            )
            return
        invite: tuple[bytes, str] | None = None
        if collected and len(live) > 1:
            rendered = self.renderer.render_digest(
                [(Kind(i.kind), stored[i.notification_id].params) for i in live],  # type: ignore[index]
                recipient,
                directory,
            )
            mid = uuid5(NAMESPACE_URL, ",".join(sorted(str(i.delivery_id) for i in live)))
        else:
            note = stored[live[0].notification_id]  # type: ignore[index]
            rendered = self.renderer.render(note.kind, note.params, recipient, directory)
            if note.kind in INVITE_KINDS:
                invite = session_invite(note.params, directory, rendered.locale, now)
            mid = live[0].delivery_id
        message = build_message(
            sender=self.config.sender,
            to_name=contact.display_name,
            to_address=contact.email,
            rendered=rendered,
            message_id=message_id(mid, self.config.message_id_domain),
            sent_at=now,
            invite=invite[0] if invite else None,
            invite_method=invite[1] if invite else "REQUEST",
        )
        try:
            await self.smtp.send(message)
        except EmailError as exc:
            outcome = self._after_failure(first, exc.permanent, str(exc), self.config.email_retry)
        else:
            outcome = Outcome("sent", attempted=True)
        await self._record(first.tenant_id, live, outcome)

    # -- webhooks --------------------------------------------------------------------------

    async def _webhook(self, item: Claimed, client: httpx.AsyncClient) -> None:
        async with self._uow(item.tenant_id) as uow:
            endpoint = await uow.endpoints.get(item.endpoint_id) if item.endpoint_id else None
        if endpoint is None or not endpoint.active or item.payload is None:
            await self._record(item.tenant_id, [item], Outcome("cancelled", attempted=False))
            return
        try:
            await self.webhooks.policy.check(endpoint.url)
        except ForbiddenDestination as exc:
            await self._record(item.tenant_id, [item], Outcome("failed", True, exc.detail))
            return
        result = await self.webhooks.send(
            client,
            url=endpoint.url,
            secret=endpoint.secret,
            msg_id=f"msg_{item.delivery_id.hex}",
            body=body_of(item.payload),
        )
        if result.ok:
            outcome = Outcome("sent", attempted=True)
        else:
            error = result.error or "failed"
            outcome = self._after_failure(item, False, error, self.config.webhook_retry)
        await self._record(item.tenant_id, [item], outcome)

    # -- results ---------------------------------------------------------------------------

    def _after_failure(
        self, item: Claimed, permanent: bool, error: str, policy: RetryPolicy
    ) -> Outcome:
        if permanent:
            return Outcome("failed", attempted=True, error=error)
        now = self.clock()
        at = policy.next_attempt(
            created_at=item.first_attempt_at or now, now=now, attempts=item.attempts + 1
        )
        if at is None:
            return Outcome("failed", attempted=True, error=error)
        return Outcome("retry", attempted=True, error=error, at=at)

    async def _record(self, tenant_id: UUID, items: list[Claimed], outcome: Outcome) -> None:
        async with self._uow(tenant_id) as uow:
            for item in items:
                if outcome.status in ("retry", "postponed"):
                    assert outcome.at is not None
                    await uow.queue.retry(
                        item,
                        outcome.at,
                        attempted=outcome.attempted,
                        error=outcome.error,
                        digest=outcome.digest,
                    )
                    continue
                attempts = await uow.queue.finish(
                    item, outcome.status, attempted=outcome.attempted, error=outcome.error
                )
                if attempts is None or outcome.status == "cancelled":
                    continue  # the lease was lost (another worker owns it) or nothing to report
                common = {
                    "tenant_id": tenant_id,
                    "notification_id": item.notification_id or item.delivery_id,
                    "recipient_id": item.recipient_id,
                    "channel": item.channel,
                    "kind": item.kind,
                    "cause_event_id": item.cause_event_id,
                    "endpoint_id": item.endpoint_id,
                    "attempts": max(1, attempts),
                }
                if outcome.status == "sent":
                    uow.emit(NotificationSent, **common)
                else:
                    uow.emit(NotificationFailed, **common, error=(outcome.error or "failed")[:1000])
            await uow.commit()


def _units(claimed: list[Claimed]) -> list[list[Claimed]]:
    """One send per row, except a person's digest items, which go out as one e-mail."""
    digests: dict[tuple[UUID, UUID | None], list[Claimed]] = {}
    units: list[list[Claimed]] = []
    for item in claimed:
        if item.digest:
            digests.setdefault((item.tenant_id, item.recipient_id), []).append(item)
        else:
            units.append([item])
    return units + list(digests.values())
