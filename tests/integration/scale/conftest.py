"""Fixtures of the scale tests: a database of their own for the relay tests, topics of the module
namespace, sessions events to publish."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.contracts.events.sessions import SessionLogged
from mentoring.kit.db import create_engine, session_factory, tenant_transaction
from mentoring.kit.kafka import all_platform_topics, ensure_topics
from mentoring.kit.migrate import upgrade
from mentoring.kit.outbox import Outbox
from mentoring.kit.testing import unique
from mentoring.matching.bootstrap import MIGRATIONS as MATCHING_MIGRATIONS


@pytest.fixture
async def scratch_engine(
    migrated: dict[str, Any], admin_db: Callable[[str], Any]
) -> AsyncIterator[AsyncEngine]:
    """A fresh database migrated like matching's, as its application role.

    Relays lock shards with advisory locks, which are per database: a matching worker that
    someone runs against the shared matching database would hold shard 0 there. A database of
    the test's own keeps the split between the test's relays exact."""
    settings = migrated["matching"]
    owner_url = make_url(settings.migration_database_url)
    app_url = make_url(settings.database_url)
    name = unique("scale_relay_")
    server = await admin_db("postgres")
    await server.execute(
        f'CREATE DATABASE "{name}" OWNER "{owner_url.username}" TEMPLATE template0'
    )
    try:
        await server.execute(
            f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{app_url.username}"'
        )
        inside: asyncpg.Connection = await admin_db(name)
        await inside.execute(
            f"REVOKE ALL ON SCHEMA public FROM PUBLIC; "
            f'GRANT USAGE, CREATE ON SCHEMA public TO "{owner_url.username}"; '
            f'GRANT USAGE ON SCHEMA public TO "{app_url.username}"'
        )
        await inside.close()
        app = app_url.set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(
            upgrade,
            MATCHING_MIGRATIONS,
            owner_url.set(database=name).render_as_string(hide_password=False),
            app,
        )
        engine = create_engine(app, pool_size=5)
        try:
            yield engine
        finally:
            await engine.dispose()
    finally:
        await server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def topics_ready(kafka_bootstrap: str, namespace: str) -> str:
    await ensure_topics(kafka_bootstrap, all_platform_topics(namespace), partitions=3)
    return namespace


async def log_sessions(
    engine: AsyncEngine, outbox: Outbox, tenant: UUID, pairs: list[UUID], rounds: int
) -> int:
    """`rounds` sessions per pair, one transaction each, pairs interleaved; returns the count."""
    sessions = session_factory(engine)
    programme = uuid4()
    written = 0
    for _ in range(rounds):
        for pair in pairs:
            now = datetime.now(UTC)
            async with tenant_transaction(sessions, tenant) as session:
                await outbox.append(
                    session,
                    SessionLogged,
                    tenant_id=tenant,
                    pair_id=pair,
                    programme_id=programme,
                    session_id=uuid4(),
                    held_at=now,
                    duration_minutes=60,
                )
            written += 1
    return written
