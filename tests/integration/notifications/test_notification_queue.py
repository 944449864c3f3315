"""The durable queue in Postgres, without a broker: fair claims across tenants, leases that keep
two workers from sending one row, namespaces that keep deployments apart, and the sweep that
delivers a parked message whose programme arrived through another worker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.outbox import Outbox
from mentoring.kit.testing import unique
from mentoring.notifications.adapters.store import intent_to_json
from mentoring.notifications.domain.model import CoordinatorOf, Intent, Kind
from mentoring.notifications.service_layer.reminders import resolve_parked
from mentoring.notifications.service_layer.uow import NotificationsUnitOfWork


@pytest.fixture
async def sessions(migrated: dict[str, Any]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated["notifications"].database_url, pool_size=4)
    yield session_factory(engine)
    await engine.dispose()


async def _queue_emails(
    sessions: async_sessionmaker[AsyncSession], namespace: str, tenant: UUID, count: int
) -> list[UUID]:
    ids = [uuid4() for _ in range(count)]
    async with tenant_transaction(sessions, tenant) as s:
        await s.execute(
            text(
                "INSERT INTO delivery (delivery_id, tenant_id, namespace, channel, kind, "
                "recipient_id, next_attempt_at) SELECT d, :t, :ns, 'email', 'pair_created', "
                "gen_random_uuid(), now() - interval '1 second' "
                "FROM unnest(CAST(:ids AS uuid[])) AS d"
            ),
            {"t": tenant, "ns": namespace, "ids": ids},
        )
    return ids


async def test_a_large_backlog_of_one_tenant_does_not_starve_another(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    namespace = unique("q") + "."
    busy, quiet = uuid4(), uuid4()
    await _queue_emails(sessions, namespace, busy, 1000)
    [theirs] = await _queue_emails(sessions, namespace, quiet, 1)
    outbox = Outbox(namespace=namespace)
    async with NotificationsUnitOfWork(sessions, outbox, None) as uow:
        tenants = await uow.queue.due_tenants("email")
        assert set(tenants) == {busy, quiet}
        claimed = await uow.queue.claim("email", tenants, share=16, lease=60, token=uuid4())
        await uow.commit()
    assert theirs in {c.delivery_id for c in claimed}  # in the very first round
    assert sum(c.tenant_id == busy for c in claimed) == 16

    # a second worker claiming now gets none of the leased rows
    async with NotificationsUnitOfWork(sessions, outbox, None) as uow:
        again = await uow.queue.claim("email", [busy, quiet], share=2000, lease=60, token=uuid4())
        await uow.commit()
    assert {c.delivery_id for c in again}.isdisjoint({c.delivery_id for c in claimed})
    assert len(again) == 1000 - 16

    # and a worker of another deployment (namespace) sees nothing of this one
    async with NotificationsUnitOfWork(sessions, Outbox(namespace="other."), None) as uow:
        assert await uow.queue.due_tenants("email") == []
    async with tenant_transaction(sessions, busy) as s:
        await s.execute(text("DELETE FROM delivery"))
    async with tenant_transaction(sessions, quiet) as s:
        await s.execute(text("DELETE FROM delivery"))


async def test_the_sweep_delivers_what_was_parked_when_the_programme_came_elsewhere(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Worker 1 parks the coordinator's message (no programme yet) while worker 2 records the
    programme (no parked message yet): neither resolves it; the sweep does, once."""
    namespace = unique("q") + "."
    tenant, programme, coordinator, cause = uuid4(), uuid4(), uuid4(), uuid4()
    intent = Intent(
        Kind.ROUND_COMPLETED,
        CoordinatorOf(programme),
        {"programme_id": str(programme), "proposals": 3},
        cause,
    )
    async with tenant_transaction(sessions, tenant) as s:
        await s.execute(
            text(
                "INSERT INTO parked_intent (parked_id, tenant_id, awaiting, awaiting_id, intent, "
                "created_at) VALUES (gen_random_uuid(), :t, 'programme', :p, CAST(:i AS jsonb), "
                "now() - interval '1 hour')"
            ),
            {"t": tenant, "p": programme, "i": json.dumps(intent_to_json(intent))},
        )
        await s.execute(
            text(
                "INSERT INTO programme (programme_id, tenant_id, name, coordinator_id, "
                "inactivity_days) VALUES (:p, :t, 'Program', :c, 30)"
            ),
            {"t": tenant, "p": programme, "c": coordinator},
        )
    outbox = Outbox(namespace=namespace)

    async def still_parked() -> int:
        async with tenant_transaction(sessions, tenant) as s:
            return int((await s.execute(text("SELECT count(*) FROM parked_intent"))).scalar_one())

    # the frequent sweep looks only at what was parked recently; this was parked an hour ago
    await resolve_parked(sessions, outbox, parked_within=timedelta(minutes=10))
    assert await still_parked() == 1
    assert await resolve_parked(sessions, outbox) >= 1
    assert await resolve_parked(sessions, outbox) == 0
    async with tenant_transaction(sessions, tenant) as s:
        rows = (await s.execute(text("SELECT recipient_id, kind FROM notification"))).all()
        parked = (await s.execute(text("SELECT count(*) FROM parked_intent"))).scalar_one()
        queued = (await s.execute(text("SELECT namespace, next_attempt_at FROM delivery"))).all()
    assert [(r.recipient_id, r.kind) for r in rows] == [(coordinator, "round_completed")]
    assert parked == 0
    assert [q.namespace for q in queued] == [namespace]
    assert queued[0].next_attempt_at <= datetime.now(UTC) + timedelta(seconds=1)
