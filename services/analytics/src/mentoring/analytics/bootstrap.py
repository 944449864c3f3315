"""Composition root of analytics: build the API and the worker from settings."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints import api, cli, dashboard, worker
from mentoring.contracts import topics
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import Worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
STATIC = Path(__file__).resolve().parent / "entrypoints" / "static"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def use_read_model_schema(engine: AsyncEngine, schema: str) -> None:
    """Point every new connection at the read-model schema (then public, for the rest)."""
    if schema == "public":
        return
    statement = f'SET search_path TO "{schema}", public'

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()


async def freeze_heap() -> None:
    """After start-up, move what is alive (modules, app, pools) out of the collector's reach:
    its full collections then scan only what requests make, which keeps them short."""
    gc.collect()
    gc.freeze()


def build_api(settings: AnalyticsSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or AnalyticsSettings()
    app = build_standard_api(
        settings,
        title="Mentoring: analytics",
        version=VERSION,
        description=(
            "Figures of mentoring programmes per tenant and programme, over time: participation, "
            "matching, pairs, sessions, goals, ratings, fit checks, check-ins, pulse surveys, "
            "cross-unit pairs and cost. A figure computed from fewer than 5 people is returned "
            'as {"value": null, "suppressed": true, "reason": "fewer than 5 people"}. '
            "Every table also as CSV and XLSX; a dashboard page at /dashboard."
        ),
        routers=[api.router, dashboard.router],
        produces=models_on(topics.ANALYTICS),
        consumes=[
            *models_on(topics.MATCHING),
            *models_on(topics.SESSIONS),
            *models_on(topics.NOTIFICATIONS),
        ],
        subscription_names=worker.SUBSCRIPTION_NAMES,
        extras={"clock": clock},
        on_startup=[freeze_heap],
    )
    use_read_model_schema(app.state.kit.engine, settings.read_model_schema)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
    return app


def build_worker(settings: AnalyticsSettings | None = None, *, clock: Clock = utc_now) -> Worker:
    settings = settings or AnalyticsSettings()
    built = build_standard_worker(
        settings,
        worker.subscriptions,
        jobs=lambda s, o: worker.jobs(s, o, settings, clock),
    )
    use_read_model_schema(built.engine, settings.read_model_schema)
    return built


service = ServiceDefinition(
    name="analytics",
    settings=AnalyticsSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
    cli=cli.app,
)
