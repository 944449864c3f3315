"""Composition root of sessions: build the API and the worker from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.contracts import topics
from mentoring.contracts.events.matching import TenantProvisioned
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.outbox import Outbox
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import PeriodicJob, Worker
from mentoring.sessions.config import SessionsSettings
from mentoring.sessions.entrypoints import api, worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build_api(settings: SessionsSettings | None = None) -> FastAPI:
    return build_standard_api(
        settings or SessionsSettings(),
        title="Mentoring: sessions",
        version=VERSION,
        description="Mentoring agreements, goals, sessions, feedback and surveys.",
        routers=api.routers,
        produces=models_on(topics.SESSIONS),
        consumes=[TenantProvisioned, *worker.PAIR_EVENTS],
        subscription_names=("tenants", "pairs"),
    )


def build_worker(settings: SessionsSettings | None = None) -> Worker:
    settings = settings or SessionsSettings()

    def jobs(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> list[PeriodicJob]:
        return [worker.survey_job(sessions, outbox, interval_seconds=settings.survey_scan_seconds)]

    return build_standard_worker(settings, worker.subscriptions, jobs=jobs)


service = ServiceDefinition(
    name="sessions",
    settings=SessionsSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
)
