"""Fixtures shared by every test tier.

Integration tests use the real PostgreSQL and the real Kafka broker: from TEST_DATABASE_URL and
TEST_KAFKA_BOOTSTRAP (set by `make test`), else from testcontainers when a Docker engine exists.
Without either they fail with a clear message; they are never skipped.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from mentoring.kit.auth import mint_token
from mentoring.kit.migrate import upgrade
from mentoring.kit.settings import KitSettings
from mentoring.kit.testing import (
    NO_INFRASTRUCTURE,
    Infrastructure,
    delete_topics,
    docker_engine_available,
    find_infrastructure,
    unique,
)

SERVICES = ("matching", "sessions", "notifications", "analytics")
REPO = Path(__file__).resolve().parents[1]


def _testcontainers() -> Iterator[Infrastructure]:  # pragma: no cover - needs a Docker engine
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer(
            "postgres:15.10", username="mentoring_admin", password="mentoring_admin"
        ) as pg,
        KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka,
    ):
        url = pg.get_connection_url().replace("+psycopg2", "")
        bootstrap_sql = (REPO / "deploy/local/postgres/bootstrap.sql").read_text()
        for service in SERVICES:
            pg.exec(["psql", "-U", "mentoring_admin", "-v", f"svc={service}", "-c", bootstrap_sql])
        host = pg.get_container_host_ip()
        port = pg.get_exposed_port(5432)
        for service in SERVICES:
            upper = service.upper()
            os.environ[f"MENTORING_{upper}_DATABASE_URL"] = (
                f"postgresql+asyncpg://{service}:{service}@{host}:{port}/{service}"
            )
            os.environ[f"MENTORING_{upper}_MIGRATION_DATABASE_URL"] = (
                f"postgresql+asyncpg://{service}_owner:{service}_owner@{host}:{port}/{service}"
            )
        yield Infrastructure(url, kafka.get_bootstrap_server(), "testcontainers")


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    found = find_infrastructure()
    if found is not None:
        yield found
        return
    if docker_engine_available():
        yield from _testcontainers()
        return
    pytest.fail(NO_INFRASTRUCTURE, pytrace=False)


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: Infrastructure) -> str:
    os.environ["MENTORING_KAFKA_BOOTSTRAP"] = infrastructure.kafka_bootstrap
    return infrastructure.kafka_bootstrap


@pytest.fixture(scope="session")
def service_settings() -> dict[str, type[KitSettings]]:
    from mentoring.analytics.config import AnalyticsSettings
    from mentoring.matching.config import MatchingSettings
    from mentoring.notifications.config import NotificationsSettings
    from mentoring.sessions.config import SessionsSettings

    return {
        "matching": MatchingSettings,
        "sessions": SessionsSettings,
        "notifications": NotificationsSettings,
        "analytics": AnalyticsSettings,
    }


@pytest.fixture(scope="session")
def migrated(
    infrastructure: Infrastructure, service_settings: dict[str, type[KitSettings]]
) -> dict[str, KitSettings]:
    """Every service's database upgraded to head (as its owner role), once per run."""
    from mentoring.kit.service import discover

    out: dict[str, KitSettings] = {}
    for name, definition in discover().items():
        settings = service_settings[name]()
        upgrade(definition.migrations, settings.migration_database_url, settings.database_url)
        out[name] = settings
    return out


async def _forget_namespace(infrastructure: Infrastructure, ns: str) -> None:
    """Drop the namespace's unsent outbox rows (their topics are about to go, and a relay must
    not keep retrying them), then delete its topics."""
    base = infrastructure.admin_database_url.rsplit("/", 1)[0]
    for service in SERVICES:
        conn = await asyncpg.connect(f"{base}/{service}")
        try:
            await conn.execute("delete from outbox_message where topic like $1", ns + "%")
        finally:
            await conn.close()
    await delete_topics(infrastructure.kafka_bootstrap, ns)


@pytest.fixture(scope="module")
def namespace(infrastructure: Infrastructure, kafka_bootstrap: str) -> Iterator[str]:
    """A topic namespace of this test module: its topics are created fresh and deleted after."""
    ns = unique("t") + "."
    yield ns
    asyncio.run(_forget_namespace(infrastructure, ns))


@pytest.fixture
def settings_for(
    migrated: dict[str, KitSettings], kafka_bootstrap: str, namespace: str
) -> Callable[..., Any]:
    """Settings of a service for this test: its topic namespace, a unique consumer group."""

    def make(service: str, **overrides: Any) -> Any:
        base = migrated[service]
        values: dict[str, Any] = {
            "kafka_bootstrap": kafka_bootstrap,
            "topic_namespace": namespace,
            "topic_partitions": 3,
            "consumer_group": unique(f"{service}-test-"),
            "consumer_stall_seconds": 20.0,
            **overrides,
        }
        return base.model_copy(update=values)

    return make


@pytest.fixture
async def api_client() -> AsyncIterator[Callable[[FastAPI], Any]]:
    """Open an in-process HTTP client on an app (its lifespan runs); closed after the test."""
    managers: list[tuple[LifespanManager, httpx.AsyncClient]] = []

    async def open_client(app: FastAPI) -> httpx.AsyncClient:
        manager = LifespanManager(app)
        await manager.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://testserver"
        )
        managers.append((manager, client))
        return client

    yield open_client
    for manager, client in reversed(managers):
        await client.aclose()
        await manager.__aexit__(None, None, None)


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return KitSettings().jwt_secret


@pytest.fixture
def token(jwt_secret: str) -> Callable[..., str]:
    def make(tenant: UUID | str | None = None, *roles: str, sub: str | None = None) -> str:
        return mint_token(
            secret=jwt_secret,
            subject=sub or f"user-{uuid4().hex[:6]}",
            tenant_id=tenant or uuid4(),
            roles=roles,
        )

    return make


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
async def admin_db(infrastructure: Infrastructure) -> AsyncIterator[Callable[[str], Any]]:
    """Superuser connections to a service database, for assertions only."""
    conns: list[asyncpg.Connection] = []

    async def connect(database: str) -> asyncpg.Connection:
        base = infrastructure.admin_database_url.rsplit("/", 1)[0]
        conn = await asyncpg.connect(f"{base}/{database}")
        conns.append(conn)
        return conn

    yield connect
    for c in conns:
        await c.close()
