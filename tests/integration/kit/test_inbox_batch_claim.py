"""The inbox's batch claim (one statement per batch) decides exactly as the single-event claim
does, event by event, on the real Postgres: new ids only, the same id twice in one batch once, and
never a sequence at or below what its aggregate already saw - whether the older event comes in the
same batch, a later batch, or with a cursor that exists from earlier batches."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.db import session_factory, tenant_transaction
from mentoring.kit.envelope import Envelope
from mentoring.kit.inbox import Inbox
from mentoring.kit.testing import unique


def _envelope(tenant: UUID, aggregate: str, sequence: int, event_id: UUID) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(
        id=event_id,
        type="matching.tenant_provisioned.v1",
        source="/kit-test",
        subject=aggregate,
        tenant_id=tenant,
        time=now,
        traceparent=None,
        data=TenantProvisioned(
            tenant_id=tenant, sequence=sequence, occurred_at=now, name="M", slug=f"m-{tenant}"
        ),
    )


async def test_batch_claim_flags_new_events_in_order(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    tenant, inbox = uuid4(), Inbox(unique("batch-"))
    a1, a2, a3, b1 = (
        _envelope(tenant, agg, seq, uuid4())
        for agg, seq in (("a", 1), ("a", 2), ("a", 3), ("b", 1))
    )
    async with tenant_transaction(sessions, tenant) as session:
        # a2 before a1 (a1 is then older than its aggregate's cursor); a2 twice; b1 new
        assert await inbox.claim_many(session, [a2, a1, a2, b1]) == [True, False, False, True]
    async with tenant_transaction(sessions, tenant) as session:
        # a replay of a2 and of a1, the next of a, and b1 again
        assert await inbox.claim_many(session, [a2, a1, a3, b1]) == [False, False, True, False]
    async with tenant_transaction(sessions, tenant) as session:
        assert await inbox.claim_many(session, []) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_batch_claim_agrees_with_single_claims(engine: AsyncEngine, seed: int) -> None:
    """Random deliveries (out of order, repeated, replayed across batches of random size) of a
    few aggregates' events: the batch claim's flags equal the single claim's, event by event."""
    rng = random.Random(seed)
    sessions = session_factory(engine)
    tenant = uuid4()
    single, batched = Inbox(unique("single-")), Inbox(unique("batched-"))
    events = [
        _envelope(tenant, f"agg-{agg}", seq, uuid4()) for agg in range(6) for seq in range(1, 9)
    ]
    stream = [rng.choice(events) for _ in range(400)]
    position = 0
    claimed = 0
    while position < len(stream):
        size = rng.randint(1, 40)
        batch = stream[position : position + size]
        position += size
        async with tenant_transaction(sessions, tenant) as session:
            expected = [await single.claim(session, e) for e in batch]
        async with tenant_transaction(sessions, tenant) as session:
            flags = await batched.claim_many(session, batch)
        assert flags == expected, f"batch at {position - size}"
        claimed += sum(flags)
    # the comparison means something: both new and refused events occurred
    assert 0 < claimed < len(stream)
