"""The composition every service shares: engine, auth, limits, readiness, AsyncAPI, outbox.

A service's own `bootstrap.py` calls `build_standard_api` and `build_standard_worker` with its
routers, subscriptions and jobs, so the four services are put together the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts.base import EventData
from mentoring.kit.asyncapi import asyncapi_document
from mentoring.kit.auth import TokenVerifier
from mentoring.kit.consumer import Subscription
from mentoring.kit.db import create_engine, session_factory
from mentoring.kit.health import Readiness, consumer_lag_check, database_check, outbox_check
from mentoring.kit.outbox import Outbox
from mentoring.kit.ratelimit import TenantRateLimiter
from mentoring.kit.settings import KitSettings
from mentoring.kit.web import ApiContext, create_api
from mentoring.kit.worker import PeriodicJob, Worker


def build_standard_api(
    settings: KitSettings,
    *,
    title: str,
    version: str,
    description: str,
    routers: Sequence[APIRouter],
    produces: Sequence[type[EventData]],
    consumes: Sequence[type[EventData]],
    subscription_names: Sequence[str] = (),
    extras: dict[str, Any] | None = None,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    service = settings.service_name
    context = ApiContext(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        verifier=TokenVerifier(settings),
        limiter=TenantRateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        bulk_limiter=TenantRateLimiter(
            settings.bulk_rate_limit_per_second, settings.bulk_rate_limit_burst, lane="bulk"
        ),
        readiness=Readiness(
            [
                database_check(engine),
                outbox_check(engine, service, namespace=settings.topic_namespace),
                consumer_lag_check(
                    settings.kafka_bootstrap,
                    [f"{settings.group_id}.{name}" for name in subscription_names],
                ),
            ]
        ),
        asyncapi=lambda: asyncapi_document(
            service=service,
            version=version,
            bootstrap=settings.kafka_bootstrap,
            produces=produces,
            consumes=consumes,
        ),
        extras={
            "outbox": Outbox(settings.relay_shards, settings.topic_namespace),
            **(extras or {}),
        },
    )
    return create_api(
        context=context,
        title=title,
        version=version,
        description=description,
        routers=routers,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
    )


def build_standard_worker(
    settings: KitSettings,
    subscriptions: Callable[[async_sessionmaker[AsyncSession], Outbox], list[Subscription]],
    *,
    jobs: Callable[[async_sessionmaker[AsyncSession], Outbox], list[PeriodicJob]] | None = None,
    relay: bool = True,
) -> Worker:
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    sessions = session_factory(engine)
    outbox = Outbox(settings.relay_shards, settings.topic_namespace)
    return Worker(
        settings,
        engine,
        subscriptions(sessions, outbox),
        jobs=jobs(sessions, outbox) if jobs else (),
        relay=relay,
    )
