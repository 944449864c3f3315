"""Fixtures for the kit's own integration tests: the matching database stands in for "a
service database" (the kit's tables exist in all four), topics live in the module namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.kafka import all_platform_topics, ensure_topics, make_producer
from mentoring.kit.outbox import Outbox
from mentoring.kit.relay import OutboxRelay


@pytest.fixture
async def topics_ready(kafka_bootstrap: str, namespace: str) -> str:
    await ensure_topics(kafka_bootstrap, all_platform_topics(namespace), partitions=3)
    return namespace


@pytest.fixture
async def engine(migrated: dict[str, Any]) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(migrated["matching"].database_url, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture
def outbox(topics_ready: str) -> Outbox:
    return Outbox(namespace=topics_ready)


@pytest.fixture
def make_relay(
    engine: AsyncEngine, kafka_bootstrap: str, topics_ready: str
) -> Callable[..., OutboxRelay]:
    def make(**overrides: Any) -> OutboxRelay:
        options: dict[str, Any] = {
            "service": "kit-test",
            "namespace": topics_ready,
            "poll_seconds": 0.05,
            **overrides,
        }
        return OutboxRelay(
            engine, lambda: make_producer(kafka_bootstrap, client_id="kit-test"), **options
        )

    return make


async def provision(engine: AsyncEngine, outbox: Outbox, tenant_id: UUID | None = None) -> UUID:
    """Stage one tenant_provisioned event in its own committed transaction; returns its tenant."""
    tenant = tenant_id or uuid4()
    async with tenant_transaction(session_factory(engine), tenant) as session:
        await outbox.append(
            session, TenantProvisioned, tenant_id=tenant, name="Ministerstwo", slug=f"m-{tenant}"
        )
    return tenant


@pytest.fixture
async def kafka_namespace_2(kafka_bootstrap: str) -> AsyncIterator[str]:
    """A second namespace, for a negative control that must not share topics with the module."""
    from mentoring.kit.testing import delete_topics, unique

    ns = unique("n") + "."
    await ensure_topics(kafka_bootstrap, all_platform_topics(ns), partitions=3)
    yield ns
    await delete_topics(kafka_bootstrap, ns)
