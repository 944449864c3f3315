"""Composition root of notifications: build the API and the worker from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import Worker
from mentoring.notifications.config import NotificationsSettings
from mentoring.notifications.entrypoints import api, worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build_api(settings: NotificationsSettings | None = None) -> FastAPI:
    return build_standard_api(
        settings or NotificationsSettings(),
        title="Mentoring: notifications",
        version=VERSION,
        description="Contact directory, templates, in-app inbox, e-mail, webhooks and reminders.",
        routers=[api.router],
        produces=models_on(topics.NOTIFICATIONS),
        consumes=[TenantProvisioned],
        subscription_names=("tenants",),
    )


def build_worker(settings: NotificationsSettings | None = None) -> Worker:
    return build_standard_worker(settings or NotificationsSettings(), worker.subscriptions)


service = ServiceDefinition(
    name="notifications",
    settings=NotificationsSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
)
