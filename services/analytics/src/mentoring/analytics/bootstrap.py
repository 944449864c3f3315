"""Composition root of analytics: build the API and the worker from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints import api, worker
from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import Worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build_api(settings: AnalyticsSettings | None = None) -> FastAPI:
    return build_standard_api(
        settings or AnalyticsSettings(),
        title="Mentoring: analytics",
        version=VERSION,
        description="Read models, programme figures, dashboard, exports, inactivity detection.",
        routers=[api.router],
        produces=models_on(topics.ANALYTICS),
        consumes=[TenantProvisioned],
        subscription_names=("tenants",),
    )


def build_worker(settings: AnalyticsSettings | None = None) -> Worker:
    return build_standard_worker(settings or AnalyticsSettings(), worker.subscriptions)


service = ServiceDefinition(
    name="analytics",
    settings=AnalyticsSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
)
